"""Arrears: statements with the late fee accrued to any date, aging buckets per payer over
a region, fines kept apart from late fees, late-fee parameters (day count, cap, the 2011
rate change) and access to each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.contributions import arrears, services
from shebao.contributions.arrears import (
    arrears_list,
    fine_record,
    late_fee_quote,
    late_fee_terms,
    payer_arrears,
)
from shebao.contributions.collection import payment_record
from shebao.contributions.models import Allocation, Bill, Fine, LateFee
from shebao.contributions.rules.latefee import DayCount
from shebao.contributions.services import ContributionError
from shebao.register import services as register
from tests.contributions.conftest import CHAOYANG, new_uscc

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 6, 30)


def _bill(payer, total: int, due: dt.date, *, period: int, paid: int = 0, payer_type="employer", region=CHAOYANG):
    return Bill.objects.create(
        period=period, payer_type=payer_type, payer_id=payer.pk, kind="normal", region_code=region,
        employer_fen=total, individual_fen=0, total_fen=total, paid_fen=paid, lines=1,
        status="partial" if paid else "open", due_date=due, run_id=0, updated_at=timezone.now(),
    )


def test_statement_accrues_the_late_fee_to_the_date_and_lists_charges_apart(system, employer, params):
    _bill(employer, 1_000_000, dt.date(2026, 5, 31), period=202604)  # 30 days overdue on ON
    _bill(employer, 864_000, ON + dt.timedelta(days=10), period=202605)  # not yet due
    payment_record(actor=system, source="bank", external_ref="B-1", payer_type="employer", payer_id=employer.pk,
                   amount="1000", paid_on=dt.date(2026, 6, 10))  # pays 1,000 of April's bill, 10 days late
    fine_record(actor=system, payer_type="employer", payer_id=employer.pk, amount="5000", reason="逾期仍不缴纳",
                decision_ref="京人社罚〔2026〕1号", decided_on=dt.date(2026, 6, 20))
    st = payer_arrears(user=system, payer_type="employer", payer_id=employer.pk, on=ON)
    april, may = st.bills
    assert (april.period, april.outstanding_fen, april.days_overdue) == (202604, 900_000, 30)
    assert april.late_fee_fen == 13_500  # 9,000 × 0.05 % × 30 = 135.00, computed not stored
    assert (may.days_overdue, may.late_fee_fen, may.outstanding_fen) == (0, 0, 864_000)
    assert [(c.kind, c.amount_fen, c.outstanding_fen) for c in st.late_fees] == [("late_fee", 500, 0 + 500)]
    assert [(c.kind, c.amount_fen, c.reference) for c in st.fines] == [("fine", 500_000, "京人社罚〔2026〕1号")]
    assert st.principal_fen == 1_764_000 and st.overdue_fen == 900_000
    assert st.total_fen == 1_764_000 + 13_500 + 500  # fines are not in it
    assert st.fines_fen == 500_000
    assert st.yuan(st.total_fen) == Decimal("17780.00")
    # another day, another accrued fee; nothing was stored for it
    later = payer_arrears(user=system, payer_type="employer", payer_id=employer.pk, on=dt.date(2026, 7, 30))
    assert later.bills[0].late_fee_fen == 900_000 * 60 // 2000
    assert LateFee.objects.count() == 1


def test_statement_for_a_flexible_worker_accrues_no_late_fee(system, person, params):
    _bill(person, 143_240, dt.date(2026, 1, 15), period=202512, payer_type="person")
    st = payer_arrears(user=system, payer_type="person", payer_id=person.pk, on=ON)
    assert st.bills[0].days_overdue > 100 and st.bills[0].late_fee_fen == 0


def test_statement_access(make_user, staff, employer, other_employer, person, params):
    own = make_user(kind=UserKind.EMPLOYER, employer_id=employer.pk)
    payer_arrears(user=own, payer_type="employer", payer_id=employer.pk, on=ON)
    payer_arrears(user=staff(Post.AUDITOR, CHAOYANG), payer_type="employer", payer_id=employer.pk, on=ON)
    with pytest.raises(AccessDenied):
        payer_arrears(user=own, payer_type="employer", payer_id=other_employer.pk, on=ON)
    with pytest.raises(AccessDenied):
        payer_arrears(user=staff(Post.AUDITOR, "310101"), payer_type="employer", payer_id=employer.pk, on=ON)
    citizen = make_user(kind=UserKind.CITIZEN, person_id=person.pk)
    payer_arrears(user=citizen, payer_type="person", payer_id=person.pk, on=ON)
    with pytest.raises(AccessDenied):
        payer_arrears(user=citizen, payer_type="employer", payer_id=employer.pk, on=ON)
    with pytest.raises(AccessDenied):
        payer_arrears(user=citizen, payer_type="person", payer_id=10**12, on=ON)


def test_arrears_list_ages_each_payer_and_orders_by_amount(system, employer, other_employer, params):
    second = register.employer_register(
        actor=system, uscc=new_uscc(), name="第二家公司", employer_type="enterprise", region_code=CHAOYANG,
        risk_class=1, registered_on=dt.date(2020, 1, 1),
    )
    days = {"1-30": 1, "31-90": 31, "91-180": 180, "181-365": 181, ">365": 366}
    for i, (_bucket, d) in enumerate(days.items()):
        _bill(employer, 100_000 * (i + 1), ON - dt.timedelta(days=d), period=202401 + i)
    _bill(employer, 50_000, ON, period=202406)  # due today: not overdue
    _bill(employer, 70_000, ON - dt.timedelta(days=5), period=202407, paid=70_000)  # paid
    _bill(second, 2_000_000, ON - dt.timedelta(days=90), period=202401)
    _bill(other_employer, 9_000_000, ON - dt.timedelta(days=40), period=202401, region="310101")  # Shanghai

    page = arrears_list(user=system, region_code="110000", on=ON)
    assert [(r.payer_id, r.outstanding_fen) for r in page.rows] == [(second.pk, 2_000_000), (employer.pk, 1_500_000)]
    mine = page.rows[1]
    assert mine.buckets == {"1-30": 100_000, "31-90": 200_000, "91-180": 300_000, "181-365": 400_000, ">365": 500_000}
    assert mine.bills == 5 and mine.oldest_due == ON - dt.timedelta(days=366)
    assert page.rows[0].buckets["31-90"] == 2_000_000  # 90 days is still 31–90
    assert page.payers == 2 and page.outstanding_fen == 3_500_000
    assert page.buckets["31-90"] == 2_200_000

    assert [r.payer_id for r in arrears_list(user=system, region_code="110000", on=ON, limit=1, offset=1).rows] == [employer.pk]
    old = arrears_list(user=system, region_code="110000", on=ON, min_days=181)
    assert [(r.payer_id, r.outstanding_fen) for r in old.rows] == [(employer.pk, 900_000)]
    assert arrears_list(user=system, region_code="310000", on=ON).rows[0].payer_id == other_employer.pk


def test_arrears_list_needs_view_in_the_region(staff, params):
    arrears_list(user=staff(Post.FRONT_DESK, "110000"), region_code="110105", on=ON)
    with pytest.raises(AccessDenied):
        arrears_list(user=staff(Post.FRONT_DESK, "110101"), region_code="110000", on=ON)
    with pytest.raises(AccessDenied):
        arrears_list(user=staff(Post.ADMIN, "110000"), region_code="110000", on=ON)
    with pytest.raises(ContributionError):
        arrears_list(user=staff(Post.FRONT_DESK, "110000"), region_code="11", on=ON)


# --- fines ---------------------------------------------------------------------------------


def test_fines_are_recorded_apart_and_payments_never_go_to_them(system, staff, employer, params):
    reviewer = staff(Post.REVIEWER, CHAOYANG)
    fine = fine_record(actor=reviewer, payer_type="employer", payer_id=employer.pk, amount="3000.00",
                       reason="逾期仍不缴纳", decision_ref="京人社罚〔2026〕2号", decided_on=dt.date(2026, 6, 1))
    assert (fine.amount_fen, fine.status) == (300_000, "open")
    payment = payment_record(actor=system, source="bank", external_ref="B-1", payer_type="employer",
                             payer_id=employer.pk, amount="3000", paid_on=dt.date(2026, 6, 2))
    assert payment.allocated_fen == 0 and not Allocation.objects.exists() and not LateFee.objects.exists()
    st = payer_arrears(user=system, payer_type="employer", payer_id=employer.pk, on=ON)
    assert st.total_fen == 0 and st.fines_fen == 300_000 and st.credit_fen == 300_000


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "x"}, "amount"),
        ({"reason": " "}, "reason"),
        ({"decision_ref": ""}, "decision_ref"),
        ({"decided_on": dt.date(2999, 1, 1)}, "decided_on"),
        ({"payer_type": "firm"}, "payer_type"),
    ],
)
def test_fine_bad_input(system, employer, changes, field):
    values = {"payer_type": "employer", "payer_id": employer.pk, "amount": "100", "reason": "逾期",
              "decision_ref": "罚1", "decided_on": dt.date(2026, 6, 1), **changes}
    with pytest.raises(ContributionError) as exc:
        fine_record(actor=system, **values)
    assert exc.value.field == field
    assert not Fine.objects.exists()


def test_fines_need_write_in_the_region(staff, employer):
    with pytest.raises(AccessDenied):
        fine_record(actor=staff(Post.AUDITOR, CHAOYANG), payer_type="employer", payer_id=employer.pk, amount="1",
                    reason="r", decision_ref="d", decided_on=dt.date(2026, 6, 1))


# --- late-fee parameters -------------------------------------------------------------------


def test_terms_follow_the_2011_rate_change_and_local_day_count_and_cap(system, params):
    terms = late_fee_terms(region_code=CHAOYANG, period=201105)
    assert terms.schedule == ((dt.date(1999, 1, 1), Decimal("0.002")), (dt.date(2011, 7, 1), Decimal("0.0005")))
    assert terms.convention == DayCount.AFTER_DUE and terms.cap_at_principal is False
    # due 2011-06-20, paid 2011-07-10: 10 days at 0.2 % + 10 days at 0.05 % on 1,000 → 25.00
    quote = late_fee_quote(terms=terms, principal_fen=100_000, due=dt.date(2011, 6, 20), on=dt.date(2011, 7, 10))
    assert (quote.days, quote.fee_fen, quote.daily_ppm) == (20, 2_500, 500)

    services.parameter_add(actor=system, kind="late_fee_day_count", jurisdiction=CHAOYANG, valid_from=202001,
                           value=1, source_doc="test")
    services.parameter_add(actor=system, kind="late_fee_cap", jurisdiction=CHAOYANG, valid_from=202001,
                           value=1, source_doc="test")
    local = late_fee_terms(region_code=CHAOYANG, period=202503)
    assert local.convention == DayCount.INCLUSIVE and local.cap_at_principal
    t17 = late_fee_quote(terms=local, principal_fen=864_000, due=dt.date(2025, 3, 15), on=dt.date(2025, 4, 10))
    assert (t17.days, t17.fee_fen) == (27, 11_664)  # T17 with the deadline day counted
    capped = late_fee_quote(terms=local, principal_fen=10_000, due=dt.date(2020, 1, 15), on=dt.date(2026, 1, 15))
    assert capped.fee_fen == 10_000  # never above the principal
    assert late_fee_terms(region_code="110101", period=202503).convention == DayCount.AFTER_DUE  # other district


def test_without_any_rate_row_the_statutory_rate_applies(db):
    terms = arrears.late_fee_terms(region_code=CHAOYANG, period=202601, rows=[])
    quote = late_fee_quote(terms=terms, principal_fen=1_000_000, due=dt.date(2026, 1, 15), on=dt.date(2026, 2, 14))
    assert quote.fee_fen == 15_000  # T15
