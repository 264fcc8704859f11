"""Statutory retirement age under the 2025 reform, the elastic window and the minimum
contribution months (rules.md §4.5, §4.6). Pure.

Periods are ``YYYYMM`` integers. The reform adds one month of age per ``step``
birth-months from the first affected cohort, up to ``cap`` months (annexes 1–3).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .errors import BenefitRuleError

ELASTIC_MONTHS = 36  # up to 3 years earlier (never below the original age) or later


class Category(enum.StrEnum):
    MALE = "male"  # 男职工
    FEMALE55 = "female55"  # 原55周岁女职工 (cadre / management post)
    FEMALE50 = "female50"  # 原50周岁女职工 (worker post)

    @property
    def label_zh(self) -> str:
        return {"male": "男职工", "female55": "女职工（原55周岁）", "female50": "女职工（原50周岁）"}[self]


# category: (original age in years, first affected birth year, birth-months per month of delay, cap)
PARAMS: dict[Category, tuple[int, int, int, int]] = {
    Category.MALE: (60, 1965, 4, 36),
    Category.FEMALE55: (55, 1970, 4, 36),
    Category.FEMALE50: (50, 1975, 2, 60),
}


def period_of(month_index: int) -> int:
    """Months since year 0 → YYYYMM."""
    return (month_index // 12) * 100 + month_index % 12 + 1


def month_index(period: int) -> int:
    return (period // 100) * 12 + period % 100 - 1


@dataclass(frozen=True)
class Retirement:
    category: Category
    birth_period: int
    original_age_months: int
    delay_months: int
    age_months: int  # statutory age in months
    period: int  # the month the statutory age is reached
    earliest_period: int  # elastic early retirement (never below the original age)
    latest_period: int  # elastic late retirement (with the employer's agreement)

    @property
    def age(self) -> tuple[int, int]:
        return divmod(self.age_months, 12)


def _category(value: object) -> Category:
    try:
        return Category(str(value))
    except ValueError:
        raise BenefitRuleError(
            field="category", zh="人员类别无效", en=f"unknown category {value!r}"
        ) from None


def statutory_retirement(birth_year: int, birth_month: int, category: object) -> Retirement:
    cat = _category(category)
    if not (1900 <= birth_year <= 2100) or not (1 <= birth_month <= 12):
        raise BenefitRuleError(field="birth_date", zh="出生年月无效", en="the birth month is not valid")
    base, y0, step, cap = PARAMS[cat]
    k = (birth_year - y0) * 12 + (birth_month - 1)
    delay = 0 if k < 0 else min(cap, k // step + 1)
    age_months = base * 12 + delay
    birth = birth_year * 12 + birth_month - 1
    statutory = birth + age_months
    earliest = max(birth + base * 12, statutory - ELASTIC_MONTHS)
    return Retirement(
        category=cat,
        birth_period=period_of(birth),
        original_age_months=base * 12,
        delay_months=delay,
        age_months=age_months,
        period=period_of(statutory),
        earliest_period=period_of(earliest),
        latest_period=period_of(statutory + ELASTIC_MONTHS),
    )


def age_at(retirement: Retirement, period: int) -> int:
    """Age in whole months at ``period``."""
    return month_index(period) - month_index(retirement.birth_period)


def check_within_window(retirement: Retirement, period: int) -> None:
    if not (retirement.earliest_period <= period <= retirement.latest_period):
        e, lt = retirement.earliest_period, retirement.latest_period
        raise BenefitRuleError(
            field="retire_period",
            zh=f"退休年月须在弹性退休区间 {e // 100}-{e % 100:02d} 至 {lt // 100}-{lt % 100:02d} 之内",
            en=f"the retirement month must be within the elastic window {e // 100}-{e % 100:02d} … "
            f"{lt // 100}-{lt % 100:02d}",
        )


def min_contribution_months(year: int) -> int:
    """§4.5: 180 months until 2029, then +6 a year up to 240 from 2039."""
    return 180 if year <= 2029 else min(240, 180 + 6 * (year - 2029))


def required_months(retirement: Retirement, period: int) -> int:
    """Minimum months for retiring in ``period``: the year of actual retirement when early,
    the statutory year when on time or late (the public calculators' reading, ❓ §4.5)."""
    year = period // 100 if period < retirement.period else retirement.period // 100
    return min_contribution_months(year)


def eligible(retirement: Retirement, period: int, contribution_months: int) -> bool:
    return contribution_months >= required_months(retirement, period)
