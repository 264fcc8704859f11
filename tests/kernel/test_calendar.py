"""Working-day calendar: seeded by migration 0004 from chinesecalendar, the weekday
fallback beyond it, deadlines in working days, and the audited admin writes."""

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from shebao.kernel.calendar import (
    SOURCE_FALLBACK,
    SOURCE_TABLE,
    CalendarError,
    add_working_days,
    add_working_days_info,
    calendar_day_set,
    calendar_load,
    calendar_package_years,
    calendar_year_set,
    is_workday,
    workday_info,
    working_days_between,
)
from shebao.kernel.models import AuditEntry, CalendarDay

pytestmark = pytest.mark.django_db

D = dt.date
FIRST_UNCOVERED = calendar_package_years().stop  # 2027 with chinesecalendar 1.11.0


@pytest.fixture
def admin_user(audit_ctx):
    return get_user_model().objects.create_user("calendar-admin", kind="staff")


def test_migration_seeded_the_package_years():
    years = calendar_package_years()
    assert (years.start, FIRST_UNCOVERED) == (2004, 2027)
    assert CalendarDay.objects.count() == (D(2026, 12, 31) - D(2004, 1, 1)).days + 1
    assert CalendarDay.objects.filter(day__year=2026).count() == 365


def test_national_day_2025():
    assert workday_info(D(2025, 10, 1)) == (False, SOURCE_TABLE)
    assert CalendarDay.objects.get(day=D(2025, 10, 1)).holiday_name == "国庆节"
    assert CalendarDay.objects.get(day=D(2025, 10, 6)).holiday_name == "中秋节"
    assert not is_workday(D(2025, 10, 8))  # a Wednesday off
    assert is_workday(D(2025, 10, 9))


def test_sunday_make_up_workday():
    assert D(2025, 9, 28).weekday() == 6
    assert workday_info(D(2025, 9, 28)) == (True, SOURCE_TABLE)
    assert CalendarDay.objects.get(day=D(2025, 9, 28)).holiday_name == "国庆节调休上班"
    assert not is_workday(D(2025, 9, 27))  # the Saturday before stays a rest day


def test_add_working_days_across_national_day_2025():
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert add_working_days(D(2025, 9, 30), 3) == D(2025, 10, 11)  # Saturday make-up day counts
    assert add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)  # Friday → Sunday make-up day
    assert add_working_days(D(2025, 9, 26), 10) == D(2025, 10, 16)
    assert add_working_days_info(D(2025, 9, 30), 1) == (D(2025, 10, 9), SOURCE_TABLE)


def test_add_working_days_backwards_and_zero():
    assert add_working_days(D(2025, 10, 9), -1) == D(2025, 9, 30)
    assert add_working_days(D(2025, 10, 9), 0) == D(2025, 10, 9)
    assert add_working_days(D(2025, 10, 1), 0) == D(2025, 10, 1)


def test_long_deadline_spans_several_windows():
    # 60 working days from 2025-01-02 crosses the Spring Festival (Jan 28 – Feb 4, 2025).
    end = add_working_days(D(2025, 1, 2), 60)
    assert working_days_between(D(2025, 1, 2), end) == 60
    assert is_workday(end)
    assert end == D(2025, 4, 2)


def test_deadlines_agree_with_the_package_day_by_day():
    import chinese_calendar

    start = D(2024, 12, 20)
    expected = chinese_calendar.get_workdays(start + dt.timedelta(days=1), D(2025, 12, 31))
    for n in range(1, 120, 7):
        assert add_working_days(start, n) == expected[n - 1]


def test_working_days_between():
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 11)) == 3
    assert working_days_between(D(2025, 10, 11), D(2025, 9, 30)) == -3
    assert working_days_between(D(2025, 10, 1), D(2025, 10, 8)) == 0
    assert working_days_between(D(2025, 10, 1), D(2025, 10, 1)) == 0
    assert working_days_between(D(2024, 12, 31), D(2025, 12, 31)) == 248  # the official 2025 count
    for n in (1, 5, 17, 40):
        assert working_days_between(D(2025, 9, 25), add_working_days(D(2025, 9, 25), n)) == n


