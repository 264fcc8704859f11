"""The pure permission kernel: region scopes and what each post may do."""

import pytest

from shebao.accounts.rules.permissions import POST_PERMS, Perm, Post, region_covers


@pytest.mark.parametrize(
    ("scope", "code", "covered"),
    [
        ("110000", "110000", True),  # province covers itself
        ("110000", "110105", True),  # … its counties
        ("110000", "110100", True),  # … its prefectures
        ("110000", "120105", False),  # … not another province
        ("440300", "440305", True),  # prefecture covers its counties
        ("440300", "440300", True),
        ("440300", "440100", False),  # … not a sibling prefecture
        ("440300", "440000", False),  # … not its province
        ("110105", "110105", True),  # county covers only itself
        ("110105", "110106", False),
        ("110105", "110100", False),
        ("", "110105", False),  # malformed scopes and codes never match
        ("110105", "", False),
        ("11010", "110105", False),
        ("110105", "1101050", False),
    ],
)
def test_region_covers(scope, code, covered):
    assert region_covers(scope, code) is covered


EXPECTED = {
    Post.FRONT_DESK: {
        "person.view",
        "person.write",
        "employer.view",
        "employer.write",
        "employment.write",
        "enrolment.write",
        "contribution.view",
        "contribution.write",
        "case.view",
        "case.accept",
        "appointment.desk",
    },
    Post.REVIEWER: {
        "person.view",
        "person.reveal",
        "person.write",
        "employer.view",
        "employer.write",
        "employment.write",
        "enrolment.write",
        "contribution.view",
        "contribution.write",
        "case.view",
        "case.accept",
        "case.review",
        "case.recheck",
        "complaint.handle",
    },
    Post.AUDITOR: {
        "person.view",
        "person.reveal",
        "employer.view",
        "audit.view",
        "contribution.view",
        "case.view",
        "case.recheck",
        "complaint.handle",
    },
    Post.FUND_ACCOUNTANT: {
        "employer.view",
        "fund.view",
        "contribution.view",
        "contribution.write",
        "assessment.run",
        "payroll.run",
    },
    Post.ADMIN: {
        "user.admin",
        "calendar.admin",
        "audit.view",
        "employer.view",
        "parameter.admin",
        "catalogue.admin",
        "appointment.admin",
    },
}


@pytest.mark.parametrize("post", list(Post))
def test_each_post_grants_exactly_its_perms(post):
    assert {p.value for p in POST_PERMS[post]} == EXPECTED[post]


def test_every_perm_is_granted_by_some_post():
    granted = set().union(*POST_PERMS.values())
    assert granted == set(Perm)


def test_only_admin_administers_users():
    assert [p for p in Post if Perm.USER_ADMIN in POST_PERMS[p]] == [Post.ADMIN]
