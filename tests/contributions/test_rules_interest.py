"""Personal-account interest kernel, rules.md §3.3 (pure, no database)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.contributions.rules.errors import ContributionRuleError
from shebao.contributions.rules.interest import (
    InterestMethod,
    YearResult,
    credit_year,
    interest_fen_annual,
    interest_fen_monthly_product,
)
from shebao.contributions.rules.rates import ppm_to_rate
from shebao.kernel.rules.money import fen_to_yuan, yuan_to_fen

D = Decimal
RATE_2024 = D("0.0262")
LEVEL_640 = {month: D("640") for month in range(1, 13)}


OPENING_T19 = D("50000")
ZERO = D("0")


def _year(method, *, opening=OPENING_T19, opening_interest=ZERO, credits=None, rate=RATE_2024, months=12):
    return credit_year(
        opening_principal=opening,
        opening_interest=opening_interest,
        monthly_credits=LEVEL_640 if credits is None else credits,
        rate=rate,
        method=method,
        months=months,
    )


def test_t19_annual_1997_formula():
    result = _year(InterestMethod.ANNUAL_1997)
    assert result == YearResult(
        opening_principal=D("50000.00"),
        opening_interest=D("0.00"),
        credits=D("7680.00"),
        interest_on_opening=D("1310.00"),
        interest_on_credits=D("108.96"),
        closing_principal=D("57680.00"),
        closing_interest=D("1418.96"),
        closing=D("59098.96"),
    )


def test_t19_monthly_product_method():
    result = _year(InterestMethod.MONTHLY_PRODUCT)
    assert result.interest_on_credits == D("108.99")  # 640 × 2.62 % × 78 / 12
    assert result.closing == D("59098.99")


def test_t19_methods_agree_within_five_cents():
    annual = _year(InterestMethod.ANNUAL_1997).closing
    monthly = _year(InterestMethod.MONTHLY_PRODUCT).closing
    assert abs(annual - monthly) <= D("0.05")


def test_year_end_only_credits_no_interest_on_the_year():
    result = _year(InterestMethod.YEAR_END_ONLY)
    assert result.interest_on_credits == D("0.00")
    assert result.closing == D("58990.00")


def test_principal_and_interest_stay_apart_and_opening_interest_earns_interest():
    result = _year(InterestMethod.ANNUAL_1997, opening=D("40000"), opening_interest=D("10000"))
    assert result.interest_on_opening == D("1310.00")  # the whole 50,000 earns
    assert result.closing_principal == D("47680.00")
    assert result.closing_interest == D("11418.96")
    assert result.closing == D("59098.96")


def test_monthly_product_weights_credits_by_months_held():
    january = _year(InterestMethod.MONTHLY_PRODUCT, opening=D("0"), credits={1: D("1200")}, rate=D("0.1"))
    december = _year(InterestMethod.MONTHLY_PRODUCT, opening=D("0"), credits={12: D("1200")}, rate=D("0.1"))
    assert january.interest_on_credits == D("120.00")  # 12 months
    assert december.interest_on_credits == D("10.00")  # its own month only


def test_broken_year_pro_rata():
    credits = {month: D("640") for month in range(1, 7)}
    monthly = _year(InterestMethod.MONTHLY_PRODUCT, credits=credits, months=6)
    assert monthly.interest_on_opening == D("655.00")  # 50,000 × 2.62 % × 6 / 12
    assert monthly.interest_on_credits == D("29.34")  # 640 × 2.62 % × 21 / 12 = 29.344
    annual = _year(InterestMethod.ANNUAL_1997, credits=credits, months=6)
    assert annual.interest_on_opening == D("655.00")
    assert annual.interest_on_credits == D("29.34")  # 3,840 × 2.62 % × 7 / 24: same for level credits
    assert _year(InterestMethod.YEAR_END_ONLY, credits=credits, months=6).interest_on_credits == D("0.00")


def test_zero_rate_and_empty_year():
    result = _year(InterestMethod.ANNUAL_1997, rate=D("0"), credits={})
    assert result.closing == D("50000.00")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"opening": D("-1")}, "opening_principal"),
        ({"opening": 50000.0}, "opening_principal"),
        ({"opening": D("0.001")}, "opening_principal"),
        ({"opening_interest": D("-0.01")}, "opening_interest"),
        ({"rate": D("-0.01")}, "rate"),
        ({"rate": D("1.5")}, "rate"),
        ({"rate": 0.0262}, "rate"),
        ({"credits": {13: D("1")}}, "monthly_credits[13]"),
        ({"credits": {0: D("1")}}, "monthly_credits[0]"),
        ({"credits": {"1": D("1")}}, "monthly_credits[1]"),
        ({"credits": {1: D("-640")}}, "monthly_credits[1]"),
        ({"credits": {1: 640.0}}, "monthly_credits[1]"),
        ({"credits": [D("640")]}, "monthly_credits"),
        ({"credits": {7: D("640")}, "months": 6}, "monthly_credits[7]"),
        ({"months": 0}, "months"),
        ({"months": 13}, "months"),
        ({"months": 6.0}, "months"),
    ],
)
def test_credit_year_refuses(kwargs, field):
    with pytest.raises(ContributionRuleError) as excinfo:
        _year(InterestMethod.ANNUAL_1997, **kwargs)
    assert excinfo.value.field == field
    assert excinfo.value.message_zh and excinfo.value.message_en


def test_credit_year_refuses_unknown_method():
    with pytest.raises(ContributionRuleError) as excinfo:
        _year("compound_daily")
    assert excinfo.value.field == "method"
    assert _year("monthly_product").closing == D("59098.99")


# --- Integer twins for the SQL batch -----------------------------------------------------------


def test_t19_integer_twins():
    assert interest_fen_annual(opening_fen=5_000_000, credits_fen=768_000, rate_ppm=26_200) == (
        131_000,
        10_896,
    )
    monthly = dict.fromkeys(range(1, 13), 64_000)
    assert interest_fen_monthly_product(
        opening_fen=5_000_000, monthly_credits_fen=monthly, rate_ppm=26_200
    ) == (
        131_000,
        10_899,
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"opening_fen": -1}, "opening_fen"),
        ({"opening_fen": D("1")}, "opening_fen"),
        ({"credits_fen": -1}, "credits_fen"),
        ({"credits_fen": 10**13}, "credits_fen"),  # would overflow SQL bigint at 100 %
        ({"rate_ppm": 1_000_001}, "rate_ppm"),
    ],
)
def test_interest_fen_annual_refuses(kwargs, field):
    arguments = {"opening_fen": 0, "credits_fen": 0, "rate_ppm": 1_000_000} | kwargs
    with pytest.raises(ContributionRuleError) as excinfo:
        interest_fen_annual(**arguments)
    assert excinfo.value.field == field


def test_interest_fen_monthly_refuses():
    with pytest.raises(ContributionRuleError) as excinfo:
        interest_fen_monthly_product(opening_fen=0, monthly_credits_fen={1: D("640")}, rate_ppm=1)
    assert excinfo.value.field == "monthly_credits[1]"
    with pytest.raises(ContributionRuleError) as excinfo:
        interest_fen_monthly_product(opening_fen=0, monthly_credits_fen={12: 1}, rate_ppm=1, months=11)
    assert excinfo.value.field == "monthly_credits[12]"


_fen = st.integers(min_value=0, max_value=10**10)
_rate_ppm = st.integers(min_value=0, max_value=200_000)  # up to 20 % a year


@settings(deadline=None, max_examples=400)
@given(
    opening_principal_fen=_fen,
    opening_interest_fen=_fen,
    credits_fen=_fen,
    month=st.integers(min_value=1, max_value=12),
    rate_ppm=_rate_ppm,
)
def test_interest_fen_annual_equals_decimal(
    opening_principal_fen, opening_interest_fen, credits_fen, month, rate_ppm
):
    result = credit_year(
        opening_principal=fen_to_yuan(opening_principal_fen),
        opening_interest=fen_to_yuan(opening_interest_fen),
        monthly_credits={month: fen_to_yuan(credits_fen)},  # the 1997 formula only sees the total
        rate=ppm_to_rate(rate_ppm),
        method=InterestMethod.ANNUAL_1997,
    )
    twin = interest_fen_annual(
        opening_fen=opening_principal_fen + opening_interest_fen, credits_fen=credits_fen, rate_ppm=rate_ppm
    )
    assert twin == (yuan_to_fen(result.interest_on_opening), yuan_to_fen(result.interest_on_credits))
    assert result.closing == result.closing_principal + result.closing_interest
    assert yuan_to_fen(result.closing) == opening_principal_fen + opening_interest_fen + credits_fen + sum(
        twin
    )


@settings(deadline=None, max_examples=300)
@given(
    opening_fen=_fen,
    months=st.integers(min_value=1, max_value=12),
    rate_ppm=_rate_ppm,
    data=st.data(),
)
def test_interest_fen_monthly_product_equals_decimal(opening_fen, months, rate_ppm, data):
    credits_fen = data.draw(
        st.dictionaries(st.integers(min_value=1, max_value=months), st.integers(min_value=0, max_value=10**8))
    )
    result = credit_year(
        opening_principal=fen_to_yuan(opening_fen),
        opening_interest=D("0"),
        monthly_credits={month: fen_to_yuan(fen) for month, fen in credits_fen.items()},
        rate=ppm_to_rate(rate_ppm),
        method=InterestMethod.MONTHLY_PRODUCT,
        months=months,
    )
    twin = interest_fen_monthly_product(
        opening_fen=opening_fen, monthly_credits_fen=credits_fen, rate_ppm=rate_ppm, months=months
    )
    assert twin == (yuan_to_fen(result.interest_on_opening), yuan_to_fen(result.interest_on_credits))


@settings(deadline=None, max_examples=300)
@given(
    credit_fen=st.integers(min_value=0, max_value=10**7),
    rate_ppm=_rate_ppm,
)
def test_methods_agree_for_level_credits(credit_fen, rate_ppm):
    level = {month: fen_to_yuan(credit_fen) for month in range(1, 13)}
    kwargs = {"opening_principal": D("0"), "opening_interest": D("0"), "monthly_credits": level}
    annual = credit_year(**kwargs, rate=ppm_to_rate(rate_ppm), method=InterestMethod.ANNUAL_1997)
    monthly = credit_year(**kwargs, rate=ppm_to_rate(rate_ppm), method=InterestMethod.MONTHLY_PRODUCT)
    none = credit_year(**kwargs, rate=ppm_to_rate(rate_ppm), method=InterestMethod.YEAR_END_ONLY)
    # 1.083/2 vs 13/24 differ by 1/6000 of a year's rate on the credits.
    tolerance = annual.credits * ppm_to_rate(rate_ppm) / 6000 + D("0.01")
    assert abs(annual.closing - monthly.closing) <= tolerance
    assert none.closing <= annual.closing <= monthly.closing
