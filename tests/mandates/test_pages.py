"""委托代办 pages: citizen grants and revokes with one click, agent list, front desk."""

from __future__ import annotations

import pytest

from shebao.accounts import selectors
from shebao.accounts.rules.permissions import Post
from shebao.accounts.services import mandate_grant


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        session = client.session
        session["otp_ok"] = True
        session.save()
        return client

    return _login


def test_citizen_grants_sees_and_revokes_with_one_click(login, grandma, grandma_user, agent, until):
    web = login(grandma_user)
    page = web.get("/accounts/mandates/")
    assert page.status_code == 200 and "谁可以代我办理" in page.content.decode()
    bad = web.post(
        "/accounts/mandates/",
        {"agent_username": agent.username, "all_items": "on", "valid_until": "2001-01-01"},
    )
    assert bad.status_code == 400 and "有效期截止日期不能早于今天" in bad.content.decode()
    ok = web.post(
        "/accounts/mandates/",
        {
            "agent_username": agent.username,
            "item_codes": "card_loss，card_replace",
            "valid_until": until.isoformat(),
        },
    )
    assert ok.status_code == 302
    (mandate,) = selectors.mandates_for_person(grandma.pk)
    assert mandate.item_codes == ["card_loss", "card_replace"]
    listed = web.get("/accounts/mandates/").content.decode()
    assert "王代办" in listed and f'id="mandate-{mandate.pk}" data-status="valid"' in listed
    web.post(f"/accounts/mandates/{mandate.pk}/revoke/")
    assert 'data-status="revoked"' in web.get("/accounts/mandates/").content.decode()


def test_unknown_agent_is_shown_next_to_the_field(login, grandma_user, until):
    page = login(grandma_user).post(
        "/accounts/mandates/", {"agent_username": "ghost", "valid_until": until.isoformat()}
    )
    assert page.status_code == 400 and "找不到该社区代办员" in page.content.decode()


def test_agent_sees_the_persons_they_may_act_for(login, grandma, grandma_user, agent, until):
    mandate_grant(
        actor=grandma_user,
        agent_id=agent.pk,
        person_id=grandma.pk,
        item_codes=None,
        valid_until=until,
        evidence="",
    )
    body = login(agent).get("/accounts/mandates/").content.decode()
    assert "刘奶奶" in body and "全部事项" in body and grandma.id_masked in body


def test_another_citizen_cannot_revoke(login, grandma, grandma_user, agent, until, make_person, make_user):
    from shebao.accounts.rules.permissions import UserKind

    mandate = mandate_grant(
        actor=grandma_user,
        agent_id=agent.pk,
        person_id=grandma.pk,
        item_codes=None,
        valid_until=until,
        evidence="",
    )
    other = make_user(kind=UserKind.CITIZEN, person_id=make_person(name="别人").pk)
    assert login(other).post(f"/accounts/mandates/{mandate.pk}/revoke/").status_code == 403
    mandate.refresh_from_db()
    assert mandate.revoked_at is None


def test_front_desk_records_and_revokes_a_paper_mandate(login, staff, make_person, agent, until):
    from tests.register.conftest import new_id

    number = new_id()
    person = make_person(number, name="孙爷爷")
    desk = staff(Post.FRONT_DESK, "110105")
    web = login(desk)
    form = {
        "id_number": number,
        "agent_username": agent.username,
        "all_items": "on",
        "valid_until": until.isoformat(),
    }
    missing = web.post("/accounts/mandates/", form)
    assert missing.status_code == 400  # evidence is required
    assert web.post("/accounts/mandates/", {**form, "evidence": "授权书 SQ-9"}).status_code == 302
    (mandate,) = selectors.mandates_for_person(person.pk)
    assert mandate.channel == "counter" and mandate.all_items
    found = web.get(f"/accounts/mandates/?id_number={number}").content.decode()
    assert "孙爷爷" in found and f'id="mandate-{mandate.pk}" data-status="valid"' in found
    web.post(f"/accounts/mandates/{mandate.pk}/revoke/", {"reason": "委托人书面撤销"})
    mandate.refresh_from_db()
    assert mandate.revoked_by == desk and mandate.revoke_reason == "委托人书面撤销"
