"""Collection (征集): payments, allocation to bills and late fees, credit, reversal, and the
import of collection-result files from the bank or the tax channel (rules.md §2.4–§2.6).

Public functions (keyword-only; the pages and APIs call these, keep them stable):

- ``payment_record(*, actor, source, external_ref, payer_type, payer_id, amount, paid_on,
  period=None) -> Payment``: record one payment and allocate it, in one atomic audited
  write. ``amount`` is yuan (``Decimal``/text), ``paid_on`` a date or ``YYYY-MM-DD`` /
  ``YYYYMMDD`` text, ``period`` an optional ``YYYYMM`` the payer named. Refused with a
  ContributionError: a duplicate ``(source, external_ref)`` (field ``external_ref``,
  "重复的缴款记录"), a non-positive or non-numeric amount, a date in the future or before
  1990, an unknown payer. Access: the system, or staff with CONTRIBUTION_WRITE in the
  payer's region (raises AccessDenied).
- ``payer_credit_apply(*, actor, payer_type, payer_id) -> int``: apply the unallocated
  credit of earlier payments (oldest first) to bills opened since; returns the fen applied.
  A late fee, if any, is computed up to the day the money arrived (the payment's date).
  Staff rarely need it: the assessment applies standing credit itself (below).
- ``credits_apply_after_assessment(*, period, run_id) -> dict``: 预缴/余额抵扣, called by the
  assessment in its finishing transaction right after ``bills_release_overpayment``. The
  payers with both credit (unreversed payments with ``allocated_fen < amount_fen``) and an
  open bill of the run, found by one query, have their credit applied exactly as
  ``payer_credit_apply`` would (each payment's money on the day it arrived: a bill not yet
  due then carries no late fee), in bulk (below). Returns ``{"payers", "payments",
  "applied_fen"}``; audited once with these totals (``payment.credit_apply_after_assessment``)
  when anything was applied. A rerun finds the credit already used.
- ``payment_reverse(*, actor, payment_id, external_ref, reason) -> Payment``: 冲正. A
  reversal record (same source, its own reference) undoes the payment exactly: negative
  allocations mirror the original ones (``rules.allocation.reverse_allocation``), bills'
  ``paid_fen`` and status are restored, late fees charged because of that payment are
  waived (any part of them another payment settled goes back to that payment's credit).
  Reversing twice, or reversing a reversal, is refused. The reason is kept in the audit
  entry (the Payment table has no column for it).
- ``payments_import_csv(*, actor, data, source, filename="") -> ImportResult``: a
  collection-result file (CSV; UTF-8 with or without BOM, or GB18030/GBK). Columns, by a
  header row in Chinese or English: 流水号/external_ref, 缴费主体/payer (USCC of an employer
  or ID number of a person), 金额/amount (yuan), 缴款日期/paid_on (YYYY-MM-DD or YYYYMMDD),
  所属期/period (optional). Every row is validated first; if any fails nothing is written
  and ``ImportResult.errors`` lists each as a ContributionError with ``row``, ``field``,
  ``message_zh``, ``message_en``. File-level problems (empty, binary, unknown encoding, over
  20 MB or 200,000 rows, missing columns) come back the same way with ``row`` None (or 1 for
  the header). Otherwise all rows are recorded and allocated in one transaction, in bulk
  (below), with the result ``payment_record`` row by row in file order would give: the same
  payments, allocations, late fees and bills, and the same audit entries (one
  ``payment.record`` per payment, in file order, then ``payment.import`` with the totals).
  Look-ups of the file's payers are batched too.
- Reads: ``payer_credit_fen(*, payer_type, payer_id) -> int``,
  ``payments_for_payer(*, payer_type, payer_id, limit=50)``,
  ``payment_allocations(*, payment_id)``.

Allocation (one path for new payments and for credit): the open items are the payer's
bills with principal outstanding (total − paid > 0, not void) or with open late fees,
the named ``period`` first, then oldest period first, within a period normal before
provisional before backpay. For each bill the principal part is settled first; if it is
settled after the bill's due date a LateFee is charged on that part (``arrears.late_fee_terms``
of the payer's region: date-effective LATE_FEE_DAILY, LATE_FEE_DAY_COUNT, LATE_FEE_CAP) and
settled from the same payment as far as it goes, then the bill's older open late fees.
What remains is the payer's credit (``allocated_fen < amount_fen``). Individuals are never
charged late fees (§2.3). Bills are locked (``select_for_update``, in id order) so two
payments at once cannot over-allocate on PostgreSQL. Invariant, for every payment row:
``allocated_fen`` = Σ its Allocation rows (a reversal's is negative).

One implementation of this rule serves every path (``_OpenItems``): a single payment or a
payer's credit is a chunk of one payer. In bulk (the import, credit after an assessment)
the payers are taken in chunks of about ``CHUNK_ROWS`` payments, each payer wholly in one
chunk. A chunk's open bills and then open
late fees are read and locked with one query per payer type (in id order), its payments are
allocated in memory under the same rule with the same kernels (``rules.allocation``,
``arrears.late_fee_quote``), one after the other in the order the single path takes them,
and the chunk is written with a few multi-row statements (payments, late fees,
allocations; bills' and late fees' ``paid_fen``/status, payments' ``allocated_fen``).
Payers share no bills, so a chunk gives what the payments one by one would give;
``tests/contributions/test_collection.py`` compares an import with the same rows recorded
one at a time. Memory is bounded by the
chunk besides the validated rows of the file.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, Lookup, OuterRef, Q, Sum
from django.utils import timezone

from shebao.accounts.access import grant_for
from shebao.accounts.rules.permissions import Perm
from shebao.contributions import selectors
from shebao.contributions.arrears import (
    LateFeeTerms,
    _credit_fen,
    _payer_region,
    _payer_type,
    _positive_fen,
    _text,
    late_fee_quote,
    late_fee_terms,
)
from shebao.contributions.codes import (
    BillStatus,
    ChargeStatus,
    LineKind,
    PayerType,
    PaymentKind,
    PaymentSource,
)
from shebao.contributions.models import Allocation, Bill, LateFee, Payment
from shebao.contributions.rules.allocation import allocate_payment, reverse_allocation
from shebao.contributions.rules.latefee import EARLIEST_DATE
from shebao.contributions.services import ContributionError, _period, _post, _staff_grant
from shebao.contributions.sheet import ParamRow
from shebao.kernel.audit import audit_batch, audit_record
from shebao.register import sources
from shebao.register.access import is_system

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
_KIND_ORDER = {LineKind.NORMAL.value: 0, LineKind.PROVISIONAL.value: 1, LineKind.BACKPAY.value: 2}


def _duplicate() -> ContributionError:
    return ContributionError(field="external_ref", zh="重复的缴款记录", en="duplicate payment record")


def _bill_status(paid: int, total: int) -> str:
    """Same rule as the assessment's bill upsert."""
    if total <= 0:
        return BillStatus.PAID if paid > 0 else BillStatus.VOID
    if paid >= total:
        return BillStatus.PAID
    return BillStatus.PARTIAL if paid > 0 else BillStatus.OPEN


