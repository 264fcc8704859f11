"""Services and hall items of 异地就医备案 on a real database: create, overlap refusal,
lock period, change and cancel through the hall, staff region, bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shebao.accounts.access import AccessDenied
from shebao.hall import services as hall
from shebao.hall.errors import CaseError
from shebao.kernel.models import AuditEntry
from shebao.medical import selectors, services
from shebao.medical.errors import MedicalError
from shebao.medical.models import Registration, Status
from tests.medical.conftest import HUANGPU, key


def _today():
    return timezone.localdate()


def _file(citizen, item, data):
    case = hall.case_start(actor=citizen, item_code=item, idempotency_key=key())
    return hall.case_submit(actor=citizen, case_id=case.pk, data=data, confirm=True)


def test_temporary_registration_is_instant_through_the_hall(zhang, zhang_citizen, reviewer):
    start = _today()
    case = _file(zhang_citizen, "medical_registration",
                 {"category": "other_temporary", "destination_code": HUANGPU, "valid_from": start.isoformat()})  # fmt: skip
    row = Registration.objects.get(person_id=zhang.pk)
    assert row.status == Status.ACTIVE and row.case_reference == case.reference
    assert row.valid_until == services.rules.add_months(start, 6) - dt.timedelta(days=1)
    assert row.locked_until is None
    assert case.effect_result["on_submit"]["registration"] == row.reference
    hall.case_accept(actor=reviewer, case_id=case.pk)
    hall.case_approve(actor=reviewer, case_id=case.pk)
    assert Registration.objects.count() == 1  # approval confirms, does not create twice
    assert AuditEntry.objects.filter(action="medical.registration_create").count() == 1


def test_long_term_change_and_cancel_end_to_end(zhang, zhang_citizen, reviewer, far_reviewer, system):
    start = _today()
    case = _file(zhang_citizen, "medical_registration",
                 {"category": "long_residence", "destination_code": HUANGPU, "valid_from": start.isoformat()})  # fmt: skip
    assert not Registration.objects.exists()  # long-term: reviewed first
    with pytest.raises((AccessDenied, CaseError)):
        hall.case_accept(actor=far_reviewer, case_id=case.pk)
    hall.case_accept(actor=reviewer, case_id=case.pk)
    hall.case_approve(actor=reviewer, case_id=case.pk)
    first = Registration.objects.get(person_id=zhang.pk)
    assert first.valid_until is None and first.locked_until == services.rules.add_months(start, 6)

    # locked: change and cancel are refused naming the registration
    with pytest.raises(CaseError) as err:
        _file(zhang_citizen, "medical_registration_cancel", {"registration": first.reference})
    assert err.value.field == "registration" and first.reference in err.value.message_zh
    # a second registration overlapping the open-ended one is refused with the reason
    with pytest.raises(CaseError) as err:
        _file(zhang_citizen, "medical_registration",
              {"category": "referral", "destination_code": HUANGPU, "valid_from": start.isoformat()})  # fmt: skip
    assert err.value.field in ("valid_from", "referral")

    # after the lock period (simulated by the insuring place lifting the lock)
    Registration.objects.filter(pk=first.pk).update(locked_until=start)
    draft = hall.case_start(
        actor=zhang_citizen, item_code="medical_registration_change", idempotency_key=key()
    )
    assert first.reference in draft.prefill["active"]
    change = hall.case_submit(actor=zhang_citizen, case_id=draft.pk, confirm=True, data={
        "registration": first.reference, "category": "stationed_work", "destination_code": HUANGPU,
        "valid_from": start.isoformat()})  # fmt: skip
    hall.case_accept(actor=reviewer, case_id=change.pk)
    hall.case_approve(actor=reviewer, case_id=change.pk)
    first.refresh_from_db()
    second = Registration.objects.get(person_id=zhang.pk, status=Status.ACTIVE)
    assert first.status == Status.CHANGED and second.replaces_id == first.pk
    assert second.category == "stationed_work"

    Registration.objects.filter(pk=second.pk).update(locked_until=None)
    _file(zhang_citizen, "medical_registration_cancel", {"registration": second.reference})
    second.refresh_from_db()
    assert second.status == Status.CANCELLED and second.closed_on == start
    history = selectors.registrations_of(user=zhang_citizen, person_id=zhang.pk)
    assert [(r.pk, r.status) for r in history] == [(second.pk, Status.CANCELLED), (first.pk, Status.CHANGED)]
    assert Registration.objects.filter(person_id=zhang.pk).count() == 2  # history kept
    assert AuditEntry.objects.filter(action__startswith="medical.").count() == 3
    with pytest.raises(MedicalError):
        services.medical_registration_cancel(actor=system, reference=second.reference)


def test_overlap_refused_by_the_service_naming_the_existing(zhang, system):
    start = _today()
    row = services.medical_registration_create(actor=system, person_id=zhang.pk, category="referral",
                                               destination_code=HUANGPU, valid_from=start)  # fmt: skip
    with pytest.raises(MedicalError) as err:
        services.medical_registration_create(actor=system, person_id=zhang.pk, category="long_residence",
                                             destination_code=HUANGPU, valid_from=start + dt.timedelta(days=30))  # fmt: skip
    assert err.value.field == "valid_from" and row.reference in err.value.message_zh
    after = services.medical_registration_create(actor=system, person_id=zhang.pk, category="long_residence",
                                                 destination_code=HUANGPU, valid_from=row.valid_until + dt.timedelta(days=1))  # fmt: skip
    assert after.status == Status.ACTIVE and Registration.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"destination_code": "999999"}, "destination_code"),
        ({"destination_code": "110101"}, "destination_code"),  # same province: not cross-province
        ({"category": "holiday"}, "category"),
        ({"valid_from": "2020-01-01"}, "valid_from"),
        ({"valid_from": "not a date"}, "valid_from"),
        ({"months": 3}, "months"),
    ],
)
def test_bad_input_writes_nothing(zhang, system, change, field):
    data = {
        "category": "other_temporary",
        "destination_code": HUANGPU,
        "valid_from": _today().isoformat(),
        **change,
    }
    before = AuditEntry.objects.count()
    with pytest.raises(MedicalError) as err:
        services.medical_registration_create(actor=system, person_id=zhang.pk, **data)
    assert err.value.field == field and err.value.message_en
    assert not Registration.objects.exists() and AuditEntry.objects.count() == before


def test_staff_see_only_their_region(zhang, system, reviewer, far_reviewer, li, citizen_of):
    services.medical_registration_create(actor=system, person_id=zhang.pk, category="referral",
                                         destination_code=HUANGPU, valid_from=_today())  # fmt: skip
    assert len(selectors.registrations_of(user=reviewer, person_id=zhang.pk)) == 1
    with pytest.raises(AccessDenied):
        selectors.registrations_of(user=far_reviewer, person_id=zhang.pk)
    with pytest.raises(AccessDenied):
        selectors.registrations_of(user=citizen_of(li), person_id=zhang.pk)
    with pytest.raises(AccessDenied):
        services.medical_registration_create(actor=far_reviewer, person_id=zhang.pk, category="referral",
                                             destination_code=HUANGPU, valid_from=_today())  # fmt: skip
