"""The case workflow through the services: states, posts, regions, 复核, idempotency, SLA."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from shebao.accounts.access import AccessDenied
from shebao.hall import selectors, services
from shebao.hall.errors import CaseError
from shebao.hall.models import Case, CaseEvent
from shebao.hall.rules.workflow import CaseStatus
from shebao.kernel.models import AuditEntry
from shebao.register import selectors as register_selectors
from tests.hall.conftest import key, png_bytes

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
SUSPEND = {"insurances": ["pension", "medical"], "from_period": "2026-01", "reason": "出国定居"}


def test_prefill_never_asks_what_the_register_knows(citizen, zhang):
    case = services.case_start(actor=citizen, item_code="person_change", idempotency_key=key())
    assert case.status == CaseStatus.DRAFT
    assert case.prefill["name"] == "张三"
    assert case.prefill["id_masked"] == zhang.id_masked
    assert case.prefill["current_phone"] == "139****5678"
    assert "name" not in case.data  # read-only: never part of what the applicant types
    # a forged read-only value is ignored at submission
    done = services.case_submit(
        actor=citizen, case_id=case.pk, data={"name": "李鬼", "address": "朝阳区新家1号"}, confirm=True
    )
    assert done.data["name"] == "张三"
    assert done.data["address"] == "朝阳区新家1号"


def test_draft_saves_and_same_key_gives_one_case(citizen):
    k = key()
    a = services.case_start(actor=citizen, item_code="enrolment_suspend", idempotency_key=k)
    b = services.case_start(actor=citizen, item_code="enrolment_suspend", idempotency_key=k)
    assert a.pk == b.pk
    assert Case.objects.filter(applicant_user_id=citizen.pk).count() == 1
    services.case_save_draft(actor=citizen, case_id=a.pk, data={"reason": "出国", "from_period": "2026-03"})
    a.refresh_from_db()
    assert a.data["reason"] == "出国" and a.data["from_period"] == "202603"
    with pytest.raises(CaseError) as err:
        services.case_save_draft(actor=citizen, case_id=a.pk, data={"from_period": "2026-13"})
    assert err.value.field == "from_period"
    # double submit (double click): one transition, one event
    services.case_submit(actor=citizen, case_id=a.pk, data=SUSPEND, confirm=True)
    services.case_submit(actor=citizen, case_id=a.pk, data=SUSPEND, confirm=True)
    assert CaseEvent.objects.filter(case=a, action="submit").count() == 1


def test_suspension_really_suspends_after_review(file_case, front_desk, reviewer, zhang):
    case = file_case("enrolment_suspend", SUSPEND)
    assert case.status == CaseStatus.SUBMITTED and not case.needs_recheck
    with pytest.raises(CaseError):  # 审核 before 受理
        services.case_approve(actor=reviewer, case_id=case.pk)
    with pytest.raises(AccessDenied):  # 窗口受理 may not 审核
        services.case_accept(actor=front_desk, case_id=case.pk)
        services.case_approve(actor=front_desk, case_id=case.pk)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.assignee_id == front_desk.pk
    status = register_selectors.person_current_status(person_id=zhang.pk)
    assert status["pension"].status == "active"  # nothing happens before approval
    services.case_approve(actor=reviewer, case_id=case.pk, comment="材料齐全")
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED and case.completed_at is not None
    status = register_selectors.person_current_status(person_id=zhang.pk)
    assert status["pension"].status == "suspended" and status["pension"].start_period == 202601
    assert status["medical"].status == "suspended"
    assert status["unemployment"].status == "active"
    actions = [e.action for e in selectors.case_events(case=case)]
    assert actions == ["start", "submit", "accept", "approve"]
    assert AuditEntry.objects.filter(
        object_type="case", object_id=str(case.pk), action="case.approve"
    ).exists()
    assert AuditEntry.objects.filter(action="enrolment.suspend").count() == 2


def test_wrong_region_and_wrong_kind_are_refused(file_case, far_reviewer, citizen, reviewer):
    case = file_case("enrolment_suspend", SUSPEND)
    with pytest.raises(AccessDenied):
        services.case_accept(actor=far_reviewer, case_id=case.pk)
    with pytest.raises(AccessDenied):
        services.case_accept(actor=citizen, case_id=case.pk)
    with pytest.raises(AccessDenied):
        selectors.case_for_staff(user=far_reviewer, case_id=case.pk)
    assert selectors.staff_queue(user=far_reviewer, queue="intake") == []
    assert [c.pk for c in selectors.staff_queue(user=reviewer, queue="intake")] == [case.pk]


def test_effect_refused_leaves_nothing_half_written(file_case, reviewer, zhang, system):
    from shebao.register import services as register_services

    case = file_case("enrolment_suspend", SUSPEND)
    services.case_accept(actor=reviewer, case_id=case.pk)
    # meanwhile the counter suspends pension: the approval's effect is now refused
    register_services.enrolment_suspend(
        actor=system, person_id=zhang.pk, insurance="pension", from_period="2026-01", reason="窗口办理"
    )
    with pytest.raises(CaseError):
        services.case_approve(actor=reviewer, case_id=case.pk)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    assert register_selectors.person_current_status(person_id=zhang.pk)["medical"].status == "active"


def test_bank_account_change_needs_recheck_by_another_person(file_case, reviewer, rechecker, zhang):
    with pytest.raises(CaseError) as err:  # the bank card photo is required for a bank change
        file_case("person_change", {"bank_name": "工商银行", "bank_account": "6222020200111122223"})
    assert err.value.field == "material:bank_card"
    case = file_case(
        "person_change",
        {"bank_name": "工商银行", "bank_account": "6222020200111122223"},
        uploads={"bank_card": png_bytes()},
    )
    assert case.needs_recheck
    services.case_accept(actor=reviewer, case_id=case.pk)
    with pytest.raises(CaseError):
        services.case_approve(actor=reviewer, case_id=case.pk)  # sensitive: no approval without 复核
    services.case_review(actor=reviewer, case_id=case.pk, comment="核对银行卡照片一致")
    with pytest.raises(CaseError) as err:
        services.case_recheck(actor=reviewer, case_id=case.pk, approve=True)
    assert "审核人以外" in err.value.message_zh
    services.case_recheck(actor=rechecker, case_id=case.pk, approve=True, comment="同意")
    zhang.refresh_from_db()
    assert zhang.bank_account == "6222020200111122223"
    history = AuditEntry.objects.filter(action="person.change", object_id=str(zhang.pk)).last()
    assert "****2223" in history.after and "6222020200111122223" not in history.after


def test_phone_change_without_recheck(file_case, reviewer, zhang):
    case = file_case("person_change", {"phone": "13700001111"})
    assert not case.needs_recheck
    services.case_accept(actor=reviewer, case_id=case.pk)
    services.case_approve(actor=reviewer, case_id=case.pk)
    zhang.refresh_from_db()
    assert zhang.phone == "13700001111"


def test_return_for_correction_and_resubmit(file_case, citizen, front_desk, reviewer):
    case = file_case("enrolment_suspend", SUSPEND)
    with pytest.raises(CaseError) as err:
        services.case_return(actor=front_desk, case_id=case.pk, comment="原因不清", fields={})
    assert err.value.field == "fields"
    with pytest.raises(CaseError) as err:
        services.case_return(actor=front_desk, case_id=case.pk, comment="", fields={"reason": "请写明"})
    assert err.value.field == "comment"
    services.case_return(
        actor=front_desk, case_id=case.pk, comment="原因不清", fields={"reason": "请写明出国国家"}
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.RETURNED and case.returned_fields == {"reason": "请写明出国国家"}
    with pytest.raises(CaseError):  # submit is not resubmit
        services.case_submit(actor=citizen, case_id=case.pk, data=SUSPEND, confirm=True)
    services.case_resubmit(
        actor=citizen, case_id=case.pk, data={**SUSPEND, "reason": "出国（加拿大）定居"}, confirm=True
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.returned_fields == {}
    assert case.data["reason"] == "出国（加拿大）定居"
    services.case_reject_intake(actor=front_desk, case_id=case.pk, comment="不符合暂停条件")
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED
    assert selectors.case_status_dict(case)["status_label"] == "不予受理"


def test_reject_needs_reason_and_refuse(file_case, front_desk, reviewer):
    case = file_case("enrolment_suspend", SUSPEND)
    with pytest.raises(CaseError) as err:
        services.case_reject_intake(actor=front_desk, case_id=case.pk, comment=" ")
    assert err.value.field == "comment"
    services.case_accept(actor=front_desk, case_id=case.pk)
    services.case_refuse(actor=reviewer, case_id=case.pk, comment="已出具的证明不符")
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED


def test_sla_due_date_across_national_day_2025(file_case):
    submitted = dt.datetime(2025, 9, 30, 10, 0, tzinfo=SH)
    case = file_case("enrolment_suspend", {**SUSPEND, "from_period": "2025-11"}, now=submitted)
    # 5 working days after 30 Sept 2025: 10月1–8日 holiday, Sat 11 Oct is a make-up working day
    assert case.due_date == dt.date(2025, 10, 14)
    info = selectors.case_sla(case, today=dt.date(2025, 10, 13))
    assert info.remaining == 1 and info.colour == "amber"
    assert selectors.case_sla(case, today=dt.date(2025, 10, 9)).colour == "green"
    assert selectors.case_sla(case, today=dt.date(2025, 10, 15)).colour == "red"


def test_claim_and_assign(file_case, front_desk, reviewer, far_reviewer):
    case = file_case("enrolment_suspend", SUSPEND)
    services.case_claim(actor=reviewer, case_id=case.pk)
    with pytest.raises(CaseError):
        services.case_claim(actor=front_desk, case_id=case.pk)
    with pytest.raises(CaseError) as err:
        services.case_assign(actor=front_desk, case_id=case.pk, assignee_id=far_reviewer.pk)
    assert err.value.field == "assignee"
    services.case_assign(actor=front_desk, case_id=case.pk, assignee_id=front_desk.pk)
    case.refresh_from_db()
    assert case.assignee_id == front_desk.pk
    assert [c.pk for c in selectors.staff_queue(user=front_desk, mine=True)] == [case.pk]


def test_citizen_cannot_touch_someone_elses_case(file_case, li, citizen_of):
    case = file_case("enrolment_suspend", SUSPEND)
    other = citizen_of(li)
    with pytest.raises(AccessDenied):
        selectors.case_for_applicant(user=other, case_id=case.pk)
    with pytest.raises(AccessDenied):
        services.case_withdraw(actor=other, case_id=case.pk)