# --- input cleaning ------------------------------------------------------------------------


def _source(value: object) -> PaymentSource:
    try:
        return PaymentSource(str(value))
    except ValueError:
        raise ContributionError(
            field="source", zh="缴款来源无效", en=f"unknown payment source {str(value)[:20]!r}"
        ) from None


def _ref(value: object) -> str:
    return _text(value, field="external_ref", zh="缴款流水号", en="payment reference", max_length=64)


def _paid_on(value: object, *, today: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ContributionError(field="paid_on", zh="缴款日期应为日期，不含时间", en="paid_on must be a date")
    if isinstance(value, dt.date):
        day = value
    else:
        text = str(value or "").strip()
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{4})(\d{2})(\d{2})|(\d{4})/(\d{1,2})/(\d{1,2})", text)
        if not match:
            raise ContributionError(
                field="paid_on",
                zh=f"缴款日期“{text[:20]}”格式应为 YYYY-MM-DD 或 YYYYMMDD",
                en=f"the payment date {text[:20]!r} must look like YYYY-MM-DD or YYYYMMDD",
            )
        y, m, d = (int(g) for g in match.groups() if g is not None)
        try:
            day = dt.date(y, m, d)
        except ValueError:
            raise ContributionError(
                field="paid_on", zh=f"缴款日期“{text}”不存在", en=f"the payment date {text!r} does not exist"
            ) from None
    if day > today:
        raise ContributionError(
            field="paid_on", zh=f"缴款日期 {day.isoformat()} 晚于今天", en=f"the payment date {day.isoformat()} is in the future"
        )
    if day < EARLIEST_DATE:
        raise ContributionError(
            field="paid_on", zh=f"缴款日期 {day.isoformat()} 不可信", en=f"the payment date {day.isoformat()} is not plausible"
        )
    return day


def _opt_period(value: object) -> int | None:
    if value in (None, ""):
        return None
    return int(_period(value))


@dataclass(frozen=True)
class _Clean:
    source: PaymentSource
    ref: str
    payer_type: PayerType
    payer_id: int
    region: str
    amount_fen: int
    paid_on: dt.date
    period: int | None


# --- allocation ----------------------------------------------------------------------------


class _Terms:
    """Late-fee terms per bill period for one payer region (parameters read once)."""

    def __init__(self) -> None:
        self._rows: dict[str, list[ParamRow]] = {}
        self._terms: dict[tuple[str, int], LateFeeTerms] = {}

    def get(self, region: str, period: int) -> LateFeeTerms:
        key = (region, period)
        if key not in self._terms:
            if region not in self._rows:
                self._rows[region] = selectors.parameter_rows(region_code=region)
            self._terms[key] = late_fee_terms(region_code=region, period=period, rows=self._rows[region])
        return self._terms[key]


def _allocate(*, payment: Payment, budget_fen: int, on: dt.date, region: str, terms: _Terms) -> int:
    """Apply ``budget_fen`` of ``payment`` to the payer's open items (module doc) on the day
    ``on``. Returns the fen allocated and adds it to ``payment.allocated_fen``. The one rule
    for every path: a single payment is a chunk of one (``_OpenItems``, "allocation in bulk")."""
    if budget_fen <= 0:
        return 0
    job = _Job(
        payer_type=str(payment.payer_type), payer_id=int(payment.payer_id), region=region, period=payment.period,
        on=on, budget_fen=budget_fen, payment_id=payment.pk,
    )
    items = _OpenItems({(job.payer_type, job.payer_id)}, terms=terms)
    used = items.allocate(job)
    items.write(timezone.now())
    if used:
        payment.allocated_fen += used
        payment.save(update_fields=["allocated_fen"])
    return used


# --- allocation in bulk: the same rule for many payments at once (module doc, "In bulk") ------

CHUNK_ROWS = 5_000  # about this many payments (or payers with credit) per chunk
_ROWS_PER_STATEMENT = 500  # SQLite: rows per multi-row INSERT / UPDATE (≤ 12 parameters a row)
_ARRAY_ROWS = 20_000  # PostgreSQL: rows per INSERT / UPDATE through unnest (one parameter a column)


class _AnyOf(Lookup):
    """``column = ANY(%s::bigint[])``: one array parameter for thousands of ids (ADR 0012),
    which the planner matches against an index like a list of values."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs}::bigint[])", [*lhs_params, *rhs_params]


def _among(column: str, ids) -> Q | _AnyOf:
    """A filter on ``column`` being one of many ids: an array on PostgreSQL, a list of
    values on SQLite."""
    if connection.vendor == "postgresql":
        return _AnyOf(F(column), list(ids))
    return Q(**{f"{column}__in": list(ids)})


def _per_payer_type(payers) -> list[tuple[Q, Q | _AnyOf]]:
    """Filters on rows of these (payer type, payer id) pairs, one per payer type, so that
    each query can use the payer index."""
    return [
        (Q(payer_type=kind), _among("payer_id", sorted(pid for k, pid in payers if k == kind)))
        for kind in sorted({p[0] for p in payers})
    ]


@dataclass(eq=False, slots=True)
class _Job:
    """The money of one payment to allocate: a new payment (import) or what is left of an
    earlier one (credit)."""

    payer_type: str
    payer_id: int
    region: str
    period: int | None
    on: dt.date
    budget_fen: int
    payment_id: int | None = None  # None until a new payment is inserted
    row: int | None = None  # the file row, for errors
    clean: _Clean | None = None
    used_fen: int = 0

    def snapshot(self) -> tuple:
        """A new payment's ``_SNAPSHOT`` values, as its row now holds them."""
        c = self.clean
        return (c.source.value, c.ref, PaymentKind.PAYMENT.value, self.payer_type, self.payer_id, c.amount_fen,
                c.paid_on, c.period, self.used_fen, None)


@dataclass(eq=False, slots=True)
class _OpenBill:
    id: int
    period: int
    kind: str
    total_fen: int
    paid_fen: int
    status: str
    due_date: dt.date
    fees: list[_OpenFee] = field(default_factory=list)  # open when read or charged since, in id order
    changed: bool = False


