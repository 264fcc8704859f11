"""Arrears (欠费) with aging, late-fee statements and fines (罚款) — rules.md §2.4–§2.5.

Public functions (keyword-only; the pages and APIs call these):

- ``late_fee_terms(*, region_code, period, rows=None) -> LateFeeTerms``: the late-fee
  parameters in force for a bill of ``period`` in ``region_code``: the date-effective daily
  rate schedule (LATE_FEE_DAILY, each parameter row's ``valid_from`` period read as the
  first day of that month), the day count (LATE_FEE_DAY_COUNT: 0 after_due, 1 inclusive)
  and the cap flag (LATE_FEE_CAP). Without any LATE_FEE_DAILY row the statutory 0.05 %/day
  applies.
- ``late_fee_quote(*, terms, principal_fen, due, on) -> LateFeeQuote``: days, daily rate
  (ppm, the one in force on ``on``) and fee in fen for a principal unpaid from ``due`` to
  ``on``, computed by ``rules.latefee.late_fee_schedule``. Used by collection when a payment
  arrives and by statements for any date.
- ``payer_arrears(*, user, payer_type, payer_id, on) -> Statement``: a payer's statement on
  a date: each open bill (period, kind, outstanding principal, due date, days overdue, late
  fee accrued to ``on`` — computed, never stored), the open LateFee rows charged by earlier
  late payments, open fines listed separately, and totals. Access:
  ``selectors.authorise_employer_view`` / ``authorise_person_view``.
- ``arrears_list(*, user, region_code, on, min_days=1, limit=50, offset=0) -> ArrearsPage``:
  for staff with CONTRIBUTION_VIEW in the region: one set-based aggregation over the bills,
  grouped by payer, with aging buckets (1–30, 31–90, 91–180, 181–365, >365 days overdue),
  ordered by amount outstanding.
- ``fine_record(*, actor, payer_type, payer_id, amount, reason, decision_ref, decided_on) -> Fine``:
  a 罚款 decision (社会保险法 art. 86), by staff with CONTRIBUTION_WRITE in the payer's region.
  Fines are never mixed into late fees and payments are never allocated to them.

Individuals (flexible workers, payer_type ``person``) are never charged late fees (§2.3):
their statements show 0 accrued.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from shebao.accounts.rules.permissions import Perm
from shebao.contributions import selectors
from shebao.contributions.codes import BillStatus, ChargeStatus, ParamKind, PayerType
from shebao.contributions.models import Bill, Fine, LateFee, Payment
from shebao.contributions.rules.errors import ContributionRuleError
from shebao.contributions.rules.latefee import (
    EARLIEST_DATE,
    STATUTORY_DAILY_RATE,
    DayCount,
    late_fee_days,
    late_fee_schedule,
)
from shebao.contributions.rules.rates import PPM, ppm_to_rate
from shebao.contributions.services import ContributionError, _err, _post, _staff_grant
from shebao.contributions.sheet import ParamRow, jurisdictions_for, resolve
from shebao.kernel.audit import audit_record
from shebao.kernel.rules.money import MoneyError, fen_to_yuan, to_decimal, yuan_to_fen
from shebao.kernel.rules.periods import Period
from shebao.register import sources

MAX_CHARGE_FEN = 1_000_000_000_000  # 10 billion yuan: anything above is a typing error
AGING_BUCKETS = ("1-30", "31-90", "91-180", "181-365", ">365")


def _rule_err(exc: ContributionRuleError) -> ContributionError:
    return ContributionError(field=exc.field, zh=exc.message_zh, en=exc.message_en)


# --- late-fee parameters -----------------------------------------------------------------


@dataclass(frozen=True)
class LateFeeTerms:
    schedule: tuple[tuple[dt.date, Decimal], ...]  # (effective_from, daily rate), increasing
    convention: DayCount
    cap_at_principal: bool

    def daily_ppm_on(self, day: dt.date) -> int:
        rate = self.schedule[0][1]
        for start, value in self.schedule:
            if start <= day:
                rate = value
        return int(rate * PPM)


@dataclass(frozen=True)
class LateFeeQuote:
    days: int
    daily_ppm: int
    fee_fen: int


def _schedule(rows: list[ParamRow], region_code: str) -> tuple[tuple[dt.date, Decimal], ...]:
    mine = [r for r in rows if r.kind == ParamKind.LATE_FEE_DAILY and r.jurisdiction in jurisdictions_for(region_code)]
    if not mine:
        return ((EARLIEST_DATE, STATUTORY_DAILY_RATE),)
    boundaries = {r.valid_from for r in mine} | {int(Period.from_int(r.valid_to) + 1) for r in mine if r.valid_to}
    entries: list[tuple[dt.date, Decimal]] = []
    for boundary in sorted(boundaries):
        value = resolve(mine, kind=ParamKind.LATE_FEE_DAILY, key="", region_code=region_code, period=boundary)
        if value is None:
            continue  # a gap in the data: the previous rate stays in force
        rate = ppm_to_rate(value)
        if not entries or entries[-1][1] != rate:
            entries.append((Period.from_int(boundary).first_day(), rate))
    return tuple(entries)


def late_fee_terms(*, region_code: str, period: int, rows: Iterable[ParamRow] | None = None) -> LateFeeTerms:
    """The late-fee rule for a bill of ``period`` in ``region_code`` (see the module doc)."""
    rows = list(rows) if rows is not None else selectors.parameter_rows(region_code=region_code)
    day_count = resolve(rows, kind=ParamKind.LATE_FEE_DAY_COUNT, key="", region_code=region_code, period=period)
    cap = resolve(rows, kind=ParamKind.LATE_FEE_CAP, key="", region_code=region_code, period=period)
    return LateFeeTerms(
        schedule=_schedule(rows, region_code),
        convention=DayCount.INCLUSIVE if day_count == 1 else DayCount.AFTER_DUE,
        cap_at_principal=cap == 1,
    )


def late_fee_quote(*, terms: LateFeeTerms, principal_fen: int, due: dt.date, on: dt.date) -> LateFeeQuote:
    """The late fee on ``principal_fen`` unpaid from ``due`` until ``on`` (0 if on time)."""
    if principal_fen <= 0 or on <= due:
        return LateFeeQuote(days=0, daily_ppm=terms.daily_ppm_on(on), fee_fen=0)
    try:
        fee = late_fee_schedule(
            principal=fen_to_yuan(principal_fen),
            due=due,
            paid=on,
            schedule=list(terms.schedule),
            convention=terms.convention,
            cap_at_principal=terms.cap_at_principal,
        )
        days = late_fee_days(due=due, paid=on, convention=terms.convention)
    except ContributionRuleError as exc:
        raise _rule_err(exc) from None
    return LateFeeQuote(days=days, daily_ppm=terms.daily_ppm_on(on), fee_fen=yuan_to_fen(fee))


# --- statements ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BillArrears:
    bill_id: int
    period: int
    kind: str
    due_date: dt.date
    total_fen: int
    paid_fen: int
    outstanding_fen: int
    days_overdue: int
    late_fee_fen: int  # accrued to the statement date on the outstanding principal (not stored)


@dataclass(frozen=True)
class ChargeItem:
    """An open late fee (charged when principal was paid late) or an open fine."""

    id: int
    kind: str  # "late_fee" | "fine"
    amount_fen: int
    paid_fen: int
    outstanding_fen: int
    day: dt.date  # late fee: the payment day it was charged for; fine: the decision day
    bill_id: int | None = None
    period: int | None = None
    reference: str = ""  # fine: 处罚决定书文号


@dataclass(frozen=True)
class Statement:
    payer_type: str
    payer_id: int
    on: dt.date
    bills: tuple[BillArrears, ...]
    late_fees: tuple[ChargeItem, ...]
    fines: tuple[ChargeItem, ...]
    credit_fen: int  # unallocated money held for the payer

    @property
    def principal_fen(self) -> int:
        return sum(b.outstanding_fen for b in self.bills)

    @property
    def overdue_fen(self) -> int:
        return sum(b.outstanding_fen for b in self.bills if b.days_overdue > 0)

    @property
    def accrued_late_fee_fen(self) -> int:
        return sum(b.late_fee_fen for b in self.bills)

    @property
    def open_late_fee_fen(self) -> int:
        return sum(c.outstanding_fen for c in self.late_fees)

    @property
    def fines_fen(self) -> int:
        return sum(c.outstanding_fen for c in self.fines)

    @property
    def total_fen(self) -> int:
        """Principal + late fees (accrued and charged) on the date; fines are apart."""
        return self.principal_fen + self.accrued_late_fee_fen + self.open_late_fee_fen

    def yuan(self, fen: int) -> Decimal:
        return fen_to_yuan(fen)


def _payer_type(value: object) -> PayerType:
    try:
        return PayerType(str(value))
    except ValueError:
        raise ContributionError(
            field="payer_type", zh="缴费主体类型应为单位或个人", en="the payer type must be employer or person"
        ) from None


def _payer_region(payer_type: PayerType, payer_id: object) -> str:
    try:
        pid = int(payer_id)
    except (TypeError, ValueError):
        pid = None
    region = None
    if pid is not None:
        region = sources.employer_region(pid) if payer_type == PayerType.EMPLOYER else sources.person_region(pid)
    if region is None:
        raise ContributionError(field="payer_id", zh="缴费主体不存在", en="no such payer")
    return region


def _authorise_view(user, payer_type: PayerType, payer_id: int) -> None:
    if payer_type == PayerType.EMPLOYER:
        selectors.authorise_employer_view(user=user, employer_id=payer_id)
    else:
        selectors.authorise_person_view(user=user, person_id=payer_id)


def payer_arrears(*, user, payer_type: str, payer_id: int, on: dt.date) -> Statement:
    """The payer's statement on ``on`` (see the module doc)."""
    kind = _payer_type(payer_type)
    try:
        payer_id = int(payer_id)
    except (TypeError, ValueError):
        raise ContributionError(field="payer_id", zh="缴费主体不存在", en="no such payer") from None
    _authorise_view(user, kind, payer_id)  # before the existence check: nothing leaks
    region = _payer_region(kind, payer_id)
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise ContributionError(field="on", zh="对账日期无效", en="the statement date is not a date")
    rows = selectors.parameter_rows(region_code=region)
    bills = []
    for bill in (
        Bill.objects.filter(payer_type=kind, payer_id=payer_id)
        .exclude(status=BillStatus.VOID)
        .order_by("period", "kind", "id")
    ):
        outstanding = max(0, bill.total_fen - bill.paid_fen)
        if not outstanding:
            continue
        fee = LateFeeQuote(days=0, daily_ppm=0, fee_fen=0)
        if kind == PayerType.EMPLOYER:
            fee = late_fee_quote(
                terms=late_fee_terms(region_code=region, period=bill.period, rows=rows),
                principal_fen=outstanding,
                due=bill.due_date,
                on=on,
            )
        bills.append(
            BillArrears(
                bill_id=bill.pk, period=bill.period, kind=bill.kind, due_date=bill.due_date,
                total_fen=bill.total_fen, paid_fen=bill.paid_fen, outstanding_fen=outstanding,
                days_overdue=max(0, (on - bill.due_date).days), late_fee_fen=fee.fee_fen,
            )
        )
    late_fees = tuple(
        ChargeItem(
            id=f.pk, kind="late_fee", amount_fen=f.fee_fen, paid_fen=f.paid_fen,
            outstanding_fen=f.fee_fen - f.paid_fen, day=f.paid_on, bill_id=f.bill_id, period=f.bill.period,
        )
        for f in LateFee.objects.filter(bill__payer_type=kind, bill__payer_id=payer_id, status=ChargeStatus.OPEN)
        .select_related("bill")
        .order_by("bill__period", "id")
    )
    fines = tuple(
        ChargeItem(
            id=f.pk, kind="fine", amount_fen=f.amount_fen, paid_fen=0, outstanding_fen=f.amount_fen,
            day=f.decided_on, reference=f.decision_ref,
        )
        for f in Fine.objects.filter(payer_type=kind, payer_id=payer_id, status=ChargeStatus.OPEN).order_by("decided_on", "id")
    )
    return Statement(
        payer_type=kind.value, payer_id=payer_id, on=on, bills=tuple(bills), late_fees=late_fees, fines=fines,
        credit_fen=_credit_fen(kind, payer_id),
    )


