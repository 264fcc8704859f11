"""Account administration services: who may, what is checked, what is audited."""

import pytest
from django.contrib.auth import authenticate

from shebao.accounts.access import AccessDenied
from shebao.accounts.models import StaffPost, User
from shebao.accounts.rules.errors import AccountError
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.accounts.selectors import (
    user_for_login,
    user_login_display,
    user_posts,
    user_posts_display,
    users_for_employer,
    users_for_person,
    users_search,
)
from shebao.accounts.services import (
    agent_create,
    citizen_account_create,
    employer_operator_create,
    partner_user_create,
    staff_bootstrap_admin,
    staff_create,
    staff_set_posts,
    user_deactivate,
    user_link_person_login,
    user_reactivate,
)
from shebao.kernel.models import AuditEntry
from shebao.kernel.rules.identifiers import IdentifierError
from tests.accounts.conftest import ID_15, ID_18, PASSWORD, actions

pytestmark = pytest.mark.django_db


def last_entry() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()


# --- staff --------------------------------------------------------------------------------


def test_staff_create_with_posts_and_slip(city_admin):
    user, password = staff_create(
        actor=city_admin,
        username="li.na",
        full_name="李娜",
        posts=[(Post.FRONT_DESK, "110105"), ("reviewer", "110105"), (Post.FRONT_DESK, "110105")],
    )
    assert user.kind == UserKind.STAFF and user.must_change_password
    assert user.check_password(password)
    assert user_posts(user) == [(Post.FRONT_DESK, "110105"), (Post.REVIEWER, "110105")]
    assert user_posts_display(user) == ["窗口受理 · 110105", "审核 · 110105"]
    entry = last_entry()
    assert (entry.action, entry.actor_id, entry.post) == ("user.staff_created", city_admin.pk, Post.ADMIN)
    assert "front_desk@110105" in entry.after and password not in entry.after


def test_staff_create_needs_admin_in_every_region_granted(make_staff):
    county_admin = make_staff((Post.ADMIN, "110105"))
    staff_create(actor=county_admin, username="a.one", full_name="甲", posts=[(Post.FRONT_DESK, "110105")])
    with pytest.raises(AccessDenied):
        staff_create(
            actor=county_admin,
            username="b.two",
            full_name="乙",
            posts=[(Post.FRONT_DESK, "110105"), (Post.FRONT_DESK, "110106")],
        )
    with pytest.raises(AccessDenied):
        staff_create(
            actor=make_staff((Post.REVIEWER, "110000")),
            username="c.three",
            full_name="丙",
            posts=[(Post.FRONT_DESK, "110105")],
        )
    assert not User.objects.filter(username__in=["b.two", "c.three"]).exists()


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"username": "1abc"}, "username", "username_format"),
        ({"username": "ab"}, "username", "username_format"),
        ({"username": "citizen-5"}, "username", "username_reserved"),
        ({"username": "cityadmin"}, "username", "username_taken"),
        ({"full_name": "  "}, "full_name", "required"),
        ({"full_name": "长" * 101}, "full_name", "too_long"),
        ({"posts": []}, "posts", "required"),
        ({"posts": [("chief", "110105")]}, "posts[0].post", "post_unknown"),
        ({"posts": [("front_desk",)]}, "posts[0].post", "post_unknown"),
        ({"posts": [(Post.FRONT_DESK, "11010")]}, "posts[0].region_code", "region_format"),
        (
            {"posts": [(Post.FRONT_DESK, "110105"), (Post.REVIEWER, "ABCDEF")]},
            "posts[1].region_code",
            "region_format",
        ),
    ],
)
def test_staff_create_refuses_bad_input_naming_the_field(city_admin, kwargs, field, code):
    args = {"username": "new.one", "full_name": "新人", "posts": [(Post.FRONT_DESK, "110105")], **kwargs}
    before = User.objects.count()
    with pytest.raises(AccountError) as exc:
        staff_create(actor=city_admin, **args)
    assert (exc.value.field, exc.value.code) == (field, code)
    assert exc.value.message_zh and exc.value.message_en
    assert User.objects.count() == before


def test_set_posts_replaces_and_audits_the_difference(make_staff, city_admin):
    target = make_staff((Post.FRONT_DESK, "110105"), (Post.AUDITOR, "110105"))
    staff_set_posts(
        actor=city_admin, user_id=target.pk, posts=[(Post.FRONT_DESK, "110105"), (Post.REVIEWER, "110106")]
    )
    assert user_posts(target) == [(Post.FRONT_DESK, "110105"), (Post.REVIEWER, "110106")]
    entry = last_entry()
    assert entry.action == "user.posts_set"
    assert "auditor@110105" in entry.before and "reviewer@110106" in entry.after
    count = AuditEntry.objects.count()
    staff_set_posts(
        actor=city_admin, user_id=target.pk, posts=[(Post.REVIEWER, "110106"), (Post.FRONT_DESK, "110105")]
    )
    assert AuditEntry.objects.count() == count  # nothing changed, nothing written
    staff_set_posts(actor=city_admin, user_id=target.pk, posts=[])
    assert user_posts(target) == []


