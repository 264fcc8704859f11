"""Contribution rule kernels: rates, bases, amounts, accounts, allocation (pure, no database)."""

import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.contributions.rules.accounts import FlexibleSplit, account_credit_fen, flexible_pension_split
from shebao.contributions.rules.allocation import Allocation, allocate_payment, reverse_allocation
from shebao.contributions.rules.errors import ContributionRuleError
from shebao.contributions.rules.rates import (
    InsuranceRates,
    amount_fen,
    base_limits,
    clamp_base,
    clamp_base_fen,
    flexible_base,
    line_amounts,
    percent_text,
    ppm_to_rate,
    provisional_amount,
    rate_to_ppm,
)
from shebao.kernel.rules.money import CENT, fen_to_yuan, round_yuan, yuan_to_fen
from shebao.register.rules.codes import Insurance

D = Decimal

# Beijing 2025-07 … 2026-06 (rules.md §2.1, §11): a fixture, not law.
BJ_FLOOR, BJ_CEILING = D("7162"), D("35811")
BJ_PENSION = InsuranceRates(Insurance.PENSION, employer_ppm=160_000, individual_ppm=80_000)
BJ_MEDICAL = InsuranceRates(Insurance.MEDICAL, employer_ppm=98_000, individual_ppm=20_000)
BJ_MEDICAL_WITH_POOL = InsuranceRates(
    Insurance.MEDICAL, employer_ppm=98_000, individual_ppm=20_000, individual_fixed_fen=300
)
BJ_UNEMPLOYMENT = InsuranceRates(Insurance.UNEMPLOYMENT, employer_ppm=5_000, individual_ppm=5_000)
BJ_INJURY = InsuranceRates(Insurance.INJURY, employer_ppm=4_000, individual_ppm=0)
BJ_MATERNITY = InsuranceRates(Insurance.MATERNITY, employer_ppm=8_000, individual_ppm=0)
BJ_BUNDLE = (BJ_PENSION, BJ_MEDICAL, BJ_UNEMPLOYMENT, BJ_INJURY, BJ_MATERNITY)

SICHUAN_S = D("7646")


def _field(excinfo) -> str:
    return excinfo.value.field


# --- Worked cases ------------------------------------------------------------------------------


def test_t08_low_wage_clamped_to_floor_then_pension_shares():
    base = clamp_base(wage=D("5000"), floor=BJ_FLOOR, ceiling=BJ_CEILING)
    assert base == D("7162")
    employer, individual = line_amounts(base_fen=yuan_to_fen(base), rates=BJ_PENSION)
    assert fen_to_yuan(individual) == D("572.96")
    assert fen_to_yuan(employer) == D("1145.92")


def test_t10_wage_inside_range_individual_total_with_beijing_bundle():
    base = clamp_base(wage=D("12000"), floor=BJ_FLOOR, ceiling=BJ_CEILING)
    assert base == D("12000")
    lines = [line_amounts(base_fen=yuan_to_fen(base), rates=rates) for rates in BJ_BUNDLE]
    individuals = [fen_to_yuan(individual) for _, individual in lines]
    assert individuals == [D("960.00"), D("240.00"), D("60.00"), D("0.00"), D("0.00")]
    assert sum(individuals) == D("1260.00")
    employer_total = fen_to_yuan(sum(employer for employer, _ in lines))
    assert employer_total == D("3300.00")  # 12,000 × 27.5 %


def test_t10_beijing_large_expense_pool_adds_three_yuan_to_medical():
    employer, individual = line_amounts(base_fen=1_200_000, rates=BJ_MEDICAL_WITH_POOL)
    assert (employer, individual) == (117_600, 24_300)


def test_t11_sichuan_base_limits_round_half_up_to_whole_yuan():
    assert base_limits(reference_wage=SICHUAN_S) == (D("4588"), D("22938"))


def test_t11_beijing_base_limits():
    assert base_limits(reference_wage=D("11937")) == (D("7162"), D("35811"))


def test_base_limits_can_keep_decimals():
    assert base_limits(reference_wage=SICHUAN_S, places=CENT) == (D("4587.60"), D("22938.00"))


def test_t12_flexible_worker_grade_60():
    floor, ceiling = base_limits(reference_wage=SICHUAN_S)
    base = flexible_base(grade_pct=60, reference_wage=SICHUAN_S, floor=floor, ceiling=ceiling)
    assert base == D("4588")
    split = flexible_pension_split(base_fen=yuan_to_fen(base), rate_ppm=200_000, credit_ppm=80_000)
    assert split == FlexibleSplit(total_fen=91_760, account_fen=36_704, pooled_fen=55_056)
    assert fen_to_yuan(split.total_fen) == D("917.60")
    assert fen_to_yuan(split.account_fen) == D("367.04")