@dataclass(eq=False, slots=True)
class _OpenFee:
    id: int | None  # None: charged in this chunk, not yet written
    bill: _OpenBill
    fee_fen: int
    paid_fen: int
    status: str
    job: _Job | None = None  # new fees: the payment that was late
    principal_fen: int = 0
    days: int = 0
    daily_ppm: int = 0
    changed: bool = False


class _OpenItems:
    """The open bills and late fees of a chunk of payers, read and locked together (bills,
    then late fees, per payer type and in id order, as ``_allocate`` locks a payer's),
    allocated in memory and written back in bulk."""

    def __init__(self, payers: set[tuple[str, int]], *, terms: _Terms) -> None:
        self.terms = terms
        self.parts: list[tuple[_Job, _OpenBill | None, _OpenFee | None, int]] = []
        self.new_fees: list[_OpenFee] = []
        self.bills: dict[tuple[str, int], list[_OpenBill]] = defaultdict(list)
        if not payers:
            return
        by_id: dict[int, _OpenBill] = {}
        open_fee = LateFee.objects.filter(bill_id=OuterRef("id"), status=ChargeStatus.OPEN)
        for of_payers in _per_payer_type(payers):
            for row in (
                Bill.objects.select_for_update()
                .filter(*of_payers)
                .exclude(status=BillStatus.VOID)
                .filter(Q(paid_fen__lt=F("total_fen")) | Exists(open_fee))
                .order_by("id")
                .values_list("id", "payer_type", "payer_id", "period", "kind", "total_fen", "paid_fen", "status", "due_date")
            ):
                bill = _OpenBill(
                    id=row[0], period=row[3], kind=row[4], total_fen=row[5], paid_fen=row[6], status=row[7],
                    due_date=row[8],
                )
                by_id[bill.id] = bill
                self.bills[(row[1], row[2])].append(bill)
        if not by_id:
            return
        for of_payers in _per_payer_type(payers):
            for fee_id, bill_id, fee_fen, paid_fen in (
                LateFee.objects.select_for_update()
                .filter(status=ChargeStatus.OPEN, bill_id__in=Bill.objects.filter(*of_payers).values("id"))
                .order_by("id")
                .values_list("id", "bill_id", "fee_fen", "paid_fen")
            ):
                bill = by_id.get(bill_id)
                if bill is not None:  # a void bill's fees are not the payer's open items
                    bill.fees.append(
                        _OpenFee(id=fee_id, bill=bill, fee_fen=fee_fen, paid_fen=paid_fen, status=ChargeStatus.OPEN)
                    )

    def allocate(self, job: _Job) -> int:
        """``_allocate`` on the in-memory items: the same order, kernels and late-fee rule."""
        if job.budget_fen <= 0:
            return 0
        bills = [
            b for b in self.bills.get((job.payer_type, job.payer_id), ())
            if b.status != BillStatus.VOID
            and (b.paid_fen < b.total_fen or (b.fees and any(f.status == ChargeStatus.OPEN for f in b.fees)))
        ]
        bills.sort(key=lambda b: (b.period != job.period, b.period, _KIND_ORDER.get(b.kind, 9), b.id))
        remaining = job.budget_fen
        for bill in bills:
            if not remaining:
                break
            split = allocate_payment(amount_fen=remaining, open_items=[(bill.id, max(0, bill.total_fen - bill.paid_fen))])
            principal, remaining = split.allocated_fen, split.credit_fen
            fees = [f for f in bill.fees if f.status == ChargeStatus.OPEN]
            if principal:
                self.parts.append((job, bill, None, principal))
                bill.paid_fen += principal
                bill.status = _bill_status(bill.paid_fen, bill.total_fen)
                bill.changed = True
                if job.payer_type == PayerType.EMPLOYER and job.on > bill.due_date:
                    quote = late_fee_quote(
                        terms=self.terms.get(job.region, bill.period), principal_fen=principal, due=bill.due_date,
                        on=job.on,
                    )
                    if quote.fee_fen > 0:
                        fee = _OpenFee(
                            id=None, bill=bill, fee_fen=quote.fee_fen, paid_fen=0, status=ChargeStatus.OPEN, job=job,
                            principal_fen=principal, days=quote.days, daily_ppm=quote.daily_ppm,
                        )
                        bill.fees.append(fee)
                        self.new_fees.append(fee)
                        fees.insert(0, fee)
            if remaining and fees:
                split = allocate_payment(
                    amount_fen=remaining, open_items=[(i, f.fee_fen - f.paid_fen) for i, f in enumerate(fees)]
                )
                remaining = split.credit_fen
                for i, part in split.parts:
                    fee = fees[i]
                    self.parts.append((job, None, fee, part))
                    fee.paid_fen += part
                    if fee.paid_fen >= fee.fee_fen:
                        fee.status = ChargeStatus.PAID
                    fee.changed = True
        used = job.budget_fen - remaining
        job.used_fen += used
        return used

    def write(self, now: dt.datetime) -> None:
        """Late fees charged, allocations, bills and earlier late fees changed: multi-row
        statements. The jobs' payments must have their ids by now."""
        at = connection.ops.adapt_datetimefield_value(now)
        day = connection.ops.adapt_datefield_value
        if self.new_fees:
            ids = {
                (bill_id, payment_id): fee_id
                for fee_id, bill_id, payment_id in _insert(
                    LateFee,
                    ("bill_id", "payment_id", "principal_fen", "due_date", "paid_on", "days", "daily_ppm", "fee_fen",
                     "paid_fen", "status", "created_at"),
                    [
                        (f.bill.id, f.job.payment_id, f.principal_fen, day(f.bill.due_date), day(f.job.on), f.days,
                         f.daily_ppm, f.fee_fen, f.paid_fen, f.status, at)
                        for f in self.new_fees
                    ],
                    returning=("id", "bill_id", "payment_id"),
                )
            }
            for fee in self.new_fees:
                fee.id = ids[(fee.bill.id, fee.job.payment_id)]
        _insert(
            Allocation,
            ("payment_id", "bill_id", "late_fee_id", "amount_fen", "created_at"),
            [(job.payment_id, bill.id if bill else None, fee.id if fee else None, fen, at)
             for job, bill, fee, fen in self.parts],
        )
        _update(
            Bill, ("paid_fen", "status"),
            [(b.id, b.paid_fen, b.status) for bills in self.bills.values() for b in bills if b.changed],
            also={"updated_at": at},
        )
        _update(
            LateFee, ("paid_fen", "status"),
            [(f.id, f.paid_fen, f.status) for bills in self.bills.values() for b in bills for f in b.fees
             if f.changed and f.job is None],
        )


