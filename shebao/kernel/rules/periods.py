"""Contribution period (费款所属期) ``YYYYMM`` with arithmetic. Pure: no Django.

Stored in the database as the integer ``YYYYMM`` (e.g. 202507), which sorts and
compares correctly and is cheap to index.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import total_ordering

MIN_YEAR = 1951  # the first labour-insurance regulations
MAX_YEAR = 2200


class PeriodError(ValueError):
    def __init__(self, *, field: str, zh: str, en: str) -> None:
        super().__init__(f"{field}: {en}")
        self.field = field
        self.message_zh = zh
        self.message_en = en


@total_ordering
@dataclass(frozen=True, slots=True)
class Period:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12) or not (MIN_YEAR <= self.year <= MAX_YEAR):
            raise PeriodError(
                field="period",
                zh=f"费款所属期 {self.year:04d}{self.month:02d} 无效",
                en=f"the period {self.year:04d}{self.month:02d} is not valid",
            )

    @classmethod
    def parse(cls, value: object, *, field: str = "period") -> Period:
        if isinstance(value, Period):
            return value
        text = str(value).strip() if value is not None else ""
        match = re.fullmatch(r"(\d{4})-?(\d{2})", text)
        if not match:
            raise PeriodError(
                field=field,
                zh=f"费款所属期“{text}”格式应为 YYYYMM",
                en=f"the period {text!r} must look like YYYYMM",
            )
        try:
            return cls(int(match.group(1)), int(match.group(2)))
        except PeriodError as exc:
            raise PeriodError(field=field, zh=exc.message_zh, en=exc.message_en) from None

    @classmethod
    def of(cls, day: dt.date) -> Period:
        return cls(day.year, day.month)

    @classmethod
    def from_int(cls, value: int) -> Period:
        return cls(value // 100, value % 100)

    def __int__(self) -> int:
        return self.year * 100 + self.month

    def __str__(self) -> str:
        return f"{self.year:04d}{self.month:02d}"

    def __lt__(self, other: Period) -> bool:
        return (self.year, self.month) < (other.year, other.month)

    def index(self) -> int:
        """Months since year 0: makes differences a subtraction."""
        return self.year * 12 + self.month - 1

    def __add__(self, months: int) -> Period:
        idx = self.index() + months
        return Period(idx // 12, idx % 12 + 1)

    def __sub__(self, other: int | Period) -> Period | int:  # type: ignore[override]
        if isinstance(other, Period):
            return self.index() - other.index()
        return self + (-other)

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    def last_day(self) -> dt.date:
        return (self + 1).first_day() - dt.timedelta(days=1)

    def months_until(self, end: Period) -> int:
        """Inclusive count of months from self to end (0 if end is before self)."""
        return max(0, end.index() - self.index() + 1)


def period_range(start: Period, end: Period):
    current = start
    while current <= end:
        yield current
        current = current + 1
