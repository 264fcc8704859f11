"""The transfer flow inside one installation: the receiving side's write paths, the
sending side's handlers and processing, with the other agency's messages posted into
/exchange/inbox signed by the peer's key (the real two-site run is test_two_instances)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from shebao.benefits import selectors as benefit_selectors
from shebao.contributions import history
from shebao.contributions.models import ExternalMonth
from shebao.exchange.models import InboxMessage, OutboxMessage
from shebao.kernel.calendar import add_working_days
from shebao.kernel.models import AuditEntry
from shebao.register import services as register_services
from shebao.register.access import SYSTEM_ACTOR
from shebao.transfers import services
from shebao.transfers.errors import TransferError
from shebao.transfers.models import Transfer
from tests.transfers.conftest import PEER, legacy_record, make_pensioner

pytestmark = pytest.mark.django_db


def sheet_for(transfer: Transfer, *, months=None, pooled=None, principal=3_000_000, interest=123_456) -> dict:
    months = months or [[y * 100 + m, base, base * 16 // 100, base * 8 // 100]
                        for y, base in ((2019, 500_000), (2020, 600_000), (2021, 700_000)) for m in range(1, 13)]  # fmt: skip
    pooled = 2_592_000 if pooled is None else pooled
    return {"uid": str(transfer.uid), "reference": "ZC2026120100001", "kind": "normal", "months": months,
            "account": {"principal_fen": principal, "interest_fen": interest}, "pooled_fen": pooled,
            "temporary_fen": 0, "total_fen": principal + interest + pooled, "fund_reference": "BANK-001"}  # fmt: skip


@pytest.fixture
def accepted(migrant, peer, staff, system):
    transfer = services.transfer_apply(actor=system, person_id=migrant.pk, sending_code=PEER, account_ref="SH-1")
    return services.transfer_accept(actor=staff, transfer_id=transfer.pk)


def test_apply_then_accept_sends_the_contact_letter(migrant, peer, staff, system):
    transfer = services.transfer_apply(actor=system, person_id=migrant.pk, sending_code=PEER, account_ref="SH-1")
    today = timezone.localdate()
    assert transfer.status == "applied" and transfer.direction == "in"
    assert transfer.due_date == add_working_days(today, 15)
    assert transfer.counterpart_name == peer.name and transfer.counterpart_is_peer
    accepted = services.transfer_accept(actor=staff, transfer_id=transfer.pk)
    assert accepted.status == "accepted" and accepted.due_date == add_working_days(today, 15)
    message = OutboxMessage.objects.get()
    assert (message.type, message.recipient, message.correlation_id) == (services.CONTACT_LETTER, PEER, str(transfer.uid))
    assert message.body["person"]["id_number"] == migrant.id_number and message.body["person"]["name"] == "王芳"
    assert [s.to_status for s in accepted.steps.order_by("at", "pk")] == ["applied", "accepted"]
    assert AuditEntry.objects.filter(action="transfer.accepted", object_id=str(transfer.pk)).exists()
    with pytest.raises(TransferError) as exc:
        services.transfer_accept(actor=staff, transfer_id=transfer.pk)
    assert exc.value.field == "status"


def test_pensioner_refused_with_a_reason(migrant, peer, system):
    make_pensioner(migrant)
    with pytest.raises(TransferError) as exc:
        services.transfer_apply(actor=system, person_id=migrant.pk, sending_code=PEER)
    assert "已按月领取基本养老金" in exc.value.message_zh and exc.value.field == "person_id"


def test_woman_over_40_away_from_hukou_keeps_a_temporary_account(woman_41, peer, system):
    with pytest.raises(TransferError) as exc:
        services.transfer_apply(actor=system, person_id=woman_41.pk, sending_code=PEER)
    assert "临时缴费账户" in exc.value.message_zh


def test_unknown_agency_other_agency_and_duplicates(migrant, peer, system):
    with pytest.raises(TransferError) as exc:
        services.transfer_apply(actor=system, person_id=migrant.pk, sending_code="999999")
    assert exc.value.field == "sending_code"
    with pytest.raises(TransferError) as exc:
        services.transfer_apply(actor=system, person_id=migrant.pk, sending_code=services.OTHER)
    assert exc.value.field == "sending_name"
    other = services.transfer_apply(actor=system, person_id=migrant.pk, sending_code=services.OTHER,
                                    sending_name="广州市社会保险基金管理局")  # fmt: skip
    assert not other.counterpart_is_peer
    with pytest.raises(TransferError) as exc:
        services.transfer_apply(actor=system, person_id=migrant.pk, sending_code=PEER)
    assert "正在办理" in exc.value.message_zh
    services.transfer_accept(actor=SYSTEM_ACTOR, transfer_id=other.pk)
    assert not OutboxMessage.objects.exists()  # a non-Shebao agency: the letter goes by hand


def test_reject_needs_a_reason_and_is_final(migrant, peer, staff, system):
    transfer = services.transfer_apply(actor=system, person_id=migrant.pk, sending_code=PEER)
    with pytest.raises(TransferError) as exc:
        services.transfer_reject(actor=staff, transfer_id=transfer.pk, reason=" ")
    assert exc.value.field == "reason"
    rejected = services.transfer_reject(actor=staff, transfer_id=transfer.pk, reason="未在本市参保缴费")
    assert rejected.status == "rejected" and rejected.due_date is None and rejected.reason == "未在本市参保缴费"


def test_staff_of_another_district_may_not_accept(migrant, peer, far_staff, system):
    from shebao.accounts.access import AccessDenied

    transfer = services.transfer_apply(actor=system, person_id=migrant.pk, sending_code=PEER)
    with pytest.raises(AccessDenied):
        services.transfer_accept(actor=far_staff, transfer_id=transfer.pk)


def test_info_sheet_message_checks_funds_then_merge_counts_the_months(accepted, send_in, staff, migrant, params):
    reply = send_in(services.INFO_SHEET, sheet_for(accepted), correlation_id=str(accepted.uid))
    assert reply["status"] == "applied"
    accepted.refresh_from_db()
    assert accepted.status == "funds_received"
    assert (accepted.pooled_fen, accepted.total_fen, accepted.fund_reference) == (2_592_000, 5_715_456, "BANK-001")
    done = services.transfer_merge(actor=staff, transfer_id=accepted.pk)
    assert done.status == "notified" and "合并缴费 36 个月" in done.notice
    assert [s.to_status for s in done.steps.order_by("at", "pk")] == [
        "applied", "accepted", "out_processed", "funds_received", "merged", "notified"]  # fmt: skip
    assert ExternalMonth.objects.filter(person_id=migrant.pk, source=PEER).count() == 36
    record = benefit_selectors.pension_record(user=SYSTEM_ACTOR, person_id=migrant.pk)
    assert record.months == 36 and {y.year: y.months for y in record.years} == {2019: 12, 2020: 12, 2021: 12}
    statement = history.person_account_statement(user=SYSTEM_ACTOR, person_id=migrant.pk)
    assert str(statement.balance) == "31234.56"
    with pytest.raises(TransferError):
        services.transfer_merge(actor=staff, transfer_id=accepted.pk)


def test_the_same_info_sheet_twice_is_applied_once(accepted, send_in):
    sheet = sheet_for(accepted)
    send_in(services.INFO_SHEET, sheet)
    again = send_in(services.INFO_SHEET, sheet)  # a new message id carrying the same document
    assert again["status"] == "applied"
    accepted.refresh_from_db()
    assert accepted.status == "funds_received" and accepted.steps.count() == 4


def test_mismatched_funds_refused_and_nothing_recorded(accepted, send_in):
    reply = send_in(services.INFO_SHEET, sheet_for(accepted, pooled=2_592_001))
    assert reply["status"] == "refused"
    row = InboxMessage.objects.get()
    assert row.outcome == "refused" and "pooled_fen" in row.error
    accepted.refresh_from_db()
    assert accepted.status == "accepted" and not accepted.info_sheet


def test_malformed_sheet_and_wrong_total_refused(accepted, send_in):
    assert send_in(services.INFO_SHEET, {**sheet_for(accepted), "months": [[201901, -5, 0, 0]]})["status"] == "refused"
    assert send_in(services.INFO_SHEET, {**sheet_for(accepted), "total_fen": 1})["status"] == "refused"
    assert send_in(services.INFO_SHEET, {**sheet_for(accepted), "uid": str(uuid.uuid4())})["status"] == "refused"


def test_refusal_message_rejects_the_transfer_in(accepted, send_in):
    send_in(services.REFUSAL, {"uid": str(accepted.uid), "reason": "无参保记录"})
    accepted.refresh_from_db()
    assert accepted.status == "rejected" and "无参保记录" in accepted.reason


def test_info_sheet_by_hand_for_another_agency(migrant, system, staff, peer):
    transfer = services.transfer_apply(actor=system, person_id=migrant.pk, sending_code=services.OTHER,
                                       sending_name="广州市社会保险基金管理局")  # fmt: skip
    services.transfer_accept(actor=staff, transfer_id=transfer.pk)
    recorded = services.transfer_info_sheet_record(actor=staff, transfer_id=transfer.pk, sheet=sheet_for(transfer),
                                                   fund_reference="GZ-BANK-9")  # fmt: skip
    assert recorded.status == "funds_received" and recorded.fund_reference == "GZ-BANK-9"
    assert services.transfer_merge(actor=staff, transfer_id=transfer.pk).status == "notified"
    assert ExternalMonth.objects.filter(person_id=migrant.pk, source=services.OTHER).count() == 36


# --- the sending side -------------------------------------------------------------------------


@pytest.fixture
def leaver(register_person, employer, params):
    """A person who worked in 朝阳区 (200 months from 2009-01 at 11,937) and is moving away."""
    person = register_person("周平")
    legacy_record(person, employer_id=employer.pk)
    return person


def letter(person, *, uid=None, name=None) -> dict:
    return {"uid": str(uid or uuid.uuid4()), "reference": "ZR2026120300001", "account_ref": "",
            "person": {"id_number": person.id_number, "name": name or person.name},
            "receiving": {"code": PEER, "name": "上海市社会保险事业管理中心"}}  # fmt: skip


def test_contact_letter_opens_a_transfer_out_and_processing_sends_the_info_sheet(leaver, peer, send_in, staff):
    body = letter(leaver)
    assert send_in(services.CONTACT_LETTER, body)["status"] == "applied"
    send_in(services.CONTACT_LETTER, body)  # the same letter under a new message id: one case
    out = Transfer.objects.get(direction="out")
    assert out.status == "accepted" and out.person_id == leaver.pk and out.counterpart_code == PEER
    done = services.transfer_out_process(actor=staff, transfer_id=out.pk, fund_reference="ICBC-77")
    assert done.status == "out_processed" and done.due_date is None
    pooled = 286_488_00  # 12 % × 200 × 11,937.00 = 286,488.00 yuan
    assert (done.principal_fen, done.interest_fen, done.pooled_fen) == (150_000_00, 0, pooled)
    assert done.total_fen == 150_000_00 + pooled
    message = OutboxMessage.objects.get(type=services.INFO_SHEET)
    assert message.body["paid_months"] == 200 and message.body["fund_reference"] == "ICBC-77"
    assert message.body["total_fen"] == done.total_fen and message.recipient == PEER
    assert services.info_sheet_check(message.body)["total_fen"] == done.total_fen  # the receiver's check agrees
    statement = history.person_account_statement(user=SYSTEM_ACTOR, person_id=leaver.pk)
    assert statement.balance == 0


def test_unknown_person_or_name_mismatch_refused_back(peer, send_in, leaver):
    send_in(services.CONTACT_LETTER, letter(leaver, name="别人"))
    out = Transfer.objects.get(direction="out")
    assert out.status == "rejected" and "没有该人员" in out.reason
    refusal = OutboxMessage.objects.get()
    assert refusal.type == services.REFUSAL and refusal.body["uid"] == str(out.uid)


def test_pensioner_letter_refused_back(peer, send_in, leaver):
    make_pensioner(leaver)
    send_in(services.CONTACT_LETTER, letter(leaver))
    assert Transfer.objects.get(direction="out").status == "rejected"


def test_still_employed_here_is_left_for_staff(zhang, peer, send_in, staff):
    send_in(services.CONTACT_LETTER, letter(zhang))
    out = Transfer.objects.get(direction="out")
    with pytest.raises(TransferError) as exc:
        services.transfer_out_process(actor=staff, transfer_id=out.pk)
    assert "减员" in exc.value.message_zh
    result = services.transfers_out_process_clean()
    assert result["processed"] == [] and out.pk in result["left"]


def _separate(zhang, system, end: dt.date) -> None:
    from shebao.register import selectors as rs

    job = rs.person_current_employment(person_id=zhang.pk)
    register_services.employment_separate(actor=system, employment_id=job.pk, end_date=end, reason="离职")


def test_separated_this_month_waits_for_the_suspension(zhang, peer, send_in, staff, system, employer):
    _separate(zhang, system, timezone.localdate())
    legacy_record(zhang, employer_id=employer.pk, first=201901, months=12, balance_fen=10_000_00)
    send_in(services.CONTACT_LETTER, letter(zhang))
    with pytest.raises(TransferError) as exc:  # suspended only from next month
        services.transfer_out_process(actor=staff, transfer_id=Transfer.objects.get(direction="out").pk)
    assert exc.value.field == "person_id" and "暂停" in exc.value.message_zh


def test_separated_person_enrolment_terminated_on_processing(zhang, peer, send_in, staff, system, employer):
    from shebao.register import selectors as rs

    _separate(zhang, system, timezone.localdate().replace(day=1) - dt.timedelta(days=1))
    legacy_record(zhang, employer_id=employer.pk, first=201901, months=12, balance_fen=10_000_00)
    send_in(services.CONTACT_LETTER, letter(zhang))
    out = Transfer.objects.get(direction="out")
    processed = services.transfer_out_process(actor=staff, transfer_id=out.pk)
    assert processed.status == "out_processed"
    assert processed.pooled_fen == 12 * 1_193_700 * 12 // 100  # 12 months at 11,937.00
    pension = rs.person_current_status(person_id=zhang.pk)["pension"]
    assert pension.status == "terminated" and "转移接续转出" in pension.reason


def test_processing_refused_for_a_transfer_in(accepted, staff):
    with pytest.raises(TransferError):
        services.transfer_out_process(actor=staff, transfer_id=accepted.pk)


def test_due_dates_are_fifteen_working_days(accepted):
    start = timezone.localtime(accepted.created_at).date()
    assert accepted.due_date == add_working_days(start, 15)
    assert accepted.due_date - start >= dt.timedelta(days=19)  # three weeks of five working days, at least


def test_a_temporary_account_is_gathered_whole(register_person, employer, peer, send_in, staff, params):
    """A man who came to Beijing at 58 from a Shanghai hukou had a temporary account here:
    all contributions move (employer + individual), not the 12 % pooled part."""
    from shebao.kernel.rules.identifiers import make_person_id

    person = register_person("孙强", region="310101", id_number=make_person_id("310101", dt.date(1961, 3, 1), 11),
                             region_code="110105")  # fmt: skip
    legacy_record(person, employer_id=employer.pk, first=201901, months=24, base_fen=800_000, balance_fen=0)
    send_in(services.CONTACT_LETTER, letter(person))
    done = services.transfer_out_process(actor=staff, transfer_id=Transfer.objects.get(direction="out").pk)
    assert done.kind == "temporary" and done.pooled_fen == 0
    assert done.temporary_fen == done.total_fen == 24 * (800_000 * 16 // 100 + 800_000 * 8 // 100)
    assert services.info_sheet_check(done.info_sheet)["total_fen"] == done.total_fen