def _credit_fen(payer_type: str, payer_id: int) -> int:
    reversed_ids = Payment.objects.filter(kind="reversal", payer_type=payer_type, payer_id=payer_id).values("reverses_id")
    total = 0
    for amount, allocated in (
        Payment.objects.filter(kind="payment", payer_type=payer_type, payer_id=payer_id)
        .exclude(id__in=reversed_ids)
        .values_list("amount_fen", "allocated_fen")
    ):
        total += amount - allocated
    return total


# --- arrears list with aging ---------------------------------------------------------------


@dataclass(frozen=True)
class ArrearsRow:
    payer_type: str
    payer_id: int
    region_code: str
    bills: int
    outstanding_fen: int
    buckets: dict[str, int]  # AGING_BUCKETS label → fen outstanding
    oldest_due: dt.date


@dataclass(frozen=True)
class ArrearsPage:
    on: dt.date
    rows: tuple[ArrearsRow, ...]
    payers: int  # payers in arrears in the region (for paging)
    outstanding_fen: int  # the region's total
    buckets: dict[str, int]


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def arrears_list(
    *, user, region_code: str, on: dt.date, min_days: int = 1, limit: int = 50, offset: int = 0
) -> ArrearsPage:
    """Payers in arrears in a region on ``on``, largest first, with aging (module doc).

    Days overdue are calendar days after the due date. The buckets are expressed as due-date
    ranges computed here, so the SQL compares dates only and runs as is on SQLite and
    PostgreSQL (and on Citus: one table, grouped by payer).
    """
    region = str(region_code or "").strip()
    if len(region) != 6 or not region.isdigit():
        raise ContributionError(field="region_code", zh="区划代码应为6位数字", en="the region must be a 6-digit code")
    _staff_grant(user, Perm.CONTRIBUTION_VIEW, region)
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise ContributionError(field="on", zh="统计日期无效", en="the date is not a date")
    try:
        min_days, limit, offset = int(min_days), int(limit), int(offset)
    except (TypeError, ValueError):
        raise ContributionError(field="limit", zh="分页参数应为整数", en="paging values must be integers") from None
    if min_days < 1 or not 1 <= limit <= 1000 or offset < 0:
        raise ContributionError(field="limit", zh="分页参数不合理", en="implausible paging values")

    def before(days: int) -> dt.date:
        return on - dt.timedelta(days=days)

    params = {
        "region": selectors.region_prefix(region) + "%",
        "cutoff": before(min_days),
        "c30": before(30),
        "c90": before(90),
        "c180": before(180),
        "c365": before(365),
        "limit": limit,
        "offset": offset,
    }
    inner = (
        f"SELECT payer_type, payer_id, region_code, due_date, total_fen - paid_fen AS o "  # noqa: S608 - constant
        f"FROM {Bill._meta.db_table} WHERE region_code LIKE %(region)s AND status <> 'void' "
        "AND paid_fen < total_fen AND due_date <= %(cutoff)s"
    )
    sums = (
        "SUM(CASE WHEN due_date >= %(c30)s THEN o ELSE 0 END), "
        "SUM(CASE WHEN due_date < %(c30)s AND due_date >= %(c90)s THEN o ELSE 0 END), "
        "SUM(CASE WHEN due_date < %(c90)s AND due_date >= %(c180)s THEN o ELSE 0 END), "
        "SUM(CASE WHEN due_date < %(c180)s AND due_date >= %(c365)s THEN o ELSE 0 END), "
        "SUM(CASE WHEN due_date < %(c365)s THEN o ELSE 0 END)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT payer_type, payer_id, MIN(region_code), COUNT(*), SUM(o), {sums}, MIN(due_date) "  # noqa: S608
            f"FROM ({inner}) b GROUP BY payer_type, payer_id "
            "ORDER BY SUM(o) DESC, payer_type, payer_id LIMIT %(limit)s OFFSET %(offset)s",
            params,
        )
        rows = tuple(
            ArrearsRow(
                payer_type=r[0], payer_id=int(r[1]), region_code=r[2], bills=int(r[3]), outstanding_fen=int(r[4]),
                buckets=dict(zip(AGING_BUCKETS, (int(x) for x in r[5:10]), strict=True)), oldest_due=_as_date(r[10]),
            )
            for r in cursor.fetchall()
        )
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT payer_type, payer_id FROM ({inner}) b "  # noqa: S608
            "GROUP BY payer_type, payer_id) g",
            params,
        )
        payers = int(cursor.fetchone()[0])
        cursor.execute(f"SELECT COALESCE(SUM(o), 0), {sums} FROM ({inner}) b", params)  # noqa: S608
        totals = cursor.fetchone()
    return ArrearsPage(
        on=on, rows=rows, payers=payers, outstanding_fen=int(totals[0] or 0),
        buckets=dict(zip(AGING_BUCKETS, (int(x or 0) for x in totals[1:6]), strict=True)),
    )


