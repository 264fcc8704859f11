"""Bearer tokens and sessions on a protected ninja endpoint (GET /api/v1/auth/whoami)."""

import datetime as dt

import pytest
from django.utils import timezone

from shebao.accounts.access import AccessDenied
from shebao.accounts.api_auth import hash_token
from shebao.accounts.models import ApiToken
from shebao.accounts.rules.errors import AccountError
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.accounts.services import api_token_create, api_token_revoke, user_deactivate
from shebao.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

WHOAMI = "/api/v1/auth/whoami"


def bearer(client, token):
    return client.get(WHOAMI, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def partner(make_user):
    return make_user("partner.data", kind=UserKind.PARTNER, department="市医保局", full_name="接口")


def test_valid_token_identifies_the_user(client, partner, city_admin):
    raw = api_token_create(actor=city_admin, user_id=partner.pk, name="医保对接")
    response = bearer(client, raw)
    assert response.status_code == 200
    assert response.json() == {
        "id": partner.pk,
        "username": "partner.data",
        "kind": "partner",
        "full_name": "接口",
        "posts": [],
    }


def test_only_the_hash_is_stored_and_audit_holds_no_secret(partner, city_admin):
    raw = api_token_create(actor=city_admin, user_id=partner.pk, name="医保对接", days=30)
    token = ApiToken.objects.get()
    assert raw.startswith("sbt_") and len(raw) > 40
    assert token.key_hash == hash_token(raw) and raw not in token.key_hash
    assert token.prefix == raw[:12]
    assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(minutes=1)
    entry = AuditEntry.objects.get(action="api_token.created")
    assert raw not in entry.after and raw[12:] not in entry.after
    assert entry.actor_id == city_admin.pk


def test_revoked_token_is_refused(client, partner, city_admin):
    raw = api_token_create(actor=city_admin, user_id=partner.pk, name="x")
    token = ApiToken.objects.get()
    api_token_revoke(actor=city_admin, token_id=token.pk)
    api_token_revoke(actor=city_admin, token_id=token.pk)  # twice: no-op
    assert bearer(client, raw).status_code == 401
    assert list(
        AuditEntry.objects.filter(action="api_token.revoked").values_list("object_id", flat=True)
    ) == [str(token.pk)]


def test_expired_token_is_refused(client, partner, city_admin):
    raw = api_token_create(
        actor=city_admin, user_id=partner.pk, name="x", days=1, now=timezone.now() - dt.timedelta(days=2)
    )
    assert bearer(client, raw).status_code == 401


@pytest.mark.parametrize(
    "header", ["Bearer sbt_unknown", "Bearer " + "a" * 201, "Bearer ", "Basic abc", None]
)
def test_unknown_or_missing_token_is_refused(client, header):
    headers = {"Authorization": header} if header else {}
    assert client.get(WHOAMI, headers=headers).status_code == 401


def test_token_of_deactivated_user_is_refused(client, partner, city_admin):
    raw = api_token_create(actor=city_admin, user_id=partner.pk, name="x")
    user_deactivate(actor=city_admin, user_id=partner.pk)
    assert bearer(client, raw).status_code == 401


def test_token_creation_checks(partner, make_staff, make_user, city_admin):
    with pytest.raises(AccessDenied):
        api_token_create(actor=make_staff((Post.ADMIN, "110105")), user_id=partner.pk, name="x")
    citizen = make_user(kind=UserKind.CITIZEN, region_code="110105")
    with pytest.raises(AccessDenied):  # a front desk serves citizens but issues no tokens
        api_token_create(actor=make_staff((Post.FRONT_DESK, "110105")), user_id=citizen.pk, name="x")
    for bad in [{"name": " "}, {"days": 0}, {"days": 367}]:
        with pytest.raises(AccountError):
            api_token_create(actor=city_admin, user_id=partner.pk, **{"name": "x", **bad})
    with pytest.raises(AccountError):
        api_token_create(actor=city_admin, user_id=make_user(is_active=False).pk, name="x")
    assert not ApiToken.objects.exists()


def test_owner_may_revoke_own_token_others_may_not(partner, make_staff, city_admin):
    api_token_create(actor=city_admin, user_id=partner.pk, name="x")
    token = ApiToken.objects.get()
    with pytest.raises(AccessDenied):
        api_token_revoke(actor=make_staff((Post.ADMIN, "110105")), token_id=token.pk)
    api_token_revoke(actor=partner, token_id=token.pk)
    token.refresh_from_db()
    assert token.revoked_at is not None
    with pytest.raises(AccountError):
        api_token_revoke(actor=partner, token_id=999999)


def test_staff_token_works_without_a_session_second_factor(client, make_staff, city_admin):
    staff = make_staff((Post.REVIEWER, "110105"))
    raw = api_token_create(actor=city_admin, user_id=staff.pk, name="batch")
    assert bearer(client, raw).json()["posts"] == [
        {"post": "reviewer", "label_zh": "审核", "region_code": "110105"}
    ]


def test_session_rules(client, make_user, make_staff):
    citizen = make_user(kind=UserKind.CITIZEN)
    client.force_login(citizen)
    assert client.get(WHOAMI).status_code == 200
    staff = make_staff((Post.FRONT_DESK, "110105"))
    client.force_login(staff)
    assert client.get(WHOAMI).status_code == 401  # no second factor in this session
    session = client.session
    session["otp_ok"] = True
    session.save()
    assert client.get(WHOAMI).json()["username"] == staff.username
    client.logout()
    assert client.get(WHOAMI).status_code == 401
