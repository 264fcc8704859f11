"""委托代办 API: citizen (/me/mandates/), agent (/agent/mandates/), staff (/staff/mandates/)."""

from __future__ import annotations

import pytest

from shebao.accounts import selectors
from shebao.accounts.rules.permissions import Post


@pytest.fixture
def grandma_with_number(make_person):
    from tests.register.conftest import new_id

    number = new_id()
    return make_person(number, name="赵奶奶"), number


def test_citizen_grants_lists_and_revokes(token_client, grandma, grandma_user, agent, until):
    api = token_client(grandma_user)
    made = api.post(
        "/api/v1/me/mandates/",
        {"agent_username": agent.username, "item_codes": ["card_loss"], "valid_until": until.isoformat()},
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["agent_name"] == "王代办" and body["status"] == "valid" and body["channel"] == "online"
    assert body["person_name"] == "刘奶奶" and "*" in body["person_id_masked"]
    listed = api.get("/api/v1/me/mandates/").json()
    assert [m["id"] for m in listed] == [body["id"]]
    revoked = api.post(f"/api/v1/me/mandates/{body['id']}/revoke", {"reason": ""})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    again = api.post(f"/api/v1/me/mandates/{body['id']}/revoke", {})
    assert again.status_code == 400 and again.json()["code"] == "already_revoked"


def test_citizen_errors_name_the_field(token_client, grandma_user, agent, until):
    api = token_client(grandma_user)
    unknown = api.post("/api/v1/me/mandates/", {"agent_username": "nobody", "valid_until": until.isoformat()})
    assert unknown.status_code == 400 and unknown.json()["field"] == "agent_username"
    past = api.post("/api/v1/me/mandates/", {"agent_username": agent.username, "valid_until": "2001-01-01"})
    assert past.status_code == 400 and past.json()["field"] == "valid_until"
    assert past.json()["message_en"].startswith("valid_until")
    assert selectors.mandates_for_agent(agent.pk) == []


def test_agent_lists_and_checks(token_client, grandma, grandma_user, agent, until):
    from shebao.accounts.services import mandate_grant

    mandate_grant(
        actor=grandma_user,
        agent_id=agent.pk,
        person_id=grandma.pk,
        item_codes=["card_loss"],
        valid_until=until,
        evidence="",
    )
    api = token_client(agent)
    listed = api.get("/api/v1/agent/mandates/").json()
    assert [m["person_name"] for m in listed] == ["刘奶奶"]
    ok = api.get(f"/api/v1/agent/mandates/check?person_id={grandma.pk}&item_code=card_loss")
    assert ok.status_code == 200
    no = api.get(f"/api/v1/agent/mandates/check?person_id={grandma.pk}&item_code=card_replace")
    assert no.status_code == 403 and "card_replace" in no.json()["message"]
    assert token_client(grandma_user).get("/api/v1/agent/mandates/").status_code == 403


def test_staff_records_lists_and_revokes(token_client, staff, grandma_with_number, agent, until):
    person, number = grandma_with_number
    desk = staff(Post.FRONT_DESK, "110105")
    api = token_client(desk)
    payload = {
        "id_number": number,
        "agent_username": agent.username,
        "item_codes": None,
        "valid_until": until.isoformat(),
        "evidence": "纸质授权书 SQ-001",
    }
    made = api.post("/api/v1/staff/mandates/", payload)
    assert made.status_code == 201, made.content
    assert made.json()["channel"] == "counter" and made.json()["all_items"] is True
    listed = api.get(f"/api/v1/staff/mandates/?id_number={number}").json()
    assert [m["id"] for m in listed] == [made.json()["id"]]
    no_reason = api.post(f"/api/v1/staff/mandates/{made.json()['id']}/revoke", {"reason": ""})
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    done = api.post(f"/api/v1/staff/mandates/{made.json()['id']}/revoke", {"reason": "书面撤销"})
    assert done.status_code == 200 and done.json()["status"] == "revoked"

    far = token_client(staff(Post.FRONT_DESK, "310101"))
    refused = far.post("/api/v1/staff/mandates/", payload)
    assert refused.status_code == 403
    missing = api.post("/api/v1/staff/mandates/", {**payload, "id_number": "110105199001011234"})
    assert missing.status_code == 400 and missing.json()["field"] == "id_number"
