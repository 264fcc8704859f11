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
  the header). Otherwise all rows are recorded and allocated in one transaction.
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

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
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
    """Apply ``budget_fen`` of ``payment`` to the payer's open items (module doc). Returns
    the fen allocated and adds it to ``payment.allocated_fen``."""
    if budget_fen <= 0:
        return 0
    payer = {"payer_type": payment.payer_type, "payer_id": payment.payer_id}
    with_open_fees = LateFee.objects.filter(
        bill__payer_type=payment.payer_type, bill__payer_id=payment.payer_id, status=ChargeStatus.OPEN
    ).values("bill_id")
    bills = list(
        Bill.objects.select_for_update()
        .filter(**payer)
        .exclude(status=BillStatus.VOID)
        .filter(Q(paid_fen__lt=F("total_fen")) | Q(id__in=with_open_fees))
        .order_by("id")
    )
    if not bills:
        return 0
    open_fees: dict[int, list[LateFee]] = defaultdict(list)
    for fee in LateFee.objects.select_for_update().filter(bill_id__in=[b.pk for b in bills], status=ChargeStatus.OPEN).order_by("id"):
        open_fees[fee.bill_id].append(fee)
    bills.sort(key=lambda b: (b.period != payment.period, b.period, _KIND_ORDER.get(b.kind, 9), b.pk))
    now = timezone.now()
    remaining = budget_fen
    parts: list[Allocation] = []
    for bill in bills:
        if not remaining:
            break
        split = allocate_payment(amount_fen=remaining, open_items=[(bill.pk, max(0, bill.total_fen - bill.paid_fen))])
        principal, remaining = split.allocated_fen, split.credit_fen
        fees = list(open_fees.get(bill.pk, ()))
        if principal:
            parts.append(Allocation(payment=payment, bill=bill, amount_fen=principal, created_at=now))
            bill.paid_fen += principal
            bill.status = _bill_status(bill.paid_fen, bill.total_fen)
            bill.updated_at = now
            bill.save(update_fields=["paid_fen", "status", "updated_at"])
            if payment.payer_type == PayerType.EMPLOYER and on > bill.due_date:
                quote = late_fee_quote(
                    terms=terms.get(region, bill.period), principal_fen=principal, due=bill.due_date, on=on
                )
                if quote.fee_fen > 0:
                    fees.insert(
                        0,
                        LateFee.objects.create(
                            bill=bill, payment=payment, principal_fen=principal, due_date=bill.due_date, paid_on=on,
                            days=quote.days, daily_ppm=quote.daily_ppm, fee_fen=quote.fee_fen, created_at=now,
                        ),
                    )
        if remaining and fees:
            by_id = {f.pk: f for f in fees}
            split = allocate_payment(amount_fen=remaining, open_items=[(f.pk, f.fee_fen - f.paid_fen) for f in fees])
            remaining = split.credit_fen
            for fee_id, part in split.parts:
                fee = by_id[fee_id]
                parts.append(Allocation(payment=payment, late_fee=fee, amount_fen=part, created_at=now))
                fee.paid_fen += part
                if fee.paid_fen >= fee.fee_fen:
                    fee.status = ChargeStatus.PAID
                fee.save(update_fields=["paid_fen", "status"])
    Allocation.objects.bulk_create(parts)
    used = budget_fen - remaining
    if used:
        payment.allocated_fen += used
        payment.save(update_fields=["allocated_fen"])
    return used


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


def _snapshot(p: Payment) -> dict:
    return {
        "source": p.source, "external_ref": p.external_ref, "kind": p.kind, "payer_type": p.payer_type,
        "payer_id": p.payer_id, "amount_fen": p.amount_fen, "paid_on": p.paid_on.isoformat(),
        "period": p.period, "allocated_fen": p.allocated_fen, "reverses": p.reverses_id,
    }


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


def _unreversed(qs):
    return qs.exclude(id__in=Payment.objects.filter(kind=PaymentKind.REVERSAL).values("reverses_id"))