def test_set_posts_needs_admin_over_removed_and_added_regions(make_staff):
    county_admin = make_staff((Post.ADMIN, "110105"))
    here_and_there = make_staff((Post.FRONT_DESK, "110105"), (Post.FRONT_DESK, "110106"))
    with pytest.raises(AccessDenied):  # would remove a post in 110106
        staff_set_posts(actor=county_admin, user_id=here_and_there.pk, posts=[(Post.FRONT_DESK, "110105")])
    here = make_staff((Post.FRONT_DESK, "110105"))
    with pytest.raises(AccessDenied):  # would add one in 110106
        staff_set_posts(actor=county_admin, user_id=here.pk, posts=[(Post.FRONT_DESK, "110106")])
    assert StaffPost.objects.filter(user=here).count() == 1


def test_set_posts_refuses_self_and_non_staff(make_user, city_admin):
    with pytest.raises(AccountError) as own:
        staff_set_posts(actor=city_admin, user_id=city_admin.pk, posts=[(Post.REVIEWER, "110000")])
    assert own.value.code == "self"
    with pytest.raises(AccountError) as citizen:
        staff_set_posts(actor=city_admin, user_id=make_user().pk, posts=[])
    assert citizen.value.code == "not_staff"


def test_bootstrap_admin_only_once():
    user, password = staff_bootstrap_admin(
        username="root.admin", full_name="首位管理员", region_code="110000"
    )
    assert user_posts(user) == [(Post.ADMIN, "110000")]
    assert user.check_password(password) and user.must_change_password
    assert last_entry().action == "user.staff_created"
    with pytest.raises(AccountError) as again:
        staff_bootstrap_admin(username="second", full_name="第二", region_code="110000")
    assert again.value.code == "admin_exists"


def test_create_first_admin_command(capsys):
    from django.core.management import call_command

    call_command("create_first_admin", username="boot", full_name="管理员", region="110000")
    out = capsys.readouterr().out
    password = out.split("初始密码: ")[1].split()[0]
    assert authenticate(None, username="boot", password=password) is not None


# --- activation -----------------------------------------------------------------------------


def test_deactivate_stops_login_and_reactivate_restores(make_user, city_admin):
    user = make_user(kind=UserKind.CITIZEN)
    user_deactivate(actor=city_admin, user_id=user.pk)
    user_deactivate(actor=city_admin, user_id=user.pk)  # already: no second entry
    assert authenticate(None, username=user.username, password=PASSWORD) is None
    user_reactivate(actor=city_admin, user_id=user.pk)
    assert authenticate(None, username=user.username, password=PASSWORD) == user
    assert [a for a in actions(object_id=user.pk) if a.startswith("user.")] == [
        "user.deactivated",
        "user.reactivated",
    ]


def test_deactivate_refuses_self_and_other_regions(make_staff, city_admin):
    with pytest.raises(AccountError):
        user_deactivate(actor=city_admin, user_id=city_admin.pk)
    target = make_staff((Post.FRONT_DESK, "110106"))
    with pytest.raises(AccessDenied):
        user_deactivate(actor=make_staff((Post.ADMIN, "110105")), user_id=target.pk)
    with pytest.raises(AccountError):
        user_deactivate(actor=city_admin, user_id=999999)


# --- citizens, employers, agents, partners -------------------------------------------------


def test_citizen_account_by_front_desk_logs_in_with_id_number(make_staff):
    desk = make_staff((Post.FRONT_DESK, "110105"))
    user, password = citizen_account_create(
        actor=desk, person_id=501, id_number=ID_15, full_name="赵六", region_code="110105"
    )
    assert (user.kind, user.person_id, user.region_code, user.username) == (
        "citizen",
        501,
        "110105",
        "citizen-501",
    )
    assert users_for_person(501) == [user]
    assert user_for_login(ID_18) == user
    assert user_login_display(user).startswith("本人身份证件号码")
    assert authenticate(None, username=ID_18, password=password) == user
    entry = AuditEntry.objects.get(action="user.citizen_created")
    assert entry.post == Post.FRONT_DESK
    assert ID_18 not in entry.after and ID_15 not in entry.after
    assert f"{ID_18[:6]}********{ID_18[-4:]}" in entry.after


