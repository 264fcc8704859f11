"""Survival certification (领取待遇资格认证) cycle arithmetic (rules.md §8).

A pensioner certifies once per cycle (12 months by default) counted from the last
successful certification, or from the award when there is none. The due date is the
same day ``cycle_months`` later (clamped to the month's last day); reminders go out a
fixed number of days before it. A cycle is *missed* when the due date has passed without
a certification; payment is then suspended from the month after the due date.
No Django import: plain dates and YYYYMM integers.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable

CYCLE_MONTHS = 12
REMINDER_DAYS: tuple[int, ...] = (30, 7)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months, clamped to the last day of the month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(base: dt.date, *, cycle_months: int = CYCLE_MONTHS) -> dt.date:
    """The last day on which a certification keeps the payment going."""
    if cycle_months < 1:
        raise ValueError("cycle_months must be positive")
    return add_months(base, cycle_months)


def reminder_dates(due: dt.date, *, days: Iterable[int] = REMINDER_DAYS) -> list[dt.date]:
    """The days on which a reminder is sent, earliest first."""
    return sorted({due - dt.timedelta(days=d) for d in days if d > 0})


def is_missed(due: dt.date, today: dt.date) -> bool:
    """Missed when the due date has passed (the due day itself still counts)."""
    return today > due


def suspension_period(due: dt.date) -> int:
    """The YYYYMM from which payment is suspended after a missed cycle: the month after
    the month of the due date."""
    year, month = (due.year + 1, 1) if due.month == 12 else (due.year, due.month + 1)
    return year * 100 + month


def period_of(day: dt.date) -> int:
    return day.year * 100 + day.month
