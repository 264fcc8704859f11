"""The benefit kernels against the worked cases of rules.md §11 (Pension, Unemployment)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shebao.benefits.rules import adjustment, unemployment
from shebao.benefits.rules.divisor import divisor
from shebao.benefits.rules.errors import BenefitRuleError
from shebao.benefits.rules.estimate import Assumptions, EstimateInputs, estimate
from shebao.benefits.rules.pension import (
    BeijingRule,
    GenericRule,
    IndexYear,
    PensionInputs,
    account_pension,
    average_index,
    basic_pension,
    pension,
)
from shebao.benefits.rules.retirement import (
    check_within_window,
    eligible,
    min_contribution_months,
    required_months,
    statutory_retirement,
)


@pytest.mark.parametrize(
    ("c", "z", "n", "expected"),
    [
        ("12049", "0.8", 30, "3253.23"),  # T21
        ("11883", "1.0", 25, "2970.75"),  # T22
        ("8000", "0.6", 15, "960.00"),  # T23 floor
        ("8000", "3.0", 40, "6400.00"),  # T23 ceiling
    ],
)
def test_basic_pension_t21_t23(c, z, n, expected):
    assert basic_pension(D(c), D(z), D(n)) == D(expected)


@pytest.mark.parametrize(
    ("age", "expected"),
    [(60, "1438.85"), (55, "1176.47"), (50, "1025.64"), (63, "1709.40"), (58, "1315.79")],
)
def test_account_pension_t25(age, expected):
    assert account_pension(D(200000), age) == D(expected)


def test_divisor_table():
    assert divisor(47) == 207  # the ❓ conflict: adopt 207
    assert divisor(60, 1) == D("138.4")
    assert divisor(50, 1) == D("194.6")
    assert divisor(60, 3) == D("137.3")
    assert divisor(70) == 56
    with pytest.raises(BenefitRuleError) as err:
        divisor(71)
    assert err.value.field == "age"


def test_average_index_t27():
    years = [IndexYear(2020, 12, D(6000), D(8000)), IndexYear(2021, 12, D(12000), D(10000)),
             IndexYear(2022, 12, D(9000), D(9000))]  # fmt: skip
    assert average_index(years) == D("0.9833")


def test_average_index_weights_months_and_clamps():
    years = [IndexYear(2020, 6, D(1000), D(10000)), IndexYear(2021, 12, D(50000), D(10000))]
    # 6 × 0.6 + 12 × 3.0 = 39.6 / 18 = 2.2
    assert average_index(years) == D("2.2000")
    with pytest.raises(BenefitRuleError) as err:
        average_index([])
    assert err.value.field == "years"


@pytest.mark.parametrize(
    ("cat", "birth", "age", "period", "delay"),
    [
        ("male", (1964, 12), (60, 0), 202412, 0),
        ("male", (1965, 1), (60, 1), 202502, 1),
        ("male", (1965, 5), (60, 2), 202507, 2),
        ("male", (1965, 12), (60, 3), 202603, 3),
        ("male", (1970, 6), (61, 5), 203111, 17),
        ("male", (1976, 8), (62, 11), 203907, 35),
        ("male", (1976, 9), (63, 0), 203909, 36),
        ("male", (1976, 12), (63, 0), 203912, 36),
        ("female55", (1970, 1), (55, 1), 202502, 1),
        ("female55", (1981, 9), (58, 0), 203909, 36),
        ("female50", (1975, 1), (50, 1), 202502, 1),
        ("female50", (1975, 3), (50, 2), 202505, 2),
        ("female50", (1980, 1), (52, 7), 203208, 31),
        ("female50", (1984, 11), (55, 0), 203911, 60),
        ("female50", (1984, 12), (55, 0), 203912, 60),
    ],
)
def test_statutory_retirement_t31(cat, birth, age, period, delay):
    r = statutory_retirement(*birth, cat)
    assert (r.age, r.period, r.delay_months) == (age, period, delay)


def test_elastic_window():
    r = statutory_retirement(1970, 6, "male")  # 61 y 5 m, 2031-11
    assert r.earliest_period == 203006  # not below 60
    assert r.latest_period == 203411  # three years later
    r = statutory_retirement(1980, 1, "male")  # 63 y, 2043-01
    assert r.earliest_period == 204001
    check_within_window(r, 204001)
    with pytest.raises(BenefitRuleError) as err:
        check_within_window(r, 203912)
    assert err.value.field == "retire_period"


def test_min_months_t30():
    assert [min_contribution_months(y) for y in (2025, 2029, 2030, 2032, 2038, 2039, 2050)] == [
        180, 180, 186, 198, 234, 240, 240,
    ]  # fmt: skip
    r = statutory_retirement(1971, 1, "male")  # statutory 2032-08
    assert r.period // 100 == 2032
    assert not eligible(r, r.period, 16 * 12)  # T30: needs 198
    assert eligible(r, r.period, 198)
    r = statutory_retirement(1968, 12, "male")  # statutory 2029-12
    assert r.period // 100 == 2029
    assert eligible(r, r.period, 15 * 12)  # T30
    # late retirement uses the statutory year, early retirement the actual year
    assert required_months(r, r.latest_period) == min_contribution_months(2029)
    r = statutory_retirement(1975, 1, "male")
    assert required_months(r, r.earliest_period) == min_contribution_months(r.earliest_period // 100)


def test_beijing_transitional_pension():
    inputs = PensionInputs(benefit_base=D(12049), index=D("1.2"), contribution_months=420, account_balance=D(150000),
                           age_years=60, deemed_months=60, actual_months_1992_1998=69, region_code="110105")  # fmt: skip
    result = pension(inputs)
    assert result.rule == "beijing"
    # 12,049 × 5 × 1 % = 602.45; 12,049 × 1.2 × 5.75 × 1 % = 831.381 → 1,433.83
    assert result.transitional == D("1433.83")
    assert result.basic == D("4638.87")  # 12,049 × 2.2 / 2 × 35 × 1 % = 4,638.865
    assert result.account == D("1079.14")  # 150,000 / 139
    assert result.total == result.basic + result.account + result.transitional
    assert result.as_dict()["inputs"]["index"] == "1.2"
    generic = pension(inputs, GenericRule())
    assert generic.transitional == D("867.53")  # 12,049 × 1.2 × 5 × 1.2 %
    assert BeijingRule().code == "beijing"


def test_new_person_has_no_transitional_pension():
    inputs = PensionInputs(benefit_base=D(8000), index=D(1), contribution_months=180, account_balance=D(0),
                           age_years=60, region_code="440100")  # fmt: skip
    result = pension(inputs)
    assert result.transitional == 0 and result.account == 0
    assert result.total == result.basic == D("1200.00")


def test_pension_inputs_checked():
    with pytest.raises(BenefitRuleError) as err:
        pension(
            PensionInputs(
                benefit_base=D(0), index=D(1), contribution_months=1, account_balance=D(0), age_years=60
            )
        )
    assert err.value.field == "benefit_base"


money = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)


@given(
    c=st.decimals(min_value="1", max_value="100000", places=2),
    z=st.decimals(min_value="0", max_value="3", places=4),
    months=st.integers(min_value=0, max_value=600),
    deemed=st.integers(min_value=0, max_value=600),
    n98=st.integers(min_value=0, max_value=69),
    balance=money,
    age=st.integers(min_value=480, max_value=840),
    region=st.sampled_from(["110105", "510100"]),
)
def test_pension_components_never_negative(c, z, months, deemed, n98, balance, age, region):
    deemed = min(deemed, months)
    result = pension(PensionInputs(benefit_base=c, index=z, contribution_months=months, account_balance=balance,
                                   age_years=age // 12, age_months=age % 12, deemed_months=deemed,
                                   actual_months_1992_1998=n98, region_code=region))  # fmt: skip
    assert min(result.basic, result.account, result.transitional) >= 0
    assert result.total == result.basic + result.account + result.transitional


@given(
    cat=st.sampled_from(["male", "female55", "female50"]),
    a=st.integers(min_value=1940 * 12, max_value=2010 * 12),
    b=st.integers(min_value=1940 * 12, max_value=2010 * 12),
)
def test_retirement_date_and_age_monotone_in_birth(cat, a, b):
    a, b = sorted((a, b))
    ra = statutory_retirement(a // 12, a % 12 + 1, cat)
    rb = statutory_retirement(b // 12, b % 12 + 1, cat)
    assert ra.age_months <= rb.age_months
    assert ra.period <= rb.period
    assert ra.earliest_period <= ra.period <= ra.latest_period


def test_annual_adjustment():
    rule = adjustment.rule_for(2025, "110105")
    assert adjustment.applies(rule, 202412) and not adjustment.applies(rule, 202501)
    a = adjustment.adjust(rule, pension=D("4000.00"), contribution_months=30 * 12 + 7, age_years=72)
    assert (a.fixed, a.linked_years, a.linked_pension, a.tilt) == (D(30), D(30), D(20), D(30))
    assert a.delta == D("110.00") and a.new_total == D("4110.00")
    young = adjustment.adjust(rule, pension=D("3333.33"), contribution_months=180, age_years=61)
    assert young.tilt == 0 and young.linked_pension == D("16.67")


# --- unemployment ---------------------------------------------------------------


def test_unemployment_eligibility_t33_t35():
    assert not unemployment.eligibility(
        contribution_months=11, separation="dismissed", registered=True
    ).eligible  # T33
    res = unemployment.eligibility(contribution_months=96, separation="resigned", registered=True)  # T35
    assert not res.eligible and res.reason == "separation"
    assert not unemployment.eligibility(
        contribution_months=96, separation="bankruptcy", registered=False
    ).eligible
    assert unemployment.eligibility(
        contribution_months=12, separation="contract_expired", registered=True
    ).eligible
    with pytest.raises(BenefitRuleError) as err:
        unemployment.eligibility(contribution_months=12, separation="bored", registered=True)
    assert err.value.field == "separation"


@pytest.mark.parametrize(
    ("months", "expected"), [(36, 12), (60, 18), (119, 18), (120, 24), (300, 24), (11, 0)]
)
def test_unemployment_duration_t34(months, expected):
    assert unemployment.duration(months) == expected


def test_unemployment_carry_over_capped():
    assert unemployment.duration(36, carried_over=6) == 18
    assert unemployment.duration(120, carried_over=10) == 24


@given(months=st.integers(min_value=0, max_value=800), carried=st.integers(min_value=0, max_value=48))
def test_duration_never_over_24(months, carried):
    assert 0 <= unemployment.duration(months, carried) <= 24


def test_unemployment_amount_t38():
    assert unemployment.check_amount(D(2250), minimum_wage=D(2500), dibao=D(1000)) == D("2250.00")
    with pytest.raises(BenefitRuleError) as err:
        unemployment.check_amount(D(2600), minimum_wage=D(2500), dibao=D(1000))
    assert err.value.field == "amount"
    with pytest.raises(BenefitRuleError):
        unemployment.check_amount(D(900), minimum_wage=D(2500), dibao=D(1000))
    assert unemployment.monthly_amount(minimum_wage=D(2740), dibao=D(1000)) == D("2466.00")


def test_unemployment_end_and_stop():
    assert unemployment.end_period(202501, 12) == 202512
    # the normal end leaves 8 months to retirement: paid until the month before it
    assert unemployment.end_period(202501, 12, statutory_retirement_period=202609) == 202608
    assert unemployment.end_period(202501, 12, statutory_retirement_period=203001) == 202512
    assert unemployment.stops({"reemployed"}) == unemployment.StopReason.REEMPLOYED
    assert unemployment.stops({"pension", "x"}) == unemployment.StopReason.PENSION
    assert unemployment.stops(set()) is None


# --- estimator ------------------------------------------------------------------


def _inputs(**kw):
    base = {"birth_year": 1970, "birth_month": 6, "category": "male", "region_code": "110105", "current_period": 202512,
                "average_wage": D(12049), "record": tuple(IndexYear(y, 12, D(12000), D(12000)) for y in range(2000, 2026)),
                "account_balance": D(150000)}  # fmt: skip
    base.update(kw)
    return EstimateInputs(**base)


def test_estimate_projects_to_the_retirement_month():
    est = estimate(_inputs(), Assumptions(wage_growth=D(0), future_index=D(1), interest_rate=D(0)))
    assert est.retire_period == 203111
    # 2026-01 … 2031-10 = 70 months at 12,049 × 8 %
    assert sum(y.months for y in est.projection) == 70
    assert est.breakdown.inputs.account_balance == D(150000) + D("963.92") * 70
    assert est.contribution_months == 26 * 12 + 70
    assert est.index == D("1.0000")
    assert est.eligible
    assert est.breakdown.inputs.age_years == 61 and est.breakdown.inputs.age_months == 5
    later = estimate(_inputs(), Assumptions(wage_growth=D(0), retire_period=203411, interest_rate=D(0)))
    assert later.breakdown.total > est.breakdown.total
    with pytest.raises(BenefitRuleError) as err:
        estimate(_inputs(), Assumptions(retire_period=202901))
    assert err.value.field == "retire_period"
    with pytest.raises(BenefitRuleError) as err:
        estimate(_inputs(), Assumptions(future_index=D(5)))
    assert err.value.field == "future_index"
