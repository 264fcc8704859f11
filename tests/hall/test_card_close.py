"""社保卡挂失 takes effect at submission; a loss report that is withdrawn, refused or not
accepted is released (解挂) with the reason in the card's audit trail, and one returned for
correction (退回补正) is resubmitted without reporting the loss twice."""

from __future__ import annotations

import pytest

from shebao.hall import services
from shebao.hall.rules.workflow import CaseStatus
from shebao.kernel.models import AuditEntry
from shebao.register import services as register_services
from tests.hall.conftest import png_bytes


@pytest.fixture
def carded(zhang, system):
    register_services.person_change(
        actor=system, person_id=zhang.pk, changes={"card_number": "A12345678", "card_status": "normal"}
    )
    return zhang


def _card_audit(person, action: str) -> list:
    return list(
        AuditEntry.objects.filter(action=action, object_type="person", object_id=str(person.pk)).order_by(
            "seq"
        )
    )


def test_withdrawn_loss_report_releases_the_card(carded, file_case, citizen):
    case = file_case("card_report_lost", {"reason": "找不到了"})
    carded.refresh_from_db()
    assert carded.card_status == "lost"
    assert case.effect_result["on_submit"] == {"card_status": "lost", "card_number": "A12345678"}
    services.case_withdraw(actor=citizen, case_id=case.pk)
    case.refresh_from_db()
    carded.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    assert carded.card_status == "normal" and carded.card_number == "A12345678"
    assert case.effect_result["on_close"] == {"card_status": "normal", "released": True}
    (entry,) = _card_audit(carded, "card.cancel_loss")
    assert "本人撤回挂失申请" in entry.after


@pytest.mark.parametrize("how", ["refuse", "reject"])
def test_refused_or_rejected_loss_report_is_released_with_the_reason(carded, file_case, reviewer, how):
    case = file_case("card_report_lost", {})
    if how == "refuse":
        services.case_accept(actor=reviewer, case_id=case.pk)
        services.case_refuse(actor=reviewer, case_id=case.pk, comment="非持卡人本人申请")
    else:
        services.case_reject_intake(actor=reviewer, case_id=case.pk, comment="非持卡人本人申请")
    carded.refresh_from_db()
    assert carded.card_status == "normal"
    (entry,) = _card_audit(carded, "card.cancel_loss")
    assert "非持卡人本人申请" in entry.after and entry.actor_id == reviewer.pk


def test_a_card_changed_since_is_left_as_it_is(carded, file_case, reviewer, citizen):
    case = file_case("card_report_lost", {})
    replace = file_case("card_replace", {"kind": "lost"}, uploads={"photo": png_bytes()})
    services.case_accept(actor=reviewer, case_id=replace.pk)
    services.case_approve(actor=reviewer, case_id=replace.pk)
    carded.refresh_from_db()
    assert carded.card_status == "replacing"
    services.case_withdraw(actor=citizen, case_id=case.pk)
    case.refresh_from_db()
    carded.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN and carded.card_status == "replacing"
    assert case.effect_result["on_close"] == {"card_status": "replacing", "released": False}
    assert not _card_audit(carded, "card.cancel_loss")


def test_loss_report_resubmitted_after_return_is_not_reported_twice(carded, file_case, reviewer, citizen):
    case = file_case("card_report_lost", {"reason": "丢失"})
    services.case_accept(actor=reviewer, case_id=case.pk)
    services.case_return(actor=reviewer, case_id=case.pk, comment="请补充原因", fields={"reason": "写明经过"})
    carded.refresh_from_db()
    assert carded.card_status == "lost"  # a return does not release the card
    services.case_resubmit(actor=citizen, case_id=case.pk, data={"reason": "地铁上被盗"}, confirm=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert case.effect_result["on_submit"] == {"card_status": "lost", "card_number": "A12345678"}
    assert len(_card_audit(carded, "card.report_lost")) == 1
    services.case_accept(actor=reviewer, case_id=case.pk)
    services.case_approve(actor=reviewer, case_id=case.pk)
    case.refresh_from_db()
    carded.refresh_from_db()
    assert case.status == CaseStatus.APPROVED and carded.card_status == "lost"
