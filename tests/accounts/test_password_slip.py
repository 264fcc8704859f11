"""密码条: one-time passwords issued by staff, and the forced change at first login."""

import re

import pytest
from django.test import Client

from shebao.accounts.access import AccessDenied
from shebao.accounts.models import User
from shebao.accounts.rules.credentials import SLIP_ALPHABET, SLIP_LENGTH, new_slip_password
from shebao.accounts.rules.errors import AccountError
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.accounts.services import (
    citizen_account_create,
    user_change_password,
    user_issue_password_slip,
)
from shebao.kernel.models import AuditEntry
from tests.accounts.conftest import ID_18, PASSWORD, actions

pytestmark = pytest.mark.django_db


def test_slip_passwords_are_long_unambiguous_and_random():
    seen = {new_slip_password() for _ in range(200)}
    assert len(seen) == 200
    for value in seen:
        assert len(value) == SLIP_LENGTH
        assert set(value) <= set(SLIP_ALPHABET)
        assert any(c.isdigit() for c in value) and any(c.isupper() for c in value)
    assert not set("0O1lIS5") & set(SLIP_ALPHABET)


def test_issue_slip_sets_one_time_password_unlocks_and_audits(make_user, make_staff, city_admin):
    target = make_staff((Post.REVIEWER, "110105"), failed_logins=3)
    User.objects.filter(pk=target.pk).update(locked_until="2999-01-01T00:00:00Z")
    password = user_issue_password_slip(actor=city_admin, user_id=target.pk)
    target.refresh_from_db()
    assert target.check_password(password)
    assert not target.check_password(PASSWORD)
    assert target.must_change_password
    assert (target.failed_logins, target.locked_until) == (0, None)
    entry = AuditEntry.objects.get(action="user.password_slip_issued")
    assert entry.actor_id == city_admin.pk
    assert entry.post == Post.ADMIN
    assert password not in entry.before + entry.after
    assert '"must_change_password":true' in entry.after


def test_front_desk_issues_slips_to_citizens_of_its_region_only(make_user, make_staff):
    citizen = make_user(kind=UserKind.CITIZEN, region_code="110105")
    staff = make_staff((Post.AUDITOR, "110105"))
    desk = make_staff((Post.FRONT_DESK, "110105"))
    far_desk = make_staff((Post.FRONT_DESK, "110106"))
    assert user_issue_password_slip(actor=desk, user_id=citizen.pk)
    with pytest.raises(AccessDenied):
        user_issue_password_slip(actor=far_desk, user_id=citizen.pk)
    with pytest.raises(AccessDenied):
        user_issue_password_slip(actor=desk, user_id=staff.pk)  # staff accounts: 系统管理 only


def test_no_slip_for_missing_or_deactivated_accounts(make_user, city_admin):
    with pytest.raises(AccountError) as missing:
        user_issue_password_slip(actor=city_admin, user_id=999999)
    assert missing.value.field == "user_id"
    gone = make_user(is_active=False)
    with pytest.raises(AccountError) as inactive:
        user_issue_password_slip(actor=city_admin, user_id=gone.pk)
    assert inactive.value.code == "inactive"


def test_change_password_clears_flag_validates_and_audits(make_user):
    user = make_user(must_change_password=True)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        user_change_password(user=user, new_password="short")
    with pytest.raises(ValidationError):
        user_change_password(user=user, new_password="1234567890123")  # numeric only
    with pytest.raises(ValidationError) as same:
        user_change_password(user=user, new_password=PASSWORD)  # the one-time password again
    assert "初始密码" in str(same.value)
    user.refresh_from_db()
    assert user.must_change_password
    user_change_password(user=user, new_password="Quiet-river-8172")
    user.refresh_from_db()
    assert not user.must_change_password
    assert user.check_password("Quiet-river-8172")
    assert actions(object_id=user.pk) == ["user.password_changed"]
    assert "Quiet-river" not in AuditEntry.objects.get().after


def _password_on_slip(response) -> str:
    match = re.search(r'class="pw">([^<]+)</dd>', response.content.decode())
    assert match, "slip shows the password"
    return match.group(1).replace(" ", "")


def test_slip_flow_end_to_end(login_client, city_admin):
    # The front desk opens a citizen account (region given) and prints the slip.
    user, first = citizen_account_create(
        actor=city_admin, person_id=42, id_number=ID_18, full_name="王五", region_code="110105"
    )
    # Forgotten at once: a new slip is printed through the admin page.
    admin = login_client(city_admin)
    response = admin.post(f"/accounts/admin/users/{user.pk}/slip/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "初始密码条" in body and "王五" in body and "身份证件号码" in body
    slip = _password_on_slip(response)
    assert slip != first

    citizen = Client()
    assert citizen.post("/accounts/login/", {"username": ID_18, "password": first}).status_code == 200
    response = citizen.post("/accounts/login/", {"username": ID_18, "password": slip})
    assert response.status_code == 302
    # Every page now leads to the change-password page …
    response = citizen.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/?next=%2F"
    page = citizen.get(response["Location"])
    assert "old_password" not in page.content.decode()  # the slip was just typed
    # … the API refuses the session too …
    assert citizen.get("/api/v1/auth/whoami").status_code == 401
    # … a weak or mismatched password is refused …
    response = citizen.post(
        "/accounts/password/?next=/",
        {"new_password1": "Quiet-river-8172", "new_password2": "Quiet-river-8173"},
    )
    assert response.status_code == 200
    assert "两次输入的新密码不一致" in response.content.decode()
    response = citizen.post("/accounts/password/", {"new_password1": slip, "new_password2": slip})
    assert "新密码不能与初始密码相同" in response.content.decode()
    # … until a good one is chosen; the session stays logged in.
    response = citizen.post(
        "/accounts/password/?next=/",
        {"new_password1": "Quiet-river-8172", "new_password2": "Quiet-river-8172"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert citizen.get("/").status_code == 200
    assert citizen.get("/api/v1/auth/whoami").json()["kind"] == "citizen"
    user.refresh_from_db()
    assert not user.must_change_password
    assert actions(object_id=user.pk) == [
        "user.citizen_created",
        "user.password_slip_issued",
        "auth.login_failed",
        "auth.login",
        "user.password_changed",
    ]


def test_voluntary_change_needs_the_current_password(login_client, make_user):
    user = make_user()
    client = login_client(user)
    assert client.get("/").status_code == 200  # nothing forced
    response = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "Quiet-river-8172", "new_password2": "Quiet-river-8172"},
    )
    assert "当前密码不正确" in response.content.decode()
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Quiet-river-8172", "new_password2": "Quiet-river-8172"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Quiet-river-8172")


def test_forced_change_lets_logout_and_language_through(login_client, make_user):
    client = login_client(make_user(must_change_password=True))
    assert client.get("/healthz").status_code == 200
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_next_parameter_cannot_leave_the_site(login_client, make_user):
    client = login_client(make_user(must_change_password=True))
    response = client.post(
        "/accounts/password/?next=https://evil.example/",
        {"new_password1": "Quiet-river-8172", "new_password2": "Quiet-river-8172"},
    )
    assert response["Location"] == "/"