def _insert(model, columns: tuple[str, ...], rows: list[tuple], *, returning: tuple[str, ...] = ()) -> list[tuple]:
    """Insert ``rows`` (values of ``columns``) with a few statements; returns the
    ``returning`` columns of the new rows, in no promised order. PostgreSQL: one array per
    column through ``unnest`` (a value the same in every row goes once), as ADR 0012 asks
    for big statements; SQLite: multi-row ``VALUES``."""
    if not rows:
        return []
    qn = connection.ops.quote_name
    into = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
    tail = f" RETURNING {', '.join(qn(c) for c in returning)}" if returning else ""
    out: list[tuple] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for start in range(0, len(rows), _ARRAY_ROWS):
                cols = list(zip(*rows[start:start + _ARRAY_ROWS], strict=True))
                items, scalars, arrays, names = [], [], [], []
                for i, (name, values) in enumerate(zip(columns, cols, strict=True)):
                    kind = model._meta.get_field(name).db_type(connection)
                    if i and all(v == values[0] for v in values):
                        items.append(f"%s::{kind}")
                        scalars.append(values[0])
                    else:
                        items.append(f"v.c{i}")
                        names.append((f"c{i}", kind))
                        arrays.append(list(values))
                arrays_in = ", ".join(f"%s::{k}[]" for _, k in names)
                select = f"SELECT {', '.join(items)} FROM unnest({arrays_in}) AS v({', '.join(n for n, _ in names)})"  # noqa: S608
                cursor.execute(into + select + tail, [*scalars, *arrays])
                if returning:
                    out.extend(cursor.fetchall())
            return out
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for start in range(0, len(rows), _ROWS_PER_STATEMENT):
            batch = rows[start:start + _ROWS_PER_STATEMENT]
            cursor.execute(into + "VALUES " + ", ".join([one] * len(batch)) + tail, [v for r in batch for v in r])
            if returning:
                out.extend(cursor.fetchall())
    return out


def _update(model, columns: tuple[str, ...], rows: list[tuple], *, also: dict | None = None, add: bool = False) -> None:
    """Set ``columns`` of the rows (id, value, …) by id, and the ``also`` values on all of
    them, with a few ``UPDATE … FROM`` statements; with ``add`` the values are added to
    the columns instead. PostgreSQL: arrays through ``unnest``; SQLite (≥ 3.33): ``VALUES``."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    extra = list((also or {}).items())
    kinds = [model._meta.get_field(c).db_type(connection) for c in ("id", *columns)]
    postgresql = connection.vendor == "postgresql"
    names = ["id", *(f"c{i}" for i in range(len(columns)))] if postgresql else [
        f"column{i + 1}" for i in range(len(columns) + 1)
    ]
    sets = ", ".join(
        [f"{qn(c)} = {table}.{qn(c)} + v.{n}" if add else f"{qn(c)} = v.{n}" for c, n in zip(columns, names[1:], strict=True)]
        + [f"{qn(c)} = %s" for c, _ in extra]
    )
    head = f"UPDATE {table} SET {sets} FROM "  # noqa: S608 - model identifiers
    with connection.cursor() as cursor:
        if postgresql:
            for start in range(0, len(rows), _ARRAY_ROWS):
                cols = [list(c) for c in zip(*rows[start:start + _ARRAY_ROWS], strict=True)]
                cursor.execute(  # the ids twice: "= ANY" lets the planner fetch just these rows by index
                    head + f"unnest({', '.join(f'%s::{k}[]' for k in kinds)}) AS v({', '.join(names)})"
                    + f" WHERE {table}.{qn('id')} = v.id AND {table}.{qn('id')} = ANY(%s::bigint[])",
                    [value for _, value in extra] + cols + [cols[0]],
                )
            return
        casts = ["CAST(%s AS INTEGER)" if "int" in k.lower() else "CAST(%s AS TEXT)" for k in kinds]
        one = "(" + ", ".join(casts) + ")"
        for start in range(0, len(rows), _ROWS_PER_STATEMENT):
            batch = rows[start:start + _ROWS_PER_STATEMENT]
            cursor.execute(
                head + f"(VALUES {', '.join([one] * len(batch))}) AS v WHERE {table}.{qn('id')} = v.column1",
                [value for _, value in extra] + [v for r in batch for v in r],
            )


def _create_payment(c: _Clean, *, batch: str = "", recorded_by: str = "") -> Payment:
    try:
        with transaction.atomic():
            return Payment.objects.create(
                source=c.source, external_ref=c.ref, kind=PaymentKind.PAYMENT, payer_type=c.payer_type,
                payer_id=c.payer_id, amount_fen=c.amount_fen, paid_on=c.paid_on, period=c.period,
                import_batch=batch, received_at=timezone.now(), recorded_by=recorded_by,
            )
    except IntegrityError:
        raise _duplicate() from None


_SNAPSHOT = ("source", "external_ref", "kind", "payer_type", "payer_id", "amount_fen", "paid_on", "period",
             "allocated_fen", "reverses_id")


def _snapshot(p: Payment) -> dict:
    return _snapshot_of([getattr(p, name) for name in _SNAPSHOT])


def _snapshot_of(values) -> dict:
    """What the audit keeps of a payment, from its ``_SNAPSHOT`` column values."""
    snap = dict(zip(_SNAPSHOT, values, strict=True))
    snap["paid_on"] = snap["paid_on"].isoformat()
    snap["reverses"] = snap.pop("reverses_id")
    return snap


def _label(actor) -> str:
    return actor.get_username() if actor is not None and hasattr(actor, "get_username") else ""


def _record(c: _Clean, *, actor, post: str, terms: _Terms, batch: str = "") -> Payment:
    payment = _create_payment(c, batch=batch, recorded_by=_label(actor))
    _allocate(payment=payment, budget_fen=c.amount_fen, on=c.paid_on, region=c.region, terms=terms)
    audit_record(
        action="payment.record", object_type="payment", object_id=payment.pk,
        after=_snapshot(payment), actor=actor, post=post,
    )
    return payment


@transaction.atomic
def payment_record(
    *,
    actor,
    source: str,
    external_ref: str,
    payer_type: str,
    payer_id: int,
    amount: object,
    paid_on: object,
    period: object = None,
) -> Payment:
    """Record one payment and allocate it (module doc)."""
    kind = _payer_type(payer_type)
    region = _payer_region(kind, payer_id)
    grant = _staff_grant(actor, Perm.CONTRIBUTION_WRITE, region)
    c = _Clean(
        source=_source(source), ref=_ref(external_ref), payer_type=kind, payer_id=int(payer_id), region=region,
        amount_fen=_positive_fen(amount), paid_on=_paid_on(paid_on, today=timezone.localdate()),
        period=_opt_period(period),
    )
    if Payment.objects.filter(source=c.source, external_ref=c.ref).exists():
        raise _duplicate()
    return _record(c, actor=actor, post=_post(grant), terms=_Terms())


@transaction.atomic
def payer_credit_apply(*, actor, payer_type: str, payer_id: int) -> int:
    """Apply earlier payments' unallocated credit to open bills (module doc)."""
    kind = _payer_type(payer_type)
    region = _payer_region(kind, payer_id)
    grant = _staff_grant(actor, Perm.CONTRIBUTION_WRITE, region)
    applied = _credit_apply_payers([(kind.value, int(payer_id))])
    total = sum(applied.values())
    if total:
        audit_record(
            action="payment.credit_apply", object_type=kind.value, object_id=int(payer_id),
            after={"applied_fen": total, "payments": {str(k): v for k, v in applied.items()}},
            actor=actor, post=_post(grant),
        )
    return total


