"""Contribution history (缴费信息查询) and personal-account statements (个人账户对账单).

Read-side selectors for the pages and APIs; each loads through an access function and
returns plain frozen dataclasses with ``Decimal`` yuan. Public functions (keyword-only,
stable):

``person_contribution_history(*, user, person_id, first_period, last_period) -> list[Month]``
    Month by month (oldest first), the person's lines per insurance: base, employer and
    individual amounts, kind, the employer, and the status from the bill behind the line
    (``paid`` / ``partial`` / ``owed``; ``provisional`` for a provisional line; months paid
    elsewhere (``ExternalMonth``, transferred in) as kind ``external``, paid), plus the
    personal-account credit posted for the month. At most ``MAX_MONTHS`` months; one index
    probe per period. Access: ``selectors.authorise_person_view`` (the person themself,
    staff with CONTRIBUTION_VIEW in the person's region).

``employer_bill_history(*, user, employer_id, limit=60) -> list[BillRow]``
    The employer's bills, newest first: totals, paid, outstanding, due date, status,
    overdue. Access: ``selectors.authorise_employer_view``.

``employer_period_lines(*, user, employer_id, period) -> list[EmployeeMonth]``
    The employer's employees' lines for one period (probing (period, person_id) for the
    persons employed in that month, never scanning the period), with the status of the
    employer's bill. Access: ``selectors.authorise_employer_view``.

``person_account_statement(*, user, person_id, today=None) -> Statement``
    Every credited account year (opening, credits, interest, closing; principal and
    interest apart) and the credits posted since the last credited year, the current
    year's so far included. Access: ``selectors.authorise_person_view``.

Status labels for display: ``STATUS_LABELS[status] -> (zh, en)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from shebao.contributions import selectors
from shebao.contributions.codes import BillStatus, LineKind, PayerType
from shebao.contributions.models import AccountCredit, AccountYear, Bill, ContributionLine, ExternalMonth
from shebao.contributions.rules.rates import ppm_to_rate
from shebao.contributions.services import ContributionError, _period
from shebao.kernel.rules.money import fen_to_yuan
from shebao.register import sources

MAX_MONTHS = 600  # fifty years in one query
_PROBE_BATCH = 500  # persons per (period, person_id IN …) probe

PAID, PARTIAL, OWED, PROVISIONAL = "paid", "partial", "owed", "provisional"
EXTERNAL = "external"  # the kind of a month paid elsewhere (ExternalMonth: transfer in, old records)
STATUS_LABELS = {
    PAID: ("已缴", "paid"),
    PARTIAL: ("部分缴纳", "partly paid"),
    OWED: ("欠缴", "owed"),
    PROVISIONAL: ("暂核", "provisional"),
}
_ORDER = {PAID: 0, PROVISIONAL: 1, PARTIAL: 2, OWED: 3}  # a month is as bad as its worst line


def _yuan(fen: int | None) -> Decimal | None:
    return fen_to_yuan(fen)


def _status(kind: str, bill: Bill | None) -> str:
    if bill is not None and bill.status == BillStatus.PAID:
        return PAID
    if kind == LineKind.PROVISIONAL:
        return PROVISIONAL
    if bill is not None and bill.status == BillStatus.PARTIAL:
        return PARTIAL
    return OWED


def _worst(statuses) -> str:
    return max(statuses, key=_ORDER.__getitem__, default=PAID)


def _bill_key(line: ContributionLine) -> tuple[int, str, int, str]:
    if line.employer_id is None:
        return (line.period, PayerType.PERSON.value, line.person_id, line.kind)
    return (line.period, PayerType.EMPLOYER.value, line.employer_id, line.kind)


def _bills_for(lines: list[ContributionLine]) -> dict[tuple[int, str, int, str], Bill]:
    """The bills behind the lines, by their unique key, in one query."""
    keys = {_bill_key(line) for line in lines}
    if not keys:
        return {}
    query = Q()
    for payer_type, payer_id in {(k[1], k[2]) for k in keys}:
        query |= Q(payer_type=payer_type, payer_id=payer_id)
    bills = Bill.objects.filter(query, period__in=sorted({k[0] for k in keys}))
    return {(b.period, b.payer_type, b.payer_id, b.kind): b for b in bills}


@dataclass(frozen=True)
class InsuranceLine:
    insurance: str
    kind: str  # normal / provisional / backpay
    employer_id: int | None  # None: paid by the person (flexible worker)
    base: Decimal | None
    employer_amount: Decimal
    individual_amount: Decimal
    status: str  # paid / partial / owed / provisional
    due_date: dt.date | None


@dataclass(frozen=True)
class Month:
    period: int
    lines: tuple[InsuranceLine, ...]
    employer_total: Decimal
    individual_total: Decimal
    status: str  # the worst status of the month's lines
    account_credit: Decimal | None  # posted to the personal account for the month, if any


def _check_range(first_period: object, last_period: object) -> list[int]:
    """The periods of the range, oldest first, as ints (no ``Period`` object per month:
    the pension estimator checks fifty years on every request)."""
    first = _period(first_period, field="first_period")
    last = _period(last_period, field="last_period")
    if last < first:
        raise ContributionError(
            field="last_period", zh="截止所属期早于起始所属期", en="last_period is before first_period"
        )
    count = first.months_until(last)  # inclusive
    if count + 1 > MAX_MONTHS:
        raise ContributionError(
            field="first_period",
            zh=f"一次最多查询 {MAX_MONTHS} 个月",
            en=f"at most {MAX_MONTHS} months at a time",
        )
    start = int(first) // 100 * 12 + int(first) % 100 - 1
    return [(m // 12) * 100 + m % 12 + 1 for m in range(start, start + count)]


def _insurance_line(line: ContributionLine, bill: Bill | None) -> InsuranceLine:
    return InsuranceLine(
        insurance=line.insurance,
        kind=line.kind,
        employer_id=line.employer_id,
        base=_yuan(line.base_fen),
        employer_amount=_yuan(line.employer_fen),
        individual_amount=_yuan(line.individual_fen),
        status=_status(line.kind, bill),
        due_date=bill.due_date if bill is not None else None,
    )


def person_contribution_history(
    *, user, person_id: int, first_period: object, last_period: object
) -> list[Month]:
    """The person's contributions month by month (see the module docstring)."""
    selectors.authorise_person_view(user=user, person_id=person_id)
    periods = _check_range(first_period, last_period)
    lines = list(selectors.person_lines(person_id=person_id, periods=periods))
    bills = _bills_for(lines)
    external = ExternalMonth.objects.filter(
        person_id=person_id, period__gte=periods[0], period__lte=periods[-1]
    )
    credits: dict[int, int] = {}
    for period, amount in AccountCredit.objects.filter(
        person_id=person_id, period__gte=periods[0], period__lte=periods[-1]
    ).values_list("period", "amount_fen"):
        credits[period] = credits.get(period, 0) + amount
    by_period: dict[int, list[InsuranceLine]] = {}
    for line in lines:
        by_period.setdefault(line.period, []).append(_insurance_line(line, bills.get(_bill_key(line))))
    for row in external.order_by("period", "insurance", "source"):  # paid elsewhere (transfer in, records)
        by_period.setdefault(row.period, []).append(
            InsuranceLine(insurance=row.insurance, kind=EXTERNAL, employer_id=None, base=_yuan(row.base_fen),
                          employer_amount=_yuan(row.employer_fen), individual_amount=_yuan(row.individual_fen),
                          status=PAID, due_date=None)
        )  # fmt: skip
    months = []
    for period in sorted(set(by_period) | set(credits)):
        items = tuple(by_period.get(period, ()))
        months.append(
            Month(
                period=period,
                lines=items,
                employer_total=sum((i.employer_amount for i in items), Decimal("0.00")),
                individual_total=sum((i.individual_amount for i in items), Decimal("0.00")),
                status=_worst(i.status for i in items),
                account_credit=_yuan(credits.get(period)),
            )
        )
    return months


