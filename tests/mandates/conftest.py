"""Fixtures for 委托代办 tests: the register's factories plus a person with an account,
community agents and front-desk staff."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.accounts.rules.permissions import Post, UserKind
from tests.register.conftest import (  # noqa: F401 - fixtures re-used here
    CHAOYANG,
    DONGCHENG,
    divisions,
    make_person,
    make_user,
    staff,
    system,
    token_client,
)


@pytest.fixture
def today():
    from django.utils import timezone

    return timezone.localdate()


@pytest.fixture
def until(today):
    return today + dt.timedelta(days=90)


@pytest.fixture
def grandma(make_person):
    return make_person(name="刘奶奶", region=CHAOYANG)


@pytest.fixture
def grandma_user(make_user, grandma):
    return make_user(kind=UserKind.CITIZEN, person_id=grandma.pk, full_name="刘奶奶")


@pytest.fixture
def agent(make_user):
    return make_user(kind=UserKind.AGENT, region_code=CHAOYANG, full_name="王代办")


@pytest.fixture
def desk(staff):
    return staff(Post.FRONT_DESK, CHAOYANG)