def _credit_apply(kind: PayerType, payer_id: int, region: str) -> dict[int, int]:
    """Allocate the payer's unallocated credit to its open bills; {payment id: fen used}."""
    payments = list(
        _unreversed(
            Payment.objects.select_for_update().filter(
                payer_type=kind, payer_id=int(payer_id), kind=PaymentKind.PAYMENT, allocated_fen__lt=F("amount_fen")
            )
        ).order_by("paid_on", "id")
    )
    terms = _Terms()
    applied: dict[int, int] = {}
    for payment in payments:
        if Payment.objects.filter(reverses=payment).exists():  # reversed while we waited for the lock
            continue
        used = _allocate(
            payment=payment, budget_fen=payment.amount_fen - payment.allocated_fen, on=payment.paid_on,
            region=region, terms=terms,
        )
        if used:
            applied[payment.pk] = used
    return applied


@transaction.atomic
def payer_credit_apply(*, actor, payer_type: str, payer_id: int) -> int:
    """Apply earlier payments' unallocated credit to open bills (module doc)."""
    kind = _payer_type(payer_type)
    region = _payer_region(kind, payer_id)
    grant = _staff_grant(actor, Perm.CONTRIBUTION_WRITE, region)
    applied = _credit_apply(kind, int(payer_id), region)
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
    reapplied = 0
    for payer_type, payer_id in sorted(payers):
        kind = PayerType(payer_type)
        reapplied += sum(_credit_apply(kind, payer_id, _payer_region(kind, payer_id)).values())
    totals = {"bills": len(over), "released_fen": released, "reapplied_fen": reapplied}
    if released:
        audit_record(
            action="bill.release_overpayment", object_type="assessment_run", object_id=int(run_id),
            after={"period": int(period), **totals},
        )
    return totals


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
    if any((ord(ch) < 32 and ch not in "\t\r\n") or 0x7F <= ord(ch) < 0xA0 for ch in text):
        raise _file_error("文件含有控制字符，不是文本文件", "the file contains control characters: not a text file")
    return text


def _payer_lookup(text: str) -> tuple[PayerType, int] | None:
    value = text.strip().upper()
    if _ID_SHAPE.fullmatch(value):
        person = sources.person_id_by_id_number(value)
        if person is not None:
            return PayerType.PERSON, person
    if len(value) == 18:
        employer = sources.employer_id_by_uscc(value)
        if employer is not None:
            return PayerType.EMPLOYER, employer
    return None


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
    if payer_text not in payers:
        payers[payer_text] = _payer_lookup(payer_text)
    found = payers[payer_text]
    if found is None:
        raise ContributionError(
            field="payer", zh="缴费主体未登记（统一社会信用代码或身份证号）",
            en="no registered payer with this USCC or ID number",
        )
    if not values.get("amount"):
        raise ContributionError(field="amount", zh="金额不能为空", en="the amount is required")
    if not values.get("paid_on"):
        raise ContributionError(field="paid_on", zh="缴款日期不能为空", en="the payment date is required")
    payer_type, payer_id = found
    region = sources.employer_region(payer_id) if payer_type == PayerType.EMPLOYER else sources.person_region(payer_id)
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
    payers: dict[str, tuple[PayerType, int] | None] = {}
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
        if not is_system(actor) and grant_for(actor, Perm.CONTRIBUTION_WRITE, c.region) is None:
            errors.append(ContributionError(
                field="payer", row=number, zh=f"第{number}行：您的岗位无权登记该缴费主体的缴款",
                en=f"row {number}: your post may not record payments for this payer",
            ))
            continue
        cleaned.append((number, c))
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
    current = None
    try:
        with transaction.atomic(), audit_batch():
            for number, c in cleaned:
                current = number
                payment = _record(c, actor=actor, post=post, terms=terms, batch=batch)
                total += payment.amount_fen
                allocated += payment.allocated_fen
            audit_record(
                action="payment.import", object_type="payment_batch", object_id=batch,
                after={"file": str(filename)[:120], "sha256": digest, "source": kind.value, "rows": len(cleaned),
                       "total_fen": total, "allocated_fen": allocated},
                actor=actor, post=post,
            )
    except ContributionError as exc:
        return ImportResult(ok=False, errors=[_row_error(exc, current) if current else exc])
    return ImportResult(ok=True, processed=len(cleaned), batch=batch, total_fen=total, allocated_fen=allocated)


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
