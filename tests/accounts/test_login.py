"""Password login: argon2, login name or ID number, lockout, audit."""

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.utils import timezone

from shebao.accounts.models import User
from shebao.accounts.rules.errors import locked_message
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.accounts.services import user_link_person_login, user_login_failed
from shebao.config import settings as production_settings
from shebao.kernel.models import AuditEntry
from tests.accounts.conftest import ID_15, ID_18, PASSWORD, actions

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"


def login(user_or_name, password=PASSWORD, now=None):
    name = user_or_name if isinstance(user_or_name, str) else user_or_name.username
    return authenticate(None, username=name, password=password, now=now)


# --- hashing -------------------------------------------------------------------------


def test_production_settings_hash_with_argon2(settings):
    assert production_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS
    encoded = make_password("Correct-horse-42")
    assert encoded.startswith("argon2$")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert check_password("Correct-horse-42", encoded)
    assert not check_password("wrong", encoded)


# --- who logs in with what ----------------------------------------------------------


def test_login_by_username(make_user):
    user = make_user("zhang.san")
    assert login("zhang.san") == user
    assert login("zhang.san", "wrong") is None
    assert login(" zhang.san ") == user  # surrounding blanks are ignored


def test_unknown_login_is_refused_without_audit(make_user):
    assert login("nobody") is None
    assert login("") is None
    assert authenticate(None, username="x") is None  # no password at all
    assert AuditEntry.objects.count() == 0


FULL_WIDTH_18 = "".join(chr(ord(c) + 0xFEE0) for c in ID_18)  # as typed with a Chinese input method


@pytest.mark.parametrize(
    "typed", [ID_18, ID_15, ID_18.lower(), f" {ID_18[:6]} {ID_18[6:14]} {ID_18[14:]} ", FULL_WIDTH_18]
)
def test_citizen_logs_in_with_id_number_in_any_accepted_form(make_user, typed):
    user = make_user("citizen-1", kind=UserKind.CITIZEN)
    user_link_person_login(user=user, id_number=ID_18)
    assert login(typed) == user


def test_id_number_of_nobody_is_refused(make_user):
    make_user("citizen-1")
    assert login(ID_18) is None


def test_inactive_user_is_refused_even_with_right_password(make_user):
    user = make_user(is_active=False)
    assert login(user) is None
    assert actions(object_id=user.pk) == ["auth.login_failed"]
    user.refresh_from_db()
    assert user.failed_logins == 0


def test_login_through_the_form_by_id_number(client, make_user):
    user = make_user("citizen-9", kind=UserKind.CITIZEN, full_name="李四")
    user_link_person_login(user=user, id_number=ID_18)
    response = client.post(LOGIN_URL, {"username": ID_15, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert int(client.session["_auth_user_id"]) == user.pk


def test_wrong_password_through_the_form_says_so_in_both_languages(client, make_user):
    make_user("wang")
    response = client.post(LOGIN_URL, {"username": "wang", "password": "nope"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "登录名（或证件号码）或密码不正确" in body
    assert "Wrong login name" in body


# --- lockout --------------------------------------------------------------------------


@pytest.fixture
def lockout(settings):
    settings.SHEBAO_LOCKOUT_THRESHOLD = 3
    settings.SHEBAO_LOCKOUT_MINUTES = 15
    return settings


def test_lock_after_threshold_refuses_right_password_then_unlocks(make_user, lockout):
    user = make_user()
    t0 = timezone.now()
    for i in range(2):
        assert login(user, "wrong", now=t0) is None
        user.refresh_from_db()
        assert (user.failed_logins, user.locked_until) == (i + 1, None)
    assert login(user, "wrong", now=t0) is None
    user.refresh_from_db()
    assert user.locked_until == t0 + dt.timedelta(minutes=15)
    assert user.failed_logins == 0  # the lock starts a fresh count for after it ends

    assert login(user, PASSWORD, now=t0 + dt.timedelta(minutes=14, seconds=59)) is None
    user.refresh_from_db()
    assert user.locked_until == t0 + dt.timedelta(minutes=15)  # refusals while locked do not extend it
    assert login(user, PASSWORD, now=t0 + dt.timedelta(minutes=15, seconds=1)) == user
    user.refresh_from_db()
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_success_resets_the_count(make_user, lockout):
    user = make_user()
    login(user, "wrong")
    login(user, "wrong")
    assert login(user) == user
    user.refresh_from_db()
    assert user.failed_logins == 0
    login(user, "wrong")
    login(user, "wrong")
    user.refresh_from_db()
    assert (user.failed_logins, user.locked_until) == (2, None)


def test_staff_password_alone_does_not_reset_the_count(make_staff, lockout):
    """For staff, login completes with the TOTP code; only that resets the count."""
    user = make_staff((Post.FRONT_DESK, "110105"))
    login(user, "wrong")
    assert login(user) == user
    user.refresh_from_db()
    assert user.failed_logins == 1


def test_failures_counted_from_stale_objects_are_not_lost(make_user, lockout):
    user = make_user()
    stale_a = User.objects.get(pk=user.pk)
    stale_b = User.objects.get(pk=user.pk)
    user_login_failed(user=stale_a, reason="password")
    user_login_failed(user=stale_b, reason="password")  # a full save() would have written 1 again
    user.refresh_from_db()
    assert user.failed_logins == 2
    assert user_login_failed(user=stale_a, reason="password") is not None  # the third one locks


def test_locked_account_message_through_the_form(client, make_user, lockout):
    user = make_user("locky")
    for _ in range(2):
        client.post(LOGIN_URL, {"username": "locky", "password": "wrong"})
    response = client.post(LOGIN_URL, {"username": "locky", "password": "wrong"})
    user.refresh_from_db()
    until = timezone.localtime(user.locked_until)
    # the time alone when the lock ends today (local time), with the date when it ends after midnight
    when = until.strftime("%H:%M") if until.date() == timezone.localdate() else until.strftime("%m-%d %H:%M")
    body = response.content.decode()
    assert f"账户已锁定，请于 {when} 后再试或联系窗口" in body
    assert "account is locked" in body
    response = client.post(LOGIN_URL, {"username": "locky", "password": PASSWORD})
    assert response.status_code == 200
    assert f"请于 {when} 后再试" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_locked_message_gives_the_date_when_not_today():
    until = dt.datetime(2026, 3, 2, 8, 5)
    assert locked_message(until, today=dt.date(2026, 3, 2))[0] == "账户已锁定，请于 08:05 后再试或联系窗口。"
    assert "03-02 08:05" in locked_message(until, today=dt.date(2026, 3, 1))[1]


def test_login_events_are_audited_without_passwords(make_user, lockout):
    user = make_user()
    login(user, "Secret-typo-1")
    login(user)
    login(user, "Secret-typo-2")
    login(user, "Secret-typo-3")
    login(user, "Secret-typo-4")
    login(user)  # refused: locked
    assert actions(object_id=user.pk) == [
        "auth.login_failed",
        "auth.login",
        "auth.login_failed",
        "auth.login_failed",
        "auth.login_failed",
        "auth.locked",
        "auth.login_failed",
    ]
    entries = list(AuditEntry.objects.values_list("before", "after", "actor_id"))
    assert all(actor == user.pk for _, _, actor in entries)
    text = " ".join(b + a for b, a, _ in entries)
    assert "Secret-typo" not in text and PASSWORD not in text
    assert '"reason":"locked"' in text