def test_citizen_account_refusals(make_staff, city_admin):
    desk = make_staff((Post.FRONT_DESK, "110105"))
    with pytest.raises(AccessDenied):
        citizen_account_create(actor=desk, person_id=1, id_number=ID_18, full_name="甲", region_code="110106")
    with pytest.raises(AccessDenied):
        citizen_account_create(
            actor=make_staff((Post.AUDITOR, "110105")), person_id=1, id_number=ID_18, full_name="甲"
        )
    with pytest.raises(IdentifierError):
        citizen_account_create(actor=desk, person_id=1, id_number=ID_18[:-1] + "0", full_name="甲")
    with pytest.raises(AccountError) as bad_region:
        citizen_account_create(actor=desk, person_id=1, id_number=ID_18, full_name="甲", region_code="1101")
    assert bad_region.value.field == "region_code"
    citizen_account_create(actor=city_admin, person_id=1, id_number=ID_18, full_name="甲")
    with pytest.raises(AccountError) as twice:
        citizen_account_create(actor=city_admin, person_id=1, id_number=ID_18, full_name="甲")
    assert twice.value.code == "citizen_account_exists"
    with pytest.raises(AccountError) as same_id:
        citizen_account_create(actor=city_admin, person_id=2, id_number=ID_15, full_name="乙")
    assert same_id.value.code == "id_number_taken"
    assert User.objects.filter(kind=UserKind.CITIZEN).count() == 1


def test_link_person_login_refuses_a_number_in_use(make_user):
    first, second = make_user(), make_user()
    user_link_person_login(user=first, id_number=ID_18)
    user_link_person_login(user=first, id_number=ID_15)  # same number again: fine
    with pytest.raises(AccountError):
        user_link_person_login(user=second, id_number=ID_18)
    entry = last_entry()
    assert entry.action == "user.login_linked" and ID_18 not in entry.after


def test_employer_operator_by_front_desk_of_the_employer_region(make_staff):
    desk = make_staff((Post.FRONT_DESK, "110105"))
    user, password = employer_operator_create(
        actor=desk, employer_id=77, employer_region_code="110105", username="acme.hr", full_name="钱七"
    )
    assert (user.kind, user.employer_id, user.region_code) == ("employer", 77, "110105")
    assert user.check_password(password) and user.must_change_password
    assert users_for_employer(77) == [user]
    assert last_entry().action == "user.employer_operator_created"
    with pytest.raises(AccessDenied):
        employer_operator_create(
            actor=desk, employer_id=78, employer_region_code="110106", username="other.hr", full_name="孙八"
        )
    with pytest.raises(AccountError):
        employer_operator_create(
            actor=desk, employer_id=78, employer_region_code="x", username="o.hr", full_name="孙八"
        )


def test_agent_by_admin_of_its_region(make_staff):
    admin = make_staff((Post.ADMIN, "110105"))
    user, _ = agent_create(actor=admin, username="agent.zhou", full_name="周九", region_code="110105")
    assert (user.kind, user.region_code) == ("agent", "110105")
    assert last_entry().action == "user.agent_created"
    with pytest.raises(AccessDenied):
        agent_create(actor=admin, username="agent.wu", full_name="吴十", region_code="110106")
    with pytest.raises(AccessDenied):
        agent_create(
            actor=make_staff((Post.FRONT_DESK, "110105")),
            username="agent.wu",
            full_name="吴十",
            region_code="110105",
        )


def test_partner_user_by_city_wide_admin(make_staff, city_admin, settings):
    settings.SHEBAO_CITY_CODE = "110000"
    user, _ = partner_user_create(actor=city_admin, username="gaj.data", department="市公安局")
    assert (user.kind, user.department) == ("partner", "市公安局")
    assert last_entry().action == "user.partner_created"
    with pytest.raises(AccessDenied):
        partner_user_create(actor=make_staff((Post.ADMIN, "110105")), username="mz.data", department="民政局")
    with pytest.raises(AccountError) as no_dept:
        partner_user_create(actor=city_admin, username="mz.data", department=" ")
    assert no_dept.value.field == "department"


# --- search -----------------------------------------------------------------------------


def test_search_shows_what_the_admin_scope_covers(make_user, make_staff, city_admin, settings):
    settings.SHEBAO_CITY_CODE = "110000"
    county_admin = make_staff((Post.ADMIN, "110105"), username="county.admin")
    here = make_staff((Post.FRONT_DESK, "110105"), username="desk.here", full_name="本区")
    there = make_staff((Post.FRONT_DESK, "110106"), username="desk.there")
    citizen = make_user(kind=UserKind.CITIZEN, region_code="110105", username="citizen-3")
    user_link_person_login(user=citizen, id_number=ID_18)
    partner = make_user(kind=UserKind.PARTNER, username="partner.x")
    assert set(users_search(actor=county_admin)) == {county_admin, here, citizen}
    assert set(users_search(actor=city_admin)) >= {here, there, citizen, partner, city_admin}
    assert users_search(actor=county_admin, q="desk") == [here]
    assert users_search(actor=county_admin, q="本区") == [here]
    assert users_search(actor=county_admin, q=ID_15) == [citizen]
    assert users_search(actor=here) == []  # no 系统管理: nothing
