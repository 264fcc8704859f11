"""Months recorded elsewhere (ExternalMonth) and the transfer entries of the personal
account (ADR 0015): idempotent, all or nothing, counted by the history and the pension record."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shebao.accounts.access import AccessDenied
from shebao.contributions import history, ledger
from shebao.contributions.external import external_months_record
from shebao.contributions.models import AccountCredit, AccountYear, ExternalMonth
from shebao.contributions.services import ContributionError
from tests.contributions.conftest import make_person_direct

pytestmark = pytest.mark.django_db


def rows(first=201901, n=3, base=500_000):
    return [{"period": first + i, "insurance": "pension", "base_fen": base, "employer_fen": base * 16 // 100,
             "individual_fen": base * 8 // 100} for i in range(n)]  # fmt: skip


def test_record_is_idempotent_and_shows_as_paid_months(system):
    person = make_person_direct(system)
    assert external_months_record(actor=system, person_id=person.pk, rows=rows(), source="310000", reference="ZR1") == 3
    assert external_months_record(actor=system, person_id=person.pk, rows=rows(), source="310000", reference="ZR1") == 0
    months = history.person_contribution_history(user=system, person_id=person.pk, first_period="2019-01",
                                                 last_period="2019-12")  # fmt: skip
    assert [m.period for m in months] == [201901, 201902, 201903]
    line = months[0].lines[0]
    assert (line.kind, line.status, str(line.base), str(line.employer_amount)) == ("external", "paid", "5000.00", "800.00")


def test_other_amounts_for_a_recorded_month_refused_naming_the_row(system):
    person = make_person_direct(system)
    external_months_record(actor=system, person_id=person.pk, rows=rows(), source="310000", reference="ZR1")
    changed = rows()
    changed[1]["base_fen"] = 1
    with pytest.raises(ContributionError) as exc:
        external_months_record(actor=system, person_id=person.pk, rows=changed + rows(201905, 1), source="310000",
                               reference="ZR2")  # fmt: skip
    assert (exc.value.field, exc.value.row) == ("base_fen", 2)
    assert ExternalMonth.objects.count() == 3  # nothing of the refused call was written


@pytest.mark.parametrize(
    ("bad", "field"),
    [({"period": "2019-13"}, "period"), ({"period": 209901}, "period"), ({"insurance": "life"}, "insurance"),
     ({"base_fen": -1}, "base_fen"), ({"base_fen": 1.5}, "base_fen"), ({"employer_fen": "x"}, "employer_fen")],  # fmt: skip
)
def test_bad_rows_refused(system, bad, field):
    person = make_person_direct(system)
    with pytest.raises(ContributionError) as exc:
        external_months_record(actor=system, person_id=person.pk, rows=[{**rows(n=1)[0], **bad}], source="X",
                               reference="R")  # fmt: skip
    assert exc.value.field == field and exc.value.row == 1
    assert not ExternalMonth.objects.exists()


def test_source_reference_repeats_and_access(system, staff):
    person = make_person_direct(system)
    for kwargs, field in [({"source": ""}, "source"), ({"reference": ""}, "reference"),
                          ({"rows": []}, "rows"), ({"rows": rows(n=1) * 2}, "period")]:  # fmt: skip
        args = {"rows": rows(n=1), "source": "X", "reference": "R", **kwargs}
        with pytest.raises(ContributionError) as exc:
            external_months_record(actor=system, person_id=person.pk, **args)
        assert exc.value.field == field
    with pytest.raises(AccessDenied):
        external_months_record(actor=None, person_id=person.pk, rows=rows(), source="X", reference="R")


def _account(person, principal=3_000_000, interest=123_456):
    AccountYear.objects.create(person_id=person.pk, year=2024, opening_principal_fen=0, opening_interest_fen=0,
                               credits_fen=principal, interest_on_opening_fen=0, interest_on_credits_fen=interest,
                               closing_principal_fen=principal, closing_interest_fen=interest, rate_ppm=26_200,
                               method="annual_1997", months=12, credited_at=timezone.now())  # fmt: skip


def test_transfer_out_debits_the_whole_balance(system):
    person = make_person_direct(system)
    _account(person)
    AccountCredit.objects.create(person_id=person.pk, period=202501, source="normal", base_fen=1, credit_ppm=80_000,
                                 amount_fen=40_000, posted_on=timezone.localdate())  # fmt: skip
    out = ledger.account_transfer_out(actor=system, person_id=person.pk, reference="ZC1")
    assert out == {"principal_fen": 3_040_000, "interest_fen": 123_456}
    statement = history.person_account_statement(user=system, person_id=person.pk)
    assert statement.balance == 0
    debit = AccountCredit.objects.get(source="transfer_out")
    assert debit.amount_fen == -3_163_456


def test_transfer_in_credits_principal_and_interest(system):
    person = make_person_direct(system)
    assert ledger.account_transfer_in(actor=system, person_id=person.pk, principal_fen=3_000_000,
                                      interest_fen=123_456, reference="ZR1") == 3_123_456  # fmt: skip
    assert str(history.person_account_statement(user=system, person_id=person.pk).balance) == "31234.56"
    with pytest.raises(ContributionError) as exc:
        ledger.account_transfer_in(actor=system, person_id=person.pk, principal_fen=-1, interest_fen=0, reference="R")
    assert exc.value.field == "principal_fen"
