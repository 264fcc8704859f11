"""Small factories for accounts tests: users of each kind, staff with posts, and
clients that have finished logging in."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.accounts.models import StaffPost, User
from shebao.accounts.rules import totp as totp_rules
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.kernel.rules.identifiers import make_person_id

PASSWORD = "Correct-horse-42"
# 110105 19700101 123 → a valid 18-digit number whose legacy form is 110105700101123.
ID_18 = make_person_id("110105", dt.date(1970, 1, 1), 123)
ID_15 = "110105700101123"


@pytest.fixture
def make_user(db):
    counter = {"n": 0}

    def _make(
        username: str | None = None,
        *,
        kind: UserKind = UserKind.CITIZEN,
        posts: tuple[tuple[Post, str], ...] = (),
        password: str = PASSWORD,
        **fields,
    ) -> User:
        counter["n"] += 1
        user = User.objects.create_user(
            username=username or f"user{counter['n']}", password=password, kind=kind, **fields
        )
        for post, region in posts:
            StaffPost.objects.create(user=user, post=post, region_code=region)
        return user

    return _make


@pytest.fixture
def make_staff(make_user):
    def _make(*posts: tuple[Post, str], username: str | None = None, **fields) -> User:
        return make_user(username, kind=UserKind.STAFF, posts=posts, **fields)

    return _make


@pytest.fixture
def city_admin(make_staff):
    """系统管理 for the whole city (110000), authenticator enrolled."""
    return make_staff((Post.ADMIN, "110000"), username="cityadmin", full_name="管理员", **enrolled())


@pytest.fixture
def login_client(client):
    """``login_client(user)``: a test client whose session has finished logging in
    (second factor passed for staff)."""

    def _login(user: User):
        client.force_login(user)
        session = client.session
        session["otp_ok"] = True
        session.save()
        return client

    return _login


def enrolled(secret: str | None = None) -> dict:
    """Fields of a staff user whose authenticator is confirmed."""
    return {"totp_secret": secret or totp_rules.new_secret(), "totp_confirmed": True}


def current_code(user: User, *, at: dt.datetime | None = None) -> str:
    user.refresh_from_db()
    when = at or dt.datetime.now(dt.UTC)
    return totp_rules.code_at(user.totp_secret, timestamp=when.timestamp())


def actions(*, object_id=None) -> list[str]:
    from shebao.kernel.models import AuditEntry

    qs = AuditEntry.objects.order_by("seq")
    if object_id is not None:
        qs = qs.filter(object_id=str(object_id))
    return list(qs.values_list("action", flat=True))


def wrong_code(user: User, *, at: dt.datetime | None = None) -> str:
    """A well-formed code that matches none of the accepted time steps."""
    user.refresh_from_db()
    when = (at or dt.datetime.now(dt.UTC)).timestamp()
    accepted = {totp_rules.code_at(user.totp_secret, timestamp=when + d) for d in (-60, -30, 0, 30, 60)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c not in accepted)
