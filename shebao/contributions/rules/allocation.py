"""Settling a payment against open items, oldest first (rules.md §2.4 到账, §2.6). Pure.

A payment fills the open items in the order given (the caller sorts them: oldest 费款所属期
first, and within a period e.g. contributions before late fees); whatever is left over is
held as credit. Everything is integer fen, so no cent is ever created or lost.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from .errors import ContributionRuleError, check_fen

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Allocation(Generic[K]):
    """How one payment was applied: ``parts`` (item key, fen > 0) in settlement order and
    ``credit_fen``, the over-payment held as credit. ``allocated_fen + credit_fen`` is the
    payment."""

    parts: tuple[tuple[K, int], ...]
    credit_fen: int

    @property
    def allocated_fen(self) -> int:
        return sum(fen for _, fen in self.parts)


def allocate_payment(*, amount_fen: int, open_items: Sequence[tuple[K, int]]) -> Allocation[K]:
    """Apply ``amount_fen`` to ``open_items`` = [(key, outstanding_fen)] in the order given.

    Each item takes ``min(outstanding, what is left)``; items with nothing outstanding or
    not reached get no part. Keys must be unique. A partial payment therefore settles the
    oldest items in full and the next one in part.
    """
    remaining = check_fen(amount_fen, field="amount_fen")
    if not isinstance(open_items, Sequence) or isinstance(open_items, str | bytes):
        raise ContributionRuleError(
            field="open_items",
            zh="待缴项目应为列表",
            en="open_items must be a list of (key, outstanding_fen)",
        )
    seen: set[K] = set()
    parts: list[tuple[K, int]] = []
    for position, item in enumerate(open_items):
        field = f"open_items[{position}]"
        if not isinstance(item, tuple) or len(item) != 2:
            raise ContributionRuleError(
                field=field, zh="应为（项目, 欠缴金额）", en="each item must be (key, outstanding_fen)"
            )
        key, outstanding = item
        check_fen(outstanding, field=field)
        if key in seen:
            raise ContributionRuleError(
                field=field, zh=f"项目 {key!r} 重复", en=f"the item {key!r} appears twice"
            )
        seen.add(key)
        share = min(outstanding, remaining)
        if share:
            parts.append((key, share))
            remaining -= share
    return Allocation(parts=tuple(parts), credit_fen=remaining)


def reverse_allocation(*, parts: Sequence[tuple[K, int]]) -> tuple[tuple[K, int], ...]:
    """The negative parts that undo ``parts`` exactly (a returned or bounced payment).

    Same keys, same order, each amount negated; applying both leaves every item as before.
    """
    reversed_parts: list[tuple[K, int]] = []
    for position, item in enumerate(parts):
        field = f"parts[{position}]"
        if not isinstance(item, tuple) or len(item) != 2:
            raise ContributionRuleError(
                field=field, zh="应为（项目, 金额）", en="each part must be (key, fen)"
            )
        key, fen = item
        check_fen(fen, field=field)
        if fen == 0:
            raise ContributionRuleError(
                field=field, zh="冲正的分配额应为正数", en="a part to reverse must be positive"
            )
        reversed_parts.append((key, -fen))
    return tuple(reversed_parts)
