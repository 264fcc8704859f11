"""Second factor for staff: enrolment forced, codes checked once, ±1 step, lockout."""

import datetime as dt

import pyotp
import pytest
from django.test import Client

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules import totp as totp_rules
from shebao.accounts.rules.errors import AccountError
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.accounts.services import (
    OtpOutcome,
    user_reset_totp,
    user_totp_begin_enrolment,
    user_totp_confirm,
    user_totp_verify,
)
from shebao.kernel.models import AuditEntry
from tests.accounts.conftest import PASSWORD, actions, current_code, enrolled, wrong_code

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, 15, tzinfo=dt.UTC)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


# --- the pure rule --------------------------------------------------------------------


def test_code_accepted_one_step_either_side_only():
    step = totp_rules.time_step(T0.timestamp())
    code = pyotp.TOTP(SECRET).at(T0)
    assert totp_rules.matching_step(SECRET, code, timestamp=T0.timestamp()) == step
    assert totp_rules.matching_step(SECRET, code, timestamp=T0.timestamp() + 30) == step
    assert totp_rules.matching_step(SECRET, code, timestamp=T0.timestamp() - 30) == step
    assert totp_rules.matching_step(SECRET, code, timestamp=T0.timestamp() + 60) is None
    assert totp_rules.matching_step(SECRET, code, timestamp=T0.timestamp() - 60) is None


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", None])
def test_malformed_codes_never_match(bad):
    assert totp_rules.matching_step(SECRET, bad, timestamp=T0.timestamp()) is None


def test_code_with_spaces_is_accepted():
    code = pyotp.TOTP(SECRET).at(T0)
    assert totp_rules.matching_step(SECRET, f"{code[:3]} {code[3:]}", timestamp=T0.timestamp()) is not None
    assert totp_rules.code_at(SECRET, timestamp=T0.timestamp()) == code


# --- services ---------------------------------------------------------------------------


def test_enrolment_secret_is_stable_until_confirmed(make_staff):
    user = make_staff((Post.FRONT_DESK, "110105"))
    secret = user_totp_begin_enrolment(user=user)
    assert len(secret) == 32
    assert user_totp_begin_enrolment(user=user) == secret
    user.refresh_from_db()
    assert user.totp_secret == secret and not user.totp_confirmed
    assert not user_totp_confirm(user=user, code=wrong_code(user, at=T0), now=T0)
    assert user_totp_confirm(user=user, code=pyotp.TOTP(secret).at(T0), now=T0)
    user.refresh_from_db()
    assert user.totp_confirmed
    assert user.totp_last_step == totp_rules.time_step(T0.timestamp())
    with pytest.raises(AccountError):
        user_totp_begin_enrolment(user=user)
    with pytest.raises(AccountError):
        user_totp_confirm(user=user, code="123456", now=T0)
    assert actions(object_id=user.pk) == ["user.totp_enrolment_started", "user.totp_enrolled"]
    assert secret not in "".join(AuditEntry.objects.values_list("after", flat=True))


def test_verify_refuses_wrong_and_replayed_codes(make_staff):
    user = make_staff((Post.FRONT_DESK, "110105"), **enrolled(SECRET))
    code = pyotp.TOTP(SECRET).at(T0)
    wrong = wrong_code(user, at=T0)
    assert user_totp_verify(user=user, code=wrong, now=T0) == OtpOutcome.WRONG
    assert user_totp_verify(user=user, code=code, now=T0) == OtpOutcome.OK
    assert user_totp_verify(user=user, code=code, now=T0 + dt.timedelta(seconds=20)) == OtpOutcome.REPLAYED
    # the previous step's code is older than the one used: refused as well
    older = pyotp.TOTP(SECRET).at(T0 - dt.timedelta(seconds=30))
    assert user_totp_verify(user=user, code=older, now=T0) == OtpOutcome.REPLAYED
    later = pyotp.TOTP(SECRET).at(T0 + dt.timedelta(seconds=30))
    assert user_totp_verify(user=user, code=later, now=T0 + dt.timedelta(seconds=30)) == OtpOutcome.OK
    assert actions(object_id=user.pk) == [
        "auth.login_failed",
        "auth.otp_verified",
        "auth.login_failed",
        "auth.login_failed",
        "auth.otp_verified",
    ]


def test_success_resets_failures_and_wrong_codes_lock(make_staff, settings):
    settings.SHEBAO_LOCKOUT_THRESHOLD = 3
    user = make_staff((Post.FRONT_DESK, "110105"), failed_logins=1, **enrolled(SECRET))
    assert user_totp_verify(user=user, code=pyotp.TOTP(SECRET).at(T0), now=T0) == OtpOutcome.OK
    user.refresh_from_db()
    assert user.failed_logins == 0
    later = T0 + dt.timedelta(minutes=1)
    wrong = wrong_code(user, at=later)
    assert user_totp_verify(user=user, code=wrong, now=later) == OtpOutcome.WRONG
    assert user_totp_verify(user=user, code=wrong, now=later) == OtpOutcome.WRONG
    assert user_totp_verify(user=user, code=wrong, now=later) == OtpOutcome.LOCKED
    right = pyotp.TOTP(SECRET).at(later)
    assert user_totp_verify(user=user, code=right, now=later) == OtpOutcome.LOCKED


