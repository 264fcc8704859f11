"""The official working-day calendar: statutory deadlines in working days.

``CalendarDay`` is seeded from the ``chinesecalendar`` package (2004-01-01 …
2026-12-31 in version 1.11.0; migration 0004 and ``manage.py load_calendar``) and
extended by administrators when the State Council publishes the next year's
holidays (``calendar_year_set``). For a day not in the table the stated fallback
is: Monday–Friday are working days, Saturday and Sunday are not, and the answer
says it came from the fallback (``workday_info`` → ``(is_workday, "fallback-weekday")``)
so callers can flag deadlines computed on a guess. ADR 0005.

Authorisation: the write services below record the change and the audit entry
but do not decide who may call them (the kernel is the lowest layer and cannot
import accounts). Callers in higher layers MUST first call
``shebao.accounts.access.require_perm(actor, Perm.CALENDAR_ADMIN)``.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from collections.abc import Iterable, Iterator

from django.db import transaction

from shebao.kernel.audit import audit_record
from shebao.kernel.models import CalendarDay

SOURCE_TABLE = "table"
SOURCE_FALLBACK = "fallback-weekday"
SEED_SOURCE_PREFIX = "chinesecalendar"
MAKEUP_SUFFIX = "调休上班"
_WINDOW_DAYS = 62
# chinesecalendar's short names → the names in the State Council's notices.
_HOLIDAY_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}


class CalendarError(ValueError):
    """Bad calendar input, naming the field, in Chinese and English."""

    def __init__(self, *, field: str, zh: str, en: str) -> None:
        super().__init__(f"{field}: {en}")
        self.field = field
        self.message_zh = zh
        self.message_en = en


# --- Seeding from chinesecalendar -----------------------------------------------------------


def _seed_source() -> str:
    try:
        return f"{SEED_SOURCE_PREFIX} {importlib.metadata.version('chinesecalendar')}"
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - it is a pinned dependency
        return SEED_SOURCE_PREFIX


def calendar_package_years() -> range:
    """The years the installed chinesecalendar covers (2004–2026 for 1.11.0)."""
    import chinese_calendar

    first = last = 2004
    while True:
        try:
            chinese_calendar.is_workday(dt.date(last + 1, 1, 1))
        except NotImplementedError:
            return range(first, last + 1)
        last += 1


def calendar_package_rows(start: dt.date, end: dt.date) -> list[dict]:
    """One dict per day from ``start`` to ``end`` inclusive, as chinesecalendar says.

    Holidays carry the Chinese holiday name (``国庆节``); make-up working days on a
    weekend carry ``国庆节调休上班``; ordinary days have no name.
    """
    import chinese_calendar
    from chinese_calendar.constants import Holiday

    source = _seed_source()
    rows = []
    day = start
    while day <= end:
        is_holiday, english = chinese_calendar.get_holiday_detail(day)
        name = ""
        if english:
            chinese = _HOLIDAY_NAMES.get(Holiday(english).chinese, Holiday(english).chinese)
            name = chinese if is_holiday else f"{chinese}{MAKEUP_SUFFIX}"
        rows.append({"day": day, "is_workday": not is_holiday, "holiday_name": name[:40], "source": source})
        day += dt.timedelta(days=1)
    return rows


def calendar_load(
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    overwrite_admin: bool = False,
    model=None,
) -> int:
    """Seed or refresh the table from chinesecalendar: idempotent, set-based upsert.

    Defaults to every year the package covers. Days an administrator entered
    (source not ``chinesecalendar…``) are kept unless ``overwrite_admin``.
    ``model`` is for data migrations. Returns the number of days written.
    """
    model = model or CalendarDay
    years = calendar_package_years()
    start = start or dt.date(years.start, 1, 1)
    end = end or dt.date(years.stop - 1, 12, 31)
    if start > end or start.year not in years or end.year not in years:
        raise CalendarError(
            field="end",
            zh=f"chinesecalendar 只覆盖 {years.start}–{years.stop - 1} 年",
            en=f"chinesecalendar covers only {years.start}–{years.stop - 1}",
        )
    rows = calendar_package_rows(start, end)
    with transaction.atomic():
        if not overwrite_admin:
            kept = set(
                model.objects.filter(day__range=(start, end))
                .exclude(source__startswith=SEED_SOURCE_PREFIX)
                .values_list("day", flat=True)
            )
            rows = [row for row in rows if row["day"] not in kept]
        model.objects.bulk_create(
            [model(**row) for row in rows],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["day"],
            update_fields=["is_workday", "holiday_name", "source"],
        )
    return len(rows)


# --- Reading ----------------------------------------------------------------------------------


def _fallback(day: dt.date) -> bool:
    return day.weekday() < 5


def workday_info(day: dt.date) -> tuple[bool, str]:
    """``(is_workday, source)``: source is ``"table"`` or ``"fallback-weekday"``."""
    stored = CalendarDay.objects.filter(day=day).values_list("is_workday", flat=True).first()
    if stored is None:
        return _fallback(day), SOURCE_FALLBACK
    return stored, SOURCE_TABLE


def is_workday(day: dt.date) -> bool:
    return workday_info(day)[0]


def _table(first: dt.date, last: dt.date) -> dict[dt.date, bool]:
    return dict(CalendarDay.objects.filter(day__range=(first, last)).values_list("day", "is_workday"))


def _walk(start: dt.date, step: int) -> Iterator[tuple[dt.date, bool, bool]]:
    """Days after (step=1) or before (step=-1) ``start``: (day, is_workday, from_table)."""
    day = start
    while True:
        window_end = day + dt.timedelta(days=step * _WINDOW_DAYS)
        first, last = sorted((day + dt.timedelta(days=step), window_end))
        table = _table(first, last)
        for _ in range(_WINDOW_DAYS):
            day += dt.timedelta(days=step)
            stored = table.get(day)
            yield day, (_fallback(day) if stored is None else stored), stored is not None


def add_working_days_info(start: dt.date, n: int) -> tuple[dt.date, str]:
    """The ``n``-th working day after ``start`` (before it if ``n`` < 0; ``start`` if 0).

    Returns ``(day, source)``: ``"fallback-weekday"`` if any day counted or
    skipped was outside the table.
    """
    if n == 0:
        return start, SOURCE_TABLE
    fallback = False
    remaining = abs(n)
    for day, working, from_table in _walk(start, 1 if n > 0 else -1):
        fallback = fallback or not from_table
        if working:
            remaining -= 1
            if remaining == 0:
                return day, SOURCE_FALLBACK if fallback else SOURCE_TABLE
    raise AssertionError("unreachable")  # pragma: no cover


def add_working_days(start: dt.date, n: int) -> dt.date:
    """Statutory deadlines: ``start`` + ``n`` working days (``start`` itself not counted)."""
    return add_working_days_info(start, n)[0]


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days after ``a`` up to and including ``b`` (negative if ``b`` < ``a``).

    Consistent with ``add_working_days``: ``working_days_between(a, add_working_days(a, n)) == n``.
    """
    if b < a:
        return -working_days_between(b, a)
    if a == b:
        return 0
    first = a + dt.timedelta(days=1)
    table = _table(first, b)
    count = 0
    day = first
    while day <= b:
        stored = table.get(day)
        count += _fallback(day) if stored is None else stored
        day += dt.timedelta(days=1)
    return count


