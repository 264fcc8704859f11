"""The staff look-up writes the read log in the statement that reads the card (PostgreSQL;
``selectors.person_card_by_id_number_logged``): it must log exactly when, and with the
post with which, ``access.authorise_person`` lets the user read the person, in every
case. On SQLite it logs nothing itself and the view logs."""

from __future__ import annotations

import pytest
from django.db import connection

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import Perm, Post, UserKind
from shebao.kernel.models import DataAccess
from shebao.register import access, selectors
from shebao.register.access import SYSTEM_ACTOR
from tests.register.conftest import CHAOYANG, DONGCHENG, new_id

pytestmark = pytest.mark.django_db

HAIDIAN = "110108"
TIANJIN_HEPING = "120101"

# (grants, the post expected to be logged for a person of 朝阳区 or None; where several
# grants cover the person, either post: the first of the user's grants as the database
# lists them, which both paths read from the same ``user_grants``)
CASES = [
    ((Post.REVIEWER, CHAOYANG), "reviewer"),
    ((Post.REVIEWER, DONGCHENG), None),  # another district
    ((Post.FRONT_DESK, "110000"), "front_desk"),  # the province covers every district
    ((Post.AUDITOR, "110100"), "auditor"),  # the prefecture too
    ((Post.REVIEWER, "120000"), None),  # another province
    ((Post.FUND_ACCOUNTANT, CHAOYANG), None),  # a post without PERSON_VIEW
    ((Post.ADMIN, "110000"), None),
    ((Post.FUND_ACCOUNTANT, CHAOYANG, Post.AUDITOR, CHAOYANG), "auditor"),  # the first post that may
    (
        (Post.REVIEWER, DONGCHENG, Post.FRONT_DESK, "110000", Post.AUDITOR, CHAOYANG),
        ("front_desk", "auditor"),
    ),
    ((Post.AUDITOR, CHAOYANG, Post.REVIEWER, "110000"), ("auditor", "reviewer")),
    ((Post.REVIEWER, TIANJIN_HEPING, Post.REVIEWER, HAIDIAN), None),
    ((), None),
]


@pytest.mark.parametrize(("pairs", "expected"), CASES)
def test_the_statement_logs_exactly_what_authorise_person_grants(staff, make_person, pairs, expected):
    person = make_person(new_id(CHAOYANG), region=CHAOYANG)
    assert person.region_code == CHAOYANG
    user = staff(*pairs)
    card, logged_post = selectors.person_card_by_id_number_logged(
        id_number=person.id_number, user=user, perm=Perm.PERSON_VIEW, purpose="api lookup", channel="api"
    )
    assert card is not None and card.id == person.pk
    try:
        grant = access.authorise_person(user=user, person=card, perm=Perm.PERSON_VIEW)
        decided = str(grant.post)
    except AccessDenied:
        decided = None
    assert decided in expected if isinstance(expected, tuple) else decided == expected
    logs = list(DataAccess.objects.filter(subject_id=person.pk))
    if connection.vendor != "postgresql":
        assert logged_post is None and logs == []
        return
    assert logged_post == decided
    if decided is None:
        assert logs == []
    else:
        [log] = logs
        assert (log.actor_id, log.post, log.fields, log.purpose, log.channel) == (
            user.pk,
            decided,
            "masked",
            "api lookup",
            "api",
        )


def test_the_system_actor_is_logged_without_a_post(make_person, audit_ctx):
    person = make_person(new_id(CHAOYANG))
    card, logged_post = selectors.person_card_by_id_number_logged(
        id_number=person.id_number, user=SYSTEM_ACTOR, perm=Perm.PERSON_VIEW, purpose="batch", channel="cli"
    )
    assert card.id == person.pk
    if connection.vendor == "postgresql":
        assert logged_post == ""
        assert DataAccess.objects.get(subject_id=person.pk).post == ""


def test_a_citizen_is_not_logged_by_the_statement(make_user, make_person):
    """Citizens have no posts: the statement logs nothing (the view never lets them in:
    the look-up is for staff)."""
    person = make_person(new_id(CHAOYANG))
    citizen = make_user(kind=UserKind.CITIZEN, person_id=person.pk)
    card, logged_post = selectors.person_card_by_id_number_logged(
        id_number=person.id_number, user=citizen, perm=Perm.PERSON_VIEW, purpose="x", channel="api"
    )
    assert card.id == person.pk and logged_post is None
    assert not DataAccess.objects.exists()


def test_unknown_and_malformed_numbers_find_nothing_and_log_nothing(staff, make_person):
    user = staff(Post.REVIEWER, "110000")
    for number in (new_id(CHAOYANG), "12345", ""):
        assert selectors.person_card_by_id_number_logged(
            id_number=number, user=user, perm=Perm.PERSON_VIEW, purpose="x", channel="api"
        ) == (None, None)
    assert not DataAccess.objects.exists()