def test_fallback_beyond_the_table_is_flagged():
    monday = D(FIRST_UNCOVERED, 1, 4) + dt.timedelta(days=-D(FIRST_UNCOVERED, 1, 4).weekday())
    assert workday_info(monday) == (True, SOURCE_FALLBACK)
    assert workday_info(monday + dt.timedelta(days=5)) == (False, SOURCE_FALLBACK)
    last_covered = D(FIRST_UNCOVERED - 1, 12, 31)
    day, source = add_working_days_info(last_covered, 1)
    assert source == SOURCE_FALLBACK
    assert day > last_covered and day.weekday() < 5
    # A deadline counted only inside the table is not flagged.
    assert add_working_days_info(D(FIRST_UNCOVERED - 1, 6, 1), 5)[1] == SOURCE_TABLE
    assert working_days_between(last_covered, D(FIRST_UNCOVERED, 1, 31)) > 0


def test_calendar_day_set_writes_audit_and_changes_the_answer(admin_user):
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    row = calendar_day_set(actor=admin_user, day=D(2025, 10, 9), is_workday=False, holiday_name="临时调整")
    assert (row.is_workday, row.holiday_name, row.source) == (False, "临时调整", "admin")
    assert workday_info(D(2025, 10, 9)) == (False, SOURCE_TABLE)
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 10)

    entry = AuditEntry.objects.get(action="calendar.set")
    assert (entry.object_type, entry.object_id) == ("calendar_day", "2025-10-09")
    assert entry.actor_id == admin_user.pk
    assert json.loads(entry.before)["is_workday"] is True
    assert json.loads(entry.before)["source"].startswith("chinesecalendar")
    assert json.loads(entry.after) == {
        "day": "2025-10-09",
        "is_workday": False,
        "holiday_name": "临时调整",
        "source": "admin",
    }


def test_calendar_day_set_fills_a_day_beyond_the_table(admin_user):
    new_year = D(FIRST_UNCOVERED, 1, 1)
    calendar_day_set(actor=admin_user, day=new_year, is_workday=False, holiday_name="元旦")
    assert workday_info(new_year) == (False, SOURCE_TABLE)
    entry = AuditEntry.objects.get(action="calendar.set")
    assert entry.before == ""


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"day": dt.datetime(2025, 10, 9, tzinfo=dt.UTC), "is_workday": False}, "day"),
        ({"day": "2025-10-09", "is_workday": False}, "day"),
        ({"day": D(2025, 10, 9), "is_workday": False, "holiday_name": "长" * 41}, "holiday_name"),
        ({"day": D(2025, 10, 9), "is_workday": False, "source": ""}, "source"),
    ],
)
def test_calendar_day_set_refuses_bad_input(admin_user, kwargs, field):
    with pytest.raises(CalendarError) as caught:
        calendar_day_set(actor=admin_user, **kwargs)
    assert caught.value.field == field
    assert caught.value.message_zh and caught.value.message_en
    assert not AuditEntry.objects.exists()
    assert is_workday(D(2025, 10, 9))


def _year_2027_like_2026():
    """A made-up holiday list in the shape of a State Council notice."""
    year = FIRST_UNCOVERED
    holidays = [(D(year, 1, 1), "元旦")]
    holidays += [(D(year, 2, 6) + dt.timedelta(days=i), "春节") for i in range(8)]
    holidays += [(D(year, 10, 1) + dt.timedelta(days=i), "国庆节") for i in range(7)]
    saturdays = [d for d in (D(year, 2, 20), D(year, 9, 25), D(year, 10, 9)) if d.weekday() >= 5]
    return year, holidays, saturdays


