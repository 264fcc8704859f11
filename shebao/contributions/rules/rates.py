"""Contribution rates, bases and per-insurance amounts (rules.md §2.1–§2.4, §2.7). Pure.

Rates are integer ppm (millionths: 16 % = ``160_000``) because the database batch computes
in integer fen with integer ppm rates; :func:`amount_fen` is the exact formula that batch
uses, and its property test shows it equals the ``Decimal`` computation rounded half up
to the fen. Rates, base limits and reference wages are data with effective dates (🌐):
nothing here hard-codes a province's figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from shebao.kernel.rules.money import YUAN, round_whole_yuan, round_yuan
from shebao.register.rules.codes import Insurance

from .errors import ContributionRuleError, check_fen, check_fits_bigint, check_money

PPM = 1_000_000  # 100 %
_HALF_PPM = PPM // 2

# Flexible workers choose a pension base between 60 % and 300 % of S (国办发〔2019〕13号, §2.3).
FLEXIBLE_GRADE_MIN = 60
FLEXIBLE_GRADE_MAX = 300

# No declaration: provisionally 110 % of last month's amount (社会保险法 art. 62, §2.4).
PROVISIONAL_FACTOR = Decimal("1.10")


def rate_to_ppm(rate: Decimal | str) -> int:
    """A rate as a fraction (``Decimal("0.098")``, ``"0.16"``) or percent text (``"9.8%"``) → ppm.

    Exact: refuses a rate that is not a whole number of ppm, negative, or above 100 %.
    """
    if isinstance(rate, str):
        text = rate.strip()
        scale = Decimal(1)
        if text.endswith("%"):
            text, scale = text[:-1].strip(), Decimal("0.01")
        try:
            value = Decimal(text) * scale
        except InvalidOperation:
            raise ContributionRuleError(
                field="rate", zh=f"费率“{rate}”不是数字", en=f"the rate {rate!r} is not a number"
            ) from None
    elif isinstance(rate, Decimal):
        value = rate
    else:
        raise ContributionRuleError(
            field="rate",
            zh="费率应为 Decimal 或文本",
            en=f"the rate must be a Decimal or text, not {type(rate).__name__}",
        )
    if not value.is_finite() or value < 0 or value > 1:
        raise ContributionRuleError(
            field="rate",
            zh=f"费率 {rate} 应在 0–100% 之间",
            en=f"the rate {rate} must be between 0 and 100 %",
        )
    ppm = value * PPM
    if ppm != ppm.to_integral_value():
        raise ContributionRuleError(
            field="rate",
            zh=f"费率 {rate} 精度超过百万分之一",
            en=f"the rate {rate} is finer than one part per million",
        )
    return int(ppm)


def check_ppm(value: object, *, field: str = "rate_ppm") -> int:
    """An integer rate in ppm between 0 and 100 %."""
    return check_fen(value, field=field, maximum=PPM)


def ppm_to_rate(ppm: int) -> Decimal:
    """ppm → the exact ``Decimal`` fraction (``98_000`` → ``Decimal("0.098000")``)."""
    return Decimal(check_ppm(ppm)).scaleb(-6)


def percent_text(ppm: int) -> str:
    """ppm → percent for display, without trailing zeros: ``98_000`` → ``"9.8%"``."""
    percent = Decimal(check_ppm(ppm)).scaleb(-4).normalize()
    return f"{percent:f}%"


def amount_fen(*, base_fen: int, rate_ppm: int) -> int:
    """base × rate rounded half up to the fen, in integers (the batch's formula, §2.7).

    ``(base_fen * rate_ppm + 500_000) // 1_000_000``: SQL computes the same expression in
    ``bigint``, so inputs whose product would overflow it are refused.
    """
    check_fen(base_fen, field="base_fen")
    check_ppm(rate_ppm)
    product = check_fits_bigint(base_fen * rate_ppm + _HALF_PPM, field="base_fen")
    return product // PPM


def clamp_base(*, wage: Decimal, floor: Decimal, ceiling: Decimal) -> Decimal:
    """Contribution base = the wage clamped to the published [floor, ceiling] (§2.2)."""
    wage = check_money(wage, field="wage")
    floor = check_money(floor, field="floor")
    ceiling = check_money(ceiling, field="ceiling")
    _check_limits(floor, ceiling)
    return min(max(wage, floor), ceiling)


def clamp_base_fen(*, wage_fen: int, floor_fen: int, ceiling_fen: int) -> int:
    """:func:`clamp_base` in integer fen."""
    wage_fen = check_fen(wage_fen, field="wage_fen")
    floor_fen = check_fen(floor_fen, field="floor_fen")
    ceiling_fen = check_fen(ceiling_fen, field="ceiling_fen")
    _check_limits(floor_fen, ceiling_fen)
    return min(max(wage_fen, floor_fen), ceiling_fen)


def _check_limits(floor: Decimal | int, ceiling: Decimal | int) -> None:
    if floor > ceiling:
        raise ContributionRuleError(
            field="floor",
            zh=f"缴费基数下限 {floor} 高于上限 {ceiling}",
            en=f"the base floor {floor} is above the ceiling {ceiling}",
        )


def base_limits(
    *,
    reference_wage: Decimal,
    lower_pct: Decimal = Decimal("0.6"),
    upper_pct: Decimal = Decimal("3"),
    places: Decimal = YUAN,
) -> tuple[Decimal, Decimal]:
    """(lower, upper) = (0.6 × S, 3 × S) rounded half up, to whole yuan by default (§2.2).

    The system stores the *published* limits (some are transitional, below 60 %); this
    helper is for checks and the demo. T11: S = 7,646 → (4,588, 22,938).
    """
    reference_wage = check_money(reference_wage, field="reference_wage")
    if reference_wage == 0:
        raise ContributionRuleError(
            field="reference_wage", zh="社平工资不能为零", en="the reference wage must not be zero"
        )
    lower_pct = check_money(lower_pct, field="lower_pct")
    upper_pct = check_money(upper_pct, field="upper_pct")
    if lower_pct > upper_pct:
        raise ContributionRuleError(
            field="lower_pct",
            zh=f"下限比例 {lower_pct} 高于上限比例 {upper_pct}",
            en=f"the lower percentage {lower_pct} is above the upper {upper_pct}",
        )
    return (
        round_yuan(reference_wage * lower_pct, places),
        round_yuan(reference_wage * upper_pct, places),
    )


def flexible_base(*, grade_pct: int, reference_wage: Decimal, floor: Decimal, ceiling: Decimal) -> Decimal:
    """A flexible worker's pension base: round_whole_yuan(S × grade / 100), clamped (§2.3).

    ``grade_pct`` is the chosen 缴费档次 in percent, 60..300. T12: Sichuan S = 7,646, grade 60
    → 4,588; T13: grade 300 → 22,938.
    """
    if isinstance(grade_pct, bool) or not isinstance(grade_pct, int):
        raise ContributionRuleError(
            field="grade_pct", zh="缴费档次应为整数百分比", en="the grade must be a whole percentage"
        )
    if not FLEXIBLE_GRADE_MIN <= grade_pct <= FLEXIBLE_GRADE_MAX:
        raise ContributionRuleError(
            field="grade_pct",
            zh=f"缴费档次 {grade_pct}% 应在 60%–300% 之间",
            en=f"the grade {grade_pct} % must be between 60 % and 300 %",
        )
    reference_wage = check_money(reference_wage, field="reference_wage")
    base = round_whole_yuan(reference_wage * grade_pct / 100)
    return clamp_base(wage=base, floor=floor, ceiling=ceiling)


def provisional_amount(*, last_amount: Decimal) -> Decimal:
    """No declaration: 110 % of last month's assessed amount, to the cent (社会保险法 art. 62).

    T14: 10,000.00 → 11,000.00.
    """
    last_amount = check_money(last_amount, field="last_amount")
    return round_yuan(last_amount * PROVISIONAL_FACTOR)


@dataclass(frozen=True, slots=True)
class InsuranceRates:
    """One insurance's rates for one jurisdiction and period (§2.1).

    ``individual_fixed_fen`` is a fixed monthly sum the individual pays on top of the
    rate, e.g. Beijing's 3 yuan 大额互助 on medical (``300``).
    """

    insurance: Insurance
    employer_ppm: int
    individual_ppm: int
    individual_fixed_fen: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.insurance, Insurance):
            raise ContributionRuleError(
                field="insurance", zh="险种无效", en=f"unknown insurance {self.insurance!r}"
            )
        check_ppm(self.employer_ppm, field="employer_ppm")
        check_ppm(self.individual_ppm, field="individual_ppm")
        check_fen(self.individual_fixed_fen, field="individual_fixed_fen")


def line_amounts(*, base_fen: int, rates: InsuranceRates) -> tuple[int, int]:
    """(employer_fen, individual_fen) for one person, one insurance, one period (§2.7).

    Each share is rounded to the fen on its own; the individual share adds the fixed sum.
    T08: base 7,162, pension 16 % / 8 % → (114_592, 57_296).
    """
    if not isinstance(rates, InsuranceRates):
        raise ContributionRuleError(
            field="rates", zh="费率应为 InsuranceRates", en="rates must be an InsuranceRates"
        )
    employer = amount_fen(base_fen=base_fen, rate_ppm=rates.employer_ppm)
    individual = amount_fen(base_fen=base_fen, rate_ppm=rates.individual_ppm) + rates.individual_fixed_fen
    return employer, individual
