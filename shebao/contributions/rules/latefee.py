"""Late fee (滞纳金) on unpaid contributions (rules.md §2.5). Pure.

``fee = principal × Σ (daily rate in force on each day of arrears)``: simple interest on
the principal, no compounding, rounded to the cent once at the end. The statutory rate is
0.05 % a day (社会保险法 art. 86, from 2011-07-01); the 1999 征缴条例 had 0.2 % a day, so
rates are a date-effective schedule. The day count and the cap at the principal
(行政强制法 art. 45, disputed ❓) are configuration, defaults as rules.md recommends.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from shebao.kernel.rules.money import round_yuan

from .errors import ContributionRuleError, check_date, check_money

STATUTORY_DAILY_RATE = Decimal("0.0005")  # 万分之五, 社会保险法 art. 86
MAX_DAILY_RATE = Decimal("0.01")  # 1 % a day: anything above is a data-entry mistake
EARLIEST_DATE = dt.date(1990, 1, 1)  # before the contribution system: not plausible


class DayCount(enum.StrEnum):
    """Which calendar days of arrears carry a fee (§2.5, 🟡)."""

    AFTER_DUE = "after_due"  # the day after the deadline .. the payment day: paid − due
    INCLUSIVE = "inclusive"  # the deadline itself .. the payment day: paid − due + 1


def _check_convention(convention: object) -> DayCount:
    try:
        return DayCount(convention)
    except ValueError:
        raise ContributionRuleError(
            field="convention", zh="计息天数规则无效", en=f"unknown day-count convention {convention!r}"
        ) from None


def _fee_days(*, due: dt.date, paid: dt.date, convention: DayCount) -> tuple[dt.date, dt.date] | None:
    """First and last day that carry a fee, or ``None`` when paid on or before the due date."""
    due = check_date(due, field="due", earliest=EARLIEST_DATE)
    paid = check_date(paid, field="paid", earliest=EARLIEST_DATE)
    if paid <= due:
        return None
    first = due + dt.timedelta(days=1) if convention is DayCount.AFTER_DUE else due
    return first, paid


def late_fee_days(*, due: dt.date, paid: dt.date, convention: DayCount = DayCount.AFTER_DUE) -> int:
    """Days of arrears: 0 when paid on or before the due date.

    T17: due 2025-03-15, paid 2025-04-10 → 26 (after_due) or 27 (inclusive).
    """
    span = _fee_days(due=due, paid=paid, convention=_check_convention(convention))
    return 0 if span is None else (span[1] - span[0]).days + 1


def _check_daily_rate(rate: object, *, field: str) -> Decimal:
    value = check_money(rate, field=field)
    if value > MAX_DAILY_RATE:
        raise ContributionRuleError(
            field=field,
            zh=f"日滞纳金率 {value} 过高（超过 1%）",
            en=f"the daily rate {value} is implausibly high (above 1 %)",
        )
    return value


@dataclass(frozen=True, slots=True)
class LateFeeRule:
    """One daily rate with its day count and cap (§2.5); defaults are the statutory rule."""

    daily_rate: Decimal = STATUTORY_DAILY_RATE
    convention: DayCount = DayCount.AFTER_DUE
    cap_at_principal: bool = False

    def __post_init__(self) -> None:
        _check_daily_rate(self.daily_rate, field="daily_rate")
        _check_convention(self.convention)
        if not isinstance(self.cap_at_principal, bool):
            raise ContributionRuleError(
                field="cap_at_principal", zh="封顶选项应为是/否", en="cap_at_principal must be a bool"
            )


STATUTORY_RULE = LateFeeRule()


def late_fee(
    *, principal: Decimal, due: dt.date, paid: dt.date, rule: LateFeeRule = STATUTORY_RULE
) -> Decimal:
    """Late fee at one daily rate: principal × rate × days, to the cent (§2.5).

    T15: 10,000 for 30 days → 150.00. T17: 8,640, due 2025-03-15, paid 2025-04-10 → 112.32.
    """
    if not isinstance(rule, LateFeeRule):
        raise ContributionRuleError(field="rule", zh="滞纳金规则无效", en="rule must be a LateFeeRule")
    return late_fee_schedule(
        principal=principal,
        due=due,
        paid=paid,
        schedule=[(EARLIEST_DATE, rule.daily_rate)],
        convention=rule.convention,
        cap_at_principal=rule.cap_at_principal,
    )


def late_fee_schedule(
    *,
    principal: Decimal,
    due: dt.date,
    paid: dt.date,
    schedule: list[tuple[dt.date, Decimal]],
    convention: DayCount = DayCount.AFTER_DUE,
    cap_at_principal: bool = False,
) -> Decimal:
    """Late fee with date-effective daily rates (§2.5).

    ``schedule`` lists ``(effective_from, daily_rate)`` in strictly increasing date order;
    a rate applies from its date until the next entry's date.

    Choice for arrears that straddle a rate change (rules.md leaves it open ❓): **each day
    of arrears carries the rate in force on that day**, so the days are split at every
    change, e.g. arrears due 2011-06-20 and paid 2011-07-10 pay 10 days at 0.2 % and 10
    days at 0.05 %. The alternative (the rate of the due date for the whole arrears) can be
    had by passing a one-entry schedule.

    The fee is principal × Σ(rate × days), rounded half up to the cent once; with
    ``cap_at_principal`` it never exceeds the principal.
    """
    principal = check_money(principal, field="principal")
    convention = _check_convention(convention)
    if not isinstance(cap_at_principal, bool):
        raise ContributionRuleError(
            field="cap_at_principal", zh="封顶选项应为是/否", en="cap_at_principal must be a bool"
        )
    entries = _check_schedule(schedule)
    span = _fee_days(due=due, paid=paid, convention=convention)
    if span is None:
        return round_yuan(Decimal(0))
    first, last = span
    if first < entries[0][0]:
        raise ContributionRuleError(
            field="schedule",
            zh=f"{first.isoformat()} 没有适用的滞纳金率",
            en=f"no daily rate is in force on {first.isoformat()}",
        )
    rate_days = Decimal(0)  # Σ rate × days
    for index, (start, rate) in enumerate(entries):
        end = entries[index + 1][0] - dt.timedelta(days=1) if index + 1 < len(entries) else last
        days = (min(end, last) - max(start, first)).days + 1
        if days > 0:
            rate_days += rate * days
    fee = round_yuan(principal * rate_days)
    if cap_at_principal:
        fee = min(fee, round_yuan(principal))
    return fee


def _check_schedule(schedule: object) -> list[tuple[dt.date, Decimal]]:
    if not isinstance(schedule, list | tuple) or not schedule:
        raise ContributionRuleError(
            field="schedule", zh="滞纳金率表不能为空", en="the daily-rate schedule must not be empty"
        )
    entries: list[tuple[dt.date, Decimal]] = []
    for position, entry in enumerate(schedule):
        field = f"schedule[{position}]"
        if not isinstance(entry, tuple) or len(entry) != 2:
            raise ContributionRuleError(
                field=field,
                zh="应为（生效日期, 日利率）",
                en="each entry must be (effective_from, daily_rate)",
            )
        start = check_date(entry[0], field=field)
        rate = _check_daily_rate(entry[1], field=field)
        if entries and start <= entries[-1][0]:
            raise ContributionRuleError(
                field=field,
                zh="滞纳金率表的生效日期应严格递增",
                en="the schedule's effective dates must be strictly increasing",
            )
        entries.append((start, rate))
    return entries