# --- Administration (callers authorise with Perm.CALENDAR_ADMIN first) -------------------------


def _snapshot(row: CalendarDay | None) -> dict | None:
    if row is None:
        return None
    return {
        "day": row.day.isoformat(),
        "is_workday": row.is_workday,
        "holiday_name": row.holiday_name,
        "source": row.source,
    }


def _check_day(value: object, *, field: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise CalendarError(field=field, zh="日期无效", en="not a calendar date")
    return value


def _check_name(name: str, *, field: str) -> str:
    name = (name or "").strip()
    if len(name) > 40:
        raise CalendarError(
            field=field,
            zh=f"节假日名称不能超过40个字：{name}",
            en=f"the holiday name is longer than 40 characters: {name}",
        )
    return name


def calendar_day_set(
    *, actor, day: dt.date, is_workday: bool, holiday_name: str = "", source: str = "admin"
) -> CalendarDay:
    """Set one day (a correction, or an ad-hoc change announced by the State Council).

    Callers authorise first: ``require_perm(actor, Perm.CALENDAR_ADMIN)``.
    """
    day = _check_day(day, field="day")
    holiday_name = _check_name(holiday_name, field="holiday_name")
    if not source or len(source) > 40:
        raise CalendarError(
            field="source", zh="来源不能为空且不超过40个字", en="the source must be 1–40 characters"
        )
    with transaction.atomic():
        row = CalendarDay.objects.select_for_update().filter(day=day).first()
        before = _snapshot(row)
        if row is None:
            row = CalendarDay.objects.create(
                day=day, is_workday=bool(is_workday), holiday_name=holiday_name, source=source
            )
        else:
            row.is_workday = bool(is_workday)
            row.holiday_name = holiday_name
            row.source = source
            row.save(update_fields=["is_workday", "holiday_name", "source"])
        audit_record(
            action="calendar.set",
            object_type="calendar_day",
            object_id=day.isoformat(),
            before=before,
            after=_snapshot(row),
            actor=actor,
        )
    return row


def calendar_year_set(
    *,
    actor,
    year: int,
    holidays: Iterable[tuple[dt.date, str]],
    makeup_workdays: Iterable[dt.date],
    source: str = "admin",
) -> int:
    """Enter a whole year as published by the State Council (国务院办公厅关于…部分节假日安排的通知).

    ``holidays``: the rest days of each holiday with its name (weekends inside a
    holiday included); ``makeup_workdays``: the weekend days that are working
    days (调休上班). Every other day follows the week. Replaces the year's rows in
    one transaction with one audit entry; returns the number of days written.
    Callers authorise first: ``require_perm(actor, Perm.CALENDAR_ADMIN)``.
    """
    if not isinstance(year, int) or not 2004 <= year <= 2200:
        raise CalendarError(field="year", zh=f"年份无效：{year}", en=f"not a valid year: {year}")
    holiday_names: dict[dt.date, str] = {}
    for index, item in enumerate(holidays):
        field = f"holidays[{index}]"
        try:
            raw_day, raw_name = item
        except (TypeError, ValueError):
            raise CalendarError(
                field=field, zh="应为（日期，名称）", en="must be a (date, name) pair"
            ) from None
        day = _check_day(raw_day, field=field)
        name = _check_name(raw_name, field=field)
        if day.year != year:
            raise CalendarError(
                field=field, zh=f"{day} 不在 {year} 年内", en=f"{day} is not in the year {year}"
            )
        if not name:
            raise CalendarError(field=field, zh=f"{day} 缺少节假日名称", en=f"{day} has no holiday name")
        if day in holiday_names:
            raise CalendarError(field=field, zh=f"{day} 重复", en=f"{day} is listed twice")
        holiday_names[day] = name
    makeups: set[dt.date] = set()
    for index, raw_day in enumerate(makeup_workdays):
        field = f"makeup_workdays[{index}]"
        day = _check_day(raw_day, field=field)
        if day.year != year:
            raise CalendarError(
                field=field, zh=f"{day} 不在 {year} 年内", en=f"{day} is not in the year {year}"
            )
        if day.weekday() < 5:
            raise CalendarError(
                field=field,
                zh=f"{day} 是工作日，调休上班日应是周六或周日",
                en=f"{day} is a weekday; a make-up working day falls on a Saturday or Sunday",
            )
        if day in holiday_names:
            raise CalendarError(
                field=field,
                zh=f"{day} 不能既是假日又是调休上班日",
                en=f"{day} cannot be both a holiday and a make-up working day",
            )
        makeups.add(day)

    rows = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        if day in holiday_names:
            rows.append(
                CalendarDay(day=day, is_workday=False, holiday_name=holiday_names[day], source=source)
            )
        elif day in makeups:
            rows.append(CalendarDay(day=day, is_workday=True, holiday_name=MAKEUP_SUFFIX, source=source))
        else:
            rows.append(CalendarDay(day=day, is_workday=_fallback(day), holiday_name="", source=source))
        day += dt.timedelta(days=1)

    def summary(entries: Iterable[tuple[dt.date, bool, str, str]]) -> dict:
        entries = list(entries)
        return {
            "year": year,
            "days": len(entries),
            "sources": sorted({s for *_, s in entries}),
            "holidays": [
                f"{d.isoformat()} {n}".strip() for d, w, n, _ in entries if not w and (n or d.weekday() < 5)
            ],
            "makeup_workdays": [d.isoformat() for d, w, _, _ in entries if w and d.weekday() >= 5],
        }

    with transaction.atomic():
        existing = CalendarDay.objects.select_for_update().filter(day__year=year).order_by("day")
        before = summary(existing.values_list("day", "is_workday", "holiday_name", "source"))
        CalendarDay.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["day"],
            update_fields=["is_workday", "holiday_name", "source"],
        )
        audit_record(
            action="calendar.year_set",
            object_type="calendar_year",
            object_id=year,
            before=before if before["days"] else None,
            after=summary((r.day, r.is_workday, r.holiday_name, r.source) for r in rows),
            actor=actor,
        )
    return len(rows)
