"""The hall item, the citizen and staff APIs, the pages and the access branches."""

from __future__ import annotations

import pytest

from shebao.accounts.access import AccessDenied
from shebao.exchange.models import OutboxMessage
from shebao.hall import services as hall
from shebao.hall.items import get_item
from shebao.transfers import services
from shebao.transfers.access import access_transfer
from shebao.transfers.models import Transfer
from tests.hall.conftest import key
from tests.transfers.conftest import PEER, login
from tests.transfers.test_services import sheet_for

pytestmark = pytest.mark.django_db


def test_hall_item_lists_the_peers_and_other(peer):
    spec = get_item("pension_transfer_in").field("sending_code")
    assert [c[0] for c in spec.choices] == [PEER, services.OTHER]


def test_hall_application_applies_and_approval_sends_the_letter(citizen, migrant, peer, catalogue, staff):
    case = hall.case_start(actor=citizen, item_code="pension_transfer_in", idempotency_key=key())
    with pytest.raises(ValueError) as exc:
        hall.case_submit(actor=citizen, case_id=case.pk, confirm=True,
                         data={"sending_code": services.OTHER, "account_ref": "X"})  # fmt: skip
    assert exc.value.field == "sending_name"
    case = hall.case_submit(actor=citizen, case_id=case.pk, confirm=True,
                            data={"sending_code": PEER, "account_ref": "SH-2"})  # fmt: skip
    transfer = Transfer.objects.get()
    assert transfer.status == "applied" and transfer.hall_case_id == case.pk and transfer.account_ref == "SH-2"
    hall.case_accept(actor=staff, case_id=case.pk)
    hall.case_approve(actor=staff, case_id=case.pk)
    transfer.refresh_from_db()
    assert transfer.status == "accepted"
    assert OutboxMessage.objects.get().type == services.CONTACT_LETTER


def test_access_branches(migrant, peer, system, citizen, citizen_of, register_person, staff, far_staff):
    transfer = services.transfer_apply(actor=system, person_id=migrant.pk, sending_code=PEER)
    assert access_transfer(user=citizen, transfer_id=transfer.pk) == transfer
    assert access_transfer(user=staff, transfer_id=transfer.pk) == transfer
    assert access_transfer(user=system, transfer_id=transfer.pk) == transfer
    stranger = citizen_of(register_person("陌生人"))
    for user in (stranger, far_staff, None):
        with pytest.raises(AccessDenied):
            access_transfer(user=user, transfer_id=transfer.pk)
    with pytest.raises(AccessDenied):
        access_transfer(user=staff, transfer_id=transfer.pk + 999)


def test_citizen_api_and_page_show_steps_and_due_dates(client, migrant, peer, system, citizen):
    transfer = services.transfer_apply(actor=system, person_id=migrant.pk, sending_code=PEER)
    client.force_login(citizen)
    rows = client.get("/api/v1/me/transfers/").json()
    assert rows[0]["reference"] == transfer.reference and rows[0]["status"] == "applied"
    assert rows[0]["due_date"] == transfer.due_date.isoformat() and rows[0]["steps"][0]["status"] == "applied"
    page = client.get("/me/transfers/")
    assert page.status_code == 200
    text = page.content.decode()
    assert transfer.reference in text and "已申请" in text and transfer.due_date.strftime("%Y-%m-%d") in text


def test_staff_api_accept_reject_and_errors(client, migrant, peer, system, staff, far_staff):
    transfer = services.transfer_apply(actor=system, person_id=migrant.pk, sending_code=PEER)
    login(client, far_staff)
    assert client.post(f"/api/v1/staff/transfers/{transfer.pk}/accept").status_code == 403
    login(client, staff)
    listed = client.get("/api/v1/staff/transfers/", {"direction": "in"}).json()
    assert [t["id"] for t in listed] == [transfer.pk]
    bad = client.post(f"/api/v1/staff/transfers/{transfer.pk}/reject", data={"reason": ""}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "reason"
    ok = client.post(f"/api/v1/staff/transfers/{transfer.pk}/accept")
    assert ok.status_code == 200 and ok.json()["status"] == "accepted"
    again = client.post(f"/api/v1/staff/transfers/{transfer.pk}/accept")
    assert again.status_code == 400 and again.json()["field"] == "status"


def test_staff_api_merge_after_funds(client, migrant, peer, system, staff, send_in):
    transfer = services.transfer_accept(
        actor=system, transfer_id=services.transfer_apply(actor=system, person_id=migrant.pk, sending_code=PEER).pk
    )
    send_in(services.INFO_SHEET, sheet_for(transfer))
    login(client, staff)
    done = client.post(f"/api/v1/staff/transfers/{transfer.pk}/merge").json()
    assert done["status"] == "notified" and done["total_fen"] == 5_715_456 and len(done["steps"]) == 6


def test_staff_page_lists_overdue_and_acts(client, migrant, peer, system, staff):
    transfer = services.transfer_apply(actor=system, person_id=migrant.pk, sending_code=PEER)
    Transfer.objects.filter(pk=transfer.pk).update(due_date="2026-01-05")
    login(client, staff)
    page = client.get("/staff/transfers/")
    assert page.status_code == 200 and "已超时" in page.content.decode() and transfer.reference in page.content.decode()
    response = client.post(f"/staff/transfers/{transfer.pk}/reject", {"reason": "材料不全"})
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == "rejected" and transfer.reason == "材料不全"


def test_staff_page_refuses_citizens(client, citizen):
    client.force_login(citizen)
    assert client.get("/staff/transfers/").status_code in (302, 403)
