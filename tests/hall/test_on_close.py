"""``ItemDefinition.on_close``: a submitted case that ends unapproved (审核/复核不通过,
不予受理, 撤回) closes what ``on_submit`` created, in the same transaction; a refusal by the
item leaves the case and everything else as they were."""

from __future__ import annotations

import pytest

from shebao.hall import services
from shebao.hall.errors import CaseError
from shebao.hall.items import REGISTRY, register
from shebao.hall.items.base import CLOSE_OUTCOMES, FieldSpec, ItemDefinition
from shebao.hall.models import Case, CaseEvent
from shebao.hall.rules.workflow import CaseStatus
from shebao.kernel.audit import audit_record
from shebao.kernel.models import AuditEntry
from tests.hall.conftest import key

CODE = "test_on_close_item"


class _OnCloseItem(ItemDefinition):
    """A test item whose on_submit opens a real (audited) business record and whose
    on_close closes it; ``note == "block"`` makes the close refuse, after it wrote."""

    code = CODE
    name_zh = "测试事项（关闭钩子）"
    name_en = "Test item (close hook)"
    time_limit_days = 3
    fields = (FieldSpec("note", "说明", "Note", required=False),)

    def validate(self, data: dict, subject) -> dict:
        return {**data, "validated_for": subject.case_reference}

    def is_sensitive(self, data: dict) -> bool:
        return data.get("note") == "复核"

    def on_submit(self, *, case, actor) -> dict:
        audit_record(action="test.opened", object_type="case", object_id=case.pk, after={}, actor=actor)
        return {"opened": case.reference}

    def on_close(self, *, case, actor, outcome: str, comment: str = "") -> dict:
        assert outcome in CLOSE_OUTCOMES
        audit_record(
            action="test.closed", object_type="case", object_id=case.pk,
            after={"outcome": outcome, "comment": comment}, actor=actor,
        )  # fmt: skip
        if case.data.get("note") == "block":
            raise CaseError(field="note", zh="业务已在办理，不能关闭", en="the business is under way")
        return {"outcome": outcome, "comment": comment, "opened": case.effect_result["on_submit"]["opened"]}

    def effect(self, *, case, actor) -> dict:
        return {"approved": True}


@pytest.fixture
def item(system):
    register(_OnCloseItem)
    services.catalogue_sync(actor=system)
    yield REGISTRY[CODE]
    REGISTRY.pop(CODE, None)


@pytest.fixture
def filed(item, citizen):
    def _file(note: str = "") -> Case:
        case = services.case_start(actor=citizen, item_code=CODE, idempotency_key=key())
        return services.case_submit(actor=citizen, case_id=case.pk, data={"note": note}, confirm=True)

    return _file


def _closed(case: Case) -> list[dict]:
    return [e.after for e in AuditEntry.objects.filter(action="test.closed", object_id=str(case.pk))]


def test_refusal_closes_with_the_reason(filed, reviewer):
    case = filed()
    assert case.effect_result == {"on_submit": {"opened": case.reference}}
    assert case.data["validated_for"] == case.reference  # validate knows the case (resubmissions)
    services.case_accept(actor=reviewer, case_id=case.pk)
    services.case_refuse(actor=reviewer, case_id=case.pk, comment="不符合条件")
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.effect_result["on_close"] == {
        "outcome": "refused", "comment": "不符合条件", "opened": case.reference,
    }  # fmt: skip
    assert case.effect_result["on_submit"] == {"opened": case.reference}  # kept
    assert len(_closed(case)) == 1
    audit = AuditEntry.objects.get(action="case.refuse", object_id=str(case.pk))
    assert '"on_close"' in audit.after and "不符合条件" in audit.after


def test_recheck_refusal_and_intake_rejection_close_too(filed, reviewer, rechecker, front_desk):
    sensitive = filed("复核")
    assert sensitive.needs_recheck
    services.case_accept(actor=reviewer, case_id=sensitive.pk)
    services.case_review(actor=reviewer, case_id=sensitive.pk)
    services.case_recheck(actor=rechecker, case_id=sensitive.pk, approve=False, comment="复核不通过")
    sensitive.refresh_from_db()
    assert sensitive.status == CaseStatus.REFUSED
    assert sensitive.effect_result["on_close"]["outcome"] == "refused"
    assert sensitive.effect_result["on_close"]["comment"] == "复核不通过"

    rejected = filed()
    services.case_reject_intake(actor=front_desk, case_id=rejected.pk, comment="非本辖区")
    rejected.refresh_from_db()
    assert rejected.status == CaseStatus.REJECTED
    assert rejected.effect_result["on_close"]["outcome"] == "rejected"


def test_withdrawal_closes_but_a_draft_has_nothing_to_close(item, filed, citizen, front_desk):
    case = filed()
    services.case_withdraw(actor=citizen, case_id=case.pk)
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    assert case.effect_result["on_close"] == {"outcome": "withdrawn", "comment": "", "opened": case.reference}

    # returned for correction, then withdrawn: on_submit ran, so it is closed
    returned = filed()
    services.case_return(actor=front_desk, case_id=returned.pk, comment="补正", fields={"note": "写明"})
    services.case_withdraw(actor=citizen, case_id=returned.pk)
    returned.refresh_from_db()
    assert returned.effect_result["on_close"]["outcome"] == "withdrawn"

    draft = services.case_start(actor=citizen, item_code=CODE, idempotency_key=key())
    services.case_withdraw(actor=citizen, case_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == CaseStatus.WITHDRAWN and draft.effect_result == {}
    assert _closed(draft) == []


def test_approval_does_not_close(filed, reviewer):
    case = filed()
    services.case_accept(actor=reviewer, case_id=case.pk)
    services.case_approve(actor=reviewer, case_id=case.pk)
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED and "on_close" not in case.effect_result
    assert _closed(case) == []


@pytest.mark.parametrize("how", ["refuse", "withdraw", "reject"])
def test_a_refused_close_aborts_the_transition_and_writes_nothing(filed, citizen, reviewer, front_desk, how):
    case = filed("block")
    if how == "refuse":
        services.case_accept(actor=reviewer, case_id=case.pk)
    case.refresh_from_db()
    before_status, events = case.status, CaseEvent.objects.filter(case=case).count()
    audits = AuditEntry.objects.count()
    with pytest.raises(CaseError) as err:
        if how == "refuse":
            services.case_refuse(actor=reviewer, case_id=case.pk, comment="不符合条件")
        elif how == "reject":
            services.case_reject_intake(actor=front_desk, case_id=case.pk, comment="不予受理")
        else:
            services.case_withdraw(actor=citizen, case_id=case.pk)
    assert err.value.field == "note" and "不能关闭" in err.value.message_zh
    case.refresh_from_db()
    assert case.status == before_status and case.completed_at is None
    assert "on_close" not in case.effect_result
    assert CaseEvent.objects.filter(case=case).count() == events
    assert AuditEntry.objects.count() == audits  # the hook's own write is undone too
    assert _closed(case) == []


def test_a_lower_app_error_becomes_a_case_error_naming_its_field(item, filed, citizen, monkeypatch):
    from shebao.kernel.rules.errors import FieldError

    def _refuse(*, case, actor, outcome, comment=""):
        raise FieldError(field="transfer_id", zh="转移业务已受理", en="the transfer is under way")

    monkeypatch.setattr(item, "on_close", _refuse)
    case = filed()
    with pytest.raises(CaseError) as err:
        services.case_withdraw(actor=citizen, case_id=case.pk)
    assert err.value.field == "transfer_id" and err.value.message_en == "the transfer is under way"
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