@transaction.atomic
def bills_release_overpayment(*, period: int, run_id: int) -> dict[str, int]:
    """After a run lowered bills below what had been paid against them (a correction that
    re-assessed the period): give the excess back to the payments it came from (negative
    allocations, newest payment first), so that it is held as the payer's credit, then apply
    each such payer's credit to its other open bills. Called by the assessment inside its
    finishing transaction; a no-op when no bill is over-paid. Audited once with the totals."""
    over = list(
        Bill.objects.select_for_update()
        .filter(period=int(period), run_id=int(run_id), paid_fen__gt=F("total_fen"))
        .order_by("id")
    )
    now = timezone.now()
    released = 0
    payers: set[tuple[str, int]] = set()
    for bill in over:
        excess = bill.paid_fen - max(bill.total_fen, 0)
        nets = (
            Allocation.objects.filter(bill=bill)
            .values("payment_id")
            .annotate(net=Sum("amount_fen"))
            .filter(net__gt=0)
            .order_by("-payment_id")
        )
        parts: list[Allocation] = []
        for row in nets:
            if excess <= 0:
                break
            take = min(excess, int(row["net"]))
            parts.append(Allocation(payment_id=row["payment_id"], bill=bill, amount_fen=-take, created_at=now))
            Payment.objects.filter(pk=row["payment_id"]).update(allocated_fen=F("allocated_fen") - take)
            excess -= take
        if not parts:
            continue
        Allocation.objects.bulk_create(parts)
        given_back = -sum(p.amount_fen for p in parts)
        released += given_back
        bill.paid_fen -= given_back
        bill.status = _bill_status(bill.paid_fen, bill.total_fen)
        bill.updated_at = now
        bill.save(update_fields=["paid_fen", "status", "updated_at"])
        payers.add((bill.payer_type, bill.payer_id))
    reapplied = sum(_credit_apply_payers(sorted(payers)).values())
    totals = {"bills": len(over), "released_fen": released, "reapplied_fen": reapplied}
    if released:
        audit_record(
            action="bill.release_overpayment", object_type="assessment_run", object_id=int(run_id),
            after={"period": int(period), **totals},
        )
    return totals


@transaction.atomic
def credits_apply_after_assessment(*, period: int, run_id: int) -> dict[str, int]:
    """预缴/余额抵扣: apply the standing credit of every payer that has both unallocated money
    (unreversed payments with ``allocated_fen < amount_fen``) and an open bill of this run
    to its open items, as ``payer_credit_apply`` would, payer by payer: its payments oldest
    first (paid on, id), each allocated under the one rule with the day its money arrived,
    so no late fee arises on a bill not yet due when the money came. The payers are found
    by one query; they are taken in chunks, their payments, bills and late fees locked in
    that order (see "allocation in bulk"). Called by the assessment inside its finishing
    transaction, after ``bills_release_overpayment``; a no-op when nobody has credit. A
    rerun finds the credit used. Audited once with the totals."""
    open_bill = (
        Bill.objects.filter(
            period=int(period), run_id=int(run_id), payer_type=OuterRef("payer_type"), payer_id=OuterRef("payer_id"),
            paid_fen__lt=F("total_fen"),
        )
        .exclude(status=BillStatus.VOID)
    )
    undone = Payment.objects.filter(reverses_id=OuterRef("pk"))  # by index, only for payments with credit
    payers = sorted(set(
        Payment.objects.filter(kind=PaymentKind.PAYMENT, allocated_fen__lt=F("amount_fen"))
        .filter(~Exists(undone), Exists(open_bill))
        .values_list("payer_type", "payer_id")
    ))
    applied = _credit_apply_payers(payers)
    totals = {"payers": len(payers), "payments": len(applied), "applied_fen": sum(applied.values())}
    if totals["applied_fen"]:
        audit_record(
            action="payment.credit_apply_after_assessment", object_type="assessment_run", object_id=int(run_id),
            after={"period": int(period), **totals},
        )
    return totals


def _credit_apply_payers(payers: list[tuple[str, int]]) -> dict[int, int]:
    """Apply the unallocated credit of these payers (payer type, id) to their open items,
    each payer's payments oldest first (paid on, id), each on the day its money arrived;
    {payment id: fen used}. In chunks of about CHUNK_ROWS payers (see "allocation in bulk");
    one payer (``payer_credit_apply``) is a chunk of one."""
    terms = _Terms()
    applied: dict[int, int] = {}
    for start in range(0, len(payers), CHUNK_ROWS):
        applied.update(_credit_apply_chunk(payers[start : start + CHUNK_ROWS], terms=terms))
    return applied


