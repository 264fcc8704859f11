"""The transfer's state machine and its timers (rules.md §6.4).

``APPLIED → ACCEPTED (联系函 sent) | REJECTED → OUT_PROCESSED (信息表 + funds sent)
→ FUNDS_RECEIVED → MERGED → NOTIFIED``; a transfer out is refused (REJECTED) from
ACCEPTED when the sending side cannot transfer. Each statutory step has
``STEP_WORKING_DAYS`` (15) working days from its start; FUNDS_RECEIVED and MERGED share
the clock of step 4, which started when the 信息表 arrived.
"""

from __future__ import annotations

import enum

from shebao.transfers.rules.errors import TransferRuleError

STEP_WORKING_DAYS = 15


class Status(enum.StrEnum):
    APPLIED = "applied"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    OUT_PROCESSED = "out_processed"
    FUNDS_RECEIVED = "funds_received"
    MERGED = "merged"
    NOTIFIED = "notified"


LABELS = {
    Status.APPLIED: ("已申请", "applied"),
    Status.ACCEPTED: ("已受理，联系函已发出", "accepted, contact letter sent"),
    Status.REJECTED: ("不予受理", "rejected"),
    Status.OUT_PROCESSED: ("转出地已办结，信息表和基金已转出", "sent out: information form and funds"),
    Status.FUNDS_RECEIVED: ("基金已到账并核对无误", "funds received and checked"),
    Status.MERGED: ("缴费记录已合并", "records merged"),
    Status.NOTIFIED: ("已办结并通知本人", "completed and notified"),
}

ALLOWED: dict[Status, frozenset[Status]] = {
    Status.APPLIED: frozenset({Status.ACCEPTED, Status.REJECTED}),
    Status.ACCEPTED: frozenset({Status.OUT_PROCESSED, Status.REJECTED}),
    Status.OUT_PROCESSED: frozenset({Status.FUNDS_RECEIVED}),
    Status.FUNDS_RECEIVED: frozenset({Status.MERGED}),
    Status.MERGED: frozenset({Status.NOTIFIED}),
}
FINAL = frozenset({Status.REJECTED, Status.NOTIFIED})
NEW_CLOCK = frozenset({Status.APPLIED, Status.ACCEPTED, Status.OUT_PROCESSED})  # a step starts: 15 working days
SAME_CLOCK = frozenset({Status.FUNDS_RECEIVED, Status.MERGED})  # still inside step 4


def plan(current: str, target: str) -> Status:
    """The target status when ``current → target`` is allowed; refuses otherwise."""
    src, dst = Status(current), Status(target)
    if dst not in ALLOWED.get(src, frozenset()):
        raise TransferRuleError(
            field="status",
            zh=f"当前状态为“{LABELS[src][0]}”，不能转为“{LABELS[dst][0]}”",
            en=f"cannot go from {src} to {dst}",
        )
    return dst
