"""Annual interest on the personal pension account (个人账户记账利息, rules.md §3.3). Pure.

Principal (本金) and interest (利息) are kept apart because transfers and inheritance need
the split (§3.1): the year's credits add to principal, the year's interest to interest,
and the whole opening balance (principal + interest) earns interest. Each interest part is
rounded half up to the cent once; the closing balance is the sum of the rounded parts.

The method is configuration (🌐): the 1997 annual formula (劳办发〔1997〕116号), the monthly
product method (月积数法), or no interest on the current year's credits.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from shebao.kernel.rules.money import round_yuan

from .errors import ContributionRuleError, check_fen, check_fits_bigint, check_money
from .rates import PPM, check_ppm

# 1.083 × 1/2 ≈ 78/144: the average months of interest earned by 12 level monthly credits,
# as the 1997 document writes it (13/12 rounded to three places).
FACTOR_1997 = Decimal("1.083")
_FACTOR_1997_INT = 1083  # FACTOR_1997 × 1000, for the integer twin


class InterestMethod(enum.StrEnum):
    ANNUAL_1997 = "annual_1997"  # opening × (1 + r) + credits × (1 + r × 1.083 / 2)
    MONTHLY_PRODUCT = "monthly_product"  # 月积数法: each credit earns r × months held / 12
    YEAR_END_ONLY = "year_end_only"  # no interest on the current year's credits


@dataclass(frozen=True, slots=True)
class YearResult:
    """One account-year. ``closing = closing_principal + closing_interest``."""

    opening_principal: Decimal
    opening_interest: Decimal
    credits: Decimal
    interest_on_opening: Decimal
    interest_on_credits: Decimal
    closing_principal: Decimal
    closing_interest: Decimal
    closing: Decimal


def _check_rate(rate: object) -> Decimal:
    value = check_money(rate, field="rate")
    if value > 1:
        raise ContributionRuleError(
            field="rate", zh=f"记账利率 {value} 超过 100%", en=f"the crediting rate {value} is above 100 %"
        )
    return value


def _check_months(months: object) -> int:
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 12:
        raise ContributionRuleError(
            field="months", zh="计息月数应为 1–12 的整数", en="months must be a whole number from 1 to 12"
        )
    return months


def _check_method(method: object) -> InterestMethod:
    try:
        return InterestMethod(method)
    except ValueError:
        raise ContributionRuleError(
            field="method", zh="计息方法无效", en=f"unknown interest method {method!r}"
        ) from None


def _check_monthly(monthly: object, *, months: int, fen: bool) -> dict[int, Decimal | int]:
    if not isinstance(monthly, dict):
        raise ContributionRuleError(
            field="monthly_credits",
            zh="按月记账额应为 {月份: 金额}",
            en="monthly_credits must be a mapping month → amount",
        )
    checked: dict[int, Decimal | int] = {}
    for month, amount in monthly.items():
        field = f"monthly_credits[{month}]"
        if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= months:
            raise ContributionRuleError(
                field=field,
                zh=f"月份 {month} 应在 1–{months} 之间",
                en=f"the month {month!r} must be between 1 and {months}",
            )
        checked[month] = (
            check_fen(amount, field=field) if fen else check_money(amount, field=field, cents=True)
        )
    return checked


def credit_year(
    *,
    opening_principal: Decimal,
    opening_interest: Decimal,
    monthly_credits: dict[int, Decimal],
    rate: Decimal,
    method: InterestMethod,
    months: int = 12,
) -> YearResult:
    """Credit one year's interest (§3.3).

    ``monthly_credits`` maps month 1..12 to the amount credited (posted) for it. ``months``
    below 12 is the broken year of a mid-year event (retirement, transfer, death), pro rata
    with the rate given (usually the latest published one, §3.3): the opening balance earns
    r × months / 12, and credits may only fall in months 1..months.

    - ``annual_1997``: credits earn r × 1.083 / 2 for a full year. For a broken year of m
      months the same level-credit average is used, r × (m + 1) / 24 (the 1997 text's 1.083
      is 13/12 rounded, so m = 12 would give 13/24; the published 1.083 is kept for m = 12).
    - ``monthly_product``: the credit of month k earns r × (m − k + 1) / 12 (its own month
      included).
    - ``year_end_only``: credits earn nothing this year.

    T19: opening 50,000, r = 2.62 %, 12 × 640 → 59,098.96 (annual_1997), 59,098.99 (monthly).
    """
    opening_principal = check_money(opening_principal, field="opening_principal", cents=True)
    opening_interest = check_money(opening_interest, field="opening_interest", cents=True)
    rate = _check_rate(rate)
    method = _check_method(method)
    months = _check_months(months)
    monthly = _check_monthly(monthly_credits, months=months, fen=False)

    credits = sum(monthly.values(), Decimal(0))
    interest_on_opening = round_yuan((opening_principal + opening_interest) * rate * months / 12)
    if method is InterestMethod.ANNUAL_1997:
        factor, divisor = (FACTOR_1997, 2) if months == 12 else (Decimal(months + 1), 24)
        on_credits = credits * rate * factor / divisor
    elif method is InterestMethod.MONTHLY_PRODUCT:
        month_products = sum((amount * (months - month + 1) for month, amount in monthly.items()), Decimal(0))
        on_credits = month_products * rate / 12
    else:
        on_credits = Decimal(0)
    interest_on_credits = round_yuan(on_credits)

    closing_principal = round_yuan(opening_principal + credits)
    closing_interest = round_yuan(opening_interest + interest_on_opening + interest_on_credits)
    return YearResult(
        opening_principal=round_yuan(opening_principal),
        opening_interest=round_yuan(opening_interest),
        credits=round_yuan(credits),
        interest_on_opening=interest_on_opening,
        interest_on_credits=interest_on_credits,
        closing_principal=closing_principal,
        closing_interest=closing_interest,
        closing=closing_principal + closing_interest,
    )


def _div_half_up(numerator: int, denominator: int, *, field: str) -> int:
    """ROUND_HALF_UP of numerator / denominator for non-negative integers, as SQL writes it:
    ``(x + d / 2) / d`` in ``bigint`` (so an overflowing numerator is refused)."""
    return check_fits_bigint(numerator + denominator // 2, field=field) // denominator


def interest_fen_annual(*, opening_fen: int, credits_fen: int, rate_ppm: int) -> tuple[int, int]:
    """Integer twin of ``credit_year(method=annual_1997)`` for the SQL batch (full year).

    Returns (interest on the opening balance, interest on the year's credits) in fen:
    ``(opening_fen × rate_ppm + 5·10^5) // 10^6`` and
    ``(credits_fen × rate_ppm × 1083 + 10^9) // (2·10^9)``.
    """
    check_fen(opening_fen, field="opening_fen")
    check_fen(credits_fen, field="credits_fen")
    check_ppm(rate_ppm)
    on_opening = _div_half_up(opening_fen * rate_ppm, PPM, field="opening_fen")
    on_credits = _div_half_up(credits_fen * rate_ppm * _FACTOR_1997_INT, 2 * PPM * 1000, field="credits_fen")
    return on_opening, on_credits


def interest_fen_monthly_product(
    *, opening_fen: int, monthly_credits_fen: dict[int, int], rate_ppm: int, months: int = 12
) -> tuple[int, int]:
    """Integer twin of ``credit_year(method=monthly_product)`` for the SQL batch.

    (interest on opening, interest on credits) in fen:
    ``(opening_fen × rate_ppm × m + 6·10^6) // (12·10^6)`` and
    ``(Σ credit_k × (m − k + 1) × rate_ppm + 6·10^6) // (12·10^6)``.
    """
    check_fen(opening_fen, field="opening_fen")
    check_ppm(rate_ppm)
    months = _check_months(months)
    monthly = _check_monthly(monthly_credits_fen, months=months, fen=True)
    month_products = sum(int(amount) * (months - month + 1) for month, amount in monthly.items())
    on_opening = _div_half_up(opening_fen * rate_ppm * months, 12 * PPM, field="opening_fen")
    on_credits = _div_half_up(month_products * rate_ppm, 12 * PPM, field="monthly_credits_fen")
    return on_opening, on_credits
