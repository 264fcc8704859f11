"""社保卡挂失 / 解挂 / 补换: state transitions, who may act, history in the audit trail."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.db import close_old_connections, connection

from shebao.accounts import services as account_services
from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.register import selectors, services
from shebao.register.errors import RegisterError
from shebao.register.models import Person
from tests.register.conftest import CHAOYANG, DONGCHENG, HUANGPU

CARD = "A12345678"


@pytest.fixture
def holder(make_person, system):
    person = make_person(name="王卡")
    services.person_change(
        actor=system, person_id=person.pk, changes={"card_number": CARD, "card_status": "normal"}
    )
    return Person.objects.get(pk=person.pk)


@pytest.fixture
def citizen(make_user, holder):
    return make_user(kind=UserKind.CITIZEN, person_id=holder.pk)


def _status(person) -> tuple[str, str]:
    row = Person.objects.get(pk=person.pk)
    return row.card_status, row.card_number


def test_loss_cancel_replace_cycle_by_the_person(holder, citizen):
    services.card_report_lost(actor=citizen, person_id=holder.pk, reason="公交车上遗失")
    assert _status(holder) == ("lost", CARD)
    services.card_cancel_loss(actor=citizen, person_id=holder.pk)
    assert _status(holder) == ("normal", CARD)
    services.card_report_lost(actor=citizen, person_id=holder.pk)
    services.card_replace_request(actor=citizen, person_id=holder.pk, reason="遗失补办")
    assert _status(holder) == ("replacing", "")  # the old number is void
    history = selectors.card_history(person_id=holder.pk)
    assert [e.action for e in history] == [
        "card.replace_request",
        "card.report_lost",
        "card.cancel_loss",
        "card.report_lost",
    ]
    request = history[0]
    assert json.loads(request.before) == {"card_status": "lost", "card_number": CARD}
    after = json.loads(request.after)
    assert after["voided_card_number"] == CARD and after["card_status"] == "replacing"
    assert json.loads(history[-1].after)["reason"] == "公交车上遗失"
    assert all(e.actor_id == citizen.pk for e in history)


def test_replacement_completed_by_front_desk_with_a_new_number(holder, staff, citizen):
    desk = staff(Post.FRONT_DESK, CHAOYANG)
    services.card_replace_request(actor=citizen, person_id=holder.pk, reason="卡片损坏")  # NORMAL → REPLACING
    with pytest.raises(RegisterError) as bad:
        services.card_replace_complete(actor=desk, person_id=holder.pk, new_card_number="short")
    assert bad.value.field == "new_card_number"
    with pytest.raises(RegisterError) as reused:
        services.card_replace_complete(actor=desk, person_id=holder.pk, new_card_number=CARD)
    assert reused.value.field == "new_card_number" and "作废" in reused.value.message_zh
    services.card_replace_complete(actor=desk, person_id=holder.pk, new_card_number="b98765432")
    assert _status(holder) == ("normal", "B98765432")
    last = selectors.card_history(person_id=holder.pk)[0]
    assert last.action == "card.replace_complete" and last.post == "front_desk"
    assert json.loads(last.before) == {"card_status": "replacing", "card_number": ""}


def test_a_number_held_by_another_person_is_refused(holder, make_person, system):
    other = make_person(name="李四")
    services.person_change(
        actor=system, person_id=other.pk, changes={"card_number": "C00000001", "card_status": "normal"}
    )
    services.card_replace_request(actor=system, person_id=holder.pk, reason="损坏")
    with pytest.raises(RegisterError, match="another person"):
        services.card_replace_complete(actor=system, person_id=holder.pk, new_card_number="C00000001")
    assert _status(holder) == ("replacing", "")


@pytest.mark.parametrize(
    ("start", "call", "kwargs"),
    [
        ("lost", services.card_report_lost, {}),
        ("replacing", services.card_report_lost, {}),
        ("normal", services.card_cancel_loss, {}),
        ("replacing", services.card_cancel_loss, {}),
        ("replacing", services.card_replace_request, {"reason": "x"}),
        ("none", services.card_replace_request, {"reason": "x"}),
        ("cancelled", services.card_replace_request, {"reason": "x"}),
        ("normal", services.card_replace_complete, {"new_card_number": "D11111111"}),
        ("lost", services.card_replace_complete, {"new_card_number": "D11111111"}),
    ],
)
def test_wrong_source_state_is_refused_and_nothing_changes(holder, system, start, call, kwargs):
    Person.objects.filter(pk=holder.pk).update(card_status=start)
    before = len(selectors.card_history(person_id=holder.pk))
    with pytest.raises(RegisterError) as err:
        call(actor=system, person_id=holder.pk, **kwargs)
    assert err.value.field == "card_status"
    assert "社保卡当前状态" in err.value.message_zh and "the card is" in err.value.message_en
    assert Person.objects.get(pk=holder.pk).card_status == start
    assert len(selectors.card_history(person_id=holder.pk)) == before


def test_reason_is_required_for_a_replacement(holder, citizen):
    with pytest.raises(RegisterError) as err:
        services.card_replace_request(actor=citizen, person_id=holder.pk, reason="  ")
    assert err.value.field == "reason"
    assert _status(holder) == ("normal", CARD)


def test_deceased_persons_are_refused(holder, system, citizen):
    services.person_change(
        actor=system,
        person_id=holder.pk,
        changes={"life_status": "deceased", "death_date": dt.date(2024, 5, 1)},
    )
    with pytest.raises(RegisterError, match="deceased"):
        services.card_report_lost(actor=system, person_id=holder.pk)
    assert _status(holder) == ("normal", CARD)


def test_who_may_act(holder, make_user, make_person, staff, citizen):
    stranger = make_user(kind=UserKind.CITIZEN, person_id=make_person(name="路人").pk)
    employer_user = make_user(kind=UserKind.EMPLOYER)
    elsewhere = staff(Post.FRONT_DESK, HUANGPU)
    auditor = staff(Post.AUDITOR, CHAOYANG)  # may view, not write
    for actor in (stranger, employer_user, elsewhere, auditor):
        with pytest.raises(AccessDenied):
            services.card_report_lost(actor=actor, person_id=holder.pk)
    citizen.is_active = False
    with pytest.raises(AccessDenied):
        services.card_report_lost(actor=citizen, person_id=holder.pk)
    with pytest.raises(AccessDenied):
        services.card_report_lost(actor=staff(Post.FRONT_DESK, CHAOYANG), person_id=999999999)
    assert _status(holder) == ("normal", CARD)
    services.card_report_lost(actor=staff(Post.FRONT_DESK, CHAOYANG), person_id=holder.pk)
    assert _status(holder) == ("lost", CARD)


def test_an_agent_needs_a_mandate_for_the_card_item(holder, make_user, citizen):
    agent = make_user(kind=UserKind.AGENT, region_code=CHAOYANG)
    with pytest.raises(AccessDenied, match="no mandate"):
        services.card_report_lost(actor=agent, person_id=holder.pk)
    until = dt.date.today() + dt.timedelta(days=30)
    account_services.mandate_grant(
        actor=citizen,
        agent_id=agent.pk,
        person_id=holder.pk,
        item_codes=[services.CARD_ITEM_REPORT_LOST],
        valid_until=until,
        evidence="",
    )
    services.card_report_lost(actor=agent, person_id=holder.pk)
    assert _status(holder) == ("lost", CARD)
    with pytest.raises(AccessDenied, match="does not cover"):
        services.card_replace_request(actor=agent, person_id=holder.pk, reason="遗失")
    with pytest.raises(AccessDenied, match="does not cover"):
        services.card_cancel_loss(actor=agent, person_id=holder.pk)
    other_agent = make_user(kind=UserKind.AGENT, region_code=DONGCHENG)
    with pytest.raises(AccessDenied):
        services.card_cancel_loss(actor=other_agent, person_id=holder.pk)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need PostgreSQL (SQLite tests run in memory)",
)
@pytest.mark.django_db(transaction=True)
def test_two_loss_reports_at_once_make_one_transition(divisions, make_person):
    from shebao.register.access import SYSTEM_ACTOR

    person = make_person(name="并发")
    services.person_change(
        actor=SYSTEM_ACTOR, person_id=person.pk, changes={"card_number": CARD, "card_status": "normal"}
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def report() -> None:
        try:
            barrier.wait()
            services.card_report_lost(actor=SYSTEM_ACTOR, person_id=person.pk)
            outcomes.append("ok")
        except RegisterError:
            outcomes.append("refused")
        finally:
            close_old_connections()

    report_threads = [threading.Thread(target=report) for _ in range(2)]
    for t in report_threads:
        t.start()
    for t in report_threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert Person.objects.get(pk=person.pk).card_status == "lost"
    assert len(selectors.card_history(person_id=person.pk)) == 1
