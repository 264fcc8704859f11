"""The access primitives, one test per branch."""

import pytest
from django.contrib.auth.models import AnonymousUser

from shebao.accounts.access import (
    AccessDenied,
    Grant,
    grant_for,
    grant_over_account,
    regions_with_perm,
    require_any_perm,
    require_perm,
    user_grants,
    user_has_perm,
)
from shebao.accounts.rules.permissions import POST_PERMS, Perm, Post, UserKind

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("post", list(Post))
def test_each_post_has_its_perms_in_its_region_only(make_staff, post):
    user = make_staff((post, "110105"))
    for perm in Perm:
        expected = perm in POST_PERMS[post]
        assert user_has_perm(user, perm) is expected
        assert user_has_perm(user, perm, "110105") is expected
        assert user_has_perm(user, perm, "110106") is False


def test_province_post_covers_counties_and_prefecture_its_counties(make_staff):
    province = make_staff((Post.REVIEWER, "440000"))
    prefecture = make_staff((Post.REVIEWER, "440300"))
    assert user_has_perm(province, Perm.PERSON_VIEW, "440305")
    assert user_has_perm(province, Perm.PERSON_VIEW, "441900")
    assert user_has_perm(prefecture, Perm.PERSON_VIEW, "440305")
    assert not user_has_perm(prefecture, Perm.PERSON_VIEW, "440105")
    assert not user_has_perm(province, Perm.PERSON_VIEW, "450305")


def test_grant_names_the_post_and_region_that_allows(make_staff):
    user = make_staff((Post.FRONT_DESK, "110105"), (Post.AUDITOR, "110000"))
    assert grant_for(user, Perm.AUDIT_VIEW, "110106") == Grant(Post.AUDITOR, "110000")
    assert require_perm(user, Perm.PERSON_WRITE, "110105") == Grant(Post.FRONT_DESK, "110105")
    assert regions_with_perm(user, Perm.PERSON_VIEW) == ["110000", "110105"]
    assert regions_with_perm(user, Perm.USER_ADMIN) == []


def test_inactive_staff_has_nothing(make_staff):
    user = make_staff((Post.ADMIN, "110000"), is_active=False)
    assert user_grants(user) == ()
    assert not user_has_perm(user, Perm.USER_ADMIN)


@pytest.mark.parametrize("kind", [UserKind.CITIZEN, UserKind.EMPLOYER, UserKind.AGENT, UserKind.PARTNER])
def test_non_staff_have_no_perms_even_with_post_rows(make_user, kind):
    user = make_user(kind=kind, posts=((Post.ADMIN, "110000"),))
    assert user_grants(user) == ()
    assert not any(user_has_perm(user, perm) for perm in Perm)


def test_anonymous_and_none_have_no_perms():
    assert user_grants(AnonymousUser()) == ()
    assert user_grants(None) == ()
    assert not user_has_perm(AnonymousUser(), Perm.PERSON_VIEW)


def test_require_perm_refuses_with_bilingual_reason(make_staff):
    user = make_staff((Post.FRONT_DESK, "110105"))
    with pytest.raises(AccessDenied) as anywhere:
        require_perm(user, Perm.AUDIT_VIEW)
    assert anywhere.value.message_zh == "您的岗位无权办理此业务"
    with pytest.raises(AccessDenied) as elsewhere:
        require_perm(user, Perm.PERSON_WRITE, "110106")
    assert "辖区" in elsewhere.value.message_zh
    assert "region" in elsewhere.value.message_en


def test_require_any_perm_takes_the_first_that_allows(make_staff):
    user = make_staff((Post.FRONT_DESK, "110105"))
    assert require_any_perm(user, (Perm.USER_ADMIN, Perm.PERSON_WRITE), "110105").post == Post.FRONT_DESK
    with pytest.raises(AccessDenied):
        require_any_perm(user, (Perm.USER_ADMIN, Perm.AUDIT_VIEW), "110105")


def test_grants_are_cached_on_the_user_object(make_staff, django_assert_num_queries):
    user = make_staff((Post.FRONT_DESK, "110105"))
    user_grants(user)
    with django_assert_num_queries(0):
        assert user_has_perm(user, Perm.PERSON_VIEW)


class TestGrantOverAccount:
    def test_staff_target_needs_admin_in_every_region_of_its_posts(self, make_staff):
        target = make_staff((Post.FRONT_DESK, "110105"), (Post.FRONT_DESK, "110106"))
        county = make_staff((Post.ADMIN, "110105"))
        city = make_staff((Post.ADMIN, "110000"))
        with pytest.raises(AccessDenied):
            grant_over_account(county, target)
        assert grant_over_account(city, target) == Grant(Post.ADMIN, "110000")

    def test_staff_target_without_posts_needs_admin_anywhere(self, make_staff):
        target = make_staff()
        assert grant_over_account(make_staff((Post.ADMIN, "110105")), target).post == Post.ADMIN
        with pytest.raises(AccessDenied):
            grant_over_account(make_staff((Post.REVIEWER, "110000")), target)

    def test_citizen_target_front_desk_in_region_unless_admin_only(self, make_user, make_staff):
        target = make_user(kind=UserKind.CITIZEN, region_code="110105")
        desk = make_staff((Post.FRONT_DESK, "110105"))
        other_desk = make_staff((Post.FRONT_DESK, "110106"))
        assert grant_over_account(desk, target).post == Post.FRONT_DESK
        with pytest.raises(AccessDenied):
            grant_over_account(other_desk, target)
        with pytest.raises(AccessDenied):
            grant_over_account(desk, target, admin_only=True)

    def test_citizen_target_without_region_any_front_desk(self, make_user, make_staff):
        target = make_user(kind=UserKind.CITIZEN)
        assert grant_over_account(make_staff((Post.FRONT_DESK, "110106")), target).post == Post.FRONT_DESK

    def test_employer_target_front_desk_in_its_region(self, make_user, make_staff):
        target = make_user(kind=UserKind.EMPLOYER, region_code="110105", employer_id=7)
        assert grant_over_account(make_staff((Post.FRONT_DESK, "110105")), target).post == Post.FRONT_DESK
        with pytest.raises(AccessDenied):
            grant_over_account(make_staff((Post.AUDITOR, "110105")), target)

    def test_agent_target_admin_in_its_region(self, make_user, make_staff):
        target = make_user(kind=UserKind.AGENT, region_code="110105")
        assert grant_over_account(make_staff((Post.ADMIN, "110105")), target).post == Post.ADMIN
        with pytest.raises(AccessDenied):
            grant_over_account(make_staff((Post.FRONT_DESK, "110105")), target)

    def test_partner_target_needs_city_wide_admin(self, make_user, make_staff, settings):
        settings.SHEBAO_CITY_CODE = "110000"
        target = make_user(kind=UserKind.PARTNER, department="公安局")
        assert grant_over_account(make_staff((Post.ADMIN, "110000")), target).post == Post.ADMIN
        with pytest.raises(AccessDenied):
            grant_over_account(make_staff((Post.ADMIN, "110105")), target)
