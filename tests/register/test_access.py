"""Access functions: every branch of access_person / access_employer."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import Perm, Post, UserKind
from shebao.register import services
from shebao.register.access import SYSTEM_ACTOR, access_employer, access_person, access_person_facts
from tests.register.conftest import CHAOYANG, DONGCHENG, HUANGPU

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user, staff, make_person, employer, other_employer, system):
    """Two persons in 朝阳 (one employed at ``employer``, one formerly), one in 东城."""
    current, former, stranger = (
        make_person(name="现职"),
        make_person(name="前职"),
        make_person(name="路人", region=DONGCHENG),
    )
    services.employment_hire(
        actor=system, employer_id=employer.pk, person_id=current.pk, start_date="2024-01-01"
    )
    past = services.employment_hire(
        actor=system, employer_id=employer.pk, person_id=former.pk, start_date="2023-01-01"
    )
    services.employment_separate(actor=system, employment_id=past.pk, end_date="2023-12-31", reason="辞职")
    return {
        "current": current,
        "former": former,
        "stranger": stranger,
        "employer": employer,
        "other_employer": other_employer,
        "citizen": make_user(kind=UserKind.CITIZEN, person_id=current.pk),
        "unlinked_citizen": make_user(kind=UserKind.CITIZEN),
        "operator": make_user(kind=UserKind.EMPLOYER, employer_id=employer.pk),
        "other_operator": make_user(kind=UserKind.EMPLOYER, employer_id=other_employer.pk),
        "chaoyang": staff(Post.FRONT_DESK, CHAOYANG),
        "beijing": staff(Post.AUDITOR, "110000"),
        "fund": staff(Post.FUND_ACCOUNTANT, "110000"),
        "inactive": make_user(kind=UserKind.STAFF, is_active=False, posts=((Post.REVIEWER, CHAOYANG),)),
        "agent": make_user(kind=UserKind.AGENT, region_code=CHAOYANG),
        "partner": make_user(kind=UserKind.PARTNER),
    }


PERSON_CASES = [
    # (user, person, perm, allowed)
    ("citizen", "current", Perm.PERSON_VIEW, True),
    ("citizen", "former", Perm.PERSON_VIEW, False),
    ("citizen", "current", Perm.PERSON_WRITE, False),
    ("unlinked_citizen", "current", Perm.PERSON_VIEW, False),
    ("operator", "current", Perm.PERSON_VIEW, True),
    ("operator", "former", Perm.PERSON_VIEW, True),  # past employment at their employer
    ("operator", "stranger", Perm.PERSON_VIEW, False),
    ("operator", "current", Perm.PERSON_REVEAL, False),
    ("other_operator", "current", Perm.PERSON_VIEW, False),
    ("chaoyang", "current", Perm.PERSON_VIEW, True),
    ("chaoyang", "current", Perm.PERSON_WRITE, True),
    ("chaoyang", "current", Perm.PERSON_REVEAL, False),  # front desk cannot reveal
    ("chaoyang", "stranger", Perm.PERSON_VIEW, False),  # other district
    ("beijing", "stranger", Perm.PERSON_VIEW, True),  # city-wide scope
    ("beijing", "stranger", Perm.PERSON_REVEAL, True),
    ("beijing", "stranger", Perm.PERSON_WRITE, False),
    ("fund", "current", Perm.PERSON_VIEW, False),
    ("inactive", "current", Perm.PERSON_VIEW, False),
    ("agent", "current", Perm.PERSON_VIEW, False),
    ("partner", "current", Perm.PERSON_VIEW, False),
]


@pytest.mark.parametrize(("who", "whom", "perm", "allowed"), PERSON_CASES)
def test_access_person(world, who, whom, perm, allowed):
    user, person = world[who], world[whom]
    if allowed:
        assert access_person(user=user, person_id=person.pk, perm=perm) == person
    else:
        with pytest.raises(AccessDenied) as info:
            access_person(user=user, person_id=person.pk, perm=perm)
        assert info.value.message_zh and info.value.message_en


@pytest.mark.parametrize(("who", "whom", "perm", "allowed"), PERSON_CASES)
def test_access_person_facts_decides_as_access_person(world, who, whom, perm, allowed):
    user, person = world[who], world[whom]
    if allowed:
        facts = access_person_facts(user=user, person_id=person.pk, perm=perm)
        assert (facts.pk, facts.region_code, facts.sex, facts.birth_date, facts.is_deceased) == (
            person.pk, person.region_code, person.sex, person.birth_date, person.is_deceased,
        )  # fmt: skip
    else:
        with pytest.raises(AccessDenied):
            access_person_facts(user=user, person_id=person.pk, perm=perm)


def test_missing_person_facts_refused_like_a_forbidden_one(world):
    for person_id in (987654321, "not-a-number", None):
        with pytest.raises(AccessDenied):
            access_person_facts(user=world["beijing"], person_id=person_id)


def test_missing_person_refused_like_a_forbidden_one(world):
    with pytest.raises(AccessDenied) as missing:
        access_person(user=world["beijing"], person_id=987654321)
    with pytest.raises(AccessDenied) as forbidden:
        access_person(user=world["chaoyang"], person_id=world["stranger"].pk)
    assert missing.value.message_zh == forbidden.value.message_zh
    with pytest.raises(AccessDenied):
        access_person(user=world["beijing"], person_id="not-a-number")


def test_anonymous_and_system(world):
    with pytest.raises(AccessDenied):
        access_person(user=AnonymousUser(), person_id=world["current"].pk)
    with pytest.raises(AccessDenied):
        access_person(user=None, person_id=world["current"].pk)
    assert access_person(user=SYSTEM_ACTOR, person_id=world["stranger"].pk) == world["stranger"]


EMPLOYER_CASES = [
    ("operator", "employer", Perm.EMPLOYER_VIEW, True),
    ("operator", "employer", Perm.EMPLOYER_WRITE, False),
    ("operator", "other_employer", Perm.EMPLOYER_VIEW, False),
    ("chaoyang", "employer", Perm.EMPLOYER_VIEW, True),
    ("chaoyang", "employer", Perm.EMPLOYER_WRITE, True),
    ("chaoyang", "other_employer", Perm.EMPLOYER_VIEW, False),  # Shanghai
    ("fund", "employer", Perm.EMPLOYER_VIEW, True),
    ("fund", "employer", Perm.EMPLOYER_WRITE, False),
    ("beijing", "other_employer", Perm.EMPLOYER_VIEW, False),
    ("citizen", "employer", Perm.EMPLOYER_VIEW, False),
    ("inactive", "employer", Perm.EMPLOYER_VIEW, False),
    ("agent", "employer", Perm.EMPLOYER_VIEW, False),
    ("partner", "employer", Perm.EMPLOYER_VIEW, False),
]


@pytest.mark.parametrize(("who", "which", "perm", "allowed"), EMPLOYER_CASES)
def test_access_employer(world, who, which, perm, allowed):
    user, employer = world[who], world[which]
    if allowed:
        assert access_employer(user=user, employer_id=employer.pk, perm=perm) == employer
    else:
        with pytest.raises(AccessDenied):
            access_employer(user=user, employer_id=employer.pk, perm=perm)


def test_missing_employer_refused(world, staff):
    with pytest.raises(AccessDenied):
        access_employer(user=staff(Post.REVIEWER, "310000"), employer_id=987654321)
    assert (
        access_employer(
            user=staff(Post.REVIEWER, "310000"), employer_id=world["other_employer"].pk
        ).region_code
        == HUANGPU
    )
