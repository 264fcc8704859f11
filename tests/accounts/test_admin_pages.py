"""The 系统管理 pages, through the test client."""

import re

import pytest

from shebao.accounts.models import ApiToken, User
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.accounts.selectors import user_posts
from tests.accounts.conftest import actions, enrolled

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(login_client, city_admin):
    return login_client(city_admin)


def test_pages_need_user_admin(login_client, make_staff, make_user):
    desk = login_client(make_staff((Post.FRONT_DESK, "110105"), username="desk"))
    response = desk.get("/accounts/admin/users/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "您的岗位无权办理此业务" in body and "your post does not allow this" in body
    target = make_staff((Post.REVIEWER, "110105"))
    assert desk.get(f"/accounts/admin/users/{target.pk}/").status_code == 403
    assert desk.post(f"/accounts/admin/users/{target.pk}/reset-totp/").status_code == 403
    assert desk.get("/accounts/admin/users/new-staff/").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/accounts/admin/users/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_county_admin_cannot_open_a_user_of_another_county(login_client, make_staff):
    county = login_client(make_staff((Post.ADMIN, "110105"), username="county"))
    other = make_staff((Post.FRONT_DESK, "110106"))
    assert county.get(f"/accounts/admin/users/{other.pk}/").status_code == 403
    assert county.get("/accounts/admin/users/999999/").status_code == 403


def test_list_and_search(admin, make_staff):
    make_staff((Post.FRONT_DESK, "110105"), username="desk.zhao", full_name="赵窗口")
    response = admin.get("/accounts/admin/users/?q=zhao")
    body = response.content.decode()
    assert response.status_code == 200
    assert "desk.zhao" in body and "窗口受理 · 110105" in body
    assert "cityadmin" not in body


def test_create_staff_through_the_page_prints_a_slip(admin, city_admin):
    form = {
        "username": "new.staff",
        "full_name": "新同事",
        "posts-TOTAL_FORMS": "3",
        "posts-INITIAL_FORMS": "0",
        "posts-0-post": "front_desk",
        "posts-0-region_code": "110105",
        "posts-1-post": "",
        "posts-1-region_code": "",
        "posts-2-post": "auditor",
        "posts-2-region_code": "110000",
    }
    response = admin.post("/accounts/admin/users/new-staff/", form)
    assert response.status_code == 200
    body = response.content.decode()
    assert "初始密码条" in body and "new.staff" in body
    password = re.search(r'class="pw">([^<]+)</dd>', body).group(1).replace(" ", "")
    user = User.objects.get(username="new.staff")
    assert user.check_password(password)
    assert user_posts(user) == [(Post.AUDITOR, "110000"), (Post.FRONT_DESK, "110105")]


def test_create_staff_page_shows_errors(admin):
    form = {
        "username": "9bad",
        "full_name": "x",
        "posts-TOTAL_FORMS": "1",
        "posts-INITIAL_FORMS": "0",
        "posts-0-post": "front_desk",
        "posts-0-region_code": "110105",
    }
    response = admin.post("/accounts/admin/users/new-staff/", form)
    assert response.status_code == 200
    assert "登录名须以字母开头" in response.content.decode()
    form.update({"username": "ok.name", "posts-0-region_code": ""})
    response = admin.post("/accounts/admin/users/new-staff/", form)
    assert "岗位和区划代码要同时填写" in response.content.decode()
    assert not User.objects.filter(username="ok.name").exists()


def test_detail_reset_totp_set_posts_deactivate(admin, make_staff):
    target = make_staff((Post.FRONT_DESK, "110105"), username="target", **enrolled())
    response = admin.get(f"/accounts/admin/users/{target.pk}/")
    assert response.status_code == 200
    assert "重置动态口令" in response.content.decode()

    response = admin.post(f"/accounts/admin/users/{target.pk}/reset-totp/", follow=True)
    assert "动态口令已重置" in response.content.decode()
    target.refresh_from_db()
    assert not target.totp_confirmed

    response = admin.post(
        f"/accounts/admin/users/{target.pk}/posts/",
        {
            "posts-TOTAL_FORMS": "2",
            "posts-INITIAL_FORMS": "1",
            "posts-0-post": "reviewer",
            "posts-0-region_code": "110105",
            "posts-1-post": "",
            "posts-1-region_code": "",
        },
        follow=True,
    )
    assert "岗位已更新" in response.content.decode()
    assert user_posts(target) == [(Post.REVIEWER, "110105")]

    admin.post(f"/accounts/admin/users/{target.pk}/deactivate/")
    target.refresh_from_db()
    assert not target.is_active
    admin.post(f"/accounts/admin/users/{target.pk}/reactivate/")
    target.refresh_from_db()
    assert target.is_active
    assert actions(object_id=target.pk) == [
        "user.totp_reset",
        "user.posts_set",
        "user.deactivated",
        "user.reactivated",
    ]


def test_service_refusal_is_shown_as_a_message(admin, city_admin):
    response = admin.post(f"/accounts/admin/users/{city_admin.pk}/deactivate/", follow=True)
    assert "不能停用或启用自己的账户" in response.content.decode()


def test_tokens_through_the_pages(admin, make_user):
    partner = make_user("partner.api", kind=UserKind.PARTNER, department="市税务局")
    response = admin.post(f"/accounts/admin/users/{partner.pk}/tokens/", {"name": "税务对接", "days": "30"})
    assert response.status_code == 200
    raw = re.search(r"<code>(sbt_[^<]+)</code>", response.content.decode()).group(1)
    assert admin.get("/api/v1/auth/whoami", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    detail = admin.get(f"/accounts/admin/users/{partner.pk}/").content.decode()
    assert "税务对接" in detail and raw not in detail and raw[:12] in detail
    token = ApiToken.objects.get()
    admin.post(f"/accounts/admin/users/{partner.pk}/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert (
        admin.post(f"/accounts/admin/users/{partner.pk}/tokens/", {"name": "", "days": "0"}).status_code
        == 302
    )
    other = make_user("other.partner", kind=UserKind.PARTNER, department="x")
    assert admin.post(f"/accounts/admin/users/{other.pk}/tokens/{token.pk}/revoke/").status_code == 404


def test_front_desk_prints_slip_for_a_citizen(login_client, make_staff, make_user):
    desk = login_client(make_staff((Post.FRONT_DESK, "110105"), username="desk2"))
    citizen = make_user(kind=UserKind.CITIZEN, region_code="110105", full_name="孙老")
    response = desk.post(f"/accounts/admin/users/{citizen.pk}/slip/")
    assert response.status_code == 200
    assert '<a class="btn secondary" href="/">' in response.content.decode()  # home, not the admin pages
    elsewhere = make_user(kind=UserKind.CITIZEN, region_code="110106")
    assert desk.post(f"/accounts/admin/users/{elsewhere.pk}/slip/").status_code == 403
