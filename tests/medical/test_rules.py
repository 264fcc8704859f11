"""Pure rules of 异地就医备案 (rules.md §7, §11 T50)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shebao.medical.rules.registration import (
    CATEGORIES,
    Category,
    Kind,
    MedicalRuleError,
    Span,
    category_of,
    check_not_locked,
    check_overlap,
    check_start,
    lock_until,
    overlaps,
    validity,
)

D = dt.date


def test_t50_temporary_valid_at_least_six_months():
    # T50: temporary out-of-province 备案 filed 2025-03-01 → valid at least until 2025-08-31
    assert validity(Category.OTHER_TEMPORARY, D(2025, 3, 1)) == D(2025, 8, 31)
    assert validity(Category.REFERRAL, D(2025, 3, 1), 12) == D(2026, 2, 28)
    with pytest.raises(MedicalRuleError) as err:
        validity(Category.EMERGENCY, D(2025, 3, 1), 5)
    assert err.value.field == "months"


def test_long_term_is_open_ended_and_locked_at_most_six_months():
    for cat in (Category.RESETTLED_RETIREE, Category.LONG_RESIDENCE, Category.STATIONED_WORK):
        assert CATEGORIES[cat].kind is Kind.LONG_TERM
        assert validity(cat, D(2025, 3, 1)) is None
        assert lock_until(cat, D(2025, 3, 1)) == D(2025, 9, 1)
    assert lock_until(Category.LONG_RESIDENCE, D(2025, 8, 31), 6) == D(2026, 2, 28)
    assert lock_until(Category.LONG_RESIDENCE, D(2025, 3, 1), 0) is None
    assert lock_until(Category.REFERRAL, D(2025, 3, 1)) is None
    with pytest.raises(MedicalRuleError) as err:
        lock_until(Category.LONG_RESIDENCE, D(2025, 3, 1), 7)
    assert err.value.field == "lock_months"


def test_lock_names_the_registration():
    check_not_locked(None, D(2025, 3, 1), "YD1")
    check_not_locked(D(2025, 9, 1), D(2025, 9, 1), "YD1")
    with pytest.raises(MedicalRuleError) as err:
        check_not_locked(D(2025, 9, 1), D(2025, 8, 31), "YD1")
    assert "YD1" in err.value.message_zh and "2025-09-01" in err.value.message_en


def test_documents_per_category():
    codes = {c: {d for d, _ in CATEGORIES[c].documents} for c in Category}
    assert "referral" in codes[Category.REFERRAL]
    assert "commitment" in codes[Category.LONG_RESIDENCE]
    assert "referral" not in codes[Category.EMERGENCY]


def test_wrong_category_and_past_start():
    with pytest.raises(MedicalRuleError) as err:
        category_of("holiday")
    assert err.value.field == "category"
    today = D(2025, 6, 1)
    with pytest.raises(MedicalRuleError) as err:
        check_start(Category.LONG_RESIDENCE, D(2025, 5, 31), today)
    assert err.value.field == "valid_from"
    check_start(Category.EMERGENCY, D(2025, 5, 1), today)  # 急诊抢救 may be filed afterwards (补办)
    with pytest.raises(MedicalRuleError):
        check_start(Category.OTHER_TEMPORARY, D(2026, 6, 2), today)


def test_overlap_refused_naming_the_existing():
    existing = [Span("YD20250301000001", D(2025, 3, 1), D(2025, 8, 31))]
    check_overlap(D(2025, 9, 1), None, existing)
    with pytest.raises(MedicalRuleError) as err:
        check_overlap(D(2025, 8, 31), D(2026, 2, 27), existing)
    assert "YD20250301000001" in err.value.message_zh and err.value.field == "valid_from"
    with pytest.raises(MedicalRuleError):
        check_overlap(D(2020, 1, 1), None, [Span("YD2", D(2030, 1, 1), None)])


dates = st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31))


@given(dates, st.none() | dates, dates, st.none() | dates)
def test_overlap_is_symmetric_and_matches_day_sets(a, a_end, b, b_end):
    a_end = a_end if a_end is None or a_end >= a else a
    b_end = b_end if b_end is None or b_end >= b else b
    assert overlaps(a, a_end, b, b_end) == overlaps(b, b_end, a, a_end)
    far = D(2031, 1, 1)
    ea, eb = a_end or far, b_end or far
    assert overlaps(a, a_end, b, b_end) == (max(a, b) <= min(ea, eb))


@given(dates, st.integers(min_value=6, max_value=12))
def test_temporary_validity_covers_the_months(start, months):
    end = validity(Category.OTHER_TEMPORARY, start, months)
    assert (end - start).days >= 180 if months == 6 else end > start