def test_t13_flexible_worker_grade_300():
    floor, ceiling = base_limits(reference_wage=SICHUAN_S)
    base = flexible_base(grade_pct=300, reference_wage=SICHUAN_S, floor=floor, ceiling=ceiling)
    assert base == D("22938")
    split = flexible_pension_split(base_fen=yuan_to_fen(base), rate_ppm=200_000, credit_ppm=80_000)
    assert fen_to_yuan(split.total_fen) == D("4587.60")
    assert fen_to_yuan(split.account_fen) == D("1835.04")
    assert account_credit_fen(individual_base_fen=yuan_to_fen(base), credit_ppm=80_000) == 183_504


def test_t14_provisional_assessment_is_110_percent():
    assert provisional_amount(last_amount=D("10000.00")) == D("11000.00")
    assert provisional_amount(last_amount=D("0.05")) == D("0.06")  # 0.055 rounds half up
    assert provisional_amount(last_amount=D("0")) == D("0.00")


# --- Rates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "ppm"),
    [
        (D("0.16"), 160_000),
        (D("0.098"), 98_000),
        ("0.005", 5_000),
        ("9.8%", 98_000),
        (" 0.5 % ", 5_000),
        (D("0"), 0),
        (D("1"), 1_000_000),
        ("100%", 1_000_000),
        (D("0.000001"), 1),
    ],
)
def test_rate_to_ppm_exact(rate, ppm):
    assert rate_to_ppm(rate) == ppm


@pytest.mark.parametrize(
    "rate",
    [D("0.0000001"), D("0.1234567"), D("-0.01"), D("1.01"), "101%", "abc", "", D("NaN"), D("Infinity"), 0.16],
)
def test_rate_to_ppm_refuses(rate):
    with pytest.raises(ContributionRuleError) as excinfo:
        rate_to_ppm(rate)
    assert _field(excinfo) == "rate"
    assert excinfo.value.message_zh and excinfo.value.message_en


def test_ppm_to_rate_and_percent_text():
    assert ppm_to_rate(98_000) == D("0.098")
    assert ppm_to_rate(0) == 0
    assert percent_text(98_000) == "9.8%"
    assert percent_text(160_000) == "16%"
    assert percent_text(1_000_000) == "100%"
    assert percent_text(0) == "0%"
    assert percent_text(1) == "0.0001%"
    assert percent_text(26_200) == "2.62%"


@pytest.mark.parametrize("ppm", [-1, 1_000_001, 1.5, "98000", True, None])
def test_ppm_functions_refuse_bad_ppm(ppm):
    with pytest.raises(ContributionRuleError):
        ppm_to_rate(ppm)
    with pytest.raises(ContributionRuleError):
        percent_text(ppm)
    with pytest.raises(ContributionRuleError):
        amount_fen(base_fen=100, rate_ppm=ppm)


@settings(deadline=None, max_examples=300)
@given(ppm=st.integers(min_value=0, max_value=1_000_000))
def test_ppm_round_trips(ppm):
    assert rate_to_ppm(ppm_to_rate(ppm)) == ppm
    assert rate_to_ppm(percent_text(ppm)) == ppm


def test_amount_fen_rounds_half_up():
    assert amount_fen(base_fen=1, rate_ppm=500_000) == 1  # 0.5 fen → 1
    assert amount_fen(base_fen=1, rate_ppm=499_999) == 0
    assert amount_fen(base_fen=716_200, rate_ppm=80_000) == 57_296
    assert amount_fen(base_fen=0, rate_ppm=1_000_000) == 0


@settings(deadline=None, max_examples=500)
@given(
    base_fen=st.integers(min_value=0, max_value=10**10),
    rate_ppm=st.integers(min_value=0, max_value=1_000_000),
)
def test_amount_fen_equals_decimal_round_half_up(base_fen, rate_ppm):
    expected = yuan_to_fen(round_yuan(fen_to_yuan(base_fen) * ppm_to_rate(rate_ppm)))
    assert amount_fen(base_fen=base_fen, rate_ppm=rate_ppm) == expected


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"base_fen": -1, "rate_ppm": 80_000}, "base_fen"),
        ({"base_fen": 1.0, "rate_ppm": 80_000}, "base_fen"),
        ({"base_fen": D("100"), "rate_ppm": 80_000}, "base_fen"),
        ({"base_fen": True, "rate_ppm": 80_000}, "base_fen"),
        ({"base_fen": 10**16, "rate_ppm": 1_000_000}, "base_fen"),  # would overflow SQL bigint
        ({"base_fen": 100, "rate_ppm": -1}, "rate_ppm"),
    ],
)
def test_amount_fen_refuses(kwargs, field):
    with pytest.raises(ContributionRuleError) as excinfo:
        amount_fen(**kwargs)
    assert _field(excinfo) == field


