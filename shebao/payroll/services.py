"""Payroll write paths: the payee register (发放名册), suspension and resumption,
stop on death, receivables and their recovery, bank returns. One atomic, audited
function per state change; the monthly run itself is in ``run.py``."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from shebao.accounts.access import AccessDenied, Grant, grant_for
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.kernel.audit import audit_record
from shebao.kernel.rules.money import MoneyError, to_decimal, yuan_to_fen
from shebao.kernel.rules.periods import Period, PeriodError
from shebao.payroll.codes import (
    BANKS,
    DEFAULT_OFFSET_PPM,
    MAX_MONTHLY_FEN,
    AdjustmentKind,
    Benefit,
    PayeeStatus,
    PaymentKind,
    PaymentStatus,
    ReceivableStatus,
    RecoveryKind,
    RunStatus,
)
from shebao.payroll.files import bank_dir
from shebao.payroll.models import (
    Adjustment,
    BankBatch,
    Payee,
    PayeeChange,
    Payment,
    PayrollRun,
    Receivable,
    Recovery,
)
from shebao.register import sources
from shebao.register.access import is_system


class PayrollError(ValueError):
    """A refused payroll request; names the field (or the row of a file) in both languages."""

    def __init__(self, *, field: str, zh: str, en: str, row: int | None = None) -> None:
        super().__init__(f"{field}: {en}" if row is None else f"{field} row {row}: {en}")
        self.field = field
        self.row = row
        self.message_zh = zh
        self.message_en = en


# --- helpers -------------------------------------------------------------------------------


def _grant(actor, perms: tuple[Perm, ...], region_code: str | None) -> Grant | None:
    if is_system(actor):
        return None
    if actor is None or not actor.is_active or actor.kind != UserKind.STAFF:
        raise AccessDenied(zh="只有经办人员可以办理此业务", en="only agency staff may do this")
    for perm in perms:
        grant = grant_for(actor, perm, region_code)
        if grant is not None:
            return grant
    raise AccessDenied(zh="您的岗位无权办理此业务", en="your post does not allow this")


def _post(grant: Grant | None) -> str:
    return str(grant.post) if grant is not None else ""


def _label(actor) -> str:
    return actor.get_username() if actor is not None and hasattr(actor, "get_username") else "system"


def parse_period(value: object, *, field: str = "period") -> int:
    try:
        return int(Period.parse(value, field=field))
    except PeriodError as exc:
        raise PayrollError(field=exc.field, zh=exc.message_zh, en=exc.message_en) from None


def _months(first: int, last: int) -> list[int]:
    """Periods first … last inclusive (empty when last < first)."""
    out, p, end = [], Period.from_int(first), Period.from_int(last) if last >= first else None
    while end is not None and p <= end:
        out.append(int(p))
        p = p + 1
    return out


def _fen(value: object, *, field: str, allow_zero: bool = False) -> int:
    """Yuan (Decimal, str) → fen; or an int already in fen is NOT accepted here."""
    try:
        amount = to_decimal(value, field=field)
    except MoneyError as exc:
        raise PayrollError(field=exc.field, zh=exc.message_zh, en=exc.message_en) from None
    if amount < 0 or (amount == 0 and not allow_zero):
        raise PayrollError(field=field, zh="金额必须大于零", en="the amount must be positive")
    if amount != amount.quantize(Decimal("0.01")):
        raise PayrollError(field=field, zh="金额最多两位小数", en="at most two decimals (fen)")
    return yuan_to_fen(amount)


def _monthly_fen(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayrollError(
            field="monthly_fen", zh="月发放额应为整数（分）", en="the monthly amount must be an integer (fen)"
        )
    if value <= 0:
        raise PayrollError(
            field="monthly_fen", zh="月发放额必须大于零", en="the monthly amount must be positive"
        )
    if value > MAX_MONTHLY_FEN:
        raise PayrollError(
            field="monthly_fen", zh="月发放额过大", en="the monthly amount is implausibly large"
        )
    return value


def _bank(value: object) -> str:
    code = str(value or "").strip().upper()
    if code not in BANKS:
        raise PayrollError(field="bank_code", zh="未签约的发放银行", en="unknown bank (no payment agreement)")
    return code


def _account(value: object) -> str:
    text = re.sub(r"[\s\-]", "", str(value or ""))
    if not re.fullmatch(r"\d{8,32}", text):
        raise PayrollError(
            field="account_number",
            zh="银行账号格式不正确（应为8至32位数字）",
            en="the account number is not valid (8 to 32 digits)",
        )
    return text


def _reason(value: object, *, field: str = "reason", required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise PayrollError(field=field, zh="请填写原因", en="a reason is required")
    if len(text) > 200:
        raise PayrollError(
            field=field, zh="原因过长（最多200字）", en="the reason is too long (200 characters)"
        )
    return text


def _locked_payee(payee_id: object) -> Payee:
    try:
        pk = int(payee_id)
    except (TypeError, ValueError):
        pk = 0
    payee = Payee.objects.select_for_update().filter(pk=pk).first()
    if payee is None:
        raise PayrollError(field="payee_id", zh="发放对象不存在", en="no such payee")
    return payee


def _history(payee: Payee, *, action: str, actor, from_period=None, reason: str = "") -> None:
    PayeeChange.objects.create(
        payee=payee,
        action=action,
        from_period=from_period,
        monthly_fen=payee.monthly_fen,
        status=payee.status,
        reason=reason,
        actor=_label(actor),
        at=timezone.now(),
    )


def _snapshot(payee: Payee) -> dict:
    return {
        "person_id": payee.person_id,
        "benefit": payee.benefit,
        "monthly_fen": payee.monthly_fen,
        "status": payee.status,
        "from_period": payee.from_period,
        "to_period": payee.to_period,
        "suspended_from": payee.suspended_from,
        "resumed_from": payee.resumed_from,
        "bank_code": payee.bank_code,
        "account": payee.account_masked,
    }


def paid_periods() -> list[int]:
    """Periods with a finished payroll run."""
    return sorted(
        set(
            PayrollRun.objects.filter(status__in=[RunStatus.DONE, RunStatus.CLOSED]).values_list(
                "period", flat=True
            )
        )
    )


def _paid_normal(payee: Payee, periods: list[int]) -> dict[int, int]:
    """Normal amounts actually sent to the payee, by period (bank-returned ones excluded)."""
    if not periods:
        return {}
    rows = Payment.objects.filter(
        period__in=periods,
        person_id=payee.person_id,
        payee_id=payee.pk,
        kind=PaymentKind.NORMAL,
        status=PaymentStatus.SENT,
    ).values_list("period", "amount_fen")
    out: dict[int, int] = {}
    for period, amount in rows:
        out[period] = out.get(period, 0) + amount
    return out


def _next_period() -> int:
    done = paid_periods()
    if done:
        return int(Period.from_int(done[-1]) + 1)
    return int(Period.of(timezone.localdate()))


# --- payee register ------------------------------------------------------------------------


@transaction.atomic
def payee_enrol(
    *,
    actor,
    person_id: int,
    benefit: str,
    monthly_fen: int,
    from_period: int,
    bank_code: str,
    account_number: str,
    to_period: int | None = None,
) -> Payee:
    """Put a person on the payroll for a benefit from ``from_period`` (to ``to_period``
    inclusive when given: an unemployment claim's last payable month). Called by the
    benefits app on approval of a pension and by the unemployment app on approval of a
    claim. A stopped unemployment payee is re-enrolled for a later claim (one payee per
    person and benefit). A pension stops an active unemployment payee from the pension's
    first period: one cannot draw both (rules.md §5.4)."""
    try:
        kind = Benefit(str(benefit))
    except ValueError:
        raise PayrollError(field="benefit", zh="待遇类别不正确", en="unknown benefit kind") from None
    try:
        pid = int(person_id)
    except (TypeError, ValueError):
        pid = 0
    region = sources.person_region(pid) if pid > 0 else None
    if region is None:
        raise PayrollError(field="person_id", zh="参保人不存在", en="no such insured person")
    grant = _grant(actor, (Perm.PAYROLL_RUN, Perm.CASE_REVIEW, Perm.CASE_RECHECK), region)
    amount = _monthly_fen(monthly_fen)
    start = parse_period(from_period, field="from_period")
    bank = _bank(bank_code)
    account = _account(account_number)
    end = None if to_period is None else parse_period(to_period, field="to_period")
    if end is not None and end < start:
        raise PayrollError(
            field="to_period", zh="截止月份早于开始发放月份", en="to_period is before from_period"
        )
    existing = Payee.objects.select_for_update().filter(person_id=pid, benefit=kind).first()
    if existing is not None and not (
        kind == Benefit.UNEMPLOYMENT
        and existing.status == PayeeStatus.STOPPED
        and (existing.to_period is None or existing.to_period < start)
    ):
        raise PayrollError(
            field="benefit",
            zh="该参保人已在此待遇的发放名册中",
            en="the person is already a payee of this benefit",
        )
    now = timezone.now()
    if kind == Benefit.PENSION:
        for other in (
            Payee.objects.select_for_update()
            .filter(person_id=pid, benefit=Benefit.UNEMPLOYMENT)
            .exclude(status=PayeeStatus.STOPPED)
        ):
            _stop(
                other,
                from_period=start,
                reason=f"领取基本养老金 pension from {start}",
                actor=actor,
                grant=grant,
            )
    if existing is not None:  # a later unemployment claim: the stopped payee pays again
        before = _snapshot(existing)
        Payee.objects.filter(pk=existing.pk, status=PayeeStatus.STOPPED).update(
            monthly_fen=amount, prev_monthly_fen=amount, amount_from=start, from_period=start, to_period=end,
            status=PayeeStatus.ACTIVE, suspended_from=None, resumed_from=None, stop_reason="", bank_code=bank,
            account=account, account_last4=account[-4:], updated_at=now,
        )  # fmt: skip
        existing.refresh_from_db()
        _history(existing, action="enrol", actor=actor, from_period=start, reason="re-enrol")
        audit_record(action="payee.enrol", object_type="payee", object_id=existing.pk, before=before,
                     after=_snapshot(existing), actor=actor, post=_post(grant))  # fmt: skip
        return existing
    payee = Payee.objects.create(
        person_id=pid,
        region_code=region,
        benefit=kind,
        monthly_fen=amount,
        prev_monthly_fen=amount,
        amount_from=start,
        from_period=start,
        to_period=start if kind == Benefit.FUNERAL else end,
        bank_code=bank,
        account=account,
        account_last4=account[-4:],
        created_at=now,
        updated_at=now,
    )
    _history(payee, action="enrol", actor=actor, from_period=start)
    audit_record(
        action="payee.enrol",
        object_type="payee",
        object_id=payee.pk,
        after=_snapshot(payee),
        actor=actor,
        post=_post(grant),
    )
    return payee


@transaction.atomic
def payee_change_amount(*, actor, payee_id: int, monthly_fen: int, from_period: int, reason: str) -> Payee:
    """A new monthly amount from ``from_period`` (e.g. the annual adjustment). Months
    already paid from then on are settled: an increase is back-paid by the next payroll,
    a decrease becomes a receivable."""
    payee = _locked_payee(payee_id)
    grant = _grant(actor, (Perm.PAYROLL_RUN, Perm.CASE_REVIEW, Perm.CASE_RECHECK), payee.region_code)
    amount = _monthly_fen(monthly_fen)
    start = parse_period(from_period, field="from_period")
    why = _reason(reason)
    if payee.status == PayeeStatus.STOPPED:
        raise PayrollError(
            field="payee_id",
            zh="已终止发放，不能调整金额",
            en="payment has stopped: the amount cannot change",
        )
    if start < payee.from_period:
        raise PayrollError(
            field="from_period", zh="调整月份早于开始发放月份", en="before the payee's first period"
        )
    before = _snapshot(payee)
    paid = _paid_normal(payee, [p for p in paid_periods() if p >= start])
    diff = sum(amount - sent for sent in paid.values())
    now = timezone.now()
    if diff > 0:
        Adjustment.objects.create(
            payee_id=payee.pk,
            person_id=payee.person_id,
            kind=AdjustmentKind.BACKPAY,
            amount_fen=diff,
            due_period=_next_period(),
            reason=f"调整补发 {start}: {why}"[:200],
            created_at=now,
        )
    elif diff < 0:
        _receivable(payee, -diff, f"调整多发 {start}: {why}", now)
    payee.prev_monthly_fen = payee.monthly_fen if start > payee.amount_from else payee.prev_monthly_fen
    payee.monthly_fen, payee.amount_from, payee.updated_at = amount, start, now
    payee.save(update_fields=["prev_monthly_fen", "monthly_fen", "amount_from", "updated_at"])
    _history(payee, action="amount", actor=actor, from_period=start, reason=why)
    audit_record(
        action="payee.change_amount",
        object_type="payee",
        object_id=payee.pk,
        before=before,
        after={**_snapshot(payee), "settled_fen": diff},
        actor=actor,
        post=_post(grant),
    )
    return payee


@transaction.atomic
def payee_suspend(*, actor, payee_id: int, from_period: int, reason: str) -> Payee:
    """暂停发放 from ``from_period`` (e.g. the survival certification was missed)."""
    payee = _locked_payee(payee_id)
    grant = _grant(actor, (Perm.PAYROLL_RUN, Perm.CASE_REVIEW), payee.region_code)
    start = parse_period(from_period, field="from_period")
    why = _reason(reason)
    if start < payee.from_period:
        raise PayrollError(
            field="from_period", zh="暂停月份早于开始发放月份", en="before the payee's first period"
        )
    before = _snapshot(payee)
    # Compare-and-set on the status: of two concurrent suspensions exactly one applies.
    now = timezone.now()
    changed = Payee.objects.filter(pk=payee.pk, status=PayeeStatus.ACTIVE).update(
        status=PayeeStatus.SUSPENDED, suspended_from=start, resumed_from=None, updated_at=now
    )
    if not changed:
        raise PayrollError(
            field="status", zh="只有正常发放的对象可以暂停", en="only an active payee can be suspended"
        )
    payee.refresh_from_db()
    _history(payee, action="suspend", actor=actor, from_period=start, reason=why)
    audit_record(
        action="payee.suspend",
        object_type="payee",
        object_id=payee.pk,
        before=before,
        after=_snapshot(payee),
        actor=actor,
        post=_post(grant),
    )
    return payee


@transaction.atomic
def payee_resume(*, actor, payee_id: int, from_period: int) -> Payee:
    """恢复发放 from ``from_period``; the suspended months not paid are back-paid by the
    payroll of ``from_period`` (or the next one to run)."""
    payee = _locked_payee(payee_id)
    grant = _grant(actor, (Perm.PAYROLL_RUN, Perm.CASE_REVIEW), payee.region_code)
    start = parse_period(from_period, field="from_period")
    if payee.status != PayeeStatus.SUSPENDED:
        raise PayrollError(
            field="status", zh="只有暂停发放的对象可以恢复", en="only a suspended payee can be resumed"
        )
    if start < payee.suspended_from:
        raise PayrollError(field="from_period", zh="恢复月份早于暂停月份", en="before the suspension began")
    before = _snapshot(payee)
    now = timezone.now()
    changed = Payee.objects.filter(pk=payee.pk, status=PayeeStatus.SUSPENDED).update(
        status=PayeeStatus.ACTIVE, resumed_from=start, updated_at=now
    )
    if not changed:
        raise PayrollError(
            field="status", zh="只有暂停发放的对象可以恢复", en="only a suspended payee can be resumed"
        )
    payee.refresh_from_db()
    gap = _months(payee.suspended_from, int(Period.from_int(start) - 1))
    if payee.to_period is not None:
        gap = [m for m in gap if m <= payee.to_period]
    paid = _paid_normal(payee, gap)
    owed = sum(
        payee.monthly_fen if m >= payee.amount_from else payee.prev_monthly_fen for m in gap if m not in paid
    )
    if owed > 0:
        Adjustment.objects.create(
            payee_id=payee.pk,
            person_id=payee.person_id,
            kind=AdjustmentKind.BACKPAY,
            amount_fen=owed,
            due_period=start,
            reason=f"恢复补发 {payee.suspended_from}-{start}",
            created_at=now,
        )
    _history(payee, action="resume", actor=actor, from_period=start, reason=f"backpay {owed}")
    audit_record(
        action="payee.resume",
        object_type="payee",
        object_id=payee.pk,
        before=before,
        after={**_snapshot(payee), "backpay_fen": owed},
        actor=actor,
        post=_post(grant),
    )
    return payee


def _receivable_after(payee: Payee, end: int, label: str, now) -> Receivable | None:
    """The normal amounts already paid for months after ``end`` (a stop), as one
    receivable naming them; None when nothing was overpaid."""
    over = _paid_normal(payee, [p for p in paid_periods() if p > end])
    if sum(over.values()) <= 0:
        return None
    months = ", ".join(str(p) for p in sorted(over))
    return _receivable(payee, sum(over.values()), f"{label}: {months}", now)


def _stop(payee: Payee, *, from_period: int, reason: str, actor, grant: Grant | None) -> Payee:
    """No payment from ``from_period`` on (to_period = the month before); normal amounts
    already paid from then on become a receivable. The payee row is locked by the caller."""
    before = _snapshot(payee)
    end = int(Period.from_int(from_period) - 1)
    if payee.to_period is not None:
        end = min(end, payee.to_period)
    now = timezone.now()
    Payee.objects.filter(pk=payee.pk).update(
        status=PayeeStatus.STOPPED, to_period=end, stop_reason=reason[:200], updated_at=now
    )
    payee.refresh_from_db()
    receivable = _receivable_after(payee, end, "停发后多发 paid after stop", now)
    _history(payee, action="stop", actor=actor, from_period=from_period, reason=payee.stop_reason)
    audit_record(
        action="payee.stop",
        object_type="payee",
        object_id=payee.pk,
        before=before,
        after={**_snapshot(payee), "receivable_fen": receivable.amount_fen if receivable else 0},
        actor=actor,
        post=_post(grant),
    )
    return payee


@transaction.atomic
def payee_stop(*, actor, payee_id: int, from_period: int, reason: str) -> Payee:
    """终止发放 from ``from_period`` (re-employment, military service, emigration, a pension,
    refusal of offers …). Stopping a payee already stopped before that month changes nothing."""
    payee = _locked_payee(payee_id)
    grant = _grant(actor, (Perm.PAYROLL_RUN, Perm.CASE_REVIEW, Perm.CASE_RECHECK), payee.region_code)
    start = parse_period(from_period, field="from_period")
    why = _reason(reason)
    if payee.status == PayeeStatus.STOPPED and payee.to_period is not None and payee.to_period < start:
        return payee
    return _stop(payee, from_period=start, reason=why, actor=actor, grant=grant)


def _receivable(payee: Payee, amount_fen: int, reason: str, now) -> Receivable:
    return Receivable.objects.create(
        person_id=payee.person_id,
        payee_id=payee.pk,
        amount_fen=amount_fen,
        reason=reason[:200],
        created_at=now,
        updated_at=now,
    )


@transaction.atomic
def payee_stop_on_death(*, actor, person_id: int, death_date) -> list[Receivable]:
    """Stop every payment of a deceased person after the month of death (paid through the
    month of death); the months already paid after it become receivables (T53)."""
    import datetime as dt

    if not isinstance(death_date, dt.date):
        try:
            death_date = dt.date.fromisoformat(str(death_date))
        except ValueError:
            raise PayrollError(
                field="death_date", zh="死亡日期格式不正确", en="the date of death is not valid"
            ) from None
    if death_date > timezone.localdate():
        raise PayrollError(
            field="death_date", zh="死亡日期不能晚于今天", en="the date of death is in the future"
        )
    payees = list(Payee.objects.select_for_update().filter(person_id=int(person_id or 0)).order_by("pk"))
    if not payees:
        raise PayrollError(field="person_id", zh="该参保人不在发放名册中", en="the person is not a payee")
    grant = _grant(actor, (Perm.PAYROLL_RUN, Perm.CASE_REVIEW), payees[0].region_code)
    last = int(Period.of(death_date))
    now = timezone.now()
    out = []
    for payee in payees:
        if payee.status == PayeeStatus.STOPPED:
            continue
        before = _snapshot(payee)
        end = last if payee.to_period is None else min(payee.to_period, last)
        Payee.objects.filter(pk=payee.pk).exclude(status=PayeeStatus.STOPPED).update(
            status=PayeeStatus.STOPPED,
            to_period=end,
            stop_reason=f"死亡 death {death_date.isoformat()}",
            updated_at=now,
        )
        payee.refresh_from_db()
        # Back-pay and reissues not yet paid wait for a review (they may cover months
        # after death): staff release the legitimate ones with ``adjustment_release``.
        Adjustment.objects.filter(payee_id=payee.pk, settled_period__isnull=True, held=False).update(
            held=True
        )
        receivable = _receivable_after(payee, end, "死亡后多发 paid after death", now)
        if receivable is not None:
            out.append(receivable)
        _history(payee, action="stop", actor=actor, from_period=end, reason=payee.stop_reason)
        audit_record(
            action="payee.stop_on_death",
            object_type="payee",
            object_id=payee.pk,
            before=before,
            after={**_snapshot(payee), "receivable_fen": receivable.amount_fen if receivable else 0},
            actor=actor,
            post=_post(grant),
        )
    return out


# --- receivables -----------------------------------------------------------------------------


def _locked_receivable(receivable_id: object) -> Receivable:
    try:
        pk = int(receivable_id)
    except (TypeError, ValueError):
        pk = 0
    row = Receivable.objects.select_for_update().filter(pk=pk).first()
    if row is None:
        raise PayrollError(field="receivable_id", zh="应收款不存在", en="no such receivable")
    return row


def _receivable_snapshot(r: Receivable) -> dict:
    return {
        "amount_fen": r.amount_fen,
        "recovered_fen": r.recovered_fen,
        "status": r.status,
        "offset_ppm": r.offset_ppm,
    }


@transaction.atomic
def receivable_offset(*, actor, receivable_id: int, share_ppm: int = DEFAULT_OFFSET_PPM) -> Receivable:
    """Recover the receivable from the payee's later payments: each month at most
    ``share_ppm`` millionths of the normal payment is withheld until it is recovered."""
    r = _locked_receivable(receivable_id)
    payee = Payee.objects.filter(pk=r.payee_id).first()
    grant = _grant(actor, (Perm.PAYROLL_RUN,), payee.region_code if payee else None)
    if isinstance(share_ppm, bool) or not isinstance(share_ppm, int) or not 1 <= share_ppm <= 1_000_000:
        raise PayrollError(
            field="share_ppm", zh="抵扣比例应在0至100%之间", en="the share must be between 0 and 100 %"
        )
    if payee is None or payee.status == PayeeStatus.STOPPED:
        raise PayrollError(
            field="receivable_id",
            zh="已终止发放，无法抵扣，请登记退还",
            en="payment has stopped: record a repayment instead",
        )
    if (
        Receivable.objects.filter(payee_id=r.payee_id, status=ReceivableStatus.OFFSETTING)
        .exclude(pk=r.pk)
        .exists()
    ):
        raise PayrollError(
            field="receivable_id",
            zh="该对象已有正在抵扣的应收款",
            en="another receivable of this payee is being offset",
        )
    before = _receivable_snapshot(r)
    changed = Receivable.objects.filter(
        pk=r.pk, status__in=[ReceivableStatus.OPEN, ReceivableStatus.OFFSETTING]
    ).update(status=ReceivableStatus.OFFSETTING, offset_ppm=share_ppm, updated_at=timezone.now())
    if not changed:
        raise PayrollError(field="status", zh="应收款已追回", en="the receivable is already recovered")
    r.refresh_from_db()
    audit_record(
        action="receivable.offset",
        object_type="receivable",
        object_id=r.pk,
        before=before,
        after=_receivable_snapshot(r),
        actor=actor,
        post=_post(grant),
    )
    return r


@transaction.atomic
def receivable_repay(*, actor, receivable_id: int, amount: object, note: str = "") -> Receivable:
    """Record a repayment (退还) of ``amount`` yuan by the payee or the family."""
    r = _locked_receivable(receivable_id)
    payee = Payee.objects.filter(pk=r.payee_id).first()
    grant = _grant(actor, (Perm.PAYROLL_RUN,), payee.region_code if payee else None)
    fen = _fen(amount, field="amount")
    text = _reason(note, field="note", required=False)
    outstanding = r.amount_fen - r.recovered_fen
    if r.status == ReceivableStatus.RECOVERED or outstanding <= 0:
        raise PayrollError(field="status", zh="应收款已追回", en="the receivable is already recovered")
    if fen > outstanding:
        raise PayrollError(field="amount", zh="退还金额超过未追回金额", en="more than the outstanding amount")
    before = _receivable_snapshot(r)
    now = timezone.now()
    Recovery.objects.create(
        receivable_id=r.pk, person_id=r.person_id, kind=RecoveryKind.REPAY, amount_fen=fen, note=text, at=now
    )
    total = Recovery.objects.filter(receivable_id=r.pk).aggregate(s=Sum("amount_fen"))["s"] or 0
    status = ReceivableStatus.RECOVERED if total >= r.amount_fen else r.status
    Receivable.objects.filter(pk=r.pk).update(recovered_fen=total, status=status, updated_at=now)
    r.refresh_from_db()
    audit_record(
        action="receivable.repay",
        object_type="receivable",
        object_id=r.pk,
        before=before,
        after={**_receivable_snapshot(r), "repaid_fen": fen},
        actor=actor,
        post=_post(grant),
    )
    return r


@transaction.atomic
def adjustment_release(*, actor, adjustment_id: int, due_period: int) -> Adjustment:
    """Release a held reissue (the payee gave a working account): paid by the payroll of
    ``due_period`` or the next one to run."""
    row = Adjustment.objects.select_for_update().filter(pk=int(adjustment_id or 0)).first()
    if row is None:
        raise PayrollError(field="adjustment_id", zh="待发款项不存在", en="no such pending amount")
    payee = Payee.objects.get(pk=row.payee_id)
    grant = _grant(actor, (Perm.PAYROLL_RUN,), payee.region_code)
    due = parse_period(due_period, field="due_period")
    if not Adjustment.objects.filter(pk=row.pk, held=True, settled_period__isnull=True).update(
        held=False, due_period=due
    ):
        raise PayrollError(field="status", zh="该款项未被暂缓", en="the amount is not held")
    row.refresh_from_db()
    audit_record(
        action="adjustment.release",
        object_type="adjustment",
        object_id=row.pk,
        after={"due_period": due, "amount_fen": row.amount_fen},
        actor=actor,
        post=_post(grant),
    )
    return row


# --- bank returns ----------------------------------------------------------------------------

RETURN_HEADER = ["reference", "account_last4", "amount", "reason"]


def _return_rows(data: bytes | str) -> list[tuple[int, dict]]:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PayrollError(field="file", zh="文件不是UTF-8编码", en="the file is not UTF-8") from None
    reader = csv.reader(io.StringIO(data))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != RETURN_HEADER:
        raise PayrollError(
            field="file",
            row=1,
            zh="表头应为 reference,account_last4,amount,reason",
            en="the header must be reference,account_last4,amount,reason",
        )
    rows = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 4:
            raise PayrollError(
                field="file", row=number, zh=f"第{number}行应有4列", en=f"row {number} must have 4 columns"
            )
        rows.append((number, dict(zip(RETURN_HEADER, (c.strip() for c in row), strict=True))))
    if not rows:
        raise PayrollError(field="file", zh="文件中没有退回记录", en="the file lists no returned payments")
    return rows


@transaction.atomic
def bank_returns_apply(*, actor, batch_id: int, data: bytes | str, hold: bool = False) -> BankBatch:
    """Apply a bank's return file (failed accounts) to a batch: the payee's payments of the
    period are marked failed and the net amount is reissued by the next payroll (or held
    until ``adjustment_release`` when ``hold``). Any bad row refuses the whole file."""
    batch = BankBatch.objects.select_for_update().filter(pk=int(batch_id or 0)).first()
    if batch is None:
        raise PayrollError(field="batch_id", zh="银行批次不存在", en="no such bank batch")
    grant = _grant(actor, (Perm.PAYROLL_RUN,), None)
    if batch.returns_applied_at is not None:
        raise PayrollError(
            field="batch_id", zh="该批次的回盘已导入", en="the returns of this batch were already applied"
        )
    rows = _return_rows(data)
    prefix = f"P{batch.period}-"
    seen: set[int] = set()
    failed: list[tuple[Payee, int]] = []
    for number, row in rows:
        ref = row["reference"]
        if not ref.startswith(prefix) or not ref[len(prefix) :].isdigit():
            raise PayrollError(
                field="reference",
                row=number,
                zh=f"第{number}行：流水号不属于本批次",
                en=f"row {number}: the reference is not of this batch",
            )
        payee_id = int(ref[len(prefix) :])
        if payee_id in seen:
            raise PayrollError(
                field="reference",
                row=number,
                zh=f"第{number}行：流水号重复",
                en=f"row {number}: duplicate reference",
            )
        seen.add(payee_id)
        payee = Payee.objects.filter(pk=payee_id).first()
        sums = Payment.objects.filter(
            period=batch.period,
            person_id=payee.person_id if payee else -1,
            payee_id=payee_id,
            bank_code=batch.bank_code,
        ).aggregate(s=Sum("amount_fen"))
        net = sums["s"]
        if payee is None or net is None or net <= 0:
            raise PayrollError(
                field="reference",
                row=number,
                zh=f"第{number}行：本批次没有该笔发放",
                en=f"row {number}: no such payment in this batch",
            )
        if row["account_last4"] != payee.account_last4:
            raise PayrollError(
                field="account_last4",
                row=number,
                zh=f"第{number}行：账号后四位不符",
                en=f"row {number}: the account does not match",
            )
        try:
            amount = _fen(row["amount"], field="amount")
        except PayrollError:
            raise PayrollError(
                field="amount",
                row=number,
                zh=f"第{number}行：金额格式不正确",
                en=f"row {number}: the amount is not valid",
            ) from None
        if amount != net:
            raise PayrollError(
                field="amount",
                row=number,
                zh=f"第{number}行：金额与发放金额不符",
                en=f"row {number}: the amount differs from the payment",
            )
        failed.append((payee, net))
    now = timezone.now()
    next_period = int(Period.from_int(batch.period) + 1)
    for payee, net in failed:
        Payment.objects.filter(
            period=batch.period, person_id=payee.person_id, payee_id=payee.pk, bank_code=batch.bank_code
        ).update(status=PaymentStatus.FAILED)
        Adjustment.objects.create(
            payee_id=payee.pk,
            person_id=payee.person_id,
            kind=AdjustmentKind.REISSUE,
            amount_fen=net,
            due_period=next_period,
            held=hold,
            reason=f"银行退回 returned {batch.period} {batch.bank_code}",
            created_at=now,
        )
    total = sum(net for _, net in failed)
    BankBatch.objects.filter(pk=batch.pk).update(
        failed_count=len(failed), failed_fen=total, returns_applied_at=now
    )
    PayrollRun.objects.filter(pk=batch.run_id).update(status=RunStatus.CLOSED)
    batch.refresh_from_db()
    audit_record(
        action="bank_batch.returns",
        object_type="bank_batch",
        object_id=batch.pk,
        after={"failed": len(failed), "failed_fen": total, "hold": bool(hold)},
        actor=actor,
        post=_post(grant),
    )
    return batch


def bank_batch_download(*, actor, batch_id: int):
    """Open the batch's bank file (binary) after recording who downloaded it: the file
    holds full account numbers. Staff with PAYROLL_RUN or FUND_VIEW."""
    batch = BankBatch.objects.filter(pk=int(batch_id or 0)).first()
    if batch is None:
        raise PayrollError(field="batch_id", zh="银行批次不存在", en="no such bank batch")
    grant = _grant(actor, (Perm.PAYROLL_RUN, Perm.FUND_VIEW), None)
    path = bank_dir() / batch.file_name
    if not batch.file_name or not path.exists():
        raise PayrollError(field="batch_id", zh="银行文件不存在", en="the bank file is missing")
    with transaction.atomic():
        audit_record(
            action="bank_batch.download",
            object_type="bank_batch",
            object_id=batch.pk,
            after={"file": batch.file_name, "checksum": batch.checksum},
            actor=actor,
            post=_post(grant),
        )
    return batch, open(path, "rb")  # noqa: SIM115 - the response closes it
