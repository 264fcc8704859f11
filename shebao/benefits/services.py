"""Benefit writes: the pension award on approval of a retirement application, and the
annual adjustment. Each is atomic, writes its audit entry in the same transaction, and
adds a ``PensionHistory`` row (never an update). Public functions:

``pension_award(*, actor, person_id, retire_period, category=None, deemed_months=0,
actual_months_1992_1998=0, bank_code="", case_id=None, today=None) -> PensionHistory``
    Computes the pension from the person's own record (``selectors.pension_record``),
    checks the elastic window and the minimum contribution months, writes the award row
    (one per person: a second award is refused), and puts the person on the payroll
    (``payroll.services.payee_enrol``) when a bank is given. Staff with CASE_RECHECK or
    CASE_REVIEW in the person's region (the approver of the 退休申请 case).

``pension_adjust(*, actor, person_id, year, today=None) -> PensionHistory | None``
    The annual adjustment rule of ``year`` for the person's province (rules.adjustment):
    adds a row with the new total from January of ``year``; a second call for the same
    year returns the existing row; None when the person is not covered (retired after 31
    December of the previous year, or no rule). ASSESSMENT_RUN in the person's region.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.accounts.access import Grant, require_any_perm
from shebao.accounts.rules.permissions import Perm
from shebao.benefits import selectors
from shebao.benefits.errors import BenefitError
from shebao.benefits.models import PensionHistory, PensionKind
from shebao.benefits.rules import adjustment as adjustment_rules
from shebao.benefits.rules.pension import PensionInputs, average_index, pension
from shebao.benefits.rules.retirement import (
    age_at,
    check_within_window,
    month_index,
    period_of,
    required_months,
    statutory_retirement,
)
from shebao.kernel.audit import audit_record
from shebao.kernel.rules.money import fen_to_yuan, round_yuan, yuan_to_fen
from shebao.kernel.rules.periods import Period
from shebao.register import access as register_access

APPLY_AHEAD_MONTHS = 3  # a retirement may be applied for up to three months ahead
MAX_DEEMED_MONTHS = 50 * 12


def _post(grant: Grant | None) -> str:
    return str(grant.post) if grant is not None else ""


def _grant(actor, perms: tuple[Perm, ...], person_id: int) -> Grant | None:
    if register_access.is_system(actor):
        return None
    region = register_access.access_person(user=register_access.SYSTEM_ACTOR, person_id=person_id).region_code
    return require_any_perm(actor, perms, region)


def _int(value: object, *, field: str, low: int, high: int, zh: str, en: str) -> int:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        number = low - 1
    if not (low <= number <= high):
        raise BenefitError(field=field, zh=zh, en=en)
    return number


def _period(value: object, *, field: str) -> int:
    try:
        return int(Period.parse(value, field=field))
    except ValueError:
        raise BenefitError(field=field, zh="年月格式应为 2026-01", en="a month such as 2026-01") from None


def _payroll_enrol(
    *, actor, person_id: int, monthly_fen: int, from_period: int, bank_code: str, account: str
):
    try:
        from shebao.payroll import services as payroll_services
    except ImportError:  # the payroll module is optional: the award stands without it
        return None
    payee = payroll_services.payee_enrol(
        actor=actor,
        person_id=person_id,
        benefit="pension",
        monthly_fen=monthly_fen,
        from_period=from_period,
        bank_code=bank_code,
        account_number=account,
    )
    return payee.pk


def pension_award(
    *,
    actor,
    person_id: int,
    retire_period: object,
    category: str | None = None,
    deemed_months: object = 0,
    actual_months_1992_1998: object = 0,
    bank_code: str = "",
    case_id: int | None = None,
    today: dt.date | None = None,
) -> PensionHistory:
    today = today or timezone.localdate()
    retire = _period(retire_period, field="retire_period")
    deemed = _int(deemed_months or 0, field="deemed_months", low=0, high=MAX_DEEMED_MONTHS,
                  zh="视同缴费月数应为 0 至 600 的整数", en="deemed months must be 0 … 600")  # fmt: skip
    n98 = _int(actual_months_1992_1998 or 0, field="actual_months_1992_1998", low=0, high=69,
               zh="1992-1998年实际缴费月数应为 0 至 69", en="1992-1998 months must be 0 … 69")  # fmt: skip
    with transaction.atomic():
        grant = _grant(actor, (Perm.CASE_RECHECK, Perm.CASE_REVIEW), person_id)
        person = register_access.access_person(user=register_access.SYSTEM_ACTOR, person_id=person_id)
        if person.is_deceased:
            raise BenefitError(
                field="person_id", zh="该人员已登记死亡", en="the person is recorded as deceased"
            )
        if selectors.is_pensioner(person_id=person_id):
            raise BenefitError(
                field="person_id", zh="该人员已核定养老待遇", en="the person already has a pension award"
            )
        record = selectors.pension_record(user=actor, person_id=person_id, as_of=today)
        cat = selectors.check_category(record.sex, category)
        ret = statutory_retirement(record.birth_date.year, record.birth_date.month, cat)
        check_within_window(ret, retire)
        latest = period_of(month_index(int(Period.of(today))) + APPLY_AHEAD_MONTHS)
        if retire > latest:
            raise BenefitError(
                field="retire_period",
                zh=f"最早可提前 {APPLY_AHEAD_MONTHS} 个月申请退休",
                en=f"apply at most {APPLY_AHEAD_MONTHS} months ahead",
            )
        months = record.months + deemed
        need = required_months(ret, retire)
        if months < need:
            raise BenefitError(
                field="contribution_months",
                zh=f"累计缴费 {months} 个月，不足退休时须满的 {need} 个月",
                en=f"{months} months of contributions; {need} are needed",
            )
        if not record.years:
            raise BenefitError(
                field="contribution_months", zh="没有实际缴费记录", en="no actual contributions"
            )
        age = age_at(ret, retire)
        inputs = PensionInputs(
            benefit_base=record.average_wage,
            index=average_index(record.years),
            contribution_months=months,
            account_balance=record.account_balance,
            age_years=age // 12,
            age_months=age % 12,
            deemed_months=deemed,
            actual_months_1992_1998=n98,
            region_code=record.region_code,
        )
        result = pension(inputs)
        breakdown = {
            **result.as_dict(),
            "category": str(cat),
            "statutory_period": ret.period,
            "required_months": need,
            "record": [
                {
                    "year": y.year,
                    "months": y.months,
                    "base": str(round_yuan(y.base)),
                    "average_wage": str(round_yuan(y.average_wage)),
                }
                for y in record.years
            ],  # fmt: skip
        }
        try:
            with transaction.atomic():
                row = PensionHistory.objects.create(
                    person_id=person_id,
                    seq=1,
                    kind=PensionKind.AWARD,
                    region_code=record.region_code,
                    category=str(cat),
                    retire_period=retire,
                    effective_period=retire,
                    rule=result.rule,
                    basic_fen=yuan_to_fen(result.basic),
                    account_fen=yuan_to_fen(result.account),
                    transitional_fen=yuan_to_fen(result.transitional),
                    total_fen=yuan_to_fen(result.total),
                    contribution_months=months,
                    breakdown=breakdown,
                    case_id=case_id,
                    actor_id=getattr(actor, "pk", None),
                    created_at=timezone.now(),
                )
        except IntegrityError:  # a concurrent award won: exactly one per person
            raise BenefitError(
                field="person_id", zh="该人员已核定养老待遇", en="the person already has a pension award"
            ) from None
        payee_id = None
        if bank_code:
            payee_id = _payroll_enrol(actor=actor, person_id=person_id, monthly_fen=row.total_fen,
                                      from_period=retire, bank_code=bank_code, account=person.bank_account)  # fmt: skip
        audit_record(
            action="pension.award",
            object_type="person",
            object_id=person_id,
            after={"history_id": row.pk, "retire_period": retire, "total": str(result.total),
                   "basic": str(result.basic), "account": str(result.account),
                   "transitional": str(result.transitional), "case_id": case_id, "payee_id": payee_id},
            actor=actor,
            post=_post(grant),
        )  # fmt: skip
    return row


def pension_adjust(
    *, actor, person_id: int, year: int, today: dt.date | None = None
) -> PensionHistory | None:
    with transaction.atomic():
        grant = _grant(actor, (Perm.ASSESSMENT_RUN,), person_id)
        rows = list(PensionHistory.objects.select_for_update().filter(person_id=person_id).order_by("seq"))
        if not rows:
            raise BenefitError(
                field="person_id", zh="该人员尚未核定养老待遇", en="the person has no pension award"
            )
        effective = int(year) * 100 + 1
        done = next(
            (r for r in rows if r.kind == PensionKind.ADJUSTMENT and r.effective_period == effective), None
        )
        if done is not None:
            return done
        award, current = rows[0], rows[-1]
        rule = adjustment_rules.rule_for(int(year), current.region_code)
        if rule is None or not adjustment_rules.applies(rule, award.retire_period):
            return None
        person = register_access.access_person(user=register_access.SYSTEM_ACTOR, person_id=person_id)
        age_years = int(year) - person.birth_date.year
        result = adjustment_rules.adjust(
            rule,
            pension=fen_to_yuan(current.total_fen),
            contribution_months=award.contribution_months,
            age_years=age_years,
        )
        delta_fen = yuan_to_fen(result.delta)
        row = PensionHistory.objects.create(
            person_id=person_id,
            seq=current.seq + 1,
            kind=PensionKind.ADJUSTMENT,
            region_code=current.region_code,
            category=current.category,
            retire_period=award.retire_period,
            effective_period=effective,
            rule=f"adjust-{year}",
            basic_fen=current.basic_fen,
            account_fen=current.account_fen,
            transitional_fen=current.transitional_fen,
            adjustment_fen=current.adjustment_fen + delta_fen,
            total_fen=current.total_fen + delta_fen,
            contribution_months=award.contribution_months,
            breakdown={
                "year": result.year,
                "fixed": str(result.fixed),
                "linked_years": str(result.linked_years),
                "linked_pension": str(result.linked_pension),
                "tilt": str(result.tilt),
                "delta": str(result.delta),
                "previous_total": str(fen_to_yuan(current.total_fen)),
                "new_total": str(result.new_total),
                "inputs": {"age_years": age_years, "contribution_months": award.contribution_months},
            },
            actor_id=getattr(actor, "pk", None),
            created_at=timezone.now(),
        )
        audit_record(
            action="pension.adjust",
            object_type="person",
            object_id=person_id,
            before={"total": str(fen_to_yuan(current.total_fen))},
            after={"history_id": row.pk, "year": int(year), "delta": str(result.delta),
                   "total": str(result.new_total)},
            actor=actor,
            post=_post(grant),
        )  # fmt: skip
    return row
