"""Basic pension (基本养老金) of enterprise employees, rules.md §4.1–§4.4. Pure.

``basic = C × (1 + Z) / 2 × N × 1 %`` (38号文), ``account = balance / 计发月数``, and a
transitional pension for 中人 computed by a pluggable provincial rule (Beijing first:
``C × N同 × 1 % + C × Z实 × N实98 × 1 %``). Rounding points, all ROUND_HALF_UP:
``INDEX_PLACES`` for Z, and each component to the cent; the total is the sum of the
rounded components (§2.7).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from shebao.kernel.rules.money import round_yuan

from .divisor import divisor
from .errors import BenefitRuleError

INDEX_PLACES = Decimal("0.0001")  # Z is kept to four places (T27: 0.9833)
INDEX_FLOOR, INDEX_CEILING = Decimal("0.6"), Decimal("3.0")  # the base is clamped to 60 %–300 %
ONE_PERCENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class IndexYear:
    """One year of the record: months paid, the mean monthly base of those months, and the
    average monthly wage S that set that year's base limits (paying place, art. 7)."""

    year: int
    months: int
    base: Decimal
    average_wage: Decimal


def average_index(years: Iterable[IndexYear]) -> Decimal:
    """Z = Σ months × clamp(base / S) / Σ months (§4.2), rounded to ``INDEX_PLACES``."""
    total_months = 0
    weighted = Decimal(0)
    for row in years:
        if row.months < 0 or row.months > 12:
            raise BenefitRuleError(
                field="months", zh=f"{row.year}年缴费月数无效", en=f"{row.year}: bad month count"
            )
        if row.months == 0:
            continue
        if row.average_wage <= 0 or row.base < 0:
            raise BenefitRuleError(
                field="average_wage",
                zh=f"{row.year}年社平工资或缴费基数无效",
                en=f"{row.year}: bad wage or base",
            )
        ratio = min(INDEX_CEILING, max(INDEX_FLOOR, row.base / row.average_wage))
        weighted += ratio * row.months
        total_months += row.months
    if total_months == 0:
        raise BenefitRuleError(
            field="years", zh="没有缴费记录，无法计算缴费指数", en="no contribution months"
        )
    return (weighted / total_months).quantize(INDEX_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True)
class PensionInputs:
    benefit_base: Decimal  # C: 计发基数, the previous year's average monthly wage
    index: Decimal  # Z: 本人平均缴费指数
    contribution_months: int  # actual + deemed months
    account_balance: Decimal  # 个人账户储存额 at retirement
    age_years: int
    age_months: int = 0
    deemed_months: int = 0  # 视同缴费 (before the personal account): N同
    actual_months_1992_1998: int = 0  # Beijing N实98: actual months 1992-10 … 1998-06
    region_code: str = ""

    def as_dict(self) -> dict:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class PensionBreakdown:
    basic: Decimal  # 基础养老金
    account: Decimal  # 个人账户养老金
    transitional: Decimal  # 过渡性养老金
    total: Decimal
    divisor: Decimal  # 计发月数 used
    years: Decimal  # N used (months / 12)
    rule: str  # the provincial rule's code
    inputs: PensionInputs
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "basic": str(self.basic),
            "account": str(self.account),
            "transitional": str(self.transitional),
            "total": str(self.total),
            "divisor": str(self.divisor),
            "years": str(self.years),
            "rule": self.rule,
            "inputs": self.inputs.as_dict(),
            "details": self.details,
        }


def basic_pension(benefit_base: Decimal, index: Decimal, years: Decimal) -> Decimal:
    """C × (1 + Z) / 2 × N × 1 %, to the cent (T21: 12,049, 0.8, 30 → 3,253.23)."""
    return round_yuan(benefit_base * (1 + index) / 2 * years * ONE_PERCENT)


def account_pension(balance: Decimal, age_years: int, age_months: int = 0) -> Decimal:
    """balance / 计发月数, to the cent (T25: 200,000 at 60 → 1,438.85)."""
    return round_yuan(balance / divisor(age_years, age_months))


def _years(months: int) -> Decimal:
    return Decimal(months) / 12


class TransitionalRule(Protocol):
    code: str

    def transitional(self, inputs: PensionInputs) -> tuple[Decimal, dict]: ...


@dataclass(frozen=True)
class BeijingRule:
    """京劳社养发〔2007〕21号: C × N同 × 1 % + C × Z实 × N实98 × 1 % (Z同 = 1)."""

    code: str = "beijing"

    def transitional(self, inputs: PensionInputs) -> tuple[Decimal, dict]:
        deemed = inputs.benefit_base * _years(inputs.deemed_months) * ONE_PERCENT
        actual = inputs.benefit_base * inputs.index * _years(inputs.actual_months_1992_1998) * ONE_PERCENT
        return round_yuan(deemed + actual), {
            "deemed_part": str(round_yuan(deemed)),
            "actual_1992_1998_part": str(round_yuan(actual)),
        }


@dataclass(frozen=True)
class GenericRule:
    """C × Z × N视同 × k, k a local coefficient (1.0 %–1.4 %)."""

    code: str = "generic"
    coefficient: Decimal = Decimal("0.012")

    def transitional(self, inputs: PensionInputs) -> tuple[Decimal, dict]:
        value = inputs.benefit_base * inputs.index * _years(inputs.deemed_months) * self.coefficient
        return round_yuan(value), {"coefficient": str(self.coefficient)}


RULES: dict[str, TransitionalRule] = {"beijing": BeijingRule(), "generic": GenericRule()}
REGION_RULES = {"11": "beijing"}  # province prefix → rule code; others use the generic rule


def rule_for(region_code: str) -> TransitionalRule:
    return RULES[REGION_RULES.get(region_code[:2], "generic")]


def _check(inputs: PensionInputs) -> None:
    checks = (
        ("benefit_base", inputs.benefit_base > 0, "计发基数应为正数", "the benefit base must be positive"),
        ("index", inputs.index >= 0, "缴费指数不能为负", "the index cannot be negative"),
        ("contribution_months", inputs.contribution_months >= 0, "缴费月数不能为负", "months cannot be negative"),
        ("account_balance", inputs.account_balance >= 0, "个人账户储存额不能为负", "the balance cannot be negative"),
        ("deemed_months", 0 <= inputs.deemed_months <= inputs.contribution_months,
         "视同缴费月数无效", "deemed months must be within the contribution months"),
        ("actual_months_1992_1998", inputs.actual_months_1992_1998 >= 0, "1992-1998年实际缴费月数无效",
         "bad 1992-1998 months"),
    )  # fmt: skip
    for name, ok, zh, en in checks:
        if not ok:
            raise BenefitRuleError(field=name, zh=zh, en=en)


def pension(inputs: PensionInputs, rule: TransitionalRule | None = None) -> PensionBreakdown:
    """Every component of the first monthly pension and the inputs used."""
    _check(inputs)
    rule = rule or rule_for(inputs.region_code)
    years = _years(inputs.contribution_months)
    basic = basic_pension(inputs.benefit_base, inputs.index, years)
    div = divisor(inputs.age_years, inputs.age_months)
    account = round_yuan(inputs.account_balance / div)
    transitional, details = (
        (ZERO, {})
        if inputs.deemed_months == 0 and inputs.actual_months_1992_1998 == 0
        else (rule.transitional(inputs))
    )
    return PensionBreakdown(
        basic=basic,
        account=account,
        transitional=transitional,
        total=basic + account + transitional,
        divisor=div,
        years=years.quantize(INDEX_PLACES, ROUND_HALF_UP),
        rule=rule.code,
        inputs=inputs,
        details=details,
    )