def test_verify_needs_an_enrolled_user(make_staff):
    with pytest.raises(AccountError):
        user_totp_verify(user=make_staff(), code="123456")


def test_reset_totp_by_admin_only_not_self_staff_only(make_staff, make_user, city_admin):
    target = make_staff((Post.REVIEWER, "110105"), **enrolled())
    with pytest.raises(AccessDenied):
        user_reset_totp(actor=make_staff((Post.ADMIN, "110106")), user_id=target.pk)
    with pytest.raises(AccountError):
        user_reset_totp(actor=city_admin, user_id=city_admin.pk)
    with pytest.raises(AccountError):
        user_reset_totp(actor=city_admin, user_id=make_user(kind=UserKind.CITIZEN).pk)
    user_reset_totp(actor=city_admin, user_id=target.pk)
    target.refresh_from_db()
    assert (target.totp_secret, target.totp_confirmed) == ("", False)
    entry = AuditEntry.objects.get(action="user.totp_reset")
    assert (entry.actor_id, entry.object_id, entry.post) == (city_admin.pk, str(target.pk), Post.ADMIN)


# --- through the pages -------------------------------------------------------------------


def password_login(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_staff_without_authenticator_is_forced_to_enrol(client, make_staff):
    user = make_staff((Post.FRONT_DESK, "110105"))
    password_login(client, user)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/otp/enrol/?next=%2F"
    assert client.get("/accounts/otp/").status_code == 302  # verify page sends to enrolment
    page = client.get("/accounts/otp/enrol/?next=/")
    body = page.content.decode()
    assert "<svg" in body and "otpauth://totp/" in body
    user.refresh_from_db()
    assert user.totp_secret[:4] in body
    response = client.post("/accounts/otp/enrol/?next=/", {"code": wrong_code(user)})
    assert response.status_code == 200
    assert "动态口令不正确" in response.content.decode()
    assert client.get("/").status_code == 302
    response = client.post("/accounts/otp/enrol/?next=/", {"code": current_code(user)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/auth/whoami").status_code == 200
    user.refresh_from_db()
    assert user.totp_confirmed


def test_staff_pages_and_api_closed_until_code_entered(client, make_staff):
    user = make_staff((Post.ADMIN, "110000"), **enrolled())
    password_login(client, user)
    for path in ["/", "/accounts/admin/users/", "/accounts/password/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/otp/?next=")
    assert client.get("/api/v1/auth/whoami").status_code == 401
    assert client.get("/accounts/otp/enrol/").status_code == 302  # already enrolled → verify
    response = client.post("/accounts/otp/?next=/accounts/admin/users/", {"code": "abc"})
    assert response.status_code == 200
    response = client.post("/accounts/otp/?next=/accounts/admin/users/", {"code": current_code(user)})
    assert response["Location"] == "/accounts/admin/users/"
    assert client.get("/accounts/admin/users/").status_code == 200
    assert client.get("/api/v1/auth/whoami").json()["posts"] == [
        {"post": "admin", "label_zh": "系统管理", "region_code": "110000"}
    ]
    assert client.get("/accounts/otp/").status_code == 302  # done: nothing more to enter


def test_replayed_code_refused_on_next_login(make_staff):
    user = make_staff((Post.FRONT_DESK, "110105"), **enrolled())
    first = Client()
    password_login(first, user)
    code = current_code(user)
    assert first.post("/accounts/otp/", {"code": code}).status_code == 302
    second = Client()
    password_login(second, user)
    response = second.post("/accounts/otp/", {"code": code})
    assert response.status_code == 200
    assert "已使用过" in response.content.decode()
    assert second.get("/").status_code == 302


def test_wrong_codes_lock_and_log_out(client, make_staff, settings):
    settings.SHEBAO_LOCKOUT_THRESHOLD = 2
    user = make_staff((Post.FRONT_DESK, "110105"), **enrolled())
    password_login(client, user)
    wrong = wrong_code(user)
    assert client.post("/accounts/otp/", {"code": wrong}).status_code == 200
    response = client.post("/accounts/otp/", {"code": wrong})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    user.refresh_from_db()
    assert user.locked_until is not None


def test_new_login_must_pass_the_code_again(client, make_staff):
    user = make_staff((Post.FRONT_DESK, "110105"), **enrolled())
    password_login(client, user)
    client.post("/accounts/otp/", {"code": current_code(user)})
    assert client.get("/").status_code == 200
    password_login(client, user)  # same browser, new login
    assert client.get("/").status_code == 302


def test_citizen_needs_no_second_factor(client, make_user):
    user = make_user(kind=UserKind.CITIZEN)
    password_login(client, user)
    assert client.get("/").status_code == 200
    assert client.get("/accounts/otp/").status_code == 302
    assert client.get("/accounts/otp/enrol/").status_code == 302
    assert client.get("/api/v1/auth/whoami").status_code == 200
    user.refresh_from_db()
    assert user.totp_secret == ""


def test_staff_with_slip_enrols_then_changes_password(client, make_staff):
    user = make_staff((Post.FRONT_DESK, "110105"), must_change_password=True)
    password_login(client, user)
    assert client.get("/").headers["Location"].startswith("/accounts/otp/enrol/")
    client.get("/accounts/otp/enrol/")
    client.post("/accounts/otp/enrol/", {"code": current_code(user)})
    assert client.get("/").headers["Location"].startswith("/accounts/password/")
