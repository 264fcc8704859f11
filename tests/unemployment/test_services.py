"""Claims through the services on a real database: the worked cases T33–T35 and T38, the
carry-over cap, the near-retirement extension, stops, refusals that write nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from shebao.accounts.access import AccessDenied
from shebao.kernel.models import AuditEntry
from shebao.kernel.rules.periods import Period
from shebao.payroll.models import Payee
from shebao.register.schemas import NotFound
from shebao.unemployment import selectors, services
from shebao.unemployment.errors import UnemploymentError
from shebao.unemployment.models import Claim, ClaimChange, Parameter

TODAY = timezone.localdate


def _registered():
    return TODAY().isoformat()


def _award(actor, person, separation="dismissed", **kw):
    return services.claim_award(actor=actor, person_id=person.pk, separation=separation, registered="yes",
                                registered_on=kw.pop("registered_on", _registered()), bank_code="ICBC", **kw)  # fmt: skip


def _now() -> int:
    return int(Period.of(TODAY()))


def test_t33_eleven_months_is_ineligible(jobless, reviewer):
    person = jobless(months=11)
    with pytest.raises(UnemploymentError) as err:
        _award(reviewer, person)
    assert err.value.field == "contribution_months" and "不满1年" in err.value.message_zh
    assert "11" in err.value.message_zh
    assert not Claim.objects.exists() and not Payee.objects.exists()


def test_t35_voluntary_resignation_is_ineligible(jobless, reviewer):
    person = jobless(months=96)
    with pytest.raises(UnemploymentError) as err:
        _award(reviewer, person, separation="resigned")
    assert err.value.field == "separation" and err.value.message_en == "the end of employment was voluntary"
    with pytest.raises(UnemploymentError) as err:
        _award(reviewer, person, separation="bored")
    assert err.value.field == "separation"
    with pytest.raises(UnemploymentError) as err:
        services.claim_award(actor=reviewer, person_id=person.pk, separation="dismissed", registered="no",
                             registered_on=_registered(), bank_code="ICBC")  # fmt: skip
    assert err.value.field == "registered"
    assert not Claim.objects.exists()


@pytest.mark.parametrize(("months", "expected"), [(36, 12), (60, 18), (119, 18), (120, 24), (300, 24)])
def test_t34_duration_through_the_service(jobless, reviewer, months, expected):
    person = jobless(months=months)
    claim = _award(reviewer, person)
    assert claim.contribution_months == months
    assert claim.entitlement_months == expected and claim.new_months == expected
    first = _now()
    assert claim.first_period == first
    assert claim.last_period == int(Period.from_int(first) + (expected - 1))
    payee = Payee.objects.get(pk=claim.payee_id)
    assert payee.benefit == "unemployment" and payee.to_period == claim.last_period
    assert payee.from_period == first
    if expected > 12:  # months 13–24 at the lower amount, from month 13
        assert claim.steps == [[first, 232400], [int(Period.from_int(first) + 12), 210400]]
        assert payee.monthly_fen == 210400 and payee.prev_monthly_fen == 232400
        assert payee.amount_from == int(Period.from_int(first) + 12)
    else:
        assert claim.steps == [[first, 232400]] and payee.monthly_fen == 232400
    assert AuditEntry.objects.filter(action="unemployment.claim_award").count() == 1
    assert [c.action for c in ClaimChange.objects.filter(claim=claim)] == ["award"]


def test_carry_over_is_capped_at_24(jobless, reviewer, employer, system):
    from shebao.register import services as register_services
    from tests.unemployment.conftest import unemployment_lines

    person = jobless(months=120, end=TODAY() - dt.timedelta(days=400))
    first = services.claim_award(actor=reviewer, person_id=person.pk, separation="contract_expired",
                                 registered="yes", registered_on=(TODAY() - dt.timedelta(days=395)).isoformat(),
                                 bank_code="ICBC")  # fmt: skip
    assert first.entitlement_months == 24
    stop = int(Period.from_int(first.first_period) + 2)  # re-employed after two months
    first = services.claim_stop(actor=reviewer, claim_id=first.pk, reason="reemployed", from_period=stop)
    assert first.unused_months == 22 and first.paid_to == int(Period.from_int(stop) - 1)
    # re-employed for a year (12 months of new contributions), then dismissed again
    job = register_services.employment_hire(actor=system, employer_id=employer.pk, person_id=person.pk,
                                            start_date=TODAY() - dt.timedelta(days=300))  # fmt: skip
    register_services.employment_separate(actor=system, employment_id=job.pk, end_date=TODAY() - dt.timedelta(days=8),
                                          reason="解除")  # fmt: skip
    unemployment_lines(person, employer_id=employer.pk, first=int(Period.from_int(_now()) - 12), months=12)
    second = _award(reviewer, person)
    assert second.contribution_months == 12 and second.new_months == 12
    assert second.carried_months == 22 and second.entitlement_months == 24  # 12 + 22 → capped
    assert second.previous_id == first.pk
    payee = Payee.objects.get(person_id=person.pk)  # the same payee pays again
    assert payee.pk == first.payee_id == second.payee_id and payee.status == "active"
    assert payee.from_period == second.first_period and payee.to_period == second.last_period
    first.refresh_from_db()
    assert first.entitlement_months == 24 and first.status == "stopped"  # never overwritten


def test_an_active_claim_blocks_a_second_one(jobless, reviewer):
    person = jobless(months=36)
    _award(reviewer, person)
    with pytest.raises(UnemploymentError) as err:
        _award(reviewer, person)
    assert err.value.field == "person_id"
    assert Claim.objects.count() == 1


def test_near_retirement_extension(jobless, reviewer):
    """A man whose statutory retirement comes less than a year after the normal end keeps
    the benefit up to the month before his retirement month, at the extension amount."""
    from shebao.benefits.rules.retirement import statutory_retirement

    now = Period.from_int(_now())
    for index in range(1960 * 12, 1975 * 12):
        born = dt.date(index // 12, index % 12 + 1, 10)
        ret = statutory_retirement(born.year, born.month, "male").period
        gap = now.months_until(Period.from_int(ret))  # months from now to the retirement month, inclusive
        if 22 <= gap <= 28:
            break
    person = jobless(months=60, born=born)  # 18 months
    claim = _award(reviewer, person)
    assert claim.retirement_period == ret
    assert claim.normal_last_period == int(now + 17)
    assert claim.last_period == int(Period.from_int(ret) - 1)
    assert claim.extension_months == gap - 19 > 0
    assert claim.steps[-1] == [int(now + 18), 200000]
    assert claim.next_step_period == int(now + 18)  # passed to the payroll by the sweep
    assert Payee.objects.get(pk=claim.payee_id).to_period == claim.last_period


def test_at_retirement_age_the_claim_is_refused(jobless, reviewer):
    person = jobless(months=60, born=dt.date(1950, 1, 10))
    with pytest.raises(UnemploymentError) as err:
        _award(reviewer, person)
    assert err.value.field == "first_period"


def test_stop_conditions_and_bad_input(jobless, reviewer, far_reviewer):
    person = jobless(months=60)
    claim = _award(reviewer, person)
    with pytest.raises(UnemploymentError) as err:
        services.claim_stop(actor=reviewer, claim_id=claim.pk, reason="holiday", from_period=claim.first_period)
    assert err.value.field == "reason"
    for bad in ("202613", "abc", "1900-01"):
        with pytest.raises(UnemploymentError) as err:
            services.claim_stop(actor=reviewer, claim_id=claim.pk, reason="military", from_period=bad)
        assert err.value.field == "from_period"
    with pytest.raises(UnemploymentError) as err:  # after the end of the benefit
        services.claim_stop(actor=reviewer, claim_id=claim.pk, reason="military",
                            from_period=int(Period.from_int(claim.last_period) + 2))  # fmt: skip
    assert err.value.field == "from_period"
    with pytest.raises(NotFound):  # another district: the claim is not revealed
        services.claim_stop(actor=far_reviewer, claim_id=claim.pk, reason="military", from_period=claim.first_period)
    stop = int(Period.from_int(claim.first_period) + 5)
    claim = services.claim_stop(actor=reviewer, claim_id=claim.pk, reason="emigrated", from_period=stop)
    assert (claim.status, claim.stop_reason, claim.unused_months) == ("stopped", "emigrated", 13)
    payee = Payee.objects.get(pk=claim.payee_id)
    assert payee.status == "stopped" and payee.to_period == int(Period.from_int(stop) - 1)
    with pytest.raises(UnemploymentError) as err:
        services.claim_stop(actor=reviewer, claim_id=claim.pk, reason="died", from_period=stop)
    assert err.value.field == "claim_id"
    assert [c.action for c in selectors.claim_changes(claim=claim)] == ["award", "stop"]


def test_t38_parameter_bounds(system, admin, reviewer, divisions):
    common = {"jurisdiction": "110000", "valid_from": "202501", "minimum_wage": "2500", "dibao": "1000", "later": "2000",
                  "extension": "1500", "medical_base": "7162", "medical_rate": "0.098", "source_doc": "测试〔2025〕2号"}  # fmt: skip
    row = services.parameter_add(actor=admin, first="2250", **common)  # T38: valid
    assert row.first_fen == 225000
    with pytest.raises(UnemploymentError) as err:  # T38: above the minimum wage
        services.parameter_add(actor=admin, first="2600", **{**common, "valid_from": "202601"})
    assert err.value.field == "first" and "最低工资" in err.value.message_zh
    with pytest.raises(UnemploymentError) as err:
        services.parameter_add(actor=admin, first="900", **{**common, "valid_from": "202601"})
    assert err.value.field == "first" and "低保" in err.value.message_zh
    for name, value in (("dibao", "-5"), ("minimum_wage", "1e9"), ("medical_rate", "2"), ("medical_base", "abc")):
        with pytest.raises(UnemploymentError) as err:
            services.parameter_add(actor=admin, first="2250", **{**common, "valid_from": "202601", name: value})
        assert err.value.field == name
    with pytest.raises(UnemploymentError) as err:
        services.parameter_add(actor=admin, first="2250", **{**common, "valid_from": "202613"})
    assert err.value.field == "valid_from"
    with pytest.raises(UnemploymentError) as err:
        services.parameter_add(actor=admin, first="2250", **{**common, "source_doc": " "})
    assert err.value.field == "source_doc"
    with pytest.raises(AccessDenied):
        services.parameter_add(actor=reviewer, first="2250", **{**common, "valid_from": "202601"})
    # a later row closes the open-ended one; an overlap with a bounded row is refused
    services.parameter_add(actor=admin, first="2300", **{**common, "valid_from": "202601"})
    row.refresh_from_db()
    assert row.valid_to == 202512
    with pytest.raises(UnemploymentError) as err:
        services.parameter_add(actor=admin, first="2300", **{**common, "valid_from": "202506"})
    assert err.value.field == "valid_from"
    assert Parameter.objects.count() == 2
    assert selectors.parameters_for(region_code="110105", period=202507).first_fen == 225000
    assert selectors.parameters_for(region_code="110105", period=202607).first_fen == 230000
    assert AuditEntry.objects.filter(action="unemployment.parameter_add").count() == 2
    assert D(row.minimum_wage_fen) / 100 == D(2500)