def _credit_apply_chunk(payers: list[tuple[str, int]], *, terms: _Terms) -> dict[int, int]:
    """The credit of a chunk of payers at once; {payment id: fen used}."""
    rows = [
        row
        for of_payers in _per_payer_type(payers)
        for row in Payment.objects.select_for_update()
        .filter(*of_payers, kind=PaymentKind.PAYMENT, allocated_fen__lt=F("amount_fen"))
        .order_by("id")
        .values_list("id", "payer_type", "payer_id", "amount_fen", "allocated_fen", "paid_on", "period")
    ]
    undone = set(  # reversed, also while we waited for the lock
        Payment.objects.filter(_among("reverses_id", [r[0] for r in rows]), kind=PaymentKind.REVERSAL)
        .values_list("reverses_id", flat=True)
    )
    regions = {
        PayerType.EMPLOYER.value: sources.employer_regions(pid for k, pid in payers if k == PayerType.EMPLOYER),
        PayerType.PERSON.value: sources.person_regions(pid for k, pid in payers if k == PayerType.PERSON),
    }
    jobs = [
        _Job(payer_type=kind, payer_id=pid, region=regions[kind].get(pid, ""), period=period, on=paid_on,
             budget_fen=amount - allocated, payment_id=pk)
        for pk, kind, pid, amount, allocated, paid_on, period in rows
        if pk not in undone
    ]
    jobs.sort(key=lambda j: (j.payer_type, j.payer_id, j.on, j.payment_id))
    items = _OpenItems({(j.payer_type, j.payer_id) for j in jobs}, terms=terms)
    for job in jobs:
        items.allocate(job)
    items.write(timezone.now())
    used = [(j.payment_id, j.used_fen) for j in jobs if j.used_fen]
    _update(Payment, ("allocated_fen",), used, add=True)
    return dict(used)


@transaction.atomic
def payment_reverse(*, actor, payment_id: int, external_ref: str, reason: str) -> Payment:
    """冲正: undo a payment exactly (module doc)."""
    try:
        original = Payment.objects.select_for_update().get(pk=int(payment_id))
    except (Payment.DoesNotExist, TypeError, ValueError):
        raise ContributionError(field="payment_id", zh="缴款记录不存在", en="no such payment") from None
    region = _payer_region(PayerType(original.payer_type), original.payer_id)
    grant = _staff_grant(actor, Perm.CONTRIBUTION_WRITE, region)
    if original.kind == PaymentKind.REVERSAL:
        raise ContributionError(field="payment_id", zh="不能冲正一笔冲正记录", en="a reversal cannot be reversed")
    if Payment.objects.filter(reverses=original).exists():
        raise ContributionError(field="payment_id", zh="该缴款已冲正", en="this payment has already been reversed")
    ref = _ref(external_ref)
    why = _text(reason, field="reason", zh="冲正原因", en="reason", max_length=200)
    if Payment.objects.filter(source=original.source, external_ref=ref).exists():
        raise _duplicate()

    net: dict[tuple[str, int], int] = defaultdict(int)
    for bill_id, fee_id, amount in Allocation.objects.filter(payment=original).order_by("id").values_list(
        "bill_id", "late_fee_id", "amount_fen"
    ):
        net[("bill", bill_id) if bill_id else ("fee", fee_id)] += amount
    undo = reverse_allocation(parts=[(key, fen) for key, fen in net.items() if fen > 0])
    bill_ids = sorted({k[1] for k, _ in undo if k[0] == "bill"})
    bills = {b.pk: b for b in Bill.objects.select_for_update().filter(id__in=bill_ids).order_by("id")}
    charged = list(LateFee.objects.filter(payment=original).values_list("id", flat=True))
    fee_ids = sorted({k[1] for k, _ in undo if k[0] == "fee"} | set(charged))
    fees = {f.pk: f for f in LateFee.objects.select_for_update().filter(id__in=fee_ids).order_by("id")}

    now = timezone.now()
    reversal = Payment.objects.create(
        source=original.source, external_ref=ref, kind=PaymentKind.REVERSAL, reverses=original,
        payer_type=original.payer_type, payer_id=original.payer_id, amount_fen=original.amount_fen,
        paid_on=timezone.localdate(), period=original.period, import_batch=original.import_batch,
        received_at=now, recorded_by=_label(actor),
    )
    parts: list[Allocation] = []
    for (target, pk), fen in undo:
        if target == "bill":
            bill = bills[pk]
            bill.paid_fen += fen
            bill.status = _bill_status(bill.paid_fen, bill.total_fen)
            bill.updated_at = now
            bill.save(update_fields=["paid_fen", "status", "updated_at"])
            parts.append(Allocation(payment=reversal, bill=bill, amount_fen=fen, created_at=now))
        else:
            fees[pk].paid_fen += fen
            parts.append(Allocation(payment=reversal, late_fee=fees[pk], amount_fen=fen, created_at=now))
    # Late fees charged because of the reversed payment no longer stand: waive them, and give
    # what other payments paid towards them back to those payments as credit.
    released: dict[int, int] = {}
    if charged:
        others: dict[tuple[int, int], int] = defaultdict(int)
        for pid, fid, amount in Allocation.objects.filter(late_fee_id__in=charged).exclude(
            payment_id__in=[original.pk, reversal.pk]
        ).values_list("payment_id", "late_fee_id", "amount_fen"):
            others[(pid, fid)] += amount
        owed = {k: v for k, v in others.items() if v > 0}
        payers = {p.pk: p for p in Payment.objects.select_for_update().filter(id__in={k[0] for k in owed}).order_by("id")}
        for (pid, fid), fen in sorted(owed.items()):
            parts.append(Allocation(payment=payers[pid], late_fee=fees[fid], amount_fen=-fen, created_at=now))
            fees[fid].paid_fen -= fen
            released[pid] = released.get(pid, 0) + fen
        for pid, fen in released.items():
            Payment.objects.filter(pk=pid).update(allocated_fen=F("allocated_fen") - fen)
    for fee in fees.values():
        if fee.pk in charged:
            fee.status = ChargeStatus.WAIVED
        elif fee.status != ChargeStatus.WAIVED:
            fee.status = ChargeStatus.PAID if fee.paid_fen >= fee.fee_fen else ChargeStatus.OPEN
        fee.save(update_fields=["paid_fen", "status"])
    Allocation.objects.bulk_create(parts)
    reversal.allocated_fen = sum(fen for _, fen in undo)
    reversal.save(update_fields=["allocated_fen"])
    audit_record(
        action="payment.reverse", object_type="payment", object_id=original.pk,
        before=_snapshot(original),
        after={**_snapshot(reversal), "reason": why, "waived_late_fees": charged,
               "released_to_payments": {str(k): v for k, v in released.items()}},
        actor=actor, post=_post(grant),
    )
    return reversal


# --- reads ---------------------------------------------------------------------------------


def payer_credit_fen(*, payer_type: str, payer_id: int) -> int:
    """Money received from the payer and not (yet) allocated: over-payments held as credit."""
    return _credit_fen(str(payer_type), int(payer_id))


def payments_for_payer(*, payer_type: str, payer_id: int, limit: int = 50):
    return Payment.objects.filter(payer_type=payer_type, payer_id=payer_id).order_by("-paid_on", "-id")[:limit]


