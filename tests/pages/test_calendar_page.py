"""工作日历 pages (/admin-calendar/): 系统管理 only; month view, one day, a whole year, deadlines.

The table is seeded from chinesecalendar by a data migration (2004–2026), so 2025 is
"in the table" and 2027 is not.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from shebao.accounts.rules.permissions import Post, UserKind
from shebao.kernel.calendar import is_workday
from shebao.kernel.models import AuditEntry, CalendarDay
from tests.pages.conftest import EN, HTMX, login

pytestmark = pytest.mark.django_db

BANNER_ZH = "该年度尚未录入国务院放假安排，暂按周一至周五为工作日"
BANNER_EN = "No State Council holiday schedule has been entered for this year"
PAGES = ["web:calendar", "web:calendar_day", "web:calendar_year", "web:calendar_deadline"]


@pytest.fixture
def admin(make_user):
    """系统管理 for the whole city: holds CALENDAR_ADMIN."""
    return make_user(kind=UserKind.STAFF, posts=((Post.ADMIN, "110000"),), full_name="管理员")


@pytest.fixture
def admin_client(client, admin):
    return login(client, admin)


def calendar_audits(action: str = "calendar.set"):
    return AuditEntry.objects.filter(action=action)


# ---------------------------------------------------------------- who may open the pages


def test_admin_opens_every_page(admin_client):
    for name in PAGES:
        response = admin_client.get(reverse(name))
        assert response.status_code == 200, name
        assert response.content.count(b"<h1") == 1, name


@pytest.mark.parametrize("who", ["reviewer", "no_post", "citizen", "employer"])
def test_everyone_else_is_refused(client, make_user, reviewer, who):
    user = {
        "reviewer": reviewer,
        "no_post": make_user(kind=UserKind.STAFF),
        "citizen": make_user(kind=UserKind.CITIZEN),
        "employer": make_user(kind=UserKind.EMPLOYER),
    }[who]
    login(client, user)
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 403, (who, name)
        assert "无权访问".encode() in response.content
    before = calendar_audits().count()
    response = client.post(
        reverse("web:calendar_day"), {"day": "2025-10-09", "is_workday": "0", "holiday_name": "X"}
    )
    assert response.status_code == 403
    assert CalendarDay.objects.get(day=dt.date(2025, 10, 9)).is_workday is True
    assert calendar_audits().count() == before


def test_anonymous_goes_to_login_and_staff_must_pass_the_second_factor(client, admin):
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    client.force_login(admin)  # password only, no TOTP yet
    response = client.get(reverse("web:calendar"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_enrol"))


def test_nav_shows_the_calendar_to_admins_only(client, admin, reviewer):
    url = reverse("web:calendar")
    login(client, admin)
    page = client.get(reverse("web:home")).content.decode()
    assert f'href="{url}"' in page and "工作日历" in page
    client.logout()
    login(client, reviewer)
    page = client.get(reverse("web:home")).content.decode()
    assert f'href="{url}"' not in page


# ---------------------------------------------------------------- the month view


def test_month_shows_holidays_makeup_days_and_sources(admin_client):
    page = admin_client.get(reverse("web:calendar"), {"year": 2025, "month": 10}).content.decode()
    assert "2025年10月" in page
    assert BANNER_ZH not in page

    def cell(day: str) -> str:
        start = page.index(f'id="d-{day}"')
        return page[page.rindex("<td", 0, start) : page.index("</td>", start)]

    national_day = cell("2025-10-01")
    assert 'class="rest"' in national_day and "国庆节" in national_day and "内置日历" in national_day
    makeup = cell("2025-10-11")  # a Saturday worked in exchange
    assert 'class="work"' in makeup and "调休上班" in makeup
    assert 'class="work"' in cell("2025-10-09")


def test_year_not_in_the_table_shows_the_fallback_banner(admin_client):
    page = admin_client.get(reverse("web:calendar"), {"year": 2027, "month": 10}).content.decode()
    assert BANNER_ZH in page
    assert page.count("按周推算") >= 31  # every day of the month marked as a guess
    assert 'id="d-2027-10-01"' in page
    # the banner's link and the tabs give a year without a month: its January
    page = admin_client.get(reverse("web:calendar"), {"year": 2027}).content.decode()
    assert "2027年1月" in page and BANNER_ZH in page


def test_fallback_banner_in_english(admin_client, settings, tmp_path):
    checker = _load_i18n_checker()
    checker.write_mo(checker.read_po(), tmp_path / "en" / "LC_MESSAGES" / "django.mo")
    settings.LOCALE_PATHS = [tmp_path]
    page = admin_client.get(reverse("web:calendar"), {"year": 2027, "month": 1}, **EN).content.decode()
    assert BANNER_EN in page
    assert BANNER_ZH not in page
    assert "January 2027" in page


def test_bad_month_parameters_fall_back_to_this_month(admin_client):
    response = admin_client.get(reverse("web:calendar"), {"year": "abc", "month": "13"})
    assert response.status_code == 200


# ---------------------------------------------------------------- one day


def test_changing_a_day_writes_it_and_an_audit_entry(admin_client, admin):
    day = dt.date(2025, 10, 9)
    assert is_workday(day)
    form = admin_client.get(reverse("web:calendar_day"), {"day": "2025-10-09"}).content.decode()
    assert 'value="2025-10-09"' in form
    response = admin_client.post(
        reverse("web:calendar_day"), {"day": "2025-10-09", "is_workday": "0", "holiday_name": "临时调休"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("web:calendar") + "?year=2025&month=10"
    assert not is_workday(day)
    row = CalendarDay.objects.get(day=day)
    assert (row.holiday_name, row.source) == ("临时调休", "admin")
    entry = calendar_audits().get(object_id="2025-10-09")
    assert entry.actor_id == admin.pk
    assert entry.post == Post.ADMIN
    assert '"is_workday":true' in entry.before.replace(" ", "")
    assert '"is_workday":false' in entry.after.replace(" ", "")
    page = admin_client.get(response["Location"]).content.decode()
    assert "临时调休" in page and "管理员录入" in page


def test_a_bad_day_form_names_the_field_and_writes_nothing(admin_client):
    response = admin_client.post(
        reverse("web:calendar_day"), {"day": "2025-02-30", "is_workday": "0", "holiday_name": ""}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "error-summary" in page and 'href="#id_day"' in page
    assert not calendar_audits().exists()


# ---------------------------------------------------------------- a whole year

YEAR_2027 = {
    "year": "2027",
    "holidays": "2027-10-01 国庆节\n2027-10-02 国庆节\n2027-10-03 国庆节\n2027-10-04 国庆节\n",
    "makeup_workdays": "2027-09-26\n",
}


def test_entering_a_year_fills_it_and_removes_the_banner(admin_client):
    response = admin_client.post(reverse("web:calendar_year"), YEAR_2027)
    assert response.status_code == 302
    assert CalendarDay.objects.filter(day__year=2027).count() == 365
    assert not is_workday(dt.date(2027, 10, 4))  # a Monday off
    assert is_workday(dt.date(2027, 9, 26))  # a Sunday worked
    assert calendar_audits("calendar.year_set").filter(object_id="2027").count() == 1
    page = admin_client.get(response["Location"]).content.decode()
    assert BANNER_ZH not in page
    # The year form shows what is stored, ready to correct.
    form = admin_client.get(reverse("web:calendar_year"), {"year": 2027}).content.decode()
    assert "2027-10-04 国庆节" in form and "2027-09-26" in form


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("holidays", "2027-10-01 国庆节\n2027-13-01 国庆节\n", ["第2行", "YYYY-MM-DD", "Line 2"]),
        ("holidays", "2027-10-01 国庆节\n2027-10-02\n", ["第2行", "缺少节日名称", "no holiday name"]),
        # blank lines are skipped but still counted: the third line is the one named
        ("holidays", "2027-10-01 国庆节\n\n2026-10-02 国庆节\n", ["第3行", "不在 2027 年内", "Line 3"]),
        ("makeup_workdays", "2027-09-26\n2027-10-04\n", ["第2行", "周六或周日", "Saturday or Sunday"]),
        ("makeup_workdays", "2027-09-26 调休\n", ["第1行", "只写日期"]),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_written(admin_client, field, text, expected):
    data = {**YEAR_2027, field: text}
    response = admin_client.post(reverse("web:calendar_year"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="#id_{field}"' in page
    for words in expected:
        assert words in page, words
    assert not CalendarDay.objects.filter(day__year=2027).exists()
    assert not calendar_audits("calendar.year_set").exists()


def test_year_outside_the_accepted_range_is_refused(admin_client):
    response = admin_client.post(reverse("web:calendar_year"), {**YEAR_2027, "year": "1999"})
    assert response.status_code == 200
    assert 'href="#id_year"' in response.content.decode()
    assert not calendar_audits("calendar.year_set").exists()


# ---------------------------------------------------------------- the deadline calculator


def test_deadline_across_national_day_2025(admin_client):
    page = admin_client.get(
        reverse("web:calendar_deadline"), {"start": "2025-09-30", "n": "1"}
    ).content.decode()
    assert "2025-10-09" in page
    assert "全部按已录入的放假安排计算" in page
    assert "尚未录入放假安排的日期" not in page


def test_deadline_fragment_for_htmx_and_the_fallback_warning(admin_client):
    response = admin_client.get(reverse("web:calendar_deadline"), {"start": "2026-12-30", "n": "5"}, **HTMX)
    page = response.content.decode()
    assert "<html" not in page
    # 31 Dec (table), then 1 Jan 2027 (a Friday, counted as a working day: a guess), 4, 5, 6 Jan
    assert "2027-01-06" in page
    assert "尚未录入放假安排的日期" in page


def test_deadline_bad_input_names_the_field(admin_client):
    page = admin_client.get(
        reverse("web:calendar_deadline"), {"start": "2025-09-30", "n": "many"}
    ).content.decode()
    assert 'href="#id_n"' in page


def _load_i18n_checker():
    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("i18n_check", root / "scripts" / "i18n_check.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module
