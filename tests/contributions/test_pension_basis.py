"""``contributions.pension_basis``: the lean pension basis the award and the estimator read
equals the month-by-month walk of ``history.person_contribution_history`` (the reference
below, the way ``benefits.selectors.pension_record`` read it before), for every kind of
month: paid, partly paid, owed, provisional, flexible worker, back-payment, elsewhere."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import UserKind
from shebao.contributions import history, pension_basis
from shebao.contributions.models import AccountCredit, AccountYear, Bill, ContributionLine, ExternalMonth
from shebao.contributions.services import ContributionError
from shebao.register.access import SYSTEM_ACTOR
from shebao.register.models import Person

pytestmark = pytest.mark.django_db
FIRST, LAST = "2020-01", "2026-12"


def reference(person_id: int) -> tuple[dict[int, int], int]:
    months = history.person_contribution_history(
        user=SYSTEM_ACTOR, person_id=person_id, first_period=FIRST, last_period=LAST
    )
    paid, owed = {}, 0
    for month in months:
        for line in month.lines:
            if line.insurance == "pension" and line.base is not None and line.kind != "provisional":
                if line.status != history.PAID:
                    owed += 1
                    break
                paid[month.period] = int(line.base * 100)
                break
    return paid, owed


def reference_balance(person_id: int) -> int:
    st = history.person_account_statement(user=SYSTEM_ACTOR, person_id=person_id)
    return int(st.balance * 100)


def _line(person, period, *, employer_id=None, kind="normal", base=1_000_000, insurance="pension"):
    return ContributionLine(period=period, person_id=person.pk, insurance=insurance, employer_id=employer_id,
                            region_code=person.region_code, kind=kind, base_fen=base, employer_ppm=160_000,
                            individual_ppm=80_000, employer_fen=base * 16 // 100, individual_fen=base * 8 // 100,
                            run_id=0)  # fmt: skip


def _bill(period, payer_type, payer_id, status, kind="normal"):
    return Bill(period=period, payer_type=payer_type, payer_id=payer_id, kind=kind, region_code="110105",
                employer_fen=0, individual_fen=0, total_fen=0, paid_fen=0, lines=1, status=status,
                due_date=dt.date(period // 100, period % 100, 15), run_id=0, updated_at=timezone.now())  # fmt: skip


def test_every_kind_of_month(person, employer):
    e = employer.pk
    ContributionLine.objects.bulk_create([
        _line(person, 202401, employer_id=e, base=900_000),  # paid
        _line(person, 202401, employer_id=e, insurance="medical"),  # another insurance: ignored
        _line(person, 202402, employer_id=e),  # bill partly paid: owed
        _line(person, 202403, employer_id=e),  # bill open: owed
        _line(person, 202404, employer_id=e),  # no bill yet: owed
        _line(person, 202405, base=700_000),  # flexible worker, own bill paid
        _line(person, 202406, employer_id=e, kind="backpay", base=800_000),  # back-payment, paid
        _line(person, 202407, employer_id=e, kind="provisional"),  # provisional: never counted
    ])  # fmt: skip
    Bill.objects.bulk_create([
        _bill(202401, "employer", e, "paid"),
        _bill(202402, "employer", e, "partial"),
        _bill(202403, "employer", e, "open"),
        _bill(202405, "person", person.pk, "paid"),
        _bill(202406, "employer", e, "paid", kind="backpay"),
        _bill(202406, "employer", e, "open"),  # a normal bill of that month does not decide a back-payment line
        _bill(202407, "employer", e, "paid", kind="provisional"),
    ])  # fmt: skip
    ExternalMonth.objects.create(person_id=person.pk, period=202301, insurance="pension", base_fen=600_000,
                                 source="410000", reference="T1", recorded_at=timezone.now())  # fmt: skip
    got = pension_basis.person_pension_months(user=SYSTEM_ACTOR, person_id=person.pk, first_period=FIRST,
                                              last_period=LAST)  # fmt: skip
    assert got.paid == {202301: 600_000, 202401: 900_000, 202405: 700_000, 202406: 800_000}
    assert got.owed_months == 3
    assert (got.paid, got.owed_months) == reference(person.pk)


def test_balance_matches_the_statement(person):
    assert (
        pension_basis.person_account_balance(user=SYSTEM_ACTOR, person_id=person.pk)
        == 0
        == reference_balance(person.pk)
    )
    AccountYear.objects.create(person_id=person.pk, year=2024, opening_principal_fen=0, opening_interest_fen=0,
                               credits_fen=100_000_00, interest_on_opening_fen=0, interest_on_credits_fen=1_234_56,
                               closing_principal_fen=100_000_00, closing_interest_fen=1_234_56, rate_ppm=26_200,
                               method="annual_1997", months=12, credited_at=timezone.now())  # fmt: skip
    AccountCredit.objects.bulk_create([
        AccountCredit(person_id=person.pk, period=p, base_fen=800_000, credit_ppm=80_000, amount_fen=640_00,
                      posted_on=dt.date(2026, 3, 1))
        for p in (202412, 202501, 202602)  # 202412 is inside the credited year: already in its closing
    ])  # fmt: skip
    got = pension_basis.person_account_balance(user=SYSTEM_ACTOR, person_id=person.pk)
    assert got == 100_000_00 + 1_234_56 + 2 * 640_00 == reference_balance(person.pk)


def test_access_is_the_history_access(person, make_person, make_user):
    other = make_person(name="王五")
    stranger = make_user(kind=UserKind.CITIZEN, person_id=other.pk)
    assert (
        pension_basis.person_account_balance(
            user=make_user(kind=UserKind.CITIZEN, person_id=person.pk), person_id=person.pk
        )
        == 0
    )
    with pytest.raises(AccessDenied):
        pension_basis.person_pension_months(
            user=stranger, person_id=person.pk, first_period=FIRST, last_period=LAST
        )
    with pytest.raises(AccessDenied):
        pension_basis.person_account_balance(user=stranger, person_id=person.pk)


@pytest.mark.slow
def test_equal_to_the_walk_on_the_demo_city():
    call_command("seed_demo", persons=300, employers=15, no_users=True, stdout=io.StringIO())
    call_command("seed_contributions", months=4, stdout=io.StringIO())
    checked = 0
    for pid in Person.objects.values_list("id", flat=True):
        got = pension_basis.person_pension_months(user=SYSTEM_ACTOR, person_id=pid, first_period=FIRST,
                                                  last_period=LAST)  # fmt: skip
        assert (got.paid, got.owed_months) == reference(pid), pid
        assert pension_basis.person_account_balance(user=SYSTEM_ACTOR, person_id=pid) == reference_balance(
            pid
        )
        checked += bool(got.paid)
    assert checked > 100


def test_months_of_a_range_and_bad_ranges():
    assert history._check_range("2024-11", "2025-02") == [202411, 202412, 202501, 202502]
    assert len(history._check_range("1977-02", "2026-12")) == 599
    assert history._check_range("2025-01", "2025-01") == [202501]
    with pytest.raises(ContributionError) as exc:
        history._check_range("2025-02", "2025-01")
    assert exc.value.field == "last_period"
    with pytest.raises(ContributionError) as exc:
        history._check_range("1970-01", "2026-12")
    assert exc.value.field == "first_period"
    with pytest.raises(ContributionError) as exc:
        history._check_range("2025-13", "2026-12")
    assert exc.value.field == "first_period"
