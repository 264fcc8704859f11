"""The claim end to end through the service hall (apply → review → 复核 → payee enrolled
with the right to_period → the payroll pays it), the sweep's stop detection, the pension
rule in the payroll, and the fund's medical batch (idempotent)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from shebao.accounts.access import AccessDenied
from shebao.hall import services as hall
from shebao.hall.errors import CaseError
from shebao.kernel.models import AuditEntry
from shebao.kernel.rules.periods import Period
from shebao.payroll import run as payroll
from shebao.payroll import services as payroll_services
from shebao.payroll.models import Payee, Payment
from shebao.register import services as register_services
from shebao.unemployment import batch, services
from shebao.unemployment.errors import UnemploymentError
from shebao.unemployment.models import Claim, MedicalContribution, MedicalTransfer
from tests.unemployment.conftest import key


def _now() -> int:
    return int(Period.of(timezone.localdate()))


def _data(**kw):
    return {"separation": "dismissed", "registered": "yes", "registered_on": timezone.localdate().isoformat(),
            "bank_code": "ICBC", **kw}  # fmt: skip


def _file(citizen, data):
    case = hall.case_start(actor=citizen, item_code="unemployment_claim", idempotency_key=key())
    return hall.case_submit(actor=citizen, case_id=case.pk, data=data, confirm=True)


def test_claim_through_the_hall_is_paid_by_the_payroll(jobless, citizen_of, catalogue, reviewer, rechecker, system):
    person = jobless(months=60)
    citizen = citizen_of(person)
    draft = hall.case_start(actor=citizen, item_code="unemployment_claim", idempotency_key=key())
    assert draft.prefill["contribution_months"] == 60
    assert draft.prefill["last_employer"] == "北京示例科技有限公司"
    assert draft.prefill["employment_end"] == (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    assert draft.prefill["end_reason"] == "合同到期" and draft.prefill["carried_months"] == 0
    assert "*" in draft.prefill["id_masked"]
    with pytest.raises(CaseError) as err:  # T35 through the hall: the kernel's reason, naming the field
        _file(citizen, _data(separation="resigned"))
    assert err.value.field == "separation" and "非因本人意愿" in err.value.message_zh
    with pytest.raises(CaseError) as err:
        _file(citizen, _data(separation="holiday"))
    assert err.value.field == "separation"
    with pytest.raises(CaseError) as err:
        _file(citizen, _data(registered="no"))
    assert err.value.field == "registered"
    with pytest.raises(CaseError) as err:
        _file(citizen, _data(registered_on="2030-01-01"))
    assert err.value.field == "registered_on"
    case = _file(citizen, _data())
    assert case.needs_recheck
    hall.case_accept(actor=reviewer, case_id=case.pk)
    hall.case_review(actor=reviewer, case_id=case.pk, comment="材料齐全")
    assert not Claim.objects.exists()
    hall.case_recheck(actor=rechecker, case_id=case.pk, approve=True, comment="同意")
    claim = Claim.objects.get(person_id=person.pk)
    assert claim.case_id == case.pk and claim.entitlement_months == 18 and claim.separation == "dismissed"
    payee = Payee.objects.get(pk=claim.payee_id)
    first = _now()
    assert (payee.benefit, payee.from_period, payee.to_period) == ("unemployment", first, int(Period.from_int(first) + 17))
    run = payroll.payroll_run(actor=system, period=first)
    assert run.status == "done"
    assert list(Payment.objects.filter(payee_id=payee.pk).values_list("period", "kind", "amount_fen")) == [
        (first, "normal", 232400)
    ]
    # month 13 is paid at the lower amount, the month after the last one not at all
    month13 = int(Period.from_int(first) + 12)
    after = int(Period.from_int(claim.last_period) + 1)
    for period in (month13, after):
        payroll.payroll_run(actor=system, period=period)
    assert Payment.objects.get(payee_id=payee.pk, period=month13).amount_fen == 210400
    assert not Payment.objects.filter(payee_id=payee.pk, period=after).exists()
    assert AuditEntry.objects.filter(action="unemployment.claim_award", object_id=str(person.pk)).exists()


def test_the_sweep_stops_reemployed_and_pensioners(jobless, reviewer, system, employer, other_employer):
    worker, retiree, idle = jobless(months=36), jobless(months=36), jobless(months=36)
    claims = {p.pk: services.claim_award(actor=reviewer, person_id=p.pk, separation="bankruptcy", registered="yes",
                                         registered_on=timezone.localdate().isoformat(), bank_code="ICBC")
              for p in (worker, retiree, idle)}  # fmt: skip
    register_services.employment_hire(actor=system, employer_id=other_employer.pk, person_id=worker.pk,
                                      start_date=timezone.localdate())  # fmt: skip
    # a pension from next month: the payroll stops the unemployment payee at once
    pension_from = int(Period.from_int(_now()) + 1)
    payroll_services.payee_enrol(actor=system, person_id=retiree.pk, benefit="pension", monthly_fen=300_000,
                                 from_period=pension_from, bank_code="ICBC", account_number="6222020200998877665")  # fmt: skip
    stopped = Payee.objects.get(pk=claims[retiree.pk].payee_id)
    assert stopped.status == "stopped" and stopped.to_period == _now()
    result = batch.unemployment_sweep(actor=system)
    assert sorted((r, s) for _, r, s in result.stopped) == [("pension", pension_from), ("reemployed", pension_from)]
    for person, reason in ((worker, "reemployed"), (retiree, "pension")):
        claim = Claim.objects.get(pk=claims[person.pk].pk)
        assert claim.status == "stopped" and claim.stop_reason == reason
        assert claim.paid_to == _now() and claim.unused_months == 11
    assert Claim.objects.get(pk=claims[idle.pk].pk).status == "active"
    assert Payee.objects.get(pk=claims[worker.pk].payee_id).to_period == _now()
    assert batch.unemployment_sweep(actor=system).stopped == []  # nothing new on a rerun
    with pytest.raises(AccessDenied):
        batch.unemployment_sweep(actor=reviewer)  # district reviewer: not city-wide
    call_command("unemployment_sweep")  # the command runs as the platform


def test_pension_enrolment_stops_unemployment_payments_already_made(jobless, reviewer, system):
    person = jobless(months=36)
    claim = services.claim_award(actor=reviewer, person_id=person.pk, separation="closure", registered="yes",
                                 registered_on=timezone.localdate().isoformat(), bank_code="ICBC")  # fmt: skip
    now = _now()
    payroll.payroll_run(actor=system, period=now)
    payroll.payroll_run(actor=system, period=int(Period.from_int(now) + 1))
    # a pension backdated to this month: the next month's unemployment payment is recovered
    payroll_services.payee_enrol(actor=system, person_id=person.pk, benefit="pension", monthly_fen=300_000,
                                 from_period=int(Period.from_int(now) + 1), bank_code="ICBC",
                                 account_number="6222020200998877665")  # fmt: skip
    payee = Payee.objects.get(pk=claim.payee_id)
    assert payee.status == "stopped" and payee.to_period == now
    from shebao.payroll.models import Receivable

    assert Receivable.objects.get(payee_id=payee.pk).amount_fen == 232400


def test_medical_batch_is_idempotent(jobless, reviewer, system, accountant, params):
    people = [jobless(months=36) for _ in range(5)]
    for person in people:
        services.claim_award(actor=reviewer, person_id=person.pk, separation="dismissed", registered="yes",
                             registered_on=timezone.localdate().isoformat(), bank_code="ICBC")  # fmt: skip
    stopped = Claim.objects.get(person_id=people[-1].pk)
    services.claim_stop(actor=reviewer, claim_id=stopped.pk, reason="military", from_period=stopped.first_period)
    period = _now()
    row = batch.unemployment_medical(actor=accountant, period=period, chunk_size=2)
    rows = list(MedicalContribution.objects.order_by("person_id").values_list(
        "period", "person_id", "base_fen", "rate_ppm", "amount_fen", "fund"))  # fmt: skip
    assert len(rows) == 4 and people[-1].pk not in {r[1] for r in rows}
    assert rows[0][2:] == (716_200, 98_000, 70_188, "unemployment")  # 7,162 × 9.8 % = 701.876 → 701.88
    assert (row.recipients, row.total_fen) == (4, 4 * 70_188)
    again = batch.unemployment_medical(actor=system, period=period, chunk_size=3)
    assert list(MedicalContribution.objects.order_by("person_id").values_list(
        "period", "person_id", "base_fen", "rate_ppm", "amount_fen", "fund")) == rows  # fmt: skip
    assert (again.recipients, again.total_fen) == (row.recipients, row.total_fen)
    assert MedicalTransfer.objects.count() == 1
    # a stop after the first run: the rerun drops the person's row
    claim = Claim.objects.get(person_id=people[0].pk)
    services.claim_stop(actor=reviewer, claim_id=claim.pk, reason="emigrated", from_period=claim.first_period)
    third = batch.unemployment_medical(actor=system, period=period)
    assert third.recipients == 3 and MedicalContribution.objects.filter(period=period).count() == 3
    # the month before any claim: nothing; bad periods and users are refused
    assert batch.unemployment_medical(actor=system, period=int(Period.from_int(period) - 1)).recipients == 0
    for bad in ("202613", "abcd", int(Period.from_int(period) + 1)):
        with pytest.raises(UnemploymentError) as err:
            batch.unemployment_medical(actor=system, period=bad)
        assert err.value.field == "period"
    with pytest.raises(AccessDenied):
        batch.unemployment_medical(actor=reviewer, period=period)
    call_command("unemployment_medical", "--period", str(period))
    assert MedicalTransfer.objects.get(period=period).recipients == 3


def test_t33_through_the_hall(jobless, citizen_of, catalogue):
    citizen = citizen_of(jobless(months=11))
    with pytest.raises(CaseError) as err:
        _file(citizen, _data())
    assert err.value.field == "contribution_months" and "累计缴费不满1年" in err.value.message_zh
    assert "less than one year" in err.value.message_en


def test_extension_after_month_24_is_passed_by_the_sweep(jobless, reviewer, system):
    from shebao.benefits.rules.retirement import statutory_retirement

    now = Period.from_int(_now())
    for index in range(1960 * 12, 1975 * 12):
        born = dt.date(index // 12, index % 12 + 1, 10)
        ret = statutory_retirement(born.year, born.month, "male").period
        if 28 <= now.months_until(Period.from_int(ret)) <= 34:
            break
    person = jobless(months=120, born=born)
    claim = services.claim_award(actor=reviewer, person_id=person.pk, separation="dismissed", registered="yes",
                                 registered_on=timezone.localdate().isoformat(), bank_code="ICBC")  # fmt: skip
    ext = int(now + 24)
    assert len(claim.steps) == 3 and claim.steps[2] == [ext, 200000] and claim.next_step_period == ext
    assert batch.unemployment_sweep(actor=system, period=int(now + 12)).steps == 0  # not due yet
    assert batch.unemployment_sweep(actor=system, period=ext).steps == 1
    claim.refresh_from_db()
    assert claim.steps_applied == 3 and claim.next_step_period is None
    payroll.payroll_run(actor=system, period=int(now + 13))
    payroll.payroll_run(actor=system, period=ext)
    paid = dict(Payment.objects.filter(payee_id=claim.payee_id).values_list("period", "amount_fen"))
    assert paid == {int(now + 13): 210400, ext: 200000}
    assert batch.unemployment_sweep(actor=system, period=ext).steps == 0


def test_a_claim_after_the_months_payroll_starts_next_month(jobless, reviewer, system):
    payroll.payroll_run(actor=system, period=_now())  # this month's payroll has already run
    person = jobless(months=36)
    claim = services.claim_award(actor=reviewer, person_id=person.pk, separation="dismissed", registered="yes",
                                 registered_on=timezone.localdate().isoformat(), bank_code="ICBC")  # fmt: skip
    nxt = int(Period.from_int(_now()) + 1)
    assert claim.first_period == nxt and claim.entitlement_months == 12  # no month is lost
    assert claim.last_period == int(Period.from_int(nxt) + 11)
