"""``/api/v1/public/benefits/``: the pension estimator with every input given explicitly.
No login and no personal data: nothing is read from or written to the register."""

from ninja import Router

from shebao.benefits import selectors
from shebao.benefits.errors import BenefitError
from shebao.benefits.rules.estimate import EstimateInputs
from shebao.benefits.rules.pension import IndexYear
from shebao.benefits.schemas import (
    ERRORS,
    EstimateOut,
    PublicEstimateIn,
    api_errors,
    assumptions_from,
    decimal_field,
    period_field,
)

router = Router(auth=None, tags=["public: benefits"])
MAX_YEARS = 60


@router.post(
    "estimate", response={200: EstimateOut, **ERRORS}, summary="养老金测算（公开） / Pension estimator"
)
@api_errors
def public_estimate(request, payload: PublicEstimateIn):
    birth = period_field(payload.birth, field="birth")
    current = period_field(payload.current_period, field="current_period")
    if birth is None or current is None:
        raise BenefitError(
            field="birth" if birth is None else "current_period", zh="请填写年月", en="a month is required"
        )
    if len(payload.years) > MAX_YEARS:
        raise BenefitError(field="years", zh=f"最多 {MAX_YEARS} 年记录", en=f"at most {MAX_YEARS} years")
    if not (len(payload.region_code) == 6 and payload.region_code.isdigit()):
        raise BenefitError(
            field="region_code", zh="行政区划代码应为6位数字", en="the region code must be 6 digits"
        )
    if not 0 <= payload.deemed_months <= 600:
        raise BenefitError(
            field="deemed_months", zh="视同缴费月数应为 0 至 600", en="deemed months must be 0 … 600"
        )
    years = tuple(
        IndexYear(year=y.year, months=y.months, base=decimal_field(y.base, field=f"years[{i}].base"),
                  average_wage=decimal_field(y.average_wage, field=f"years[{i}].average_wage"))
        for i, y in enumerate(payload.years)
    )  # fmt: skip
    inputs = EstimateInputs(
        birth_year=birth // 100,
        birth_month=birth % 100,
        category=payload.category,
        region_code=payload.region_code,
        current_period=current,
        average_wage=decimal_field(payload.average_wage, field="average_wage"),
        record=years,
        account_balance=decimal_field(payload.account_balance, field="account_balance"),
        deemed_months=payload.deemed_months,
    )
    assumptions = assumptions_from(wage_growth_pct=payload.wage_growth_pct, future_index=payload.future_index,
                                   interest_rate_pct=payload.interest_rate_pct,
                                   retire_period=payload.retire_period)  # fmt: skip
    return selectors.estimate_dict(selectors.pension_estimate_public(inputs=inputs, assumptions=assumptions))
