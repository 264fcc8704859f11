"""Each item end to end through the services: the effect lands in the owning app."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.accounts.access import AccessDenied
from shebao.contributions import services as contribution_services
from shebao.hall import selectors, services
from shebao.hall.errors import CaseError
from shebao.hall.models import ServiceItem
from shebao.hall.rules.workflow import CaseStatus
from shebao.register import selectors as register_selectors
from shebao.register import services as register_services
from tests.hall.conftest import key, pdf_bytes, png_bytes


@pytest.fixture
def params(system):
    contribution_services.parameters_load_csv(actor=system)


@pytest.fixture
def flexible(register_person, citizen_of, system, catalogue, params):
    person = register_person("王灵活")
    register_services.flexible_register(actor=system, person_id=person.pk, start_date=dt.date(2025, 7, 1))
    return person, citizen_of(person)


def _approve(case, reviewer):
    services.case_accept(actor=reviewer, case_id=case.pk)
    return services.case_approve(actor=reviewer, case_id=case.pk)


def test_catalogue_sync_is_idempotent(system, catalogue):
    n = ServiceItem.objects.count()
    assert n >= 12
    again = services.catalogue_sync(actor=system)
    assert again == {"items": 0, "materials": 0} and ServiceItem.objects.count() == n
    item = ServiceItem.objects.get(code="enrolment_suspend")
    assert item.guide.legal_basis and item.time_limit_days == 5


def test_resume_after_suspension(file_case, reviewer, zhang, system):
    register_services.enrolment_suspend(
        actor=system, person_id=zhang.pk, insurance="pension", from_period="2025-12", reason="出国"
    )
    with pytest.raises(CaseError) as err:  # medical is not suspended
        file_case("enrolment_resume", {"insurances": ["medical"], "from_period": "2026-02", "reason": "回国"})
    assert err.value.field == "insurances"
    case = file_case(
        "enrolment_resume", {"insurances": ["pension"], "from_period": "2026-02", "reason": "回国"}
    )
    _approve(case, reviewer)
    row = register_selectors.person_current_status(person_id=zhang.pk)["pension"]
    assert row.status == "active" and row.start_period == 202602


def test_grade_change_for_flexible_worker_and_refused_for_employees(flexible, file_case, reviewer, citizen):
    person, user = flexible
    with pytest.raises(CaseError) as err:  # 张三 is an employee
        file_case("flexible_grade_change", {"grade_pct": "80"}, user=citizen)
    assert err.value.field == "grade_pct" and "灵活就业" in err.value.message_zh
    case = file_case("flexible_grade_change", {"grade_pct": "80"}, user=user)
    _approve(case, reviewer)
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED and case.effect_result["approval"]["grade_pct"] == 80


def test_backpay_flexible_prohibited_months_are_refused_at_approval(flexible, file_case, reviewer):
    person, user = flexible
    case = file_case(
        "backpay_flexible",
        {"first_period": "2024-01", "last_period": "2024-02", "grade_pct": "60"},
        user=user,
    )
    services.case_accept(actor=reviewer, case_id=case.pk)
    with pytest.raises(CaseError) as err:  # no flexible registration in 2024: 违规一次性补缴
        services.case_approve(actor=reviewer, case_id=case.pk)
    assert "不得违规一次性补缴" in err.value.message_zh or "补缴" in err.value.message_zh
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    services.case_refuse(actor=reviewer, case_id=case.pk, comment=err.value.message_zh)


def test_employer_change_by_operator(employer, operator_of, catalogue, reviewer, rechecker, system):
    operator = operator_of(employer)
    case = services.case_start(actor=operator, item_code="employer_change", idempotency_key=key())
    assert case.prefill["uscc"] == employer.uscc
    with pytest.raises(CaseError) as err:
        services.case_submit(
            actor=operator, case_id=case.pk, data={"bank_account": "6222000011112222333"}, confirm=True
        )
    assert err.value.field == "material:bank_permit"
    services.case_upload(
        actor=operator,
        case_id=case.pk,
        material_code="bank_permit",
        filename="permit.pdf",
        content=pdf_bytes(),
    )
    services.case_submit(
        actor=operator,
        case_id=case.pk,
        data={"bank_name": "建设银行", "bank_account": "6222000011112222333", "contact_name": "孙会计"},
        confirm=True,
    )
    services.case_accept(actor=reviewer, case_id=case.pk)
    services.case_review(actor=reviewer, case_id=case.pk)
    services.case_recheck(actor=rechecker, case_id=case.pk, approve=True)
    employer.refresh_from_db()
    assert employer.bank_account == "6222000011112222333" and employer.contact_name == "孙会计"


def test_employer_item_refused_to_citizen(citizen):
    with pytest.raises(AccessDenied):
        services.case_start(actor=citizen, item_code="employer_change", idempotency_key=key())


def test_card_loss_takes_effect_at_submission(zhang, system, file_case, reviewer, citizen):
    register_services.person_change(
        actor=system, person_id=zhang.pk, changes={"card_number": "A12345678", "card_status": "normal"}
    )
    case = file_case("card_report_lost", {"reason": "钱包被盗"})
    zhang.refresh_from_db()
    assert zhang.card_status == "lost"  # before any review
    assert case.status == CaseStatus.SUBMITTED
    _approve(case, reviewer)
    # 解挂 goes through review
    undo = file_case("card_cancel_loss", {})
    zhang.refresh_from_db()
    assert zhang.card_status == "lost"
    _approve(undo, reviewer)
    zhang.refresh_from_db()
    assert zhang.card_status == "normal"
    # 补换 needs a photo
    with pytest.raises(CaseError) as err:
        file_case("card_replace", {"kind": "damaged"})
    assert err.value.field == "material:photo"
    replace = file_case("card_replace", {"kind": "damaged"}, uploads={"photo": png_bytes()})
    _approve(replace, reviewer)
    zhang.refresh_from_db()
    assert zhang.card_status == "replacing"


def test_card_loss_refused_without_a_card(file_case):
    with pytest.raises(CaseError) as err:
        file_case("card_report_lost", {})
    assert err.value.field == "card_number"


def test_instant_and_counter_items_are_not_started_here(citizen):
    for code in ("insured_certificate", "retirement_application"):
        with pytest.raises(CaseError) as err:
            services.case_start(actor=citizen, item_code=code, idempotency_key=key())
        assert err.value.field == "item"


def test_catalogue_search_and_admin_edit(catalogue, make_user, reviewer):
    from shebao.accounts.rules.permissions import Post, UserKind

    assert [i.code for i in selectors.catalogue_search(q="挂失")] == ["card_report_lost"]
    assert {i.code for i in selectors.catalogue_search(category="社保卡")} == {
        "card_report_lost",
        "card_cancel_loss",
        "card_replace",
    }
    assert "retirement_application" in [i.code for i in selectors.catalogue_search(life_event="退休")]
    with pytest.raises(AccessDenied):
        services.catalogue_item_change(actor=reviewer, code="card_replace", changes={"time_limit_days": 7})
    admin = make_user(kind=UserKind.STAFF, posts=((Post.ADMIN, "110000"),))
    with pytest.raises(CaseError) as err:
        services.catalogue_change(
            actor=admin, code="card_replace", item={"time_limit_days": 3}, guide={"colour": "red"}
        )
    assert err.value.field == "colour"
    assert ServiceItem.objects.get(code="card_replace").time_limit_days == 10  # nothing half-written
    services.catalogue_change(
        actor=admin, code="card_replace", item={"time_limit_days": 7}, guide={"steps": "在线申请\n领取新卡"}
    )
    item = ServiceItem.objects.get(code="card_replace")
    assert item.time_limit_days == 7 and item.guide.steps == ["在线申请", "领取新卡"]