def test_calendar_year_set_enters_a_whole_year(admin_user):
    year, holidays, makeups = _year_2027_like_2026()
    assert makeups  # the made-up dates include weekend days
    written = calendar_year_set(actor=admin_user, year=year, holidays=holidays, makeup_workdays=makeups)
    assert written == CalendarDay.objects.filter(day__year=year).count() in (365, 366)
    assert workday_info(D(year, 10, 1)) == (False, SOURCE_TABLE)
    assert CalendarDay.objects.get(day=D(year, 10, 1)).holiday_name == "国庆节"
    for day in makeups:
        assert workday_info(day) == (True, SOURCE_TABLE)
    assert add_working_days_info(D(year - 1, 12, 31), 1) == (D(year, 1, 4), SOURCE_TABLE)

    entry = AuditEntry.objects.get(action="calendar.year_set")
    assert (entry.object_type, entry.object_id) == ("calendar_year", str(year))
    after = json.loads(entry.after)
    assert after["days"] == written and after["sources"] == ["admin"]
    assert f"{year}-10-01 国庆节" in after["holidays"]
    assert after["makeup_workdays"] == [d.isoformat() for d in makeups]
    assert entry.before == ""


def test_calendar_year_set_over_a_seeded_year_records_before(admin_user):
    calendar_year_set(actor=admin_user, year=2026, holidays=[(D(2026, 1, 1), "元旦")], makeup_workdays=[])
    assert is_workday(D(2026, 10, 1)) is True  # replaced by the (deliberately short) list
    before = json.loads(AuditEntry.objects.get(action="calendar.year_set").before)
    assert before["days"] == 365
    assert "2026-10-01 国庆节" in before["holidays"]


@pytest.mark.parametrize(
    ("holidays", "makeups", "field", "words"),
    [
        ([(D(2025, 1, 1), "元旦")], [], "holidays[0]", "not in the year"),
        ([(D(2027, 1, 1), "")], [], "holidays[0]", "no holiday name"),
        ([(D(2027, 1, 1), "元旦"), (D(2027, 1, 1), "元旦")], [], "holidays[1]", "twice"),
        ([D(2027, 1, 1)], [], "holidays[0]", "pair"),
        ([], [D(2027, 1, 4)], "makeup_workdays[0]", "weekday"),
        ([(D(2027, 1, 2), "元旦")], [D(2027, 1, 2)], "makeup_workdays[0]", "both"),
    ],
)
def test_calendar_year_set_refuses_bad_lists_and_writes_nothing(admin_user, holidays, makeups, field, words):
    with pytest.raises(CalendarError) as caught:
        calendar_year_set(actor=admin_user, year=2027, holidays=holidays, makeup_workdays=makeups)
    assert caught.value.field == field
    assert words in caught.value.message_en
    assert caught.value.message_zh
    assert not CalendarDay.objects.filter(day__year=2027).exists()
    assert not AuditEntry.objects.exists()


def test_calendar_year_set_refuses_bad_year(admin_user):
    with pytest.raises(CalendarError) as caught:
        calendar_year_set(actor=admin_user, year=1999, holidays=[], makeup_workdays=[])
    assert caught.value.field == "year"


def test_reload_keeps_admin_days_unless_told(admin_user):
    calendar_day_set(actor=admin_user, day=D(2025, 10, 9), is_workday=False, holiday_name="临时调整")
    assert calendar_load(start=D(2025, 1, 1), end=D(2025, 12, 31)) == 364
    assert not is_workday(D(2025, 10, 9))
    assert calendar_load(start=D(2025, 1, 1), end=D(2025, 12, 31), overwrite_admin=True) == 365
    assert is_workday(D(2025, 10, 9))
    assert CalendarDay.objects.get(day=D(2025, 10, 9)).source == "chinesecalendar 1.11.0"


def test_load_outside_the_package_years_is_refused():
    with pytest.raises(CalendarError) as caught:
        calendar_load(start=D(2026, 1, 1), end=D(FIRST_UNCOVERED, 12, 31))
    assert "2004" in caught.value.message_en and "2004" in caught.value.message_zh


def test_load_calendar_command_is_idempotent(capsys):
    count = CalendarDay.objects.count()
    call_command("load_calendar", "--start", "2025-01-01", "--end", "2025-12-31")
    assert "365" in capsys.readouterr().out
    assert CalendarDay.objects.count() == count
