"""Pension estimator (养老金测算): the record so far plus stated assumptions → a breakdown.
Pure. The future is projected year by year: the average wage grows by ``wage_growth``, the
person contributes at ``future_index`` × that wage, 8 % of the base is credited to the
account, which earns ``interest_rate`` (the 1997 formula: credits of m months earn
(m + 1) / 2 months of interest). The benefit base C is the wage of the year before
retirement. Rounding: projected wages and balances to the cent each year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from shebao.kernel.rules.money import round_yuan

from .errors import BenefitRuleError
from .pension import IndexYear, PensionBreakdown, PensionInputs, average_index, pension
from .retirement import (
    Retirement,
    age_at,
    check_within_window,
    month_index,
    required_months,
    statutory_retirement,
)

ACCOUNT_SHARE = Decimal("0.08")  # §3.1, since 2006
MAX_GROWTH = Decimal("0.3")


@dataclass(frozen=True)
class Assumptions:
    wage_growth: Decimal = Decimal("0.03")
    future_index: Decimal = Decimal("1.0")
    interest_rate: Decimal = Decimal("0.025")
    retire_period: int | None = None  # within the elastic window; default: statutory

    def check(self) -> None:
        if not (Decimal("-0.1") <= self.wage_growth <= MAX_GROWTH):
            raise BenefitRuleError(
                field="wage_growth",
                zh="工资增长率应在 -10% 至 30% 之间",
                en="wage growth must be -10 % … 30 %",
            )
        if not (Decimal("0.6") <= self.future_index <= Decimal("3")):
            raise BenefitRuleError(
                field="future_index",
                zh="今后缴费指数应在 0.6 至 3 之间",
                en="the future index must be 0.6 … 3",
            )
        if not (Decimal(0) <= self.interest_rate <= Decimal("0.1")):
            raise BenefitRuleError(
                field="interest_rate",
                zh="记账利率应在 0 至 10% 之间",
                en="the crediting rate must be 0 … 10 %",
            )


@dataclass(frozen=True)
class EstimateInputs:
    birth_year: int
    birth_month: int
    category: str
    region_code: str
    current_period: int  # the last month of the known record (YYYYMM)
    average_wage: Decimal  # S of the current year (monthly)
    record: tuple[IndexYear, ...]
    account_balance: Decimal
    deemed_months: int = 0
    actual_months_1992_1998: int = 0


@dataclass(frozen=True)
class ProjectedYear:
    year: int
    months: int
    average_wage: Decimal
    base: Decimal
    credits: Decimal
    balance: Decimal


@dataclass(frozen=True)
class Estimate:
    retirement: Retirement
    retire_period: int
    eligible: bool
    required_months: int
    contribution_months: int
    index: Decimal
    breakdown: PensionBreakdown
    projection: tuple[ProjectedYear, ...]
    assumptions: Assumptions
    notes: tuple[str, ...] = field(default=())


def estimate(inputs: EstimateInputs, assumptions: Assumptions) -> Estimate:
    assumptions.check()
    if inputs.average_wage <= 0:
        raise BenefitRuleError(
            field="average_wage", zh="社平工资应为正数", en="the average wage must be positive"
        )
    if inputs.account_balance < 0:
        raise BenefitRuleError(
            field="account_balance", zh="个人账户余额不能为负", en="the balance cannot be negative"
        )
    ret = statutory_retirement(inputs.birth_year, inputs.birth_month, inputs.category)
    retire_period = assumptions.retire_period or ret.period
    check_within_window(ret, retire_period)
    now_year = inputs.current_period // 100
    start = month_index(inputs.current_period) + 1
    stop = month_index(retire_period)  # contributions until the month before retirement
    projection: list[ProjectedYear] = []
    future: list[IndexYear] = []
    balance = inputs.account_balance
    growth = 1 + assumptions.wage_growth
    r = assumptions.interest_rate
    m = start
    while m < stop:
        year = m // 12
        months = min(stop, (year + 1) * 12) - m
        wage = round_yuan(inputs.average_wage * growth ** (year - now_year))
        base = round_yuan(wage * assumptions.future_index)
        credits = round_yuan(base * ACCOUNT_SHARE * months)
        balance = round_yuan(
            balance * (1 + r * Decimal(months) / 12) + credits * (1 + r * Decimal(months + 1) / 24)
        )
        projection.append(ProjectedYear(year, months, wage, base, credits, balance))
        future.append(IndexYear(year, months, base, wage))
        m += months
    all_years = tuple(inputs.record) + tuple(future)
    actual_months = sum(y.months for y in all_years)
    index = average_index(all_years) if actual_months else Decimal("0.6")
    months_total = actual_months + inputs.deemed_months
    benefit_base = round_yuan(inputs.average_wage * growth ** (retire_period // 100 - 1 - now_year))
    age = age_at(ret, retire_period)
    breakdown = pension(
        PensionInputs(
            benefit_base=benefit_base,
            index=index,
            contribution_months=months_total,
            account_balance=balance,
            age_years=age // 12,
            age_months=age % 12,
            deemed_months=inputs.deemed_months,
            actual_months_1992_1998=inputs.actual_months_1992_1998,
            region_code=inputs.region_code,
        )
    )
    need = required_months(ret, retire_period)
    notes = () if months_total >= need else (f"need {need} months, {months_total} projected",)
    return Estimate(
        retirement=ret,
        retire_period=retire_period,
        eligible=months_total >= need,
        required_months=need,
        contribution_months=months_total,
        index=index,
        breakdown=breakdown,
        projection=tuple(projection),
        assumptions=assumptions,
        notes=notes,
    )
