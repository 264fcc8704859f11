"""A death recorded in the register itself (死亡登记 at the counter) stops the payroll like
the data-comparison import does: before the next payroll starts, and in the daily sweep,
with the receivable of months paid after death and the survivor benefits; never twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import Post
from shebao.benefits import selectors, services
from shebao.benefits.models import DeathRecord, SurvivorEntitlement
from shebao.kernel.models import AuditEntry
from shebao.payroll import run as payroll
from shebao.payroll.models import Payment, PayrollRun, Receivable
from shebao.register import services as register_services
from tests.payroll.conftest import media  # noqa: F401 - autouse: bank files under tmp
from tests.register.conftest import CHAOYANG, DONGCHENG, new_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def pensioner(make_person, enrol):
    person = make_person(new_id(CHAOYANG, dt.date(1958, 5, 1)), name="陈老")
    payee = enrol(person=person, monthly_fen=300_000, from_period=202501)
    return person, payee


def _register_death(actor, person, day: dt.date):
    register_services.person_change(
        actor=actor, person_id=person.pk, changes={"life_status": "deceased", "death_date": day}
    )


def test_payroll_after_a_register_death_stops_and_recovers(system, staff, pensioner, settings):
    settings.SHEBAO_SURVIVOR_BENEFITS = {"funeral_grant": "6000", "survivor_payment": "24000"}
    person, payee = pensioner
    for period in (202502, 202503):
        payroll.payroll_run(actor=system, period=period)
    _register_death(staff(Post.FRONT_DESK, CHAOYANG), person, dt.date(2025, 2, 10))  # at the counter
    payee.refresh_from_db()
    assert payee.status == "active"  # the register alone does not touch the payroll
    payroll.payroll_run(actor=system, period=202504)
    payee.refresh_from_db()
    assert payee.status == "stopped" and payee.to_period == 202502  # the month of death is paid
    assert not Payment.objects.filter(payee_id=payee.pk, period=202504).exists()
    assert Receivable.objects.get(payee_id=payee.pk).amount_fen == 300_000  # March paid after death
    record = DeathRecord.objects.get(person_id=person.pk)
    assert record.source == services.REGISTER_DEATH_SOURCE and record.receivable_fen == 300_000
    kinds = {e.kind: e.amount_fen for e in selectors.survivor_entitlements(person_id=person.pk)}
    assert kinds["funeral_grant"] == 600_000 and kinds["survivor_payment"] == 2_400_000
    start = AuditEntry.objects.filter(action="payroll.start").order_by("-seq").first()
    assert '"before_start":{"register_deaths":1}' in start.after.replace(" ", "")
    assert AuditEntry.objects.filter(action="death.register", object_id=str(record.pk)).count() == 1
    # nothing twice: the next payroll, the daily sweep and a later import of the same death
    payroll.payroll_run(actor=system, period=202505)
    call_command("certification_sweep", today="2025-06-01")
    number = person.id_number
    assert services.death_records_import(actor=system, data=f"{number},陈老,2025-02-10\n".encode()) == []
    assert DeathRecord.objects.count() == 1 and SurvivorEntitlement.objects.count() == 3
    assert Receivable.objects.count() == 1 and PayrollRun.objects.count() == 4


def test_daily_sweep_processes_register_deaths_in_the_actors_region(system, staff, pensioner, capsys):
    person, payee = pensioner
    _register_death(system, person, dt.date(2025, 3, 31))
    with pytest.raises(AccessDenied):
        services.register_deaths_sweep(actor=staff(Post.FRONT_DESK, CHAOYANG))
    assert services.register_deaths_sweep(actor=staff(Post.REVIEWER, DONGCHENG)) == []
    payee.refresh_from_db()
    assert payee.status == "active"
    call_command("certification_sweep", today="2025-04-02")
    assert "登记死亡停发: 1" in capsys.readouterr().out
    payee.refresh_from_db()
    assert payee.status == "stopped" and payee.to_period == 202503
    assert not Receivable.objects.exists()  # nothing was paid after March
    assert services.register_deaths_sweep(actor=staff(Post.REVIEWER, CHAOYANG)) == []


def test_a_deceased_person_without_payments_is_left_to_the_import(system, make_person, pensioner):
    other = make_person(new_id(CHAOYANG, dt.date(1970, 1, 1)), name="周某")
    _register_death(system, other, dt.date(2025, 1, 5))
    assert services.register_deaths_sweep(actor=system) == []
    assert not DeathRecord.objects.exists()
