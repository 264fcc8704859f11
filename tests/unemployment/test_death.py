"""A recorded death stops the claim (rules.md §5.4, §8): the register's 死亡登记 (or the
certification death import, which goes through it) marks the person deceased; the sweep
stops the claim and its payee from the month after the month of death, the next payroll
pays nothing, months already paid after the death become one receivable, and a rerun
changes nothing. No claim is awarded, nor an amount step passed, for a deceased person."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from shebao.benefits import services as benefit_services
from shebao.kernel.models import AuditEntry
from shebao.kernel.rules.periods import Period
from shebao.payroll import run as payroll
from shebao.payroll.models import Payee, PayeeChange, Payment, Receivable
from shebao.register import services as register_services
from shebao.unemployment import batch, services
from shebao.unemployment.errors import UnemploymentError
from shebao.unemployment.models import Claim, ClaimChange


def _now() -> int:
    return int(Period.of(timezone.localdate()))


def _plus(period: int, months: int) -> int:
    return int(Period.from_int(period) + months)


def _award(actor, person, **kw) -> Claim:
    return services.claim_award(actor=actor, person_id=person.pk, separation="dismissed", registered="yes",
                                registered_on=timezone.localdate().isoformat(), bank_code="ICBC", **kw)  # fmt: skip


def _die(system, person, day: dt.date | None = None) -> None:
    """死亡登记 through the register's own write path."""
    register_services.person_change(
        actor=system, person_id=person.pk,
        changes={"life_status": "deceased", "death_date": day or timezone.localdate()},
    )  # fmt: skip


def _state(claim: Claim, payee_id: int):
    """Everything the sweep may write for the claim, to compare before and after a rerun."""
    claim.refresh_from_db()
    payee = Payee.objects.get(pk=payee_id)
    return (
        (claim.status, claim.stop_reason, claim.stopped_from, claim.paid_to, claim.unused_months),
        (payee.status, payee.to_period),
        ClaimChange.objects.filter(claim=claim).count(),
        PayeeChange.objects.filter(payee_id=payee_id).count(),
        list(Receivable.objects.filter(payee_id=payee_id).values_list("amount_fen", flat=True)),
        AuditEntry.objects.filter(action="unemployment.claim_stop").count(),
    )


def test_death_in_the_register_stops_the_claim_from_the_next_month(jobless, reviewer, system):
    person, other = jobless(months=36), jobless(months=36)
    claim, alive = _award(reviewer, person), _award(reviewer, other)
    now = _now()
    payroll.payroll_run(actor=system, period=now)  # the month of death is paid
    _die(system, person)
    payee = Payee.objects.get(pk=claim.payee_id)
    assert payee.status == "active"  # the register alone does not reach the payroll: the sweep does
    result = batch.unemployment_sweep(actor=system)
    assert result.stopped == [(claim.reference, "died", _plus(now, 1))]
    claim.refresh_from_db()
    assert (claim.status, claim.stop_reason, claim.stopped_from, claim.paid_to) == (
        "stopped",
        "died",
        _plus(now, 1),
        now,
    )
    assert claim.unused_months == 11
    payee.refresh_from_db()
    assert payee.status == "stopped" and payee.to_period == now
    assert not Receivable.objects.filter(payee_id=payee.pk).exists()  # nothing was paid after the death
    change = ClaimChange.objects.filter(claim=claim).last()
    assert (change.action, change.from_period, change.reason) == ("stop", _plus(now, 1), "died 死亡")
    audit = json.loads(
        AuditEntry.objects.get(action="unemployment.claim_stop", object_id=str(person.pk)).after
    )
    assert audit["reason"] == "died" and audit["from_period"] == _plus(now, 1)
    sweep_audit = json.loads(
        AuditEntry.objects.filter(action="unemployment.sweep").order_by("id").last().after
    )
    assert sweep_audit["stopped_by_reason"] == {"died": 1}
    # the next payroll pays the living claimant only
    payroll.payroll_run(actor=system, period=_plus(now, 1))
    assert not Payment.objects.filter(payee_id=payee.pk, period=_plus(now, 1)).exists()
    assert Payment.objects.filter(payee_id=alive.payee_id, period=_plus(now, 1)).exists()
    # a rerun changes nothing
    before = _state(claim, payee.pk)
    assert batch.unemployment_sweep(actor=system).stopped == []
    assert _state(claim, payee.pk) == before
    assert Claim.objects.get(pk=alive.pk).status == "active"


def test_months_paid_after_the_death_become_one_receivable(jobless, reviewer, system):
    person = jobless(months=36)
    claim = _award(reviewer, person)
    now = _now()
    for period in (now, _plus(now, 1), _plus(now, 2)):
        payroll.payroll_run(actor=system, period=period)
    _die(system, person)  # learnt late: two months were paid after the month of death
    batch.unemployment_sweep(actor=system)
    claim.refresh_from_db()
    assert (claim.status, claim.stop_reason, claim.paid_to) == ("stopped", "died", now)
    receivable = Receivable.objects.get(payee_id=claim.payee_id)
    assert receivable.amount_fen == 2 * 232_400 and receivable.status == "open"
    assert str(_plus(now, 1)) in receivable.reason and str(_plus(now, 2)) in receivable.reason
    payroll.payroll_run(actor=system, period=_plus(now, 3))
    assert not Payment.objects.filter(payee_id=claim.payee_id, period=_plus(now, 3)).exists()
    before = _state(claim, claim.payee_id)
    assert batch.unemployment_sweep(actor=system).stopped == []
    assert _state(claim, claim.payee_id) == before  # no second receivable