def payment_allocations(*, payment_id: int):
    return (
        Allocation.objects.filter(payment_id=payment_id)
        .select_related("bill", "late_fee")
        .order_by("id")
    )


# --- collection-result files ---------------------------------------------------------------


@dataclass
class ImportResult:
    ok: bool
    processed: int = 0
    errors: list[ContributionError] = field(default_factory=list)
    batch: str = ""
    total_fen: int = 0
    allocated_fen: int = 0

    @property
    def credit_fen(self) -> int:
        return self.total_fen - self.allocated_fen


COLUMNS = {
    "external_ref": ("流水号", "external_ref"),
    "payer": ("缴费主体", "payer"),
    "amount": ("金额", "amount"),
    "paid_on": ("缴款日期", "paid_on"),
    "period": ("所属期", "period"),
}
REQUIRED = ("external_ref", "payer", "amount", "paid_on")
_HEADER = {name.lower(): key for key, names in COLUMNS.items() for name in names}
_ID_SHAPE = re.compile(r"\d{17}[\dXx]|\d{15}")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0 but tab, CR, LF; DEL; C1


def _file_error(zh: str, en: str, *, field: str = "file", row: int | None = None) -> ContributionError:
    return ContributionError(field=field, zh=zh, en=en, row=row)


def _row_error(exc: ContributionError, row: int) -> ContributionError:
    return ContributionError(
        field=exc.field, row=row, zh=f"第{row}行：{exc.message_zh}", en=f"row {row}: {exc.message_en}"
    )


def _decode(data: bytes) -> str:
    if not isinstance(data, bytes | bytearray) or not data.strip():
        raise _file_error("文件为空", "the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise _file_error("文件超过 20 MB", "the file is larger than 20 MB")
    if b"\x00" in data:
        raise _file_error(
            "不是文本文件（可能是二进制文件或 UTF-16 编码）；请上传 UTF-8 或 GBK 编码的 CSV",
            "not a text file (binary or UTF-16?): upload a CSV in UTF-8 or GBK",
        )
    try:
        if data.startswith(codecs.BOM_UTF8):
            text = bytes(data[len(codecs.BOM_UTF8):]).decode("utf-8")
        else:
            try:
                text = bytes(data).decode("utf-8")
            except UnicodeDecodeError:
                text = bytes(data).decode("gb18030")
    except UnicodeDecodeError:
        raise _file_error(
            "无法识别文件编码；请使用 UTF-8 或 GBK（GB18030）编码的 CSV",
            "unknown encoding: use a CSV in UTF-8 or GBK (GB18030)",
        ) from None
    if _CONTROL.search(text):
        raise _file_error("文件含有控制字符，不是文本文件", "the file contains control characters: not a text file")
    return text


def _payers_resolve(texts: set[str]) -> dict[str, tuple[PayerType, int, str] | None]:
    """The file's payers, looked up together: {text: (payer type, id, region) or None}. An
    ID-number shape that finds a person is the person; otherwise 18 characters may be an
    employer's USCC."""
    values = {text: text.strip().upper() for text in texts}
    persons = sources.persons_by_id_numbers({v for v in values.values() if _ID_SHAPE.fullmatch(v)})
    employers = sources.employers_by_usccs({v for v in values.values() if v not in persons and len(v) == 18})
    found: dict[str, tuple[PayerType, int, str] | None] = {}
    for text, value in values.items():
        if value in persons:
            found[text] = (PayerType.PERSON, *persons[value])
        elif value in employers:
            found[text] = (PayerType.EMPLOYER, *employers[value])
        else:
            found[text] = None
    return found


def _parse_rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[ContributionError]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[ContributionError] = []
    mapping: list[str | None] = []
    try:
        for cells in reader:
            number = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip().lstrip("\ufeff") for c in cells]
                mapping = [_HEADER.get(h.lower()) for h in header]
                seen = [m for m in mapping if m]
                for key in sorted({m for m in seen if seen.count(m) > 1}):
                    errors.append(_file_error(
                        f"表头中“{COLUMNS[key][0]}”（{key}）列重复", f"the column {key} appears twice",
                        field=key, row=number,
                    ))
                for key in REQUIRED:
                    if key not in seen:
                        errors.append(_file_error(
                            f"缺少列“{COLUMNS[key][0]}”（{key}）",
                            f"the column {COLUMNS[key][0]} / {key} is missing",
                            field=key, row=number,
                        ))
                if errors:
                    return [], errors
                continue
            if len(rows) >= MAX_ROWS:
                raise _file_error("文件超过 200,000 行", "the file has more than 200,000 rows")
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
                errors.append(_file_error(
                    f"第{number}行：列数多于表头", f"row {number}: more cells than the header", field="columns", row=number
                ))
                continue
            rows.append((number, {m: cells[i].strip() for i, m in enumerate(mapping) if m and i < len(cells)}))
    except csv.Error as exc:
        raise _file_error(f"CSV 格式错误：{exc}", f"malformed CSV: {exc}") from None
    if header is None:
        raise _file_error("文件为空", "the file is empty")
    if not rows and not errors:
        raise _file_error("文件中没有缴款记录", "the file has no payment rows")
    return rows, errors


def _clean_row(values: dict[str, str], *, source: PaymentSource, today: dt.date, payers: dict) -> _Clean:
    ref = _ref(values.get("external_ref"))
    payer_text = values.get("payer", "")
    if not payer_text:
        raise ContributionError(field="payer", zh="缴费主体不能为空", en="the payer is required")
    found = payers.get(payer_text)
    if found is None:
        raise ContributionError(
            field="payer", zh="缴费主体未登记（统一社会信用代码或身份证号）",
            en="no registered payer with this USCC or ID number",
        )
    if not values.get("amount"):
        raise ContributionError(field="amount", zh="金额不能为空", en="the amount is required")
    if not values.get("paid_on"):
        raise ContributionError(field="paid_on", zh="缴款日期不能为空", en="the payment date is required")
    payer_type, payer_id, region = found
    return _Clean(
        source=source, ref=ref, payer_type=payer_type, payer_id=payer_id, region=region or "",
        amount_fen=_positive_fen(values.get("amount")), paid_on=_paid_on(values.get("paid_on"), today=today),
        period=_opt_period(values.get("period")),
    )