def test_amount_fen_is_positional_free():
    with pytest.raises(TypeError):
        amount_fen(100, 80_000)  # type: ignore[misc]


# --- Bases -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wage", "base"),
    [
        ("0", "7162"),
        ("7161.99", "7162"),
        ("7162", "7162"),
        ("20000.50", "20000.50"),
        ("35811", "35811"),
        ("99999", "35811"),
    ],
)
def test_clamp_base(wage, base):
    assert clamp_base(wage=D(wage), floor=BJ_FLOOR, ceiling=BJ_CEILING) == D(base)


def test_clamp_base_fen():
    assert clamp_base_fen(wage_fen=500_000, floor_fen=716_200, ceiling_fen=3_581_100) == 716_200
    assert clamp_base_fen(wage_fen=1_200_000, floor_fen=716_200, ceiling_fen=3_581_100) == 1_200_000
    assert clamp_base_fen(wage_fen=9_000_000, floor_fen=716_200, ceiling_fen=3_581_100) == 3_581_100
    with pytest.raises(ContributionRuleError) as excinfo:
        clamp_base_fen(wage_fen=1, floor_fen=3_581_100, ceiling_fen=716_200)
    assert _field(excinfo) == "floor"
    with pytest.raises(ContributionRuleError) as excinfo:
        clamp_base_fen(wage_fen=-1, floor_fen=0, ceiling_fen=1)
    assert _field(excinfo) == "wage_fen"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"wage": D("-1"), "floor": BJ_FLOOR, "ceiling": BJ_CEILING}, "wage"),
        ({"wage": 5000.0, "floor": BJ_FLOOR, "ceiling": BJ_CEILING}, "wage"),
        ({"wage": "5000", "floor": BJ_FLOOR, "ceiling": BJ_CEILING}, "wage"),
        ({"wage": D("NaN"), "floor": BJ_FLOOR, "ceiling": BJ_CEILING}, "wage"),
        ({"wage": D("5000"), "floor": BJ_CEILING, "ceiling": BJ_FLOOR}, "floor"),
        ({"wage": D("5000"), "floor": D("-1"), "ceiling": BJ_FLOOR}, "floor"),
    ],
)
def test_clamp_base_refuses(kwargs, field):
    with pytest.raises(ContributionRuleError) as excinfo:
        clamp_base(**kwargs)
    assert _field(excinfo) == field


@settings(deadline=None, max_examples=300)
@given(
    wage_fen=st.integers(min_value=0, max_value=10**9),
    floor_fen=st.integers(min_value=0, max_value=10**7),
    span_fen=st.integers(min_value=0, max_value=10**7),
)
def test_clamp_base_fen_agrees_with_decimal(wage_fen, floor_fen, span_fen):
    ceiling_fen = floor_fen + span_fen
    fen = clamp_base_fen(wage_fen=wage_fen, floor_fen=floor_fen, ceiling_fen=ceiling_fen)
    assert floor_fen <= fen <= ceiling_fen
    yuan = clamp_base(
        wage=fen_to_yuan(wage_fen), floor=fen_to_yuan(floor_fen), ceiling=fen_to_yuan(ceiling_fen)
    )
    assert yuan_to_fen(yuan) == fen


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reference_wage": D("0")}, "reference_wage"),
        ({"reference_wage": D("-7646")}, "reference_wage"),
        ({"reference_wage": 7646.0}, "reference_wage"),
        ({"reference_wage": SICHUAN_S, "lower_pct": D("3"), "upper_pct": D("0.6")}, "lower_pct"),
        ({"reference_wage": SICHUAN_S, "lower_pct": D("-0.6")}, "lower_pct"),
    ],
)
def test_base_limits_refuses(kwargs, field):
    with pytest.raises(ContributionRuleError) as excinfo:
        base_limits(**kwargs)
    assert _field(excinfo) == field


