"""The payroll side of 失业保险金: a bounded payee (to_period), stop from a month with
recovery of months already paid, re-enrolment of a stopped unemployment payee for a later
claim, and a pension stopping an active unemployment payee (one cannot draw both)."""

from __future__ import annotations

import pytest

from shebao.payroll import run as payroll
from shebao.payroll import services
from shebao.payroll.models import Payee, PayeeChange, Payment, Receivable
from shebao.payroll.services import PayrollError

ACCOUNT = "6222020200112233445"


def _enrol(system, person, **kw):
    args = {"actor": system, "person_id": person.pk, "benefit": "unemployment", "monthly_fen": 232_400,
            "from_period": 202601, "bank_code": "ICBC", "account_number": ACCOUNT, **kw}  # fmt: skip
    return services.payee_enrol(**args)


@pytest.mark.django_db
def test_to_period_bounds_the_payments(system, make_person):
    payee = _enrol(system, make_person(), to_period=202602)
    assert payee.to_period == 202602
    for period in (202601, 202602, 202603):
        payroll.payroll_run(actor=system, period=period)
    assert list(Payment.objects.filter(payee_id=payee.pk).values_list("period", flat=True).order_by("period")) == [
        202601, 202602]  # fmt: skip
    with pytest.raises(PayrollError) as err:
        _enrol(system, make_person(), to_period=202512)
    assert err.value.field == "to_period"


@pytest.mark.django_db
def test_stop_recovers_months_paid_and_a_stopped_payee_pays_again_later(system, make_person):
    person = make_person()
    payee = _enrol(system, person, to_period=202612)
    for period in (202601, 202602, 202603):
        payroll.payroll_run(actor=system, period=period)
    payee = services.payee_stop(actor=system, payee_id=payee.pk, from_period=202603, reason="重新就业")
    assert payee.status == "stopped" and payee.to_period == 202602
    assert Receivable.objects.get(payee_id=payee.pk).amount_fen == 232_400
    assert services.payee_stop(actor=system, payee_id=payee.pk, from_period=202605, reason="x").to_period == 202602
    with pytest.raises(PayrollError) as err:  # the new claim must start after the old months
        _enrol(system, person, from_period=202602)
    assert err.value.field == "benefit"
    again = _enrol(system, person, from_period=202610, to_period=202709, monthly_fen=210_400)
    assert again.pk == payee.pk and again.status == "active" and again.monthly_fen == 210_400
    assert (again.from_period, again.to_period, again.amount_from) == (202610, 202709, 202610)
    assert [c.action for c in PayeeChange.objects.filter(payee=payee)] == ["enrol", "stop", "enrol"]
    with pytest.raises(PayrollError):  # an active payee is never enrolled twice
        _enrol(system, person, from_period=202801)
    with pytest.raises(PayrollError) as err:
        services.payee_stop(actor=system, payee_id=payee.pk, from_period="2026-13", reason="x")
    assert err.value.field == "from_period"


@pytest.mark.django_db
def test_a_pension_stops_the_unemployment_benefit(system, make_person):
    person = make_person()
    unemployment = _enrol(system, person, to_period=202612)
    payroll.payroll_run(actor=system, period=202601)
    pension = services.payee_enrol(actor=system, person_id=person.pk, benefit="pension", monthly_fen=300_000,
                                   from_period=202604, bank_code="ICBC", account_number=ACCOUNT)  # fmt: skip
    unemployment.refresh_from_db()
    assert unemployment.status == "stopped" and unemployment.to_period == 202603
    assert "pension" in unemployment.stop_reason and pension.status == "active"
    payroll.payroll_run(actor=system, period=202604)
    assert set(Payment.objects.filter(period=202604).values_list("payee_id", flat=True)) == {pension.pk}
    # a pension of someone without unemployment benefit changes nothing else
    other = services.payee_enrol(actor=system, person_id=make_person().pk, benefit="pension", monthly_fen=1,
                                 from_period=202604, bank_code="ICBC", account_number=ACCOUNT)  # fmt: skip
    assert Payee.objects.filter(person_id=other.person_id).count() == 1
