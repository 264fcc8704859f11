"""Codes of the payroll (pure: no Django)."""

from __future__ import annotations

import enum


class Benefit(enum.StrEnum):
    PENSION = "pension"  # 基本养老金
    UNEMPLOYMENT = "unemployment"  # 失业保险金
    SURVIVOR = "survivor"  # 遗属待遇 / 抚恤金
    FUNERAL = "funeral"  # 丧葬补助金 (one-off, paid as a single month)


class PayeeStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    STOPPED = "stopped"


class PaymentKind(enum.StrEnum):
    NORMAL = "normal"  # the month's amount
    BACKPAY = "backpay"  # 补发: suspended months, retroactive increases
    REISSUE = "reissue"  # 重发: a payment the bank returned
    RECOVERY = "recovery"  # 抵扣: offset of a receivable (negative)


class PaymentStatus(enum.StrEnum):
    SENT = "sent"
    FAILED = "failed"  # returned by the bank


class AdjustmentKind(enum.StrEnum):
    BACKPAY = "backpay"
    REISSUE = "reissue"


class ReceivableStatus(enum.StrEnum):
    OPEN = "open"  # raised, waiting for repayment
    OFFSETTING = "offsetting"  # recovered from later payments
    RECOVERED = "recovered"


class RecoveryKind(enum.StrEnum):
    OFFSET = "offset"
    REPAY = "repay"


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CLOSED = "closed"  # bank returns applied: the period is final


# Banks the agency has agreements with (code → name); a payee's bank must be one of them.
BANKS: dict[str, str] = {
    "ICBC": "中国工商银行",
    "ABC": "中国农业银行",
    "BOC": "中国银行",
    "CCB": "中国建设银行",
    "BCM": "交通银行",
    "PSBC": "中国邮政储蓄银行",
    "BOB": "北京银行",
    "BRCB": "北京农商银行",
}

BENEFIT_LABELS_ZH = {
    Benefit.PENSION: "基本养老金",
    Benefit.UNEMPLOYMENT: "失业保险金",
    Benefit.SURVIVOR: "遗属待遇",
    Benefit.FUNERAL: "丧葬补助金",
}

MAX_MONTHLY_FEN = 1_000_000_00  # one million yuan a month: anything above is a typing error
DEFAULT_OFFSET_PPM = 500_000  # at most half of a month's payment goes to a recovery
