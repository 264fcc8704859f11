"""工作日历: the administrators' pages for the official working-day calendar.

- ``/admin-calendar/``           a month (``?year=&month=``): working and rest days, holiday
  names, where each answer comes from (built-in table, an administrator, or the Monday–Friday
  fallback), and a banner for years the State Council's holidays have not been entered for;
- ``/admin-calendar/day/``       change one day (``?day=YYYY-MM-DD`` fills the form);
- ``/admin-calendar/year/``      enter a whole year as published (holidays and make-up days);
- ``/admin-calendar/deadline/``  start date + N working days (says when the fallback was used).

Every page requires ``Perm.CALENDAR_ADMIN`` (系统管理). The writes are the kernel's
``calendar_day_set`` / ``calendar_year_set``, which record the audit entry; the views parse
the input, authorise, call one service and render. ``CalendarError`` is shown on the field
(or the line of a textarea) it names, in Chinese and English.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS_ABBR
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.cache import never_cache

from shebao.accounts.access import Grant, require_perm
from shebao.accounts.rules.permissions import Perm
from shebao.kernel.audit import audit_context
from shebao.kernel.calendar import (
    SEED_SOURCE_PREFIX,
    SOURCE_FALLBACK,
    CalendarError,
    add_working_days_info,
    calendar_day_set,
    calendar_year_set,
)
from shebao.kernel.models import CalendarDay

YEAR_MIN = 2004  # the first year chinesecalendar covers; calendar_year_set accepts up to 2200
YEAR_MAX = 2200
MAX_WORKING_DAYS = 366
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INDEXED_FIELD = re.compile(r"^(holidays|makeup_workdays)\[(\d+)\]$")

# Where a day's answer comes from (the CSS class and the label shown on the page).
KIND_TABLE = "table"
KIND_ADMIN = "admin"
KIND_FALLBACK = "fallback"
KIND_LABELS = {
    KIND_TABLE: gettext_lazy("内置日历"),
    KIND_ADMIN: gettext_lazy("管理员录入"),
    KIND_FALLBACK: gettext_lazy("按周推算"),
}


# --- authorisation ----------------------------------------------------------------------------


def calendar_admin_required(view):
    """Logged in (anonymous → login page) and holding CALENDAR_ADMIN (else AccessDenied → 403).

    The view receives the grant as its second argument (its post goes into the audit entry).
    """

    @never_cache
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        grant = require_perm(request.user, Perm.CALENDAR_ADMIN)
        return view(request, grant, *args, **kwargs)

    return wrapper


def _as_actor(request: HttpRequest, grant: Grant):
    """The audit context for a write: this request, this user, the post that allows it."""
    return audit_context(
        request_id=getattr(request, "request_id", None),
        actor=request.user,
        post=grant.post,
        region_code=grant.region_code,
    )


def _bilingual(exc: CalendarError, *, line: int | None = None) -> str:
    if line is None:
        return f"{exc.message_zh}。{exc.message_en}."
    return f"第{line}行：{exc.message_zh}。Line {line}: {exc.message_en}."


def _is_english() -> bool:
    return (get_language() or "").lower().startswith("en")


def _month_url(day: dt.date) -> str:
    return reverse("web:calendar") + "?" + urlencode({"year": day.year, "month": day.month})


# --- reading the table (the kernel answers one day at a time; a page needs a month) -----------


@dataclass(frozen=True)
class DayCell:
    day: dt.date
    is_workday: bool
    holiday_name: str
    source: str  # as stored ("chinesecalendar 1.11.0", "admin" …), "" for the fallback
    kind: str  # KIND_TABLE / KIND_ADMIN / KIND_FALLBACK

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def is_weekend(self) -> bool:
        return self.day.weekday() >= 5


def _kind(source: str) -> str:
    return KIND_TABLE if source.startswith(SEED_SOURCE_PREFIX) else KIND_ADMIN


def _cells(first: dt.date, last: dt.date) -> dict[dt.date, DayCell]:
    stored = {
        day: DayCell(day, is_workday, name, source, _kind(source))
        for day, is_workday, name, source in CalendarDay.objects.filter(day__range=(first, last)).values_list(
            "day", "is_workday", "holiday_name", "source"
        )
    }
    cells = {}
    day = first
    while day <= last:
        cells[day] = stored.get(day) or DayCell(day, day.weekday() < 5, "", "", KIND_FALLBACK)
        day += dt.timedelta(days=1)
    return cells


def _day_cell(day: dt.date) -> DayCell:
    return _cells(day, day)[day]


def year_entered(year: int) -> bool:
    """Is every day of ``year`` in the table (seeded or entered)? If not, the page warns."""
    days = 366 if stdlib_calendar.isleap(year) else 365
    return CalendarDay.objects.filter(day__year=year).count() >= days


def _month_weeks(year: int, month: int) -> list[list[DayCell | None]]:
    weeks = stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    cells = _cells(weeks[0][0], weeks[-1][-1])
    return [[cells[d] if d.month == month else None for d in week] for week in weeks]


def _year_lines(year: int) -> tuple[str, str]:
    """The year as it is stored, in the year form's line format (to review and correct)."""
    holidays, makeups = [], []
    for day, is_workday, name in CalendarDay.objects.filter(day__year=year).values_list(
        "day", "is_workday", "holiday_name"
    ):
        if not is_workday and (name or day.weekday() < 5):
            holidays.append(f"{day.isoformat()} {name or '休息日'}")
        elif is_workday and day.weekday() >= 5:
            makeups.append(day.isoformat())
    return "\n".join(holidays), "\n".join(makeups)