@dataclass(frozen=True)
class BillRow:
    id: int
    period: int
    kind: str
    employer_amount: Decimal
    individual_amount: Decimal
    total: Decimal
    paid: Decimal
    outstanding: Decimal
    due_date: dt.date
    status: str  # BillStatus: open / partial / paid / void
    overdue: bool  # not paid in full and past the due date
    lines: int


def _bill_row(bill: Bill, today: dt.date) -> BillRow:
    outstanding = max(bill.total_fen - bill.paid_fen, 0)
    return BillRow(
        id=bill.pk,
        period=bill.period,
        kind=bill.kind,
        employer_amount=_yuan(bill.employer_fen),
        individual_amount=_yuan(bill.individual_fen),
        total=_yuan(bill.total_fen),
        paid=_yuan(bill.paid_fen),
        outstanding=_yuan(outstanding),
        due_date=bill.due_date,
        status=bill.status,
        overdue=outstanding > 0 and bill.status != BillStatus.VOID and today > bill.due_date,
        lines=bill.lines,
    )


def employer_bill_history(
    *, user, employer_id: int, limit: int = 60, today: dt.date | None = None
) -> list[BillRow]:
    """The employer's bills, newest period first (at most ``limit``, up to 600)."""
    selectors.authorise_employer_view(user=user, employer_id=employer_id)
    limit = max(1, min(int(limit), MAX_MONTHS))
    today = today or timezone.localdate()
    bills = selectors.bills_for_payer(payer_type=PayerType.EMPLOYER, payer_id=employer_id, limit=limit)
    return [_bill_row(b, today) for b in bills]