# --- fines ---------------------------------------------------------------------------------


def _text(value: object, *, field: str, zh: str, en: str, max_length: int) -> str:
    text = str(value or "").strip()
    if not text:
        raise ContributionError(field=field, zh=f"请填写{zh}", en=f"the {en} is required")
    if len(text) > max_length or any(ord(ch) < 32 for ch in text):
        raise ContributionError(
            field=field, zh=f"{zh}过长或含有控制字符", en=f"the {en} is too long or contains control characters"
        )
    return text


def _positive_fen(value: object, *, field: str = "amount") -> int:
    try:
        amount = to_decimal(value, field=field)
        fen = yuan_to_fen(amount)
    except MoneyError as exc:
        raise _err(exc) from None
    if fen <= 0:
        raise ContributionError(field=field, zh="金额应大于零", en="the amount must be positive")
    if fen > MAX_CHARGE_FEN:
        raise ContributionError(field=field, zh=f"金额 {amount} 超出合理范围", en=f"the amount {amount} is not plausible")
    return fen


@transaction.atomic
def fine_record(
    *,
    actor,
    payer_type: str,
    payer_id: int,
    amount: object,
    reason: str,
    decision_ref: str,
    decided_on: dt.date,
) -> Fine:
    """Record a fine decision (罚款, 社会保险法 art. 86: 1–3 × the arrears after the deadline
    given). Kept apart from late fees: statements list fines separately and payments are
    never allocated to them (they are paid through the non-tax revenue channel)."""
    kind = _payer_type(payer_type)
    region = _payer_region(kind, payer_id)
    grant = _staff_grant(actor, Perm.CONTRIBUTION_WRITE, region)
    fen = _positive_fen(amount)
    why = _text(reason, field="reason", zh="处罚事由", en="reason", max_length=200)
    ref = _text(decision_ref, field="decision_ref", zh="处罚决定书文号", en="decision reference", max_length=64)
    if not isinstance(decided_on, dt.date) or isinstance(decided_on, dt.datetime):
        raise ContributionError(field="decided_on", zh="决定日期无效", en="the decision date is not a date")
    if decided_on > timezone.localdate() or decided_on < EARLIEST_DATE:
        raise ContributionError(
            field="decided_on", zh="决定日期不能晚于今天或早于1990年", en="the decision date is in the future or implausible"
        )
    fine = Fine.objects.create(
        payer_type=kind, payer_id=int(payer_id), amount_fen=fen, reason=why, decision_ref=ref,
        decided_on=decided_on, status=ChargeStatus.OPEN, created_at=timezone.now(),
    )
    audit_record(
        action="fine.record", object_type="fine", object_id=fine.pk,
        after={"payer_type": kind.value, "payer_id": int(payer_id), "amount_fen": fen, "reason": why,
               "decision_ref": ref, "decided_on": decided_on.isoformat()},
        actor=actor, post=_post(grant),
    )
    return fine
