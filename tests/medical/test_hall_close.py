"""A 备案 case that ends unapproved in the hall: the 承诺制 temporary registration made at
submission is cancelled with it (same transaction, audited with the reason); a cancellation
made at submission stands, and its withdrawal is refused with the reason."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shebao.hall import services as hall
from shebao.hall.errors import CaseError
from shebao.hall.rules.workflow import CaseStatus
from shebao.kernel.models import AuditEntry
from shebao.medical import services
from shebao.medical.errors import MedicalError
from shebao.medical.models import Registration, Status
from tests.medical.conftest import HUANGPU, key


def _file(citizen, item, data):
    case = hall.case_start(actor=citizen, item_code=item, idempotency_key=key())
    return hall.case_submit(actor=citizen, case_id=case.pk, data=data, confirm=True)


def _temporary(citizen):
    return _file(citizen, "medical_registration", {
        "category": "other_temporary", "destination_code": HUANGPU, "valid_from": timezone.localdate().isoformat()})  # fmt: skip


def _withdrawn_audit(row) -> str:
    return AuditEntry.objects.get(action="medical.registration_withdraw", object_id=str(row.person_id)).after


def test_refused_temporary_registration_is_cancelled_with_the_reason(zhang, zhang_citizen, reviewer):
    case = _temporary(zhang_citizen)
    row = Registration.objects.get(person_id=zhang.pk)
    assert row.status == Status.ACTIVE
    hall.case_accept(actor=reviewer, case_id=case.pk)
    hall.case_refuse(actor=reviewer, case_id=case.pk, comment="就医地与承诺不符")
    case.refresh_from_db()
    row.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert row.status == Status.CANCELLED and row.closed_on == timezone.localdate()
    assert case.effect_result["on_close"] == {
        "registration": row.reference, "status": "cancelled", "closed_on": timezone.localdate().isoformat(),
    }  # fmt: skip
    assert "就医地与承诺不符" in _withdrawn_audit(row) and case.reference in _withdrawn_audit(row)
    # the person may register again: the cancelled row no longer overlaps
    _temporary(zhang_citizen)
    assert Registration.objects.filter(person_id=zhang.pk, status=Status.ACTIVE).count() == 1


def test_withdrawn_and_rejected_temporary_registrations_are_cancelled(zhang, zhang_citizen, front_desk):
    case = _temporary(zhang_citizen)
    hall.case_withdraw(actor=zhang_citizen, case_id=case.pk)
    row = Registration.objects.get(case_reference=case.reference)
    assert row.status == Status.CANCELLED and "本人撤回" in _withdrawn_audit(row)

    second = _temporary(zhang_citizen)
    hall.case_reject_intake(actor=front_desk, case_id=second.pk, comment="非本人申请")
    assert Registration.objects.get(case_reference=second.reference).status == Status.CANCELLED


def test_long_term_registration_has_nothing_to_close(zhang, zhang_citizen, reviewer):
    case = _file(zhang_citizen, "medical_registration", {
        "category": "long_residence", "destination_code": HUANGPU, "valid_from": timezone.localdate().isoformat()})  # fmt: skip
    hall.case_accept(actor=reviewer, case_id=case.pk)
    hall.case_refuse(actor=reviewer, case_id=case.pk, comment="材料不足")
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED and "on_close" not in case.effect_result
    assert not Registration.objects.exists()


def test_a_row_cancelled_since_is_left_as_it_is(zhang, zhang_citizen, reviewer):
    case = _temporary(zhang_citizen)
    row = Registration.objects.get(person_id=zhang.pk)
    _file(zhang_citizen, "medical_registration_cancel", {"registration": row.reference})
    row.refresh_from_db()
    closed_at = row.closed_at
    hall.case_accept(actor=reviewer, case_id=case.pk)
    hall.case_refuse(actor=reviewer, case_id=case.pk, comment="不符合条件")
    row.refresh_from_db()
    assert row.status == Status.CANCELLED and row.closed_at == closed_at
    assert not AuditEntry.objects.filter(action="medical.registration_withdraw").exists()


def test_withdraw_service_touches_only_the_cases_own_row(zhang, zhang_citizen, system):
    case = _temporary(zhang_citizen)
    row = Registration.objects.get(person_id=zhang.pk)
    with pytest.raises(MedicalError) as err:
        services.medical_registration_withdraw(
            actor=system, reference=row.reference, case_reference="SB-other", reason="x"
        )
    assert err.value.field == "registration"
    row.refresh_from_db()
    assert row.status == Status.ACTIVE and row.case_reference == case.reference


def test_cancellation_stands_and_its_withdrawal_is_refused(zhang, zhang_citizen, reviewer):
    _temporary(zhang_citizen)
    row = Registration.objects.get(person_id=zhang.pk)
    cancel = _file(zhang_citizen, "medical_registration_cancel", {"registration": row.reference})
    with pytest.raises(CaseError) as err:
        hall.case_withdraw(actor=zhang_citizen, case_id=cancel.pk)
    assert err.value.field == "registration" and "不能恢复" in err.value.message_zh
    assert row.reference in err.value.message_zh
    cancel.refresh_from_db()
    assert cancel.status == CaseStatus.SUBMITTED
    # a refusal by staff ends the case; the cancellation is not undone
    hall.case_accept(actor=reviewer, case_id=cancel.pk)
    hall.case_refuse(actor=reviewer, case_id=cancel.pk, comment="重复申请")
    cancel.refresh_from_db()
    row.refresh_from_db()
    assert cancel.status == CaseStatus.REFUSED and row.status == Status.CANCELLED
    assert cancel.effect_result["on_close"] == {
        "registration": row.reference,
        "status": "cancelled",
        "kept": True,
    }


def test_resubmission_keeps_or_replaces_the_temporary_registration(zhang, zhang_citizen, reviewer):
    case = _temporary(zhang_citizen)
    first = Registration.objects.get(person_id=zhang.pk)
    data = {
        "category": "other_temporary",
        "destination_code": HUANGPU,
        "valid_from": first.valid_from.isoformat(),
    }

    hall.case_return(actor=reviewer, case_id=case.pk, comment="请核对", fields={"destination_code": "核对"})
    hall.case_resubmit(actor=zhang_citizen, case_id=case.pk, data=data, confirm=True)  # unchanged
    case.refresh_from_db()
    first.refresh_from_db()
    assert (
        first.status == Status.ACTIVE and case.effect_result["on_submit"]["registration"] == first.reference
    )
    assert Registration.objects.count() == 1

    hall.case_return(actor=reviewer, case_id=case.pk, comment="请核对", fields={"months": "核对"})
    hall.case_resubmit(actor=zhang_citizen, case_id=case.pk, data={**data, "months": 12}, confirm=True)
    case.refresh_from_db()
    first.refresh_from_db()
    second = Registration.objects.get(person_id=zhang.pk, status=Status.ACTIVE)
    assert first.status == Status.CANCELLED and "补正后重新提交" in _withdrawn_audit(first)
    assert second.case_reference == case.reference and second.valid_until > first.valid_until
    assert case.effect_result["on_submit"]["registration"] == second.reference

    # corrected to a long-term category: the temporary row goes, approval makes the new one
    hall.case_return(actor=reviewer, case_id=case.pk, comment="类别有误", fields={"category": "改为长期"})
    hall.case_resubmit(
        actor=zhang_citizen, case_id=case.pk, data={**data, "category": "long_residence"}, confirm=True
    )
    second.refresh_from_db()
    assert second.status == Status.CANCELLED
    assert not Registration.objects.filter(person_id=zhang.pk, status=Status.ACTIVE).exists()
    hall.case_accept(actor=reviewer, case_id=case.pk)
    hall.case_approve(actor=reviewer, case_id=case.pk)
    third = Registration.objects.get(person_id=zhang.pk, status=Status.ACTIVE)
    assert third.category == "long_residence" and third.valid_until is None


def test_cancellation_resubmitted_after_return_is_not_cancelled_twice(zhang, zhang_citizen, reviewer):
    _temporary(zhang_citizen)
    row = Registration.objects.get(person_id=zhang.pk)
    cancel = _file(zhang_citizen, "medical_registration_cancel", {"registration": row.reference})
    hall.case_accept(actor=reviewer, case_id=cancel.pk)
    hall.case_return(actor=reviewer, case_id=cancel.pk, comment="请确认", fields={"registration": "核对编号"})
    # switching the correction to another registration is refused with the reason
    other = _temporary(zhang_citizen)
    other_row = Registration.objects.get(case_reference=other.reference)
    with pytest.raises(CaseError) as err:
        hall.case_resubmit(
            actor=zhang_citizen, case_id=cancel.pk, data={"registration": other_row.reference}, confirm=True
        )
    assert err.value.field == "registration" and row.reference in err.value.message_zh
    other_row.refresh_from_db()
    assert other_row.status == Status.ACTIVE
    hall.case_resubmit(
        actor=zhang_citizen, case_id=cancel.pk, data={"registration": row.reference}, confirm=True
    )
    cancel.refresh_from_db()
    assert cancel.status == CaseStatus.SUBMITTED
    assert cancel.effect_result["on_submit"]["registration"] == row.reference
    assert AuditEntry.objects.filter(action="medical.registration_cancel").count() == 1
    hall.case_accept(actor=reviewer, case_id=cancel.pk)
    hall.case_approve(actor=reviewer, case_id=cancel.pk)
    cancel.refresh_from_db()
    row.refresh_from_db()
    assert cancel.status == CaseStatus.APPROVED and row.status == Status.CANCELLED