@dataclass(frozen=True)
class EmployeeMonth:
    person_id: int
    lines: tuple[InsuranceLine, ...]
    base: Decimal | None  # the pension base (the individual base)
    employer_total: Decimal
    individual_total: Decimal
    status: str


def employer_period_lines(*, user, employer_id: int, period: object) -> list[EmployeeMonth]:
    """The employer's employees' lines for ``period``, by person id."""
    selectors.authorise_employer_view(user=user, employer_id=employer_id)
    p = _period(period)
    persons = sources.person_ids_of_employer(
        employer_id=employer_id, first_day=p.first_day(), last_day=p.last_day()
    )
    lines: list[ContributionLine] = []
    for start in range(0, len(persons), _PROBE_BATCH):
        lines.extend(
            ContributionLine.objects.filter(
                period=int(p), person_id__in=persons[start : start + _PROBE_BATCH], employer_id=employer_id
            )
        )
    bills = _bills_for(lines)
    by_person: dict[int, list[InsuranceLine]] = {}
    for line in sorted(lines, key=lambda x: (x.person_id, x.insurance, x.kind)):
        by_person.setdefault(line.person_id, []).append(_insurance_line(line, bills.get(_bill_key(line))))
    out = []
    for person_id, items in by_person.items():
        pension = next((i for i in items if i.insurance == "pension" and i.kind == LineKind.NORMAL), None)
        out.append(
            EmployeeMonth(
                person_id=person_id,
                lines=tuple(items),
                base=pension.base if pension else None,
                employer_total=sum((i.employer_amount for i in items), Decimal("0.00")),
                individual_total=sum((i.individual_amount for i in items), Decimal("0.00")),
                status=_worst(i.status for i in items),
            )
        )
    return out


@dataclass(frozen=True)
class StatementYear:
    year: int
    months: int  # < 12: a broken year (retirement, transfer, death)
    rate: Decimal  # the crediting rate as a fraction (0.026200)
    method: str
    opening_principal: Decimal
    opening_interest: Decimal
    opening: Decimal
    credits: Decimal
    interest_on_opening: Decimal
    interest_on_credits: Decimal
    interest: Decimal
    closing_principal: Decimal
    closing_interest: Decimal
    closing: Decimal


@dataclass(frozen=True)
class Statement:
    person_id: int
    years: tuple[StatementYear, ...]  # oldest first
    last_credited_year: int | None
    pending_credits: Decimal  # posted for periods after the last credited year, no interest yet
    current_year: int
    current_year_credits: Decimal  # posted so far for the current year's periods
    balance_principal: Decimal  # last closing principal + pending credits
    balance_interest: Decimal  # last closing interest
    balance: Decimal


def _statement_year(row: AccountYear) -> StatementYear:
    interest = row.interest_on_opening_fen + row.interest_on_credits_fen
    return StatementYear(
        year=row.year,
        months=row.months,
        rate=ppm_to_rate(row.rate_ppm),
        method=row.method,
        opening_principal=_yuan(row.opening_principal_fen),
        opening_interest=_yuan(row.opening_interest_fen),
        opening=_yuan(row.opening_principal_fen + row.opening_interest_fen),
        credits=_yuan(row.credits_fen),
        interest_on_opening=_yuan(row.interest_on_opening_fen),
        interest_on_credits=_yuan(row.interest_on_credits_fen),
        interest=_yuan(interest),
        closing_principal=_yuan(row.closing_principal_fen),
        closing_interest=_yuan(row.closing_interest_fen),
        closing=_yuan(row.closing_principal_fen + row.closing_interest_fen),
    )


def person_account_statement(*, user, person_id: int, today: dt.date | None = None) -> Statement:
    """The personal account year by year, and what was posted since (see the module docstring)."""
    selectors.authorise_person_view(user=user, person_id=person_id)
    today = today or timezone.localdate()
    rows = list(AccountYear.objects.filter(person_id=person_id).order_by("year"))
    last = rows[-1] if rows else None
    after = (last.year + 1) * 100 + 1 if last else 0
    credits = AccountCredit.objects.filter(person_id=person_id)
    pending = credits.filter(period__gte=after).aggregate(s=Sum("amount_fen"))["s"] or 0
    current = (
        credits.filter(period__gte=today.year * 100 + 1, period__lte=today.year * 100 + 12).aggregate(
            s=Sum("amount_fen")
        )["s"]
        or 0
    )
    principal = (last.closing_principal_fen if last else 0) + pending
    interest = last.closing_interest_fen if last else 0
    return Statement(
        person_id=person_id,
        years=tuple(_statement_year(r) for r in rows),
        last_credited_year=last.year if last else None,
        pending_credits=_yuan(pending),
        current_year=today.year,
        current_year_credits=_yuan(current),
        balance_principal=_yuan(principal),
        balance_interest=_yuan(interest),
        balance=_yuan(principal + interest),
    )
