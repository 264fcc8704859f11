"""Transfer kernels: amounts (T40, T41), paying place (T43, T45 and the other branches),
temporary account (T48 …) and the state machine. No database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shebao.transfers.rules import amounts, places
from shebao.transfers.rules.amounts import MonthRow
from shebao.transfers.rules.errors import TransferRuleError
from shebao.transfers.rules.states import Status, plan


def year(y: int, annual: str) -> list[MonthRow]:
    monthly = Decimal(annual) / 12
    return [MonthRow(y * 100 + m, monthly) for m in range(1, 13)]


def test_t40_pooled_transfer_of_three_years():
    months = year(2019, "60000") + year(2020, "72000") + year(2021, "84000")
    assert amounts.pooled_base_sum(months) == Decimal("216000")
    assert amounts.pooled_transfer(months) == Decimal("25920.00")


def test_t41_under_a_year_uses_the_actual_months():
    months = [MonthRow(202201 + i, Decimal("5000")) for i in range(8)]
    assert amounts.pooled_transfer(months) == Decimal("4800.00")


def test_months_before_1998_do_not_count_for_the_pool():
    months = [MonthRow(199712, Decimal("3000")), MonthRow(199801, Decimal("1000"))]
    assert amounts.pooled_transfer(months) == Decimal("120.00")


def test_rounding_happens_once_on_the_sum():
    # each month alone would round 0.12 × 0.05 = 0.006 up to 0.01; the sum rounds once
    months = [MonthRow(202001 + i, Decimal("0.05")) for i in range(3)]
    assert amounts.pooled_transfer(months) == Decimal("0.02")  # 0.12 × 0.15 = 0.018


def test_negative_base_refused():
    with pytest.raises(TransferRuleError) as exc:
        amounts.pooled_transfer([MonthRow(202001, Decimal("-1"))])
    assert exc.value.field == "base"


def test_temporary_account_and_funds_total():
    months = [MonthRow(202001, Decimal("5000"), Decimal("800"), Decimal("400"))] * 2
    assert amounts.temporary_account_total(months) == Decimal("2400.00")
    assert amounts.funds_total(account_principal=Decimal("100"), account_interest=Decimal("5"), pooled=Decimal("20"),
                               temporary=Decimal("2400"), temporary_account=False) == Decimal("125")  # fmt: skip
    assert amounts.funds_total(account_principal=Decimal("100"), account_interest=Decimal("5"), pooled=Decimal("20"),
                               temporary=Decimal("2400"), temporary_account=True) == Decimal("2400")  # fmt: skip


@given(st.lists(st.tuples(st.integers(199001, 203012), st.integers(0, 10_000_000)), max_size=80))
def test_property_pooled_is_12_percent_of_bases_since_1998_rounded_once(rows):
    months = [MonthRow(p, Decimal(fen) / 100) for p, fen in rows if 1 <= p % 100 <= 12]
    bases_fen = sum((Decimal(fen) for p, fen in rows if 1 <= p % 100 <= 12 and p >= 199801), Decimal(0))
    expected = (bases_fen * 12 / 100 / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    result = amounts.pooled_transfer(months)
    assert result == expected
    assert abs(result - Decimal("0.12") * bases_fen / 100) <= Decimal("0.005")
    assert result >= 0


HENAN, SHANGHAI, GUANGDONG, BEIJING = "410100", "310000", "440100", "110000"


def test_t43_relationship_in_hukou_place_pays_there():
    decision = places.paying_place(hukou="411302", places=[places.Place(GUANGDONG, 144), places.Place(HENAN, 36)])
    assert (decision.code, decision.rule) == (HENAN, 1)


def test_t45_ten_years_at_the_current_place():
    decision = places.paying_place(hukou=HENAN, places=[places.Place(SHANGHAI, 132)])
    assert (decision.code, decision.rule) == (SHANGHAI, 2)


def test_rule_3_back_to_the_last_place_with_ten_years():
    decision = places.paying_place(
        hukou=HENAN, places=[places.Place(GUANGDONG, 130), places.Place(SHANGHAI, 125), places.Place(BEIJING, 60)]
    )
    assert (decision.code, decision.rule) == (SHANGHAI, 3)


def test_rule_4_under_ten_years_everywhere_gathers_to_hukou():
    decision = places.paying_place(hukou=HENAN, places=[places.Place(GUANGDONG, 119), places.Place(SHANGHAI, 100)])
    assert (decision.code, decision.rule) == (HENAN, 4)


def test_exactly_120_months_counts_as_ten_years():
    assert places.paying_place(hukou=HENAN, places=[places.Place(SHANGHAI, 120)]).rule == 2
    assert places.paying_place(hukou=HENAN, places=[places.Place(SHANGHAI, 119)]).rule == 4


def test_paying_place_needs_a_place():
    with pytest.raises(TransferRuleError):
        places.paying_place(hukou=HENAN, places=[])


def test_t48_woman_aged_38_normal_transfer():
    born = dt.date(1988, 6, 1)
    assert places.needs_temporary_account(sex="F", birth=born, on=dt.date(2026, 6, 1), hukou=HENAN,
                                          new_place=BEIJING) is False  # fmt: skip


@pytest.mark.parametrize(
    ("sex", "age", "hukou", "new", "expected"),
    [
        ("F", 40, HENAN, BEIJING, True),
        ("F", 39, HENAN, BEIJING, False),
        ("M", 50, HENAN, BEIJING, True),
        ("M", 49, HENAN, BEIJING, False),
        ("M", 55, HENAN, "411302", False),  # moving back to the hukou province: none
    ],
)
def test_temporary_account_thresholds(sex, age, hukou, new, expected):
    on = dt.date(2026, 6, 1)
    born = dt.date(on.year - age, 5, 31)
    assert places.needs_temporary_account(sex=sex, birth=born, on=on, hukou=hukou, new_place=new) is expected


def test_age_counts_whole_years():
    assert places.age_on(dt.date(1986, 6, 2), dt.date(2026, 6, 1)) == 39
    assert places.age_on(dt.date(1986, 6, 1), dt.date(2026, 6, 1)) == 40


def test_state_machine_allows_the_flow_and_refuses_skips():
    flow = [Status.APPLIED, Status.ACCEPTED, Status.OUT_PROCESSED, Status.FUNDS_RECEIVED, Status.MERGED, Status.NOTIFIED]
    for a, b in zip(flow, flow[1:], strict=False):
        assert plan(a, b) == b
    assert plan(Status.APPLIED, Status.REJECTED) == Status.REJECTED
    for a, b in [(Status.APPLIED, Status.MERGED), (Status.NOTIFIED, Status.APPLIED), (Status.REJECTED, Status.ACCEPTED),
                 (Status.OUT_PROCESSED, Status.REJECTED)]:  # fmt: skip
        with pytest.raises(TransferRuleError) as exc:
            plan(a, b)
        assert exc.value.field == "status"
