"""Money helpers and contribution periods (pure kernels, no database)."""

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shebao.kernel.rules.money import (
    MoneyError,
    fen_to_yuan,
    format_yuan,
    require_non_negative,
    round_whole_yuan,
    round_yuan,
    to_decimal,
    truncate_yuan,
    yuan_to_fen,
)
from shebao.kernel.rules.periods import Period, PeriodError, period_range

# --- Money ----------------------------------------------------------------------------------------


def test_to_decimal_never_drifts_through_float():
    assert to_decimal("0.1") + to_decimal("0.2") == Decimal("0.3")
    assert to_decimal(0.1) == Decimal("0.1")  # via repr, not Decimal(0.1) = 0.1000000000000000055…
    assert to_decimal(1.1) * 3 == Decimal("3.3")
    assert to_decimal(7162) == Decimal("7162")
    assert to_decimal(Decimal("35811.00")) == Decimal("35811.00")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1,234.50", "1234.50"), ("¥7,162元", "7162"), (" 35，811 ", "35811"), ("-0.01", "-0.01")],
)
def test_to_decimal_accepts_common_written_forms(raw, expected):
    assert to_decimal(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["abc", "", "1.2.3", None, True, [1], "NaN", "Infinity", float("inf")])
def test_to_decimal_refuses_non_numbers_in_both_languages(raw):
    with pytest.raises(MoneyError) as caught:
        to_decimal(raw, field="base")
    assert caught.value.field == "base"
    assert "金额" in caught.value.message_zh
    assert "amount" in caught.value.message_en


def test_round_yuan_is_half_up_not_bankers():
    assert round_yuan(Decimal("2.345")) == Decimal("2.35")
    assert round_yuan(Decimal("2.335")) == Decimal("2.34")
    assert round_yuan(Decimal("2.344999")) == Decimal("2.34")
    assert round_yuan(Decimal("-2.345")) == Decimal("-2.35")
    assert Decimal("2.345").quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN) == Decimal("2.34")


def test_other_named_rounding_points():
    assert round_whole_yuan(Decimal("7161.50")) == Decimal("7162")
    assert truncate_yuan(Decimal("2.349")) == Decimal("2.34")
    assert format_yuan(Decimal("12345.6")) == "12,345.60"


def test_yuan_to_fen_and_back():
    assert yuan_to_fen(Decimal("12.34")) == 1234
    assert yuan_to_fen(Decimal("7162")) == 716200
    assert yuan_to_fen(Decimal("-0.05")) == -5
    assert fen_to_yuan(1234) == Decimal("12.34")
    assert fen_to_yuan(0) == Decimal("0.00")
    assert fen_to_yuan(None) is None


@pytest.mark.parametrize("amount", ["0.001", "12.345", "-0.005"])
def test_yuan_to_fen_refuses_sub_fen(amount):
    with pytest.raises(MoneyError) as caught:
        yuan_to_fen(Decimal(amount))
    assert "舍入" in caught.value.message_zh
    assert "round it first" in caught.value.message_en


def test_require_non_negative():
    assert require_non_negative(Decimal("0")) == Decimal("0")
    with pytest.raises(MoneyError) as caught:
        require_non_negative(Decimal("-0.01"), field="refund")
    assert caught.value.field == "refund"
    assert "负数" in caught.value.message_zh and "negative" in caught.value.message_en


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_fen_round_trip(fen):
    assert yuan_to_fen(fen_to_yuan(fen)) == fen


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False, places=4))
def test_rounded_amounts_always_fit_in_fen(amount):
    rounded = round_yuan(amount)
    assert abs(rounded - amount) <= Decimal("0.005")
    assert fen_to_yuan(yuan_to_fen(rounded)) == rounded


# --- Periods ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["202507", "2025-07", " 202507 ", 202507, Period(2025, 7)])
def test_period_parse(raw):
    assert Period.parse(raw) == Period(2025, 7)


@pytest.mark.parametrize(
    "raw", ["2025-13", "202500", "abc", "", None, "2025/07", "20257", "195012", "220101"]
)
def test_period_parse_errors_name_the_field(raw):
    with pytest.raises(PeriodError) as caught:
        Period.parse(raw, field="start_period")
    assert caught.value.field == "start_period"
    assert "费款所属期" in caught.value.message_zh
    assert "period" in caught.value.message_en


def test_period_arithmetic_across_years():
    assert Period(2025, 12) + 1 == Period(2026, 1)
    assert Period(2026, 1) - 1 == Period(2025, 12)
    assert Period(2025, 7) + 18 == Period(2027, 1)
    assert Period(2025, 7) + (-19) == Period(2023, 12)
    assert Period(2026, 3) - Period(2025, 11) == 4
    assert Period(2025, 11) - Period(2026, 3) == -4


def test_months_until_is_inclusive_and_never_negative():
    assert Period(2025, 7).months_until(Period(2026, 6)) == 12
    assert Period(2025, 7).months_until(Period(2025, 7)) == 1
    assert Period(2025, 7).months_until(Period(2025, 6)) == 0


@pytest.mark.parametrize(
    ("period", "last"),
    [
        (Period(2024, 2), dt.date(2024, 2, 29)),
        (Period(2023, 2), dt.date(2023, 2, 28)),
        (Period(2000, 2), dt.date(2000, 2, 29)),
        (Period(2100, 2), dt.date(2100, 2, 28)),
        (Period(2025, 12), dt.date(2025, 12, 31)),
    ],
)
def test_last_day_including_leap_februaries(period, last):
    assert period.last_day() == last
    assert period.first_day() == last.replace(day=1)


def test_period_ints_strings_order_and_range():
    assert int(Period(2025, 7)) == 202507
    assert str(Period(2025, 7)) == "202507"
    assert Period.from_int(202507) == Period(2025, 7)
    assert Period.of(dt.date(2025, 7, 31)) == Period(2025, 7)
    assert Period(2025, 12) < Period(2026, 1)
    assert [str(p) for p in period_range(Period(2025, 11), Period(2026, 2))] == [
        "202511",
        "202512",
        "202601",
        "202602",
    ]
    assert list(period_range(Period(2026, 2), Period(2025, 11))) == []


def test_period_bounds():
    with pytest.raises(PeriodError):
        Period(2025, 0)
    with pytest.raises(PeriodError):
        Period(1950, 12)


@given(st.integers(min_value=2001, max_value=2150), st.integers(1, 12), st.integers(-600, 600))
def test_adding_then_subtracting_months_is_identity(year, month, months):
    start = Period(year, month)
    moved = start + months
    assert moved - start == months
    assert moved - months == start
