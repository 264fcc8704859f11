"""Appointment fixtures: a hall in 朝阳区 with two services, slots for working days, and
citizens, an agent, desk and admin staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shebao.accounts.rules.permissions import Post, UserKind
from shebao.appointments import services
from tests.pages.conftest import (  # noqa: F401 - fixtures re-exported
    CHAOYANG,
    DONGCHENG,
    divisions,
    employer,
    make_user,
    register_person,
    system,
    zhang,
    zhang_id,
)


def next_workday(after: dt.date | None = None) -> dt.date:
    from shebao.kernel.calendar import is_workday

    day = (after or timezone.localdate()) + dt.timedelta(days=1)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


@pytest.fixture
def hall(system):
    hall = services.hall_create(
        actor=system,
        code="CY01",
        name="朝阳区社保服务大厅",
        region_code=CHAOYANG,
        address="朝阳区示例路1号",
        opening_hours="工作日 9:00-12:00，13:30-17:00",
        morning_start="09:00",
        morning_end="12:00",
        afternoon_start="13:30",
        afternoon_end="17:00",
    )
    services.hall_service_add(
        actor=system, hall_id=hall.pk, item_code="card_replace", name="社保卡补换", counters="1-2号窗口",
        slot_minutes=30, capacity=2,
    )  # fmt: skip
    services.hall_service_add(
        actor=system, hall_id=hall.pk, item_code="pension_claim", name="退休待遇申领", capacity=3
    )
    return hall


@pytest.fixture
def day():
    return next_workday()


@pytest.fixture
def slots(system, hall, day):
    services.slot_generate(actor=system, hall_id=hall.pk, first_day=day, last_day=day)
    return hall


@pytest.fixture
def citizen_of(make_user):
    def _make(person):
        return make_user(kind=UserKind.CITIZEN, person_id=person.id, full_name=person.name)

    return _make


@pytest.fixture
def citizen(zhang, citizen_of):
    return citizen_of(zhang)


@pytest.fixture
def desk(make_user, divisions):
    return make_user(kind=UserKind.STAFF, posts=((Post.FRONT_DESK, CHAOYANG),), full_name="赵窗口")


@pytest.fixture
def desk_elsewhere(make_user, divisions):
    return make_user(kind=UserKind.STAFF, posts=((Post.FRONT_DESK, DONGCHENG),), full_name="钱窗口")


@pytest.fixture
def hall_admin(make_user, divisions):
    return make_user(kind=UserKind.STAFF, posts=((Post.ADMIN, "110000"),), full_name="孙管理")


@pytest.fixture
def agent(make_user, divisions):
    return make_user(kind=UserKind.AGENT, region_code=CHAOYANG, full_name="社区代办员")


@pytest.fixture
def flushable_audit(transactional_db):
    """After a transactional test on SQLite, empty the append-only audit table so the
    flush can run (PostgreSQL's TRUNCATE guard lets the test flush through)."""
    yield
    from tests.browser.conftest import empty_audit_table_on_sqlite

    empty_audit_table_on_sqlite()


@pytest.fixture
def mandate(citizen, agent):
    """张三 authorises the agent (online consent) for the given items (None: all)."""
    from shebao.accounts import services as accounts

    def _grant(item_codes=None):
        return accounts.mandate_grant(
            actor=citizen, agent_id=agent.pk, person_id=citizen.person_id, item_codes=item_codes,
            valid_until=timezone.localdate() + dt.timedelta(days=90), evidence="",
        )  # fmt: skip

    return _grant
