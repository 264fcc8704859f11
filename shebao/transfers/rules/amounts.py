"""What moves (rules.md §6.1, 国办发〔2009〕66号 art. 4).

- Personal account: the whole balance, principal and interest (as the ledger holds it).
- Pooled fund: ``POOLED_RATE`` (12 %) × Σ the monthly contribution bases of every month
  from ``POOLED_FROM`` (1998-01) on. Under a year: the actual months (T41).
- Temporary account (art. 5): all contributions, employer + individual.

Rounding: exactly once, at the named point ``ROUND_POOLED`` — the product of the rate and
the exact sum of the bases, half up to the fen. Bases are summed unrounded (they are
already whole fen in the ledger), so monthly and annual sums give the same amount (T40).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shebao.kernel.rules.money import CENT
from shebao.transfers.rules.errors import TransferRuleError

POOLED_RATE = Decimal("0.12")
POOLED_FROM = 199801
ROUND_POOLED = ROUND_HALF_UP  # the one rounding point: 12 % × Σ bases, to the fen


@dataclass(frozen=True)
class MonthRow:
    period: int  # YYYYMM
    base: Decimal  # the pension contribution base of the month (yuan)
    employer: Decimal = Decimal("0")
    individual: Decimal = Decimal("0")


def pooled_base_sum(months: Iterable[MonthRow]) -> Decimal:
    total = Decimal("0")
    for m in months:
        if m.base < 0:
            raise TransferRuleError(field="base", zh=f"{m.period} 缴费基数为负", en=f"negative base in {m.period}")
        if m.period >= POOLED_FROM:
            total += m.base
    return total


def pooled_transfer(months: Iterable[MonthRow]) -> Decimal:
    """统筹基金转移额 = 12 % × Σ monthly bases since 1998-01, rounded half up to the fen."""
    return (POOLED_RATE * pooled_base_sum(months)).quantize(CENT, rounding=ROUND_POOLED)


def temporary_account_total(months: Iterable[MonthRow]) -> Decimal:
    """临时缴费账户: every contribution, employer and individual (interest credited by the ledger)."""
    return sum((m.employer + m.individual for m in months), Decimal("0")).quantize(CENT, rounding=ROUND_HALF_UP)


def funds_total(*, account_principal: Decimal, account_interest: Decimal, pooled: Decimal, temporary: Decimal,
                temporary_account: bool) -> Decimal:  # fmt: skip
    """The amount wired: the temporary account, or the personal account plus the pooled part."""
    if temporary_account:
        return temporary
    return account_principal + account_interest + pooled