def test_flexible_base_grades_and_clamp():
    floor, ceiling = base_limits(reference_wage=SICHUAN_S)
    assert flexible_base(grade_pct=100, reference_wage=SICHUAN_S, floor=floor, ceiling=ceiling) == D("7646")
    assert flexible_base(grade_pct=150, reference_wage=SICHUAN_S, floor=floor, ceiling=ceiling) == D("11469")
    # A published floor above 60 % of S (transitional limits are data) still wins.
    assert flexible_base(grade_pct=60, reference_wage=SICHUAN_S, floor=D("5000"), ceiling=ceiling) == D(
        "5000"
    )


@pytest.mark.parametrize("grade", [59, 301, 0, -60, 60.0, "60", True])
def test_flexible_base_refuses_grade(grade):
    with pytest.raises(ContributionRuleError) as excinfo:
        flexible_base(grade_pct=grade, reference_wage=SICHUAN_S, floor=D("4588"), ceiling=D("22938"))
    assert _field(excinfo) == "grade_pct"


@pytest.mark.parametrize("amount", [D("-0.01"), -1, 10000.0, "10000", None, D("sNaN")])
def test_provisional_amount_refuses(amount):
    with pytest.raises(ContributionRuleError) as excinfo:
        provisional_amount(last_amount=amount)
    assert _field(excinfo) == "last_amount"


# --- Insurance rates and lines -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"insurance": "pension", "employer_ppm": 1, "individual_ppm": 1}, "insurance"),
        ({"insurance": Insurance.PENSION, "employer_ppm": -1, "individual_ppm": 1}, "employer_ppm"),
        ({"insurance": Insurance.PENSION, "employer_ppm": 1, "individual_ppm": 1_000_001}, "individual_ppm"),
        ({"insurance": Insurance.PENSION, "employer_ppm": 1, "individual_ppm": D("0.08")}, "individual_ppm"),
        (
            {
                "insurance": Insurance.MEDICAL,
                "employer_ppm": 1,
                "individual_ppm": 1,
                "individual_fixed_fen": -300,
            },
            "individual_fixed_fen",
        ),
    ],
)
def test_insurance_rates_refuses(kwargs, field):
    with pytest.raises(ContributionRuleError) as excinfo:
        InsuranceRates(**kwargs)
    assert _field(excinfo) == field


def test_insurance_rates_is_frozen():
    with pytest.raises(AttributeError):
        BJ_PENSION.employer_ppm = 1  # type: ignore[misc]


def test_line_amounts_refuses_bad_input():
    with pytest.raises(ContributionRuleError) as excinfo:
        line_amounts(base_fen=-1, rates=BJ_PENSION)
    assert _field(excinfo) == "base_fen"
    with pytest.raises(ContributionRuleError) as excinfo:
        line_amounts(base_fen=100, rates=(160_000, 80_000))  # type: ignore[arg-type]
    assert _field(excinfo) == "rates"


# --- Accounts ----------------------------------------------------------------------------------


def test_account_credit_1997_to_2005_share_is_a_parameter():
    assert account_credit_fen(individual_base_fen=716_200, credit_ppm=80_000) == 57_296
    assert account_credit_fen(individual_base_fen=716_200, credit_ppm=110_000) == 78_782


def test_flexible_split_refuses_account_share_above_rate():
    with pytest.raises(ContributionRuleError) as excinfo:
        flexible_pension_split(base_fen=458_800, rate_ppm=80_000, credit_ppm=200_000)
    assert _field(excinfo) == "credit_ppm"
    with pytest.raises(ContributionRuleError) as excinfo:
        account_credit_fen(individual_base_fen=-1, credit_ppm=80_000)
    assert _field(excinfo) == "base_fen"


@settings(deadline=None, max_examples=300)
@given(
    base_fen=st.integers(min_value=0, max_value=10**9),
    rate_ppm=st.integers(min_value=0, max_value=1_000_000),
    data=st.data(),
)
def test_flexible_split_parts_add_up(base_fen, rate_ppm, data):
    credit_ppm = data.draw(st.integers(min_value=0, max_value=rate_ppm))
    split = flexible_pension_split(base_fen=base_fen, rate_ppm=rate_ppm, credit_ppm=credit_ppm)
    assert split.account_fen + split.pooled_fen == split.total_fen
    assert 0 <= split.account_fen <= split.total_fen


# --- Allocation --------------------------------------------------------------------------------


