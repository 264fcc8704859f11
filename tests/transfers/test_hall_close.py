"""A 转入 application that ends unapproved in the hall closes its transfer in the same
transaction: refused (审核不通过), not accepted (不予受理) or withdrawn (本人撤回) at APPLIED →
REJECTED with the reason and the timer stopped; once the 联系函 has gone out, refused."""

from __future__ import annotations

import pytest

from shebao.exchange.models import OutboxMessage
from shebao.hall import services as hall
from shebao.hall.errors import CaseError
from shebao.hall.models import Case
from shebao.hall.rules.workflow import CaseStatus
from shebao.kernel.models import AuditEntry
from shebao.transfers import services
from shebao.transfers.models import Transfer, TransferStep
from tests.hall.conftest import key
from tests.transfers.conftest import PEER

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(citizen, peer, catalogue):
    def _file(data: dict | None = None) -> tuple[Case, Transfer]:
        case = hall.case_start(actor=citizen, item_code="pension_transfer_in", idempotency_key=key())
        case = hall.case_submit(actor=citizen, case_id=case.pk, confirm=True,
                                data=data or {"sending_code": PEER, "account_ref": "SH-2"})  # fmt: skip
        return case, Transfer.objects.get(pk=case.effect_result["on_submit"]["transfer_id"])

    return _file


def _closed(transfer: Transfer, reason: str) -> None:
    transfer.refresh_from_db()
    assert transfer.status == "rejected" and transfer.reason == reason
    assert transfer.due_date is None and transfer.due_date_source == ""  # the timer stopped
    step = TransferStep.objects.filter(transfer=transfer).latest("pk")
    assert (step.from_status, step.to_status, step.note) == ("applied", "rejected", reason)
    audit = AuditEntry.objects.filter(action="transfer.rejected", object_id=str(transfer.pk)).get()
    assert reason in audit.after
    assert not OutboxMessage.objects.exists()  # nothing had gone to the sending agency


def test_refusal_closes_the_transfer_with_the_comment(filed, citizen, staff, migrant):
    case, transfer = filed()
    assert transfer.status == "applied" and transfer.due_date is not None
    hall.case_accept(actor=staff, case_id=case.pk)
    hall.case_refuse(actor=staff, case_id=case.pk, comment="原参保地个人编号有误")
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    _closed(transfer, "原参保地个人编号有误")
    assert case.effect_result["on_close"] == {
        "transfer_id": transfer.pk, "status": "rejected", "reason": "原参保地个人编号有误",
    }  # fmt: skip
    # the person may apply again: the closed transfer no longer blocks a new one
    again, fresh = filed()
    assert fresh.pk != transfer.pk and fresh.status == "applied"


def test_intake_rejection_closes_the_transfer(filed, staff):
    case, transfer = filed()
    hall.case_reject_intake(actor=staff, case_id=case.pk, comment="非本市参保人员")
    _closed(transfer, "非本市参保人员")


def test_withdrawal_closes_the_transfer_as_withdrawn_by_the_person(filed, citizen):
    case, transfer = filed()
    hall.case_withdraw(actor=citizen, case_id=case.pk)
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    _closed(transfer, "本人撤回")
    assert case.effect_result["on_close"]["reason"] == "本人撤回"


def test_past_applied_the_withdrawal_and_refusal_are_refused(filed, citizen, staff):
    case, transfer = filed()
    services.transfer_accept(actor=staff, transfer_id=transfer.pk)  # at the transfers desk: 联系函 sent
    with pytest.raises(CaseError) as err:
        hall.case_withdraw(actor=citizen, case_id=case.pk)
    assert err.value.field == "transfer_id" and "不能撤回" in err.value.message_zh
    assert transfer.reference in err.value.message_zh
    case.refresh_from_db()
    transfer.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and "on_close" not in case.effect_result
    assert transfer.status == "accepted" and transfer.due_date is not None
    hall.case_accept(actor=staff, case_id=case.pk)
    with pytest.raises(CaseError) as err:
        hall.case_refuse(actor=staff, case_id=case.pk, comment="不符合条件")
    assert err.value.field == "transfer_id" and "审核通过" in err.value.message_zh
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    # approving completes the application; the letter is not sent twice
    hall.case_approve(actor=staff, case_id=case.pk)
    case.refresh_from_db()
    transfer.refresh_from_db()
    assert case.status == CaseStatus.APPROVED and transfer.status == "accepted"
    assert OutboxMessage.objects.filter(type=services.CONTACT_LETTER).count() == 1


def test_already_rejected_at_the_desk_is_left_as_it_is(filed, citizen, staff):
    case, transfer = filed()
    services.transfer_reject(actor=staff, transfer_id=transfer.pk, reason="材料不全")
    hall.case_withdraw(actor=citizen, case_id=case.pk)
    transfer.refresh_from_db()
    assert transfer.status == "rejected" and transfer.reason == "材料不全"
    assert TransferStep.objects.filter(transfer=transfer, to_status="rejected").count() == 1


def test_close_refuses_a_transfer_of_another_case(filed, staff, system):
    case, transfer = filed()
    with pytest.raises(services.TransferError) as err:
        services.transfer_application_close(
            actor=system, transfer_id=transfer.pk, hall_case_id=case.pk + 1, reason="x"
        )
    assert err.value.field == "transfer_id"
    transfer.refresh_from_db()
    assert transfer.status == "applied"


def test_resubmission_keeps_or_replaces_the_transfer(filed, citizen, staff):
    case, transfer = filed()
    hall.case_return(actor=staff, case_id=case.pk, comment="请核对", fields={"account_ref": "请核对编号"})
    hall.case_resubmit(actor=citizen, case_id=case.pk, confirm=True,
                       data={"sending_code": PEER, "account_ref": "SH-2"})  # fmt: skip
    case.refresh_from_db()
    assert case.effect_result["on_submit"]["transfer_id"] == transfer.pk  # unchanged: the same transfer
    assert Transfer.objects.count() == 1

    hall.case_return(actor=staff, case_id=case.pk, comment="请核对", fields={"account_ref": "请核对编号"})
    hall.case_resubmit(actor=citizen, case_id=case.pk, confirm=True,
                       data={"sending_code": PEER, "account_ref": "SH-3"})  # fmt: skip
    case.refresh_from_db()
    new = Transfer.objects.get(pk=case.effect_result["on_submit"]["transfer_id"])
    assert new.pk != transfer.pk and new.status == "applied" and new.account_ref == "SH-3"
    transfer.refresh_from_db()
    assert transfer.status == "rejected" and transfer.reason == "补正后重新申请"
    # withdrawing now closes the current transfer
    hall.case_return(actor=staff, case_id=case.pk, comment="请补充", fields={"account_ref": "请补充"})
    hall.case_withdraw(actor=citizen, case_id=case.pk)
    new.refresh_from_db()
    assert new.status == "rejected" and new.reason == "本人撤回"
