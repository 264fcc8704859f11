"""Cutting a hall's opening hours into slots, and queue numbers. Pure: no Django."""

from __future__ import annotations

import datetime as dt

MAX_SLOT_MINUTES = 240
MAX_QUEUE = 999


def slot_times(sessions: list[tuple[dt.time, dt.time]], *, minutes: int) -> list[tuple[dt.time, dt.time]]:
    """Consecutive slots of ``minutes`` inside each (start, end) session; a remainder
    shorter than a slot at the end of a session is not offered."""
    if minutes <= 0 or minutes > MAX_SLOT_MINUTES:
        raise ValueError(f"slot length must be 1…{MAX_SLOT_MINUTES} minutes")
    out: list[tuple[dt.time, dt.time]] = []
    step = dt.timedelta(minutes=minutes)
    base = dt.date(2000, 1, 3)
    for start, end in sessions:
        at, stop = dt.datetime.combine(base, start), dt.datetime.combine(base, end)
        while at + step <= stop:
            out.append((at.time(), (at + step).time()))
            at += step
    return out


def queue_number(prefix: str, n: int) -> str:
    """``("A", 7)`` → ``A007``; a hall hands out at most 999 numbers a day per prefix."""
    if not 1 <= n <= MAX_QUEUE:
        raise ValueError("queue number out of range")
    return f"{prefix}{n:03d}"
