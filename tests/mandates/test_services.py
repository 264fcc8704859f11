"""委托代办: granting, revoking and requiring mandates (services and selectors)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from shebao.accounts import selectors
from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.errors import AccountError
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.kernel.models import AuditEntry
from shebao.register import services as register_services
from tests.mandates.conftest import CHAOYANG, DONGCHENG

HUANGPU = "310101"


def grant(actor, agent, person, until, items=None, evidence=""):
    from shebao.accounts.services import mandate_grant

    return mandate_grant(
        actor=actor,
        agent_id=agent.pk,
        person_id=person.pk,
        item_codes=items,
        valid_until=until,
        evidence=evidence,
    )


def test_person_grants_online_and_agent_may_act(grandma, grandma_user, agent, until, system):
    mandate = grant(grandma_user, agent, grandma, until, items=["card_loss", "card_loss", "info_change"])
    assert mandate.channel == "online" and mandate.item_codes == ["card_loss", "info_change"]
    assert mandate.evidence.startswith("本人网上确认授权")
    assert selectors.mandate_require(agent=agent, person_id=grandma.pk, item_code="card_loss") == mandate
    assert selectors.mandates_for_person(grandma.pk) == [mandate]
    assert selectors.mandates_for_agent(agent.pk) == [mandate]
    entry = AuditEntry.objects.get(action="mandate.grant", object_id=str(mandate.pk))
    assert entry.actor_id == grandma_user.pk
    assert json.loads(entry.after)["items"] == ["card_loss", "info_change"]


def test_all_items_mandate_covers_any_item(grandma, grandma_user, agent, until):
    grant(grandma_user, agent, grandma, until, items=None)
    assert selectors.mandate_require(agent=agent, person_id=grandma.pk, item_code="anything")


def test_front_desk_records_a_paper_mandate(grandma, agent, desk, until):
    with pytest.raises(AccountError) as err:
        grant(desk, agent, grandma, until, evidence="  ")
    assert err.value.field == "evidence"
    mandate = grant(desk, agent, grandma, until, items=["card_loss"], evidence="纸质授权书 SQ-2025-001")
    assert mandate.channel == "counter" and mandate.recorded_by == desk
    entry = AuditEntry.objects.get(action="mandate.grant", object_id=str(mandate.pk))
    assert entry.post == "front_desk"


def test_staff_of_another_region_or_post_may_not_record(grandma, agent, staff, until):
    for actor in (
        staff(Post.FRONT_DESK, HUANGPU),
        staff(Post.AUDITOR, CHAOYANG),
        staff(Post.ADMIN, CHAOYANG),
    ):
        with pytest.raises(AccessDenied):
            grant(actor, agent, grandma, until, evidence="授权书")
    assert selectors.mandates_for_person(grandma.pk) == []


def test_only_the_person_themself_grants_online(grandma, make_person, make_user, agent, until):
    other = make_user(kind=UserKind.CITIZEN, person_id=make_person(name="别人").pk)
    with pytest.raises(AccessDenied):
        grant(other, agent, grandma, until)
    with pytest.raises(AccessDenied):
        grant(agent, agent, grandma, until)  # an agent cannot mandate themself


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("valid_until", {"until": "2000-01-01"}),
        ("valid_until", {"until": "not a date"}),
        ("valid_until", {"until": dt.date.today() + dt.timedelta(days=4 * 366)}),
        ("item_codes", {"items": []}),
        ("item_codes", {"items": ["bad code!"]}),
        ("item_codes", {"items": "card_loss"}),
        ("evidence", {"evidence": "x" * 501}),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(grandma, grandma_user, agent, until, field, kwargs):
    args = {"until": until, "items": None, "evidence": ""} | kwargs
    with pytest.raises(AccountError) as err:
        grant(grandma_user, agent, grandma, args["until"], items=args["items"], evidence=args["evidence"])
    assert err.value.field == field and err.value.message_zh and err.value.message_en
    assert selectors.mandates_for_person(grandma.pk) == []
    assert not AuditEntry.objects.filter(action="mandate.grant").exists()


def test_agent_must_be_an_active_agent_of_the_persons_region(grandma, grandma_user, make_user, until):
    citizen = make_user(kind=UserKind.CITIZEN)
    far_agent = make_user(kind=UserKind.AGENT, region_code=DONGCHENG)
    inactive = make_user(kind=UserKind.AGENT, region_code=CHAOYANG, is_active=False)
    for candidate, code in ((citizen, "not_agent"), (far_agent, "other_region"), (inactive, "not_agent")):
        with pytest.raises(AccountError) as err:
            grant(grandma_user, candidate, grandma, until)
        assert err.value.field == "agent_id" and err.value.code == code


def test_one_valid_mandate_per_agent_and_person(grandma, grandma_user, agent, until):
    first = grant(grandma_user, agent, grandma, until)
    with pytest.raises(AccountError) as err:
        grant(grandma_user, agent, grandma, until)
    assert err.value.code == "exists"
    from shebao.accounts.services import mandate_revoke

    mandate_revoke(actor=grandma_user, mandate_id=first.pk, reason="")
    assert grant(grandma_user, agent, grandma, until, items=["card_loss"]).pk != first.pk


def test_deceased_person_cannot_grant(grandma, grandma_user, agent, until, system):
    register_services.person_change(
        actor=system,
        person_id=grandma.pk,
        changes={"life_status": "deceased", "death_date": dt.date(2024, 1, 1)},
    )
    with pytest.raises(AccountError) as err:
        grant(grandma_user, agent, grandma, until)
    assert err.value.code == "deceased"


# --- mandate_require refusals -------------------------------------------------------------


def test_require_refuses_without_mandate_another_agent_and_wrong_item(
    grandma, grandma_user, agent, make_user, until
):
    with pytest.raises(AccessDenied) as none:
        selectors.mandate_require(agent=agent, person_id=grandma.pk, item_code="card_loss")
    assert "没有该参保人的委托授权" in none.value.message_zh
    grant(grandma_user, agent, grandma, until, items=["card_loss"])
    with pytest.raises(AccessDenied) as wrong_item:
        selectors.mandate_require(agent=agent, person_id=grandma.pk, item_code="card_replace")
    assert "card_replace" in wrong_item.value.message_zh and "does not cover" in wrong_item.value.message_en
    another = make_user(kind=UserKind.AGENT, region_code=CHAOYANG)
    with pytest.raises(AccessDenied):
        selectors.mandate_require(agent=another, person_id=grandma.pk, item_code="card_loss")
    citizen = grandma_user
    with pytest.raises(AccessDenied, match="only a community agent"):
        selectors.mandate_require(agent=citizen, person_id=grandma.pk, item_code="card_loss")
    agent.is_active = False
    with pytest.raises(AccessDenied):
        selectors.mandate_require(agent=agent, person_id=grandma.pk, item_code="card_loss")


def test_require_refuses_an_expired_mandate(grandma, grandma_user, agent, until, today):
    mandate = grant(grandma_user, agent, grandma, today)  # valid through today only
    assert selectors.mandate_require(agent=agent, person_id=grandma.pk, item_code="x", today=today) == mandate
    with pytest.raises(AccessDenied) as err:
        selectors.mandate_require(
            agent=agent, person_id=grandma.pk, item_code="x", today=today + dt.timedelta(days=1)
        )
    assert "已过期" in err.value.message_zh
    with pytest.raises(AccessDenied) as early:
        selectors.mandate_require(
            agent=agent, person_id=grandma.pk, item_code="x", today=today - dt.timedelta(days=1)
        )
    assert "尚未生效" in early.value.message_zh


def test_require_refuses_a_revoked_mandate_and_revoking_twice_is_refused(grandma, grandma_user, agent, until):
    from shebao.accounts.services import mandate_revoke

    mandate = grant(grandma_user, agent, grandma, until)
    revoked = mandate_revoke(actor=grandma_user, mandate_id=mandate.pk, reason="不再需要")
    assert revoked.revoked_at is not None and revoked.revoked_by == grandma_user
    assert revoked.revoke_reason == "不再需要"
    with pytest.raises(AccessDenied) as err:
        selectors.mandate_require(agent=agent, person_id=grandma.pk, item_code="x")
    assert "已被撤销" in err.value.message_zh
    with pytest.raises(AccountError) as twice:
        mandate_revoke(actor=grandma_user, mandate_id=mandate.pk)
    assert twice.value.code == "already_revoked"
    assert AuditEntry.objects.filter(action="mandate.revoke").count() == 1


def test_require_refuses_when_the_person_moved_out_of_the_agents_region(
    grandma, grandma_user, agent, until, system
):
    grant(grandma_user, agent, grandma, until)
    register_services.person_change(actor=system, person_id=grandma.pk, changes={"region_code": DONGCHENG})
    with pytest.raises(AccessDenied) as err:
        selectors.mandate_require(agent=agent, person_id=grandma.pk, item_code="x")
    assert "辖区" in err.value.message_zh


def test_who_may_revoke(grandma, grandma_user, agent, desk, staff, make_person, make_user, until):
    from shebao.accounts.services import mandate_revoke

    mandate = grant(grandma_user, agent, grandma, until)
    stranger = make_user(kind=UserKind.CITIZEN, person_id=make_person(name="别人").pk)
    for actor in (stranger, agent, staff(Post.FRONT_DESK, HUANGPU)):
        with pytest.raises(AccessDenied):
            mandate_revoke(actor=actor, mandate_id=mandate.pk, reason="x")
    with pytest.raises(AccountError) as no_reason:
        mandate_revoke(actor=desk, mandate_id=mandate.pk, reason="")
    assert no_reason.value.field == "reason"
    with pytest.raises(AccessDenied):
        mandate_revoke(actor=desk, mandate_id=987654321, reason="x")
    done = mandate_revoke(actor=desk, mandate_id=mandate.pk, reason="本人到窗口书面撤销")
    assert done.revoked_by == desk
    assert selectors.mandates_in_regions(actor=desk, person_id=grandma.pk) == [done]
    assert selectors.mandates_in_regions(actor=staff(Post.FRONT_DESK, HUANGPU)) == []
