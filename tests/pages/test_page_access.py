"""Who may open which page: each portal for its own kind of user, 403 or login for others."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.accounts.rules.permissions import Post, UserKind
from tests.pages.conftest import CHAOYANG, login

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    ("register:staff_dashboard", ()),
    ("register:staff_persons", ()),
    ("register:staff_employers", ()),
    ("register:staff_person_register", ()),
    ("register:staff_employer_register", ()),
]
CITIZEN_PAGES = [("register:citizen_home", ())]
EMPLOYER_PAGES = [
    ("register:employer_roster", ()),
    ("register:employer_hire", ()),
    ("register:employer_separate_list", ()),
    ("register:employer_batch", ()),
    ("register:employer_info", ()),
]


@pytest.fixture
def users(reviewer, citizen_of, operator_of, zhang, employer):
    return {"staff": reviewer, "citizen": citizen_of(zhang), "employer": operator_of(employer)}


@pytest.mark.parametrize(
    ("pages", "owner"),
    [(STAFF_PAGES, "staff"), (CITIZEN_PAGES, "citizen"), (EMPLOYER_PAGES, "employer")],
)
def test_each_portal_renders_for_its_kind_only(client, users, pages, owner):
    for who, user in users.items():
        client.logout()
        login(client, user)
        for name, args in pages:
            response = client.get(reverse(name, args=args))
            if who == owner:
                assert response.status_code == 200, (who, name)
                assert response.content.count(b"<h1") == 1, name
            else:
                assert response.status_code == 403, (who, name)
                assert "无权访问".encode() in response.content


@pytest.mark.parametrize(
    "name", ["register:staff_dashboard", "register:citizen_home", "register:employer_roster"]
)
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_staff_record_pages_for_staff(staff_client, zhang, employer):
    assert staff_client.get(reverse("register:staff_person", args=[zhang.id])).status_code == 200
    assert staff_client.get(reverse("register:staff_employer", args=[employer.id])).status_code == 200


def test_staff_without_a_post_is_refused(client, make_user, divisions):
    login(client, make_user(kind=UserKind.STAFF))
    assert client.get(reverse("register:staff_dashboard")).status_code == 403


def test_staff_outside_region_is_refused_the_record(client, make_user, li, zhang):
    """A Chaoyang reviewer opens a Dongcheng person's record by URL: 403, no data."""
    login(client, make_user(kind=UserKind.STAFF, posts=((Post.REVIEWER, CHAOYANG),)))
    response = client.get(reverse("register:staff_person", args=[li.id]))
    assert response.status_code == 403
    assert "李四".encode() not in response.content
    # and the same answer for a record that does not exist
    missing = client.get(reverse("register:staff_person", args=[999999]))
    assert missing.status_code == 403


def test_citizen_cannot_open_another_record_by_url(client, citizen_of, zhang, li):
    login(client, citizen_of(zhang))
    for url in (
        reverse("register:staff_person", args=[li.id]),
        reverse("register:staff_person", args=[zhang.id]),  # staff pages, even for one's own id
        reverse("register:citizen_home") + f"?person_id={li.id}",
    ):
        response = client.get(url)
        assert "李四".encode() not in response.content, url
    own = client.get(reverse("register:citizen_home") + f"?person_id={li.id}")
    assert own.status_code == 200
    assert "张三".encode() in own.content


def test_employer_cannot_see_another_employers_staff(
    client, operator_of, employer, other_employer, zhang, li
):
    login(client, operator_of(employer))
    roster = client.get(reverse("register:employer_roster"))
    assert "张三".encode() in roster.content
    assert "李四".encode() not in roster.content
    # separating the other employer's employee by URL tampering
    li_employment = li.employments.get()
    response = client.post(
        reverse("register:employer_separate", args=[li_employment.id]),
        {f"e{li_employment.id}-end_date": "2025-01-31", f"e{li_employment.id}-reason": "辞职"},
    )
    assert response.status_code == 404
    li_employment.refresh_from_db()
    assert li_employment.end_date is None
    # and the staff record pages stay closed
    assert client.get(reverse("register:staff_person", args=[li.id])).status_code == 403
    assert client.get(reverse("register:staff_employer", args=[other_employer.id])).status_code == 403


def test_employer_operator_without_employer_is_refused(client, make_user):
    login(client, make_user(kind=UserKind.EMPLOYER))
    assert client.get(reverse("register:employer_roster")).status_code == 403