# --- forms (parsing only) ---------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, input_formats=["%Y-%m-%d"], widget=DateInput(), **kwargs)


class MonthForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年份"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    month = forms.TypedChoiceField(label=gettext_lazy("月份"), coerce=int, choices=list(MONTHS.items()))


def _is_workday_choice(value: str) -> bool:
    return value == "1"


class DayForm(forms.Form):
    day = _date_field(gettext_lazy("日期"))
    is_workday = forms.TypedChoiceField(
        label=gettext_lazy("这一天"),
        choices=[("1", gettext_lazy("工作日（上班）")), ("0", gettext_lazy("休息日（放假）"))],
        coerce=_is_workday_choice,
        widget=forms.RadioSelect,
    )
    holiday_name = forms.CharField(
        label=gettext_lazy("节假日名称"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("如“国庆节”“国庆节调休上班”；普通日期留空。"),
    )


class YearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年份"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    holidays = forms.CharField(
        label=gettext_lazy("放假日期"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "每行一天：日期 空格 节日名称，如“2027-10-01 国庆节”。假期中的周六、周日也要列出。"
        ),
    )
    makeup_workdays = forms.CharField(
        label=gettext_lazy("调休上班日期"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=gettext_lazy("每行一天，只写日期，如“2027-09-26”；只能是周六或周日。"),
    )


class DeadlineForm(forms.Form):
    start = _date_field(gettext_lazy("起算日期"), help_text=gettext_lazy("起算日当天不计入。"))
    n = forms.IntegerField(
        label=gettext_lazy("工作日数"),
        min_value=-MAX_WORKING_DAYS,
        max_value=MAX_WORKING_DAYS,
        help_text=gettext_lazy("负数表示往前推算。"),
    )


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line number in the textarea
    day: dt.date
    name: str


def parse_lines(text: str, *, named: bool) -> tuple[list[Line], list[str]]:
    """Non-blank lines of a textarea: ``YYYY-MM-DD 名称`` (``named``) or ``YYYY-MM-DD``.

    Returns the lines and bilingual errors naming the line number.
    """
    lines, errors = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        parts = raw.split(maxsplit=1)
        if not parts:
            continue
        token, rest = parts[0], (parts[1].strip() if len(parts) > 1 else "")
        day = None
        if _ISO_DATE.match(token):
            try:
                day = dt.date.fromisoformat(token)
            except ValueError:
                day = None
        if day is None:
            errors.append(
                f"第{number}行：日期应写成 YYYY-MM-DD 格式：{token}。"
                f"Line {number}: the date must be written YYYY-MM-DD: {token}."
            )
        elif named and not rest:
            errors.append(
                f"第{number}行：{token} 后面缺少节日名称。Line {number}: {token} has no holiday name."
            )
        elif not named and rest:
            errors.append(
                f"第{number}行：只写日期，不写其他内容：{raw.strip()}。"
                f"Line {number}: write the date only: {raw.strip()}."
            )
        else:
            lines.append(Line(number, day, rest))
    return lines, errors


# --- pages ------------------------------------------------------------------------------------


@calendar_admin_required
def month(request: HttpRequest, grant: Grant) -> HttpResponse:
    today = timezone.localdate()
    year_asked = request.GET.get("year")
    form = MonthForm(
        {
            "year": year_asked or today.year,
            # a year without a month opens its January (this month for this year)
            "month": request.GET.get("month")
            or (1 if year_asked and year_asked != str(today.year) else today.month),
        }
    )
    if form.is_valid():
        year, month_no = form.cleaned_data["year"], form.cleaned_data["month"]
    else:
        year, month_no = today.year, today.month
    first = dt.date(year, month_no, 1)
    previous = first - dt.timedelta(days=1)
    following = first + dt.timedelta(days=32)
    month_name = str(MONTHS[month_no])
    context = {
        "form": form,
        "year": year,
        "month": month_no,
        "title": f"{month_name} {year}" if _is_english() else f"{year}年{month_no}月",
        "weekdays": [WEEKDAYS_ABBR[i] for i in range(7)],
        "weeks": _month_weeks(year, month_no),
        "year_entered": year_entered(year),
        "previous_url": _month_url(previous) if previous.year >= YEAR_MIN else "",
        "next_url": _month_url(following) if following.year <= YEAR_MAX else "",
        "deadline_form": DeadlineForm(initial={"start": today, "n": 15}),
        "kind_labels": KIND_LABELS,
    }
    return render(request, "web/calendar_month.html", context)


@calendar_admin_required
def day_edit(request: HttpRequest, grant: Grant) -> HttpResponse:
    if request.method == "POST":
        form = DayForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with _as_actor(request, grant):
                    calendar_day_set(
                        actor=request.user,
                        day=data["day"],
                        is_workday=data["is_workday"],
                        holiday_name=data["holiday_name"],
                    )
            except CalendarError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, _bilingual(exc))
            else:
                messages.success(request, gettext("%(day)s 已保存。") % {"day": data["day"].isoformat()})
                return HttpResponseRedirect(_month_url(data["day"]))
        current = _day_cell(form.cleaned_data["day"]) if "day" in form.cleaned_data else None
    else:
        try:
            day = dt.date.fromisoformat(request.GET.get("day", ""))
        except ValueError:
            day = timezone.localdate()
        current = _day_cell(day)
        form = DayForm(
            initial={
                "day": day,
                "is_workday": "1" if current.is_workday else "0",
                "holiday_name": current.holiday_name,
            }
        )
    context = {
        "form": form,
        "current": current,
        "year_entered": year_entered(current.day.year) if current else True,
        "year": current.day.year if current else None,
        "back_url": _month_url(current.day) if current else reverse("web:calendar"),
    }
    return render(request, "web/calendar_day.html", context)


