"""Personal-account credits (个人账户记账, rules.md §3.1, §2.3). Pure.

The credit share of the base is a parameter with effective dates (8 % since 2006, 11 % in
1997–2005), loaded as data: it is passed in as ``credit_ppm``, never hard-coded here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ContributionRuleError
from .rates import amount_fen, check_ppm


def account_credit_fen(*, individual_base_fen: int, credit_ppm: int) -> int:
    """Monthly credit to the personal account: base × credit share, half up to the fen.

    T12: base 4,588 at 8 % → 367.04 (``36_704``).
    """
    return amount_fen(base_fen=individual_base_fen, rate_ppm=credit_ppm)


@dataclass(frozen=True, slots=True)
class FlexibleSplit:
    """A flexible worker's monthly pension contribution, split (§2.3): ``total_fen`` paid,
    of which ``account_fen`` to the personal account and ``pooled_fen`` to the pooled fund."""

    total_fen: int
    account_fen: int
    pooled_fen: int


def flexible_pension_split(*, base_fen: int, rate_ppm: int, credit_ppm: int) -> FlexibleSplit:
    """Split a flexible worker's pension contribution (all paid by the individual, §2.3).

    Both shares are rounded from the base on their own; the pooled part is the difference,
    so the parts always add up to what was paid. T12: base 4,588, 20 %, 8 % → 917.60 of
    which 367.04 to the account; T13: 22,938 → 4,587.60 / 1,835.04.
    """
    check_ppm(rate_ppm)
    check_ppm(credit_ppm, field="credit_ppm")
    if credit_ppm > rate_ppm:
        raise ContributionRuleError(
            field="credit_ppm",
            zh="记入个人账户的比例不能高于缴费比例",
            en="the account share must not exceed the contribution rate",
        )
    total = amount_fen(base_fen=base_fen, rate_ppm=rate_ppm)
    account = account_credit_fen(individual_base_fen=base_fen, credit_ppm=credit_ppm)
    return FlexibleSplit(total_fen=total, account_fen=account, pooled_fen=total - account)
