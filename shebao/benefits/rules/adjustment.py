"""Annual pension adjustment (养老金调整), rules.md §4.7. Pure.

One rule per year and province: a fixed sum (定额), a sum per full contribution year and a
percentage of the own pension (挂钩), and tilts (倾斜, e.g. by age). It applies to people
retired by 31 December of the previous year; each part is rounded to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shebao.kernel.rules.money import round_yuan


@dataclass(frozen=True)
class Tilt:
    min_age: int  # whole years reached by 31 December of the adjustment year
    amount: Decimal
    label: str = ""


@dataclass(frozen=True)
class AdjustmentRule:
    year: int
    region_code: str
    fixed: Decimal = Decimal(0)
    per_year: Decimal = Decimal(0)
    percent: Decimal = Decimal(0)  # a fraction: 0.005 = 0.5 % of the own pension
    tilts: tuple[Tilt, ...] = ()  # the highest applicable tilt is paid


@dataclass(frozen=True)
class Adjustment:
    year: int
    fixed: Decimal
    linked_years: Decimal
    linked_pension: Decimal
    tilt: Decimal
    delta: Decimal
    new_total: Decimal


def applies(rule: AdjustmentRule, retired_period: int) -> bool:
    return retired_period <= (rule.year - 1) * 100 + 12


def adjust(rule: AdjustmentRule, *, pension: Decimal, contribution_months: int, age_years: int) -> Adjustment:
    fixed = round_yuan(rule.fixed)
    linked_years = round_yuan(rule.per_year * (contribution_months // 12))
    linked_pension = round_yuan(pension * rule.percent)
    tilt = max((t.amount for t in rule.tilts if age_years >= t.min_age), default=Decimal(0))
    tilt = round_yuan(tilt)
    delta = fixed + linked_years + linked_pension + tilt
    return Adjustment(
        year=rule.year,
        fixed=fixed,
        linked_years=linked_years,
        linked_pension=linked_pension,
        tilt=tilt,
        delta=delta,
        new_total=pension + delta,
    )


# Representative Beijing-style 2025 rule (🌐: use the published local notice).
RULES: dict[tuple[int, str], AdjustmentRule] = {
    (2025, "11"): AdjustmentRule(
        year=2025,
        region_code="110000",
        fixed=Decimal("30"),
        per_year=Decimal("1"),
        percent=Decimal("0.005"),
        tilts=(
            Tilt(65, Decimal("20"), "65-69"),
            Tilt(70, Decimal("30"), "70-79"),
            Tilt(80, Decimal("50"), "80+"),
        ),
    ),
}


def rule_for(year: int, region_code: str) -> AdjustmentRule | None:
    return RULES.get((year, region_code[:2]))
