"""Complaint fixtures: handlers of each post in 朝阳区 and the city, a citizen."""

from __future__ import annotations

import pytest

from shebao.accounts.rules.permissions import Post, UserKind
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


@pytest.fixture
def reviewer(make_user, divisions):
    return make_user(kind=UserKind.STAFF, posts=((Post.REVIEWER, CHAOYANG),), full_name="王审核")


@pytest.fixture
def auditor(make_user, divisions):
    return make_user(kind=UserKind.STAFF, posts=((Post.AUDITOR, CHAOYANG),), full_name="周稽核")


@pytest.fixture
def city_auditor(make_user, divisions):
    return make_user(kind=UserKind.STAFF, posts=((Post.AUDITOR, "110000"),), full_name="吴稽核")


@pytest.fixture
def reviewer_elsewhere(make_user, divisions):
    return make_user(kind=UserKind.STAFF, posts=((Post.REVIEWER, DONGCHENG),), full_name="郑审核")


@pytest.fixture
def citizen(zhang, make_user):
    return make_user(kind=UserKind.CITIZEN, person_id=zhang.id, full_name=zhang.name)