def test_death_import_then_sweep_stops_the_claim_once(jobless, reviewer, system):
    """The certification death import stops the payee (payroll) and marks the person
    deceased (register); the sweep closes the claim without a second receivable."""
    person = jobless(months=36)
    claim = _award(reviewer, person)
    now = _now()
    payroll.payroll_run(actor=system, period=now)
    payroll.payroll_run(actor=system, period=_plus(now, 1))
    day = timezone.localdate()
    data = f"{person.id_number},{person.name},{day.isoformat()}\n".encode()
    (record,) = benefit_services.death_records_import(actor=system, data=data, source="民政 比对")
    assert record.receivable_fen == 232_400
    assert Payee.objects.get(pk=claim.payee_id).to_period == now
    assert Claim.objects.get(pk=claim.pk).status == "active"  # until the sweep
    result = batch.unemployment_sweep(actor=system)
    assert result.stopped == [(claim.reference, "died", _plus(now, 1))]
    claim.refresh_from_db()
    assert (claim.status, claim.paid_to) == ("stopped", now)
    assert list(Receivable.objects.filter(payee_id=claim.payee_id).values_list("amount_fen", flat=True)) == [
        232_400
    ]
    before = _state(claim, claim.payee_id)
    assert batch.unemployment_sweep(actor=system).stopped == []
    assert _state(claim, claim.payee_id) == before


def test_death_before_the_first_month_pays_nothing(jobless, reviewer, system):
    payroll.payroll_run(actor=system, period=_now())  # the claim starts next month
    person = jobless(months=36)
    claim = _award(reviewer, person)
    assert claim.first_period == _plus(_now(), 1)
    _die(system, person)
    assert batch.unemployment_sweep(actor=system).stopped == [(claim.reference, "died", claim.first_period)]
    claim.refresh_from_db()
    assert claim.status == "stopped" and claim.paid_to == _now()
    payroll.payroll_run(actor=system, period=claim.first_period)
    assert not Payment.objects.filter(payee_id=claim.payee_id).exists()


def test_death_wins_over_reemployment_in_the_same_month(jobless, reviewer, system, other_employer):
    person = jobless(months=36)
    claim = _award(reviewer, person)
    register_services.employment_hire(actor=system, employer_id=other_employer.pk, person_id=person.pk,
                                      start_date=timezone.localdate())  # fmt: skip
    _die(system, person)  # ends the new employment too
    assert batch.unemployment_sweep(actor=system).stopped == [(claim.reference, "died", _plus(_now(), 1))]


def test_a_corrected_death_stops_nothing(jobless, reviewer, system):
    person = jobless(months=36)
    claim = _award(reviewer, person)
    _die(system, person)
    register_services.person_change(actor=system, person_id=person.pk, changes={"life_status": "unemployed"})
    assert batch.unemployment_sweep(actor=system).stopped == []
    assert Claim.objects.get(pk=claim.pk).status == "active"


def test_no_claim_for_a_deceased_person(jobless, reviewer, system):
    person = jobless(months=36)
    _die(system, person)
    for call in (
        lambda: services.claim_assess(person_id=person.pk, separation="dismissed", registered="yes",
                                      registered_on=timezone.localdate().isoformat()),
        lambda: _award(reviewer, person),
    ):  # fmt: skip
        with pytest.raises(UnemploymentError) as err:
            call()
        assert err.value.field == "person_id" and "死亡" in err.value.message_zh
        assert "deceased" in err.value.message_en
    assert not Claim.objects.filter(person_id=person.pk).exists()
    assert not Payee.objects.filter(person_id=person.pk).exists()


def test_a_new_claim_after_a_stop_is_refused_once_deceased(jobless, reviewer, system):
    """The re-enrolment path (a stopped claim with unused months, a stopped payee) does not
    start again for a deceased person."""
    person = jobless(months=36)
    claim = _award(reviewer, person)
    services.claim_stop(actor=reviewer, claim_id=claim.pk, reason="military", from_period=claim.first_period)
    _die(system, person)
    with pytest.raises(UnemploymentError) as err:
        _award(reviewer, person)
    assert err.value.field == "person_id"
    assert Claim.objects.filter(person_id=person.pk).count() == 1
    assert Payee.objects.get(pk=claim.payee_id).status == "stopped"


def test_no_amount_step_for_a_deceased_person(jobless, reviewer, system):
    from shebao.benefits.rules.retirement import statutory_retirement

    now = Period.from_int(_now())
    for index in range(1960 * 12, 1975 * 12):
        born = dt.date(index // 12, index % 12 + 1, 10)
        if (
            28
            <= now.months_until(Period.from_int(statutory_retirement(born.year, born.month, "male").period))
            <= 34
        ):
            break
    person = jobless(months=120, born=born)
    claim = _award(reviewer, person)
    assert len(claim.steps) == 3 and claim.steps_applied == 2
    _die(system, person)
    assert services.claim_apply_step(actor=system, claim_id=claim.pk).steps_applied == 2
    result = batch.unemployment_sweep(actor=system, period=int(now + 24))
    assert result.steps == 0 and result.stopped == [(claim.reference, "died", int(now + 1))]
    claim.refresh_from_db()
    assert claim.status == "stopped" and claim.steps_applied == 2
