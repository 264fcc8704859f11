"""Writes of 失业保险金. Each is atomic, checks the source state with compare-and-set and
writes its audit entry in the same transaction. Public functions (keyword-only):

``parameter_add(*, actor, jurisdiction, valid_from, valid_to=None, minimum_wage, dibao,
first, later, extension, medical_base, medical_rate, source_doc, note="") -> Parameter``
    Amounts in yuan, the rate as a fraction. Each benefit amount must lie in [低保, minimum
    wage] (T38). An open-ended predecessor is closed the month before; overlapping a
    bounded row is refused. PARAMETER_ADMIN in the jurisdiction.

``claim_assess(*, person_id, separation, registered, registered_on, today=None) -> Assessment``
    Everything a claim is decided on, without writing (the hall item validates with it):
    eligibility from the kernel (T33, T35), the entitlement with the previous claim's
    unused remainder (T34, capped at 24), the schedule with the near-retirement extension.

``claim_award(*, actor, person_id, separation, registered, registered_on, bank_code,
case_id=None, today=None) -> Claim``
    On approval of the hall case: the claim row, then the payroll payee (benefit
    unemployment, to_period = the last payable month; months 13–24 as an amount change).
    CASE_RECHECK or CASE_REVIEW in the person's region.

``claim_stop(*, actor, claim_id, reason, from_period) -> Claim``
    Stop from ``from_period`` for a ``StopReason``; the payee stops too (months already paid
    from then on become a payroll receivable); the unused months are kept for a later
    claim. CASE_REVIEW or CASE_RECHECK (the platform for the sweep, which stops the claims
    of deceased persons from the month after the month of death).

No claim is awarded for a person the register records as deceased (``claim_assess``, also
inside ``claim_award``), and no amount step is passed to the payroll for one
(``claim_apply_step``); there is no other write path that starts or resumes a claim.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.accounts.rules.permissions import Perm
from shebao.benefits.rules import unemployment as rules
from shebao.benefits.rules.retirement import statutory_retirement
from shebao.benefits.selectors import default_category
from shebao.kernel.audit import audit_record
from shebao.kernel.divisions import division_exists_now
from shebao.kernel.rules.money import MoneyError, fen_to_yuan, to_decimal, yuan_to_fen
from shebao.kernel.rules.periods import Period, PeriodError
from shebao.payroll import services as payroll_services
from shebao.payroll.codes import BANKS
from shebao.register import access as register_access
from shebao.unemployment import access, selectors
from shebao.unemployment.errors import UnemploymentError
from shebao.unemployment.models import Claim, ClaimChange, ClaimStatus, Parameter

NATIONAL = "000000"
MAX_AMOUNT = Decimal("100000")  # yuan a month: anything above is a typing error
SEPARATION_LABELS = {
    rules.Separation.CONTRACT_EXPIRED: ("劳动合同期满终止", "fixed-term contract expired"),
    rules.Separation.BANKRUPTCY: ("用人单位依法破产", "employer bankrupt"),
    rules.Separation.CLOSURE: ("用人单位被吊销执照、责令关闭、撤销或提前解散", "employer closed or dissolved"),
    rules.Separation.DISMISSED: ("被用人单位解除劳动合同", "dismissed by the employer"),
    rules.Separation.MUTUAL_BY_EMPLOYER: ("用人单位提出、协商解除劳动合同", "mutual termination proposed by the employer"),
    rules.Separation.FORCED_RESIGNATION: ("因用人单位过错本人解除劳动合同", "resigned because of the employer's fault"),
    rules.Separation.OTHER_LEGAL: ("法律、法规规定的其他情形", "other cases set by law"),
    rules.Separation.RESIGNED: ("本人辞职", "resigned voluntarily"),
    rules.Separation.MUTUAL_BY_EMPLOYEE: ("本人提出、协商解除劳动合同", "mutual termination proposed by the employee"),
}  # fmt: skip
STOP_LABELS = {
    rules.StopReason.REEMPLOYED: ("重新就业", "re-employed"),
    rules.StopReason.MILITARY: ("应征服兵役", "military service"),
    rules.StopReason.EMIGRATED: ("移居境外", "emigrated"),
    rules.StopReason.PENSION: ("享受基本养老保险待遇", "draws a basic pension"),
    rules.StopReason.REFUSED_OFFER: ("无正当理由拒不接受介绍的工作或培训", "refused suitable work or training"),
    rules.StopReason.DIED: ("死亡", "died"),
}


def _label(actor) -> str:
    return actor.get_username() if hasattr(actor, "get_username") else "system"


def _post(grant) -> str:
    return str(grant.post) if grant is not None else ""


def _period(value: object, *, field: str) -> int:
    try:
        return int(Period.parse(value, field=field))
    except PeriodError as exc:
        raise UnemploymentError(field=field, zh=exc.message_zh, en=exc.message_en) from None


def _shift(period: int, months: int) -> int:
    return int(Period.from_int(period) + months)


def _fen(value: object, *, field: str) -> int:
    try:
        amount = to_decimal(value, field=field)
    except MoneyError as exc:
        raise UnemploymentError(field=field, zh=exc.message_zh, en=exc.message_en) from None
    if amount <= 0 or amount > MAX_AMOUNT:
        raise UnemploymentError(
            field=field, zh=f"金额应大于0且不超过 {MAX_AMOUNT} 元", en=f"the amount must be in (0, {MAX_AMOUNT}]"
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise UnemploymentError(field=field, zh="金额最多两位小数", en="at most two decimals (fen)")
    return yuan_to_fen(amount)


def _rate_ppm(value: object) -> int:
    try:
        rate = to_decimal(value, field="medical_rate")
    except MoneyError:
        raise UnemploymentError(field="medical_rate", zh="费率应为小数，如 0.098", en="a fraction such as 0.098") from None
    if not Decimal(0) < rate <= Decimal("0.3"):
        raise UnemploymentError(
            field="medical_rate", zh="医疗保险费率应在 0 至 30% 之间", en="the medical rate must be in (0, 0.3]"
        )
    ppm = rate * 1_000_000
    if ppm != ppm.to_integral_value():
        raise UnemploymentError(field="medical_rate", zh="费率最多六位小数", en="at most six decimals")
    return int(ppm)


def _snapshot(row: Parameter) -> dict:
    return {
        "jurisdiction": row.jurisdiction, "valid_from": row.valid_from, "valid_to": row.valid_to,
        "minimum_wage_fen": row.minimum_wage_fen, "dibao_fen": row.dibao_fen, "first_fen": row.first_fen,
        "later_fen": row.later_fen, "extension_fen": row.extension_fen, "medical_base_fen": row.medical_base_fen,
        "medical_rate_ppm": row.medical_rate_ppm, "source_doc": row.source_doc,
    }  # fmt: skip


# --- parameters ----------------------------------------------------------------------------


@transaction.atomic
def parameter_add(
    *,
    actor,
    jurisdiction: str,
    valid_from: object,
    valid_to: object = None,
    minimum_wage: object,
    dibao: object,
    first: object,
    later: object,
    extension: object,
    medical_base: object,
    medical_rate: object,
    source_doc: str,
    note: str = "",
) -> Parameter:
    code = str(jurisdiction or "").strip()
    if code != NATIONAL and not division_exists_now(code):
        raise UnemploymentError(field="jurisdiction", zh="统筹区代码不存在", en="unknown jurisdiction code")
    grant = access.grant_any(actor, (Perm.PARAMETER_ADMIN,), None if code == NATIONAL else code)
    start = _period(valid_from, field="valid_from")
    end = None if valid_to in (None, "") else _period(valid_to, field="valid_to")
    if end is not None and end < start:
        raise UnemploymentError(field="valid_to", zh="截止月份早于起始月份", en="valid_to is before valid_from")
    fen = {name: _fen(value, field=name) for name, value in (
        ("minimum_wage", minimum_wage), ("dibao", dibao), ("first", first), ("later", later),
        ("extension", extension), ("medical_base", medical_base))}  # fmt: skip
    wage, floor = fen_to_yuan(fen["minimum_wage"]), fen_to_yuan(fen["dibao"])
    for name in ("first", "later", "extension"):
        try:
            rules.check_amount(fen_to_yuan(fen[name]), minimum_wage=wage, dibao=floor)
        except UnemploymentError as exc:
            raise UnemploymentError(
                field=name if exc.field == "amount" else exc.field, zh=exc.message_zh, en=exc.message_en
            ) from None
    rate = _rate_ppm(medical_rate)
    doc = str(source_doc or "").strip()
    if not doc:
        raise UnemploymentError(field="source_doc", zh="请填写发布文号", en="the source document number is required")
    same = Parameter.objects.select_for_update().filter(jurisdiction=code)
    closed = None
    for row in same.filter(valid_from__lte=end if end is not None else 999912):
        if row.valid_to is not None and row.valid_to < start:
            continue
        if row.valid_to is None and row.valid_from < start:
            before = _snapshot(row)
            row.valid_to = _shift(start, -1)
            row.save(update_fields=["valid_to"])
            closed = (row.pk, before, _snapshot(row))
            continue
        raise UnemploymentError(
            field="valid_from",
            zh=f"与已有参数（{row.valid_from}–{row.valid_to or '长期'}）重叠",
            en=f"overlaps the existing row {row.valid_from}–{row.valid_to or 'open'}",
        )
    row = Parameter.objects.create(
        jurisdiction=code, valid_from=start, valid_to=end, minimum_wage_fen=fen["minimum_wage"],
        dibao_fen=fen["dibao"], first_fen=fen["first"], later_fen=fen["later"], extension_fen=fen["extension"],
        medical_base_fen=fen["medical_base"], medical_rate_ppm=rate, source_doc=doc[:120],
        note=str(note or "")[:200], created_at=timezone.now(),
    )  # fmt: skip
    if closed:
        audit_record(action="unemployment.parameter_close", object_type="unemployment_parameter",
                     object_id=closed[0], before=closed[1], after=closed[2], actor=actor, post=_post(grant))  # fmt: skip
    audit_record(action="unemployment.parameter_add", object_type="unemployment_parameter", object_id=row.pk,
                 after=_snapshot(row), actor=actor, post=_post(grant))  # fmt: skip
    return row


# --- claims --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    person_id: int
    region_code: str
    separation: str
    registered_on: dt.date
    employment_end: dt.date
    contribution_months: int
    new_months: int
    carried_months: int
    previous: Claim | None
    schedule: rules.Schedule
    retirement_period: int
    parameter: Parameter


def _date(value: object, *, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise UnemploymentError(field=field, zh="日期格式应为 YYYY-MM-DD", en="date must be YYYY-MM-DD") from None


def _registered(value: object) -> bool:
    return value is True or str(value).strip().lower() in ("yes", "true", "1")


def claim_assess(
    *, person_id: int, separation: object, registered: object, registered_on: object, today: dt.date | None = None
) -> Assessment:
    today = today or timezone.localdate()
    person = register_access.access_person(user=register_access.SYSTEM_ACTOR, person_id=person_id)
    if person.is_deceased:
        raise UnemploymentError(field="person_id", zh="该人员已登记死亡", en="the person is recorded as deceased")
    previous = selectors.latest_claim(person_id=person.pk)
    if previous is not None and previous.status == ClaimStatus.ACTIVE and previous.paid_to >= int(Period.of(today)):
        raise UnemploymentError(
            field="person_id",
            zh=f"已有正在领取的失业保险金（{previous.reference}），请先办理停发",
            en="an earlier claim is still being paid: stop it first",
        )
    after = previous.first_period if previous is not None else None
    months = selectors.contribution_months(person_id=person.pk, after_period=after, as_of=today)
    is_registered = _registered(registered)
    verdict = rules.eligibility(contribution_months=months, separation=separation, registered=is_registered)
    if not verdict.eligible:
        zh = verdict.message_zh + (f"（累计缴费 {months} 个月）" if verdict.reason == "contribution_months" else "")
        en = verdict.message_en + (f" ({months} months)" if verdict.reason == "contribution_months" else "")
        raise UnemploymentError(field=verdict.reason, zh=zh, en=en)
    job = selectors.last_employment(person_id=person.pk)
    if job is None or job.end_date is None or selectors.employed_now(person_id=person.pk):
        raise UnemploymentError(
            field="employment", zh="登记信息中没有已终止的劳动关系（仍在职）", en="no ended employment in the register"
        )
    day = _date(registered_on, field="registered_on")
    if day < job.end_date or day > today:
        raise UnemploymentError(
            field="registered_on",
            zh=f"失业登记日期应在劳动关系终止（{job.end_date:%Y-%m-%d}）之后、今天之前",
            en="the registration date must be after the end of employment and not in the future",
        )
    first = int(Period.of(day))
    done = payroll_services.paid_periods()
    if done and done[-1] >= first:  # that month's payroll has run: the months start with the next one
        first = _shift(done[-1], 1)
    if previous is not None and previous.status == ClaimStatus.ACTIVE and previous.paid_to >= first:
        raise UnemploymentError(
            field="person_id",
            zh=f"已有正在领取的失业保险金（{previous.reference}），请先办理停发",
            en="an earlier claim is still being paid: stop it first",
        )
    carried = previous.unused_months if previous is not None and previous.status == ClaimStatus.STOPPED else 0
    param = selectors.parameters_for(region_code=person.region_code, period=first)
    if param is None:
        raise UnemploymentError(
            field="registered_on", zh="本地区尚未设置该月的失业保险金标准", en="no benefit parameters for that month"
        )
    ret = statutory_retirement(person.birth_date.year, person.birth_date.month, default_category(person.sex))
    total = rules.duration(months, carried)
    plan = rules.schedule(
        first_period=first, months=total, amount_first=fen_to_yuan(param.first_fen),
        amount_later=fen_to_yuan(param.later_fen), amount_extension=fen_to_yuan(param.extension_fen),
        statutory_retirement_period=ret.period,
    )  # fmt: skip
    return Assessment(
        person_id=person.pk, region_code=person.region_code, separation=str(rules.Separation(str(separation))),
        registered_on=day, employment_end=job.end_date, contribution_months=months,
        new_months=rules.entitlement_months(months), carried_months=carried, previous=previous, schedule=plan,
        retirement_period=ret.period, parameter=param,
    )  # fmt: skip


def _change(claim: Claim, *, action: str, actor, from_period: int | None = None, reason: str = "") -> None:
    ClaimChange.objects.create(
        claim=claim, action=action, status=claim.status, from_period=from_period, reason=reason[:200],
        actor=_label(actor), at=timezone.now(),
    )  # fmt: skip


def _reference(today: dt.date) -> str:
    return f"SY{today:%Y%m%d}{secrets.randbelow(10**6):06d}"


def claim_award(
    *,
    actor,
    person_id: int,
    separation: object,
    registered: object,
    registered_on: object,
    bank_code: str,
    case_id: int | None = None,
    today: dt.date | None = None,
) -> Claim:
    today = today or timezone.localdate()
    code = str(bank_code or "").strip().upper()
    if code not in BANKS:
        raise UnemploymentError(field="bank_code", zh="未签约的发放银行", en="unknown bank (no payment agreement)")
    with transaction.atomic():
        region = register_access.access_person(user=register_access.SYSTEM_ACTOR, person_id=person_id).region_code
        grant = access.grant_any(actor, (Perm.CASE_RECHECK, Perm.CASE_REVIEW), region)
        list(Claim.objects.select_for_update().filter(person_id=person_id))  # serialise claims of the person
        a = claim_assess(person_id=person_id, separation=separation, registered=registered,
                         registered_on=registered_on, today=today)  # fmt: skip
        person = register_access.access_person(user=register_access.SYSTEM_ACTOR, person_id=person_id)
        if not person.bank_account:
            raise UnemploymentError(
                field="bank_code", zh="请先登记本人银行账户", en="register your bank account first"
            )
        now = timezone.now()
        prev = a.previous
        if prev is not None and prev.status == ClaimStatus.ACTIVE:  # paid out in full: it ended
            Claim.objects.filter(pk=prev.pk, status=ClaimStatus.ACTIVE).update(
                status=ClaimStatus.ENDED, unused_months=0, updated_at=now
            )
            prev.refresh_from_db()
            _change(prev, action="end", actor=actor, reason="期满 paid out")
        plan = a.schedule
        steps = [[p, yuan_to_fen(amount)] for p, amount in plan.steps]
        try:
            with transaction.atomic():
                claim = Claim.objects.create(
                    reference=_reference(today), person_id=a.person_id, region_code=a.region_code, case_id=case_id,
                    separation=a.separation, employment_end=a.employment_end, registered_on=a.registered_on,
                    contribution_months=a.contribution_months, new_months=a.new_months,
                    carried_months=a.carried_months, entitlement_months=plan.months, first_period=plan.first_period,
                    normal_last_period=plan.normal_last_period, last_period=plan.last_period,
                    extension_months=plan.extension_months, retirement_period=a.retirement_period,
                    first_fen=a.parameter.first_fen, later_fen=a.parameter.later_fen,
                    extension_fen=a.parameter.extension_fen, steps=steps, steps_applied=1,
                    next_step_period=steps[1][0] if len(steps) > 1 else None,
                    parameter_id=a.parameter.pk, previous=prev, status=ClaimStatus.ACTIVE,
                    paid_to=plan.last_period, created_at=now, updated_at=now,
                )  # fmt: skip
        except IntegrityError:
            raise UnemploymentError(
                field="person_id", zh="已有正在领取的失业保险金", en="an earlier claim is still being paid"
            ) from None
        payee = payroll_services.payee_enrol(
            actor=actor, person_id=a.person_id, benefit="unemployment", monthly_fen=steps[0][1],
            from_period=plan.first_period, to_period=plan.last_period, bank_code=code,
            account_number=person.bank_account,
        )  # fmt: skip
        claim.payee_id = payee.pk
        if len(steps) > 1:  # months 13–24 (or the extension): the payroll keeps one earlier amount
            payroll_services.payee_change_amount(
                actor=actor, payee_id=payee.pk, monthly_fen=steps[1][1], from_period=steps[1][0],
                reason=f"失业保险金 {claim.reference} 第{_months_between(plan.first_period, steps[1][0]) + 1}个月起",
            )  # fmt: skip
            claim.steps_applied = 2
            claim.next_step_period = steps[2][0] if len(steps) > 2 else None
        claim.save(update_fields=["payee_id", "steps_applied", "next_step_period"])
        _change(claim, action="award", actor=actor, from_period=plan.first_period,
                reason=f"case {case_id}" if case_id else "")  # fmt: skip
        audit_record(
            action="unemployment.claim_award", object_type="person", object_id=a.person_id, actor=actor,
            post=_post(grant),
            after={"claim": claim.reference, "case_id": case_id, "separation": a.separation,
                   "contribution_months": a.contribution_months, "new_months": a.new_months,
                   "carried_months": a.carried_months, "entitlement_months": plan.months,
                   "first_period": plan.first_period, "last_period": plan.last_period,
                   "extension_months": plan.extension_months, "steps": steps, "payee_id": payee.pk,
                   "parameter_id": a.parameter.pk},
        )  # fmt: skip
    return claim


def _months_between(first: int, last: int) -> int:
    return Period.from_int(first).months_until(Period.from_int(last)) - 1


def claim_stop(*, actor, claim_id: object, reason: object, from_period: object) -> Claim:
    try:
        why = rules.StopReason(str(reason))
    except ValueError:
        raise UnemploymentError(field="reason", zh="停发原因无效", en="unknown stop reason") from None
    start = _period(from_period, field="from_period")
    with transaction.atomic():
        claim = access.access_claim(user=actor, claim_id=claim_id)
        grant = access.grant_any(actor, access.STOP_PERMS, claim.region_code)
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        if claim.status != ClaimStatus.ACTIVE:
            raise UnemploymentError(
                field="claim_id", zh=f"该失业保险金已{claim.get_status_display()}", en="the claim is not active"
            )
        if not claim.first_period <= start <= _shift(claim.paid_to, 1):
            raise UnemploymentError(
                field="from_period",
                zh=f"停发月份应在 {claim.first_period} 至 {_shift(claim.paid_to, 1)} 之间",
                en=f"the stop month must be {claim.first_period} … {_shift(claim.paid_to, 1)}",
            )
        unused = rules.unused_months(claim.entitlement_months, claim.first_period, start)
        before = {"status": claim.status, "paid_to": claim.paid_to}
        now = timezone.now()
        changed = Claim.objects.filter(pk=claim.pk, status=ClaimStatus.ACTIVE).update(
            status=ClaimStatus.STOPPED, paid_to=_shift(start, -1), stop_reason=str(why), stopped_from=start,
            unused_months=unused, updated_at=now,
        )  # fmt: skip
        if changed != 1:
            raise UnemploymentError(field="claim_id", zh="状态已变化，请刷新", en="the claim changed; reload it")
        claim.refresh_from_db()
        label = STOP_LABELS[why][0]
        if claim.payee_id is not None:
            payroll_services.payee_stop(
                actor=actor, payee_id=claim.payee_id, from_period=start, reason=f"失业保险金停发：{label}"
            )
        _change(claim, action="stop", actor=actor, from_period=start, reason=f"{why} {label}")
        audit_record(
            action="unemployment.claim_stop", object_type="person", object_id=claim.person_id, actor=actor,
            post=_post(grant), before=before,
            after={"claim": claim.reference, "status": claim.status, "reason": str(why), "from_period": start,
                   "paid_to": claim.paid_to, "unused_months": unused},
        )  # fmt: skip
    return claim


def claim_apply_step(*, actor, claim_id: int) -> Claim:
    """Pass the claim's next amount step (the near-retirement extension after months
    13–24) to the payroll; called by the sweep before the payroll of that month."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        if claim.status != ClaimStatus.ACTIVE or claim.steps_applied >= len(claim.steps) or claim.payee_id is None:
            return claim
        person = register_access.access_person(user=register_access.SYSTEM_ACTOR, person_id=claim.person_id)
        if person.is_deceased:
            return claim  # nothing more is paid: the sweep stops the claim (reason died)
        period, fen = claim.steps[claim.steps_applied]
        payroll_services.payee_change_amount(
            actor=actor, payee_id=claim.payee_id, monthly_fen=fen, from_period=period,
            reason=f"失业保险金 {claim.reference} 延长领取",
        )  # fmt: skip
        done = claim.steps_applied + 1
        Claim.objects.filter(pk=claim.pk).update(
            steps_applied=done, next_step_period=claim.steps[done][0] if done < len(claim.steps) else None,
            updated_at=timezone.now(),
        )
        claim.refresh_from_db()
        _change(claim, action="amount", actor=actor, from_period=period, reason=f"{fen}")
        audit_record(action="unemployment.claim_step", object_type="person", object_id=claim.person_id,
                     actor=actor, after={"claim": claim.reference, "from_period": period, "monthly_fen": fen})  # fmt: skip
    return claim