def _year_error(form: YearForm, exc: CalendarError, numbers: dict[str, list[int]]) -> None:
    indexed = _INDEXED_FIELD.match(exc.field)
    if indexed:
        field, index = indexed.group(1), int(indexed.group(2))
        form.add_error(field, _bilingual(exc, line=numbers[field][index]))
    else:
        form.add_error(exc.field if exc.field in form.fields else None, _bilingual(exc))


@calendar_admin_required
def year_edit(request: HttpRequest, grant: Grant) -> HttpResponse:
    if request.method == "POST":
        form = YearForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            holidays, holiday_errors = parse_lines(data["holidays"], named=True)
            makeups, makeup_errors = parse_lines(data["makeup_workdays"], named=False)
            for message in holiday_errors:
                form.add_error("holidays", message)
            for message in makeup_errors:
                form.add_error("makeup_workdays", message)
            if not holiday_errors and not makeup_errors:
                year = data["year"]
                try:
                    with _as_actor(request, grant):
                        days = calendar_year_set(
                            actor=request.user,
                            year=year,
                            holidays=[(line.day, line.name) for line in holidays],
                            makeup_workdays=[line.day for line in makeups],
                        )
                except CalendarError as exc:
                    numbers = {
                        "holidays": [line.number for line in holidays],
                        "makeup_workdays": [line.number for line in makeups],
                    }
                    _year_error(form, exc, numbers)
                else:
                    messages.success(
                        request,
                        gettext("%(year)s 年的放假安排已保存（%(days)s 天）。")
                        % {"year": year, "days": days},
                    )
                    return HttpResponseRedirect(_month_url(dt.date(year, 1, 1)))
        year = form.cleaned_data.get("year")
    else:
        try:
            year = int(request.GET.get("year", ""))
        except ValueError:
            year = timezone.localdate().year + 1  # the State Council publishes next year's in the autumn
        year = min(max(year, YEAR_MIN), YEAR_MAX)
        holidays_text, makeups_text = _year_lines(year)
        form = YearForm(initial={"year": year, "holidays": holidays_text, "makeup_workdays": makeups_text})
    context = {
        "form": form,
        "year": year,
        "year_entered": year_entered(year) if year else True,
        "back_url": _month_url(dt.date(year, 1, 1)) if year else reverse("web:calendar"),
    }
    return render(request, "web/calendar_year.html", context)


@calendar_admin_required
def deadline(request: HttpRequest, grant: Grant) -> HttpResponse:
    form = DeadlineForm(request.GET or None)
    result = None
    if form.is_valid():
        start, n = form.cleaned_data["start"], form.cleaned_data["n"]
        try:
            day, source = add_working_days_info(start, n)
        except OverflowError:
            form.add_error("n", gettext("推算结果超出日期范围。"))
        else:
            result = {"start": start, "n": n, "day": day, "fallback": source == SOURCE_FALLBACK}
    context = {"form": form, "result": result}
    template = (
        "web/calendar_deadline_result.html"
        if request.headers.get("HX-Request") == "true"
        else "web/calendar_deadline.html"
    )
    return render(request, template, context)