def payments_import_csv(*, actor, data: bytes, source: str, filename: str = "") -> ImportResult:
    """Import a collection-result file: all rows or nothing (module doc)."""
    kind = _source(source)
    grant = _staff_grant(actor, Perm.CONTRIBUTION_WRITE)
    try:
        rows, errors = _parse_rows(_decode(data))
    except ContributionError as exc:
        return ImportResult(ok=False, errors=[exc])
    today = timezone.localdate()
    payers = _payers_resolve({values["payer"] for _, values in rows if values.get("payer")})
    may_write: dict[str, bool] = {}
    cleaned: list[tuple[int, _Clean]] = []
    first_row: dict[str, int] = {}
    for number, values in rows:
        try:
            c = _clean_row(values, source=kind, today=today, payers=payers)
        except ContributionError as exc:
            errors.append(_row_error(exc, number))
            continue
        earlier = first_row.setdefault(c.ref, number)
        if earlier != number:
            errors.append(ContributionError(
                field="external_ref", row=number, zh=f"第{number}行：重复的缴款记录（与第{earlier}行流水号相同）",
                en=f"row {number}: duplicate payment record (same reference as row {earlier})",
            ))
            continue
        if c.region not in may_write:
            may_write[c.region] = is_system(actor) or grant_for(actor, Perm.CONTRIBUTION_WRITE, c.region) is not None
        if not may_write[c.region]:
            errors.append(ContributionError(
                field="payer", row=number, zh=f"第{number}行：您的岗位无权登记该缴费主体的缴款",
                en=f"row {number}: your post may not record payments for this payer",
            ))
            continue
        cleaned.append((number, c))
    del rows, first_row
    refs = [c.ref for _, c in cleaned]
    existing: set[str] = set()
    for start in range(0, len(refs), 1000):
        existing.update(
            Payment.objects.filter(source=kind, external_ref__in=refs[start:start + 1000]).values_list("external_ref", flat=True)
        )
    for number, c in cleaned:
        if c.ref in existing:
            errors.append(_row_error(ContributionError(
                field="external_ref", zh="重复的缴款记录（已导入过）", en="duplicate payment record (already imported)"
            ), number))
    if errors:
        errors.sort(key=lambda e: (e.row or 0))
        return ImportResult(ok=False, errors=errors)

    digest = hashlib.sha256(data).hexdigest()
    batch = f"{kind.value}-{timezone.now():%Y%m%d%H%M%S}-{digest[:12]}"
    post = _post(grant)
    terms = _Terms()
    total = allocated = 0
    recorded: list[_Job] = []
    try:
        with transaction.atomic():
            for rows in _payer_chunks(cleaned):
                for job in _import_chunk(rows, batch=batch, label=_label(actor), terms=terms):
                    recorded.append(job)
                    total += job.budget_fen
                    allocated += job.used_fen
            # One entry per payment as the row-by-row import wrote them (in file order), then
            # the file's: after the allocation, so the chain head is locked only at the end.
            recorded.sort(key=lambda j: j.row)
            for start in range(0, len(recorded), CHUNK_ROWS):
                with audit_batch():
                    for job in recorded[start:start + CHUNK_ROWS]:
                        audit_record(
                            action="payment.record", object_type="payment", object_id=job.payment_id,
                            after=_snapshot_of(job.snapshot()), actor=actor, post=post,
                        )
            audit_record(
                action="payment.import", object_type="payment_batch", object_id=batch,
                after={"file": str(filename)[:120], "sha256": digest, "source": kind.value, "rows": len(cleaned),
                       "total_fen": total, "allocated_fen": allocated},
                actor=actor, post=post,
            )
    except ContributionError as exc:
        return ImportResult(ok=False, errors=[exc])
    return ImportResult(ok=True, processed=len(cleaned), batch=batch, total_fen=total, allocated_fen=allocated)


def _payer_chunks(cleaned: list[tuple[int, _Clean]]):
    """The rows in chunks of about CHUNK_ROWS, each payer's rows all in one chunk (so its
    bills are read and written once), each chunk in file order."""
    by_payer: dict[tuple[str, int], list[tuple[int, _Clean]]] = defaultdict(list)
    for number, c in cleaned:
        by_payer[(c.payer_type, c.payer_id)].append((number, c))
    chunk: list[tuple[int, _Clean]] = []
    for rows in by_payer.values():
        chunk.extend(rows)
        if len(chunk) >= CHUNK_ROWS:
            yield sorted(chunk, key=lambda r: r[0])
            chunk = []
    if chunk:
        yield sorted(chunk, key=lambda r: r[0])


def _import_chunk(rows: list[tuple[int, _Clean]], *, batch: str, label: str, terms: _Terms) -> list[_Job]:
    """Record and allocate one chunk of a file's rows in file order (see "allocation in bulk")."""
    jobs = [
        _Job(payer_type=c.payer_type.value, payer_id=c.payer_id, region=c.region, period=c.period, on=c.paid_on,
             budget_fen=c.amount_fen, row=number, clean=c)
        for number, c in rows
    ]
    items = _OpenItems({(j.payer_type, j.payer_id) for j in jobs}, terms=terms)
    for job in jobs:
        try:
            items.allocate(job)
        except ContributionError as exc:
            raise _row_error(exc, job.row) from None
    now = timezone.now()
    at = connection.ops.adapt_datetimefield_value(now)
    try:
        with transaction.atomic():
            inserted = _insert(
                Payment,
                ("source", "external_ref", "kind", "payer_type", "payer_id", "amount_fen", "paid_on", "period",
                 "allocated_fen", "import_batch", "received_at", "recorded_by"),
                [
                    (j.clean.source.value, j.clean.ref, PaymentKind.PAYMENT.value, j.payer_type, j.payer_id, j.budget_fen,
                     connection.ops.adapt_datefield_value(j.on), j.period, j.used_fen, batch, at, label)
                    for j in jobs
                ],
                returning=("id", "external_ref"),
            )
    except IntegrityError:  # recorded meanwhile by someone else (checked before, not locked)
        source = jobs[0].clean.source
        taken = set(Payment.objects.filter(source=source, external_ref__in=[j.clean.ref for j in jobs])
                    .values_list("external_ref", flat=True))
        row = next((j.row for j in jobs if j.clean.ref in taken), None)
        raise _row_error(_duplicate(), row) if row else _duplicate() from None
    ids = {ref: pk for pk, ref in inserted}
    for job in jobs:
        job.payment_id = ids[job.clean.ref]
    items.write(now)
    return jobs


__all__ = [
    "COLUMNS",
    "ImportResult",
    "payer_credit_apply",
    "payer_credit_fen",
    "payment_allocations",
    "payment_record",
    "payment_reverse",
    "payments_for_payer",
    "payments_import_csv",
]
