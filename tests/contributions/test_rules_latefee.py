"""Late fee (滞纳金) kernel, rules.md §2.5 (pure, no database)."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.contributions.rules.errors import ContributionRuleError
from shebao.contributions.rules.latefee import (
    DayCount,
    LateFeeRule,
    late_fee,
    late_fee_days,
    late_fee_schedule,
)
from shebao.kernel.rules.money import round_yuan

D = Decimal
date = dt.date

# 1999 征缴条例: 0.2 %/day; 社会保险法 from 2011-07-01: 0.05 %/day.
HISTORICAL = [(date(1999, 1, 22), D("0.002")), (date(2011, 7, 1), D("0.0005"))]


def test_t15_ten_thousand_for_thirty_days():
    assert late_fee_days(due=date(2025, 1, 15), paid=date(2025, 2, 14), convention=DayCount.AFTER_DUE) == 30
    assert late_fee(principal=D("10000"), due=date(2025, 1, 15), paid=date(2025, 2, 14)) == D("150.00")


def test_t17_days_and_fee():
    due, paid = date(2025, 3, 15), date(2025, 4, 10)
    assert late_fee_days(due=due, paid=paid, convention=DayCount.AFTER_DUE) == 26
    assert late_fee(principal=D("8640"), due=due, paid=paid) == D("112.32")


def test_t17_inclusive_convention_counts_the_deadline_too():
    due, paid = date(2025, 3, 15), date(2025, 4, 10)
    assert late_fee_days(due=due, paid=paid, convention=DayCount.INCLUSIVE) == 27
    rule = LateFeeRule(convention=DayCount.INCLUSIVE)
    assert late_fee(principal=D("8640"), due=due, paid=paid, rule=rule) == D("116.64")
    assert late_fee_days(due=due, paid=paid, convention="inclusive") == 27


@pytest.mark.parametrize("convention", list(DayCount))
def test_paid_on_or_before_due_costs_nothing(convention):
    rule = LateFeeRule(convention=convention)
    for paid in (date(2025, 3, 15), date(2025, 3, 1)):
        assert late_fee_days(due=date(2025, 3, 15), paid=paid, convention=convention) == 0
        assert late_fee(principal=D("8640"), due=date(2025, 3, 15), paid=paid, rule=rule) == D("0.00")


def test_one_day_late():
    assert late_fee_days(due=date(2025, 3, 15), paid=date(2025, 3, 16)) == 1
    assert late_fee(principal=D("8640"), due=date(2025, 3, 15), paid=date(2025, 3, 16)) == D("4.32")


def test_fee_rounds_once_at_the_end():
    # 0.01 × 0.0005 × 30 = 0.00015 → 0.00.
    assert late_fee(principal=D("0.01"), due=date(2025, 1, 1), paid=date(2025, 1, 31)) == D("0.00")
    # 33.33 × 0.0005 = 0.016665/day; × 3 days = 0.049995 → 0.05 (per-day rounding would give 0.06).
    assert late_fee(principal=D("33.33"), due=date(2025, 1, 1), paid=date(2025, 1, 4)) == D("0.05")


def test_fee_crosses_leap_day():
    assert late_fee_days(due=date(2024, 2, 28), paid=date(2024, 3, 1)) == 2


def test_cap_at_principal_off_by_default_and_on_when_asked():
    due, paid = date(2015, 1, 15), date(2025, 1, 15)  # 3,653 days × 0.05 % = 182.65 %
    assert late_fee(principal=D("1000"), due=due, paid=paid) == D("1826.50")
    capped = LateFeeRule(cap_at_principal=True)
    assert late_fee(principal=D("1000"), due=due, paid=paid, rule=capped) == D("1000.00")
    assert late_fee(principal=D("1000"), due=due, paid=date(2015, 2, 14), rule=capped) == D("15.00")


def test_schedule_splits_days_at_the_rate_change():
    # Fee days 2011-06-21 … 2011-07-10: 10 at 0.2 %, 10 at 0.05 %.
    fee = late_fee_schedule(
        principal=D("1000"), due=date(2011, 6, 20), paid=date(2011, 7, 10), schedule=HISTORICAL
    )
    assert fee == D("25.00")
    inclusive = late_fee_schedule(
        principal=D("1000"),
        due=date(2011, 6, 20),
        paid=date(2011, 7, 10),
        schedule=HISTORICAL,
        convention=DayCount.INCLUSIVE,
    )
    assert inclusive == D("27.00")  # 11 days at 0.2 % + 10 at 0.05 %


def test_schedule_entirely_before_or_after_a_change():
    before = late_fee_schedule(
        principal=D("1000"), due=date(2005, 1, 15), paid=date(2005, 2, 14), schedule=HISTORICAL
    )
    assert before == D("60.00")
    after = late_fee_schedule(
        principal=D("1000"), due=date(2012, 1, 15), paid=date(2012, 2, 14), schedule=HISTORICAL
    )
    assert after == D("15.00")
    # The first fee day is the change day itself: all new rate.
    edge = late_fee_schedule(
        principal=D("1000"), due=date(2011, 6, 30), paid=date(2011, 7, 1), schedule=HISTORICAL
    )
    assert edge == D("0.50")


def test_schedule_with_cap():
    fee = late_fee_schedule(
        principal=D("100"),
        due=date(2000, 1, 1),
        paid=date(2012, 1, 1),
        schedule=HISTORICAL,
        cap_at_principal=True,
    )
    assert fee == D("100.00")


def test_schedule_refuses_days_before_its_first_rate():
    with pytest.raises(ContributionRuleError) as excinfo:
        late_fee_schedule(
            principal=D("1000"), due=date(1998, 1, 1), paid=date(2000, 1, 1), schedule=HISTORICAL
        )
    assert excinfo.value.field == "schedule"


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        ([], "schedule"),
        (None, "schedule"),
        ([(date(2011, 7, 1), D("0.0005")), (date(1999, 1, 22), D("0.002"))], "schedule[1]"),
        ([(date(2011, 7, 1), D("0.0005")), (date(2011, 7, 1), D("0.002"))], "schedule[1]"),
        ([(date(2011, 7, 1), D("-0.0005"))], "schedule[0]"),
        ([(date(2011, 7, 1), D("0.05"))], "schedule[0]"),
        ([(date(2011, 7, 1), 0.0005)], "schedule[0]"),
        ([("2011-07-01", D("0.0005"))], "schedule[0]"),
        ([date(2011, 7, 1)], "schedule[0]"),
    ],
)
def test_schedule_refuses_bad_tables(schedule, field):
    with pytest.raises(ContributionRuleError) as excinfo:
        late_fee_schedule(principal=D("1"), due=date(2012, 1, 1), paid=date(2012, 2, 1), schedule=schedule)
    assert excinfo.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"principal": D("-0.01")}, "principal"),
        ({"principal": 8640.0}, "principal"),
        ({"principal": "8640"}, "principal"),
        ({"principal": D("Infinity")}, "principal"),
        ({"paid": date(1989, 12, 31)}, "paid"),
        ({"due": date(1989, 12, 31)}, "due"),
        ({"paid": dt.datetime(2025, 4, 10, tzinfo=dt.UTC)}, "paid"),
        ({"due": "2025-03-15"}, "due"),
    ],
)
def test_late_fee_refuses(kwargs, field):
    arguments = {"principal": D("8640"), "due": date(2025, 3, 15), "paid": date(2025, 4, 10)} | kwargs
    with pytest.raises(ContributionRuleError) as excinfo:
        late_fee(**arguments)
    assert excinfo.value.field == field
    assert excinfo.value.message_zh and excinfo.value.message_en


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"daily_rate": D("-0.0005")}, "daily_rate"),
        ({"daily_rate": D("0.02")}, "daily_rate"),
        ({"daily_rate": 0.0005}, "daily_rate"),
        ({"convention": "calendar"}, "convention"),
        ({"cap_at_principal": 1}, "cap_at_principal"),
    ],
)
def test_late_fee_rule_refuses(kwargs, field):
    with pytest.raises(ContributionRuleError) as excinfo:
        LateFeeRule(**kwargs)
    assert excinfo.value.field == field


def test_late_fee_refuses_wrong_rule_and_convention():
    with pytest.raises(ContributionRuleError) as excinfo:
        late_fee(principal=D("1"), due=date(2025, 1, 1), paid=date(2025, 2, 1), rule=D("0.0005"))
    assert excinfo.value.field == "rule"
    with pytest.raises(ContributionRuleError) as excinfo:
        late_fee_days(due=date(2025, 1, 1), paid=date(2025, 2, 1), convention="business_days")
    assert excinfo.value.field == "convention"


_dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31))
_principals = st.decimals(min_value=0, max_value=10**8, places=2, allow_nan=False, allow_infinity=False)


@settings(deadline=None, max_examples=300)
@given(principal=_principals, due=_dates, paid=_dates, convention=st.sampled_from(list(DayCount)))
def test_one_rate_fee_is_principal_rate_days(principal, due, paid, convention):
    rule = LateFeeRule(convention=convention)
    days = late_fee_days(due=due, paid=paid, convention=convention)
    assert days == (
        max(0, (paid - due).days + (1 if convention is DayCount.INCLUSIVE else 0)) if paid > due else 0
    )
    assert late_fee(principal=principal, due=due, paid=paid, rule=rule) == round_yuan(
        principal * D("0.0005") * days
    )


@settings(deadline=None, max_examples=300)
@given(
    principal=_principals,
    due=st.dates(min_value=date(1999, 1, 22), max_value=date(2030, 12, 31)),
    late=st.integers(min_value=0, max_value=6000),
    change=st.dates(min_value=date(1999, 1, 23), max_value=date(2030, 12, 31)),
)
def test_schedule_splits_by_days_and_is_bounded_by_its_rates(principal, due, late, change):
    paid = due + dt.timedelta(days=late)
    schedule = [(date(1999, 1, 22), D("0.002")), (change, D("0.0005"))]
    fee = late_fee_schedule(principal=principal, due=due, paid=paid, schedule=schedule)
    days_old = max(0, min((change - due).days - 1, late))  # fee days due+1 … change−1
    expected = round_yuan(principal * (D("0.002") * days_old + D("0.0005") * (late - days_old)))
    assert fee == expected
    low = late_fee(principal=principal, due=due, paid=paid)
    high = late_fee(principal=principal, due=due, paid=paid, rule=LateFeeRule(daily_rate=D("0.002")))
    assert low <= fee <= high
    capped = late_fee_schedule(
        principal=principal, due=due, paid=paid, schedule=schedule, cap_at_principal=True
    )
    assert capped == min(fee, principal)