def test_allocation_partial_payment_fills_oldest_first():
    items = [("202501", 10_000), ("202502", 10_000), ("202503", 10_000)]
    allocation = allocate_payment(amount_fen=15_000, open_items=items)
    assert allocation == Allocation(parts=(("202501", 10_000), ("202502", 5_000)), credit_fen=0)
    assert allocation.allocated_fen == 15_000


def test_allocation_over_payment_is_held_as_credit():
    allocation = allocate_payment(amount_fen=35_001, open_items=[("a", 10_000), ("b", 0), ("c", 25_000)])
    assert allocation.parts == (("a", 10_000), ("c", 25_000))
    assert allocation.credit_fen == 1


def test_allocation_of_nothing_and_to_nothing():
    assert allocate_payment(amount_fen=0, open_items=[("a", 5)]) == Allocation(parts=(), credit_fen=0)
    assert allocate_payment(amount_fen=5, open_items=[]) == Allocation(parts=(), credit_fen=5)


def test_allocation_keys_may_be_tuples():
    items = [((202501, "pension"), 100), ((202501, "late_fee"), 50)]
    allocation = allocate_payment(amount_fen=120, open_items=items)
    assert allocation.parts == (((202501, "pension"), 100), ((202501, "late_fee"), 20))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount_fen": -1, "open_items": []}, "amount_fen"),
        ({"amount_fen": D("1.00"), "open_items": []}, "amount_fen"),
        ({"amount_fen": 1, "open_items": [("a", -5)]}, "open_items[0]"),
        ({"amount_fen": 1, "open_items": [("a", 5), ("b", 1.5)]}, "open_items[1]"),
        ({"amount_fen": 1, "open_items": [("a", 5), ("a", 5)]}, "open_items[1]"),
        ({"amount_fen": 1, "open_items": [("a", 5, 6)]}, "open_items[0]"),
        ({"amount_fen": 1, "open_items": "abc"}, "open_items"),
        ({"amount_fen": 1, "open_items": {"a": 5}}, "open_items"),
    ],
)
def test_allocation_refuses(kwargs, field):
    with pytest.raises(ContributionRuleError) as excinfo:
        allocate_payment(**kwargs)
    assert _field(excinfo) == field


_open_items = st.lists(st.integers(min_value=0, max_value=10**8), max_size=30).map(
    lambda amounts: [(f"item{index}", amount) for index, amount in enumerate(amounts)]
)


@settings(deadline=None, max_examples=400)
@given(amount_fen=st.integers(min_value=0, max_value=3 * 10**9), open_items=_open_items)
def test_allocation_never_creates_or_loses_a_cent(amount_fen, open_items):
    allocation = allocate_payment(amount_fen=amount_fen, open_items=open_items)
    assert allocation.allocated_fen + allocation.credit_fen == amount_fen
    outstanding = dict(open_items)
    assert all(0 < fen <= outstanding[key] for key, fen in allocation.parts)
    # Oldest first: every item before the last one touched is settled in full.
    keys = [key for key, _ in open_items]
    if allocation.parts:
        last = keys.index(allocation.parts[-1][0])
        paid = dict(allocation.parts)
        assert all(paid.get(key, 0) == outstanding[key] for key in keys[:last])
    # Credit only when everything is settled.
    if allocation.credit_fen:
        assert allocation.allocated_fen == sum(outstanding.values())
    # Reversal undoes it exactly.
    undo = reverse_allocation(parts=allocation.parts)
    net: dict[str, int] = {}
    for key, fen in allocation.parts + undo:
        net[key] = net.get(key, 0) + fen
    assert all(value == 0 for value in net.values())
    assert [key for key, _ in undo] == [key for key, _ in allocation.parts]


def test_reverse_allocation():
    assert reverse_allocation(parts=(("a", 100), ("b", 1))) == (("a", -100), ("b", -1))
    assert reverse_allocation(parts=[]) == ()


@pytest.mark.parametrize("parts", [[("a", 0)], [("a", -1)], [("a", 1.0)], [("a",)]])
def test_reverse_allocation_refuses(parts):
    with pytest.raises(ContributionRuleError) as excinfo:
        reverse_allocation(parts=parts)
    assert _field(excinfo) == "parts[0]"


def test_rule_kernels_import_no_django():
    modules = ", ".join(
        f"shebao.contributions.rules.{name}"
        for name in ("errors", "rates", "latefee", "interest", "allocation", "accounts")
    )
    code = (
        f"import sys, {modules}; sys.exit(any(m.split('.')[0] in ('django', 'ninja') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
