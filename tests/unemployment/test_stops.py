"""The sweep's other automatic stop (rules.md §5.4): a pension drawn, also while its
payments are suspended (a missed survival certification does not end the pension)."""

from __future__ import annotations

from django.utils import timezone

from shebao.kernel.rules.periods import Period
from shebao.payroll import services as payroll_services
from shebao.unemployment import batch, services
from shebao.unemployment.models import Claim


def test_a_suspended_pension_still_stops_the_claim(jobless, reviewer, system):
    person = jobless(months=36)
    claim = services.claim_award(actor=reviewer, person_id=person.pk, separation="dismissed", registered="yes",
                                 registered_on=timezone.localdate().isoformat(), bank_code="ICBC")  # fmt: skip
    pension_from = int(Period.of(timezone.localdate()) + 1)
    pension = payroll_services.payee_enrol(actor=system, person_id=person.pk, benefit="pension", monthly_fen=300_000,
                                           from_period=pension_from, bank_code="ICBC",
                                           account_number="6222020200998877665")  # fmt: skip
    payroll_services.payee_suspend(
        actor=system, payee_id=pension.pk, from_period=pension_from, reason="未认证"
    )
    result = batch.unemployment_sweep(actor=system)
    assert result.stopped == [(claim.reference, "pension", pension_from)]
    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.status, claim.stop_reason, claim.stopped_from) == ("stopped", "pension", pension_from)
    assert batch.unemployment_sweep(actor=system).stopped == []
