"""The hall API for citizens, agents, employers and staff: status codes and error bodies."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shebao.accounts import services as account_services
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.hall.models import Case
from shebao.kernel import signing
from shebao.register import selectors as register_selectors
from tests.hall.conftest import CHAOYANG, key, png_bytes

SUSPEND = {"insurances": ["pension"], "from_period": "2026-01", "reason": "出国定居"}


def test_citizen_suspends_and_reviewer_approves_over_the_api(
    token_client, citizen, front_desk, reviewer, zhang
):
    me = token_client(citizen)
    items = me.get("/api/v1/me/hall/catalogue?q=暂停").json()
    assert [i["code"] for i in items] == ["enrolment_suspend"]
    guide = me.get("/api/v1/me/hall/catalogue/enrolment_suspend").json()
    assert guide["legal_basis"] and any(f["name"] == "from_period" for f in guide["fields"])
    k = key()
    r = me.post("/api/v1/me/hall/cases", {"item": "enrolment_suspend", "idempotency_key": k})
    assert r.status_code == 201, r.content
    case_id = r.json()["id"]
    assert r.json()["prefill"]["name"] == "张三"
    again = me.post("/api/v1/me/hall/cases", {"item": "enrolment_suspend", "idempotency_key": k})
    assert again.json()["id"] == case_id and Case.objects.count() == 1
    r = me.post(f"/api/v1/me/hall/cases/{case_id}/submit", {"data": SUSPEND})
    assert r.status_code == 400 and r.json()["field"] == "confirm"
    r = me.post(
        f"/api/v1/me/hall/cases/{case_id}/submit", {"data": {**SUSPEND, "from_period": "x"}, "confirm": True}
    )
    assert r.status_code == 400 and r.json()["field"] == "from_period"
    r = me.post(f"/api/v1/me/hall/cases/{case_id}/submit", {"data": SUSPEND, "confirm": True})
    assert r.status_code == 200 and r.json()["status"] == "submitted" and r.json()["due_date"]
    desk = token_client(front_desk)
    assert [c["id"] for c in desk.get("/api/v1/staff/hall/queue?queue=intake").json()] == [case_id]
    r = desk.post(f"/api/v1/staff/hall/cases/{case_id}/approve", {"comment": ""})
    assert r.status_code == 403  # 窗口受理 has no 审核
    assert desk.post(f"/api/v1/staff/hall/cases/{case_id}/accept", {}).status_code == 200
    rev = token_client(reviewer)
    r = rev.post(f"/api/v1/staff/hall/cases/{case_id}/approve", {"comment": "同意"})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = rev.post(f"/api/v1/staff/hall/cases/{case_id}/approve", {"comment": "同意"})
    assert r.status_code == 400 and r.json()["field"] == "status"
    detail = me.get(f"/api/v1/me/hall/cases/{case_id}").json()
    assert [e["action"] for e in detail["timeline"]] == ["start", "submit", "accept", "approve"]
    assert register_selectors.person_current_status(person_id=zhang.pk)["pension"].status == "suspended"


def test_upload_over_api_refuses_forged_pdf(token_client, citizen):
    me = token_client(citizen)
    case_id = me.post("/api/v1/me/hall/cases", {"item": "card_replace", "idempotency_key": key()}).json()[
        "id"
    ]
    forged = SimpleUploadedFile("photo.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf")
    r = me.post(
        f"/api/v1/me/hall/cases/{case_id}/uploads", {"material_code": "photo"}, files={"file": forged}
    )
    assert r.status_code == 400 and r.json()["field"] == "file"
    good = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
    r = me.post(f"/api/v1/me/hall/cases/{case_id}/uploads", {"material_code": "photo"}, files={"file": good})
    assert r.status_code == 201 and r.json()["content_type"] == "image/png"


def test_other_citizen_and_wrong_region_get_403(token_client, citizen, li, citizen_of, make_user):
    me = token_client(citizen)
    case_id = me.post(
        "/api/v1/me/hall/cases", {"item": "enrolment_suspend", "idempotency_key": key()}
    ).json()["id"]
    other = token_client(citizen_of(li))
    assert other.get(f"/api/v1/me/hall/cases/{case_id}").status_code == 403
    me.post(f"/api/v1/me/hall/cases/{case_id}/submit", {"data": SUSPEND, "confirm": True})
    far = make_user(kind=UserKind.STAFF, posts=((Post.REVIEWER, "110101"),))
    assert token_client(far).post(f"/api/v1/staff/hall/cases/{case_id}/accept", {}).status_code == 403
    assert token_client(citizen).get("/api/v1/staff/hall/queue").status_code == 403


def test_signed_receipt_when_confirmed(token_client, citizen, settings):
    me = token_client(citizen)
    case_id = me.post(
        "/api/v1/me/hall/cases", {"item": "enrolment_suspend", "idempotency_key": key()}
    ).json()["id"]
    me.post(f"/api/v1/me/hall/cases/{case_id}/submit", {"data": SUSPEND, "confirm": True})
    r = me.get(f"/api/v1/me/hall/cases/{case_id}/receipt")
    if r.status_code == 400:
        pytest.skip("no signing key configured in this environment")
    receipt = r.json()
    assert receipt["payload"]["reference"] == Case.objects.get(pk=case_id).reference
    assert signing.receipt_verify(receipt)
    receipt["payload"]["data"]["from_period"] = "209901"
    assert not signing.receipt_verify(receipt)


def test_agent_files_only_under_a_mandate(token_client, zhang, make_user, catalogue, reviewer, system):
    agent = make_user(kind=UserKind.AGENT, region_code=CHAOYANG, full_name="社区代办员")
    api = token_client(agent)
    body = {"item": "enrolment_suspend", "idempotency_key": key(), "person_id": zhang.pk}
    assert api.post("/api/v1/me/hall/cases", body).status_code == 403
    account_services.mandate_grant(
        actor=reviewer,
        agent_id=agent.pk,
        person_id=zhang.pk,
        item_codes=["enrolment_suspend"],
        valid_until=dt.date.today() + dt.timedelta(days=30),
        evidence="授权委托书 2026-001",
    )
    r = api.post("/api/v1/me/hall/cases", body)
    assert r.status_code == 201, r.content
    assert r.json()["filed_by_agent"] is True
    case = Case.objects.get(pk=r.json()["id"])
    assert case.agent_user_id == agent.pk and case.person_id == zhang.pk
    body2 = {"item": "person_change", "idempotency_key": key(), "person_id": zhang.pk}
    assert api.post("/api/v1/me/hall/cases", body2).status_code == 403  # not covered


def test_catalogue_admin_over_api(token_client, catalogue, make_user, reviewer):
    admin = make_user(kind=UserKind.STAFF, posts=((Post.ADMIN, "110000"),))
    r = token_client(admin).patch(
        "/api/v1/staff/hall/catalogue/card_replace", {"item": {"time_limit_days": 99}}
    )
    assert r.status_code == 400 and r.json()["field"] == "time_limit_days"
    r = token_client(admin).patch(
        "/api/v1/staff/hall/catalogue/card_replace", {"guide": {"notes": "周末可办"}}
    )
    assert r.status_code == 200 and r.json()["notes"] == "周末可办"
    assert (
        token_client(reviewer)
        .patch("/api/v1/staff/hall/catalogue/card_replace", {"guide": {"notes": "x"}})
        .status_code
        == 403
    )
