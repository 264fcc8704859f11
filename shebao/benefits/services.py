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

import csv
import datetime as dt
import io
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.accounts.access import AccessDenied, Grant, grant_for, regions_with_perm, require_any_perm
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.benefits import identity, selectors
from shebao.benefits.errors import BenefitError
from shebao.benefits.models import (
    Certification,
    CertificationMethod,
    CertificationSuspension,
    DeathRecord,
    PensionHistory,
    PensionKind,
    SurvivorBenefitKind,
    SurvivorEntitlement,
)
from shebao.benefits.rules import adjustment as adjustment_rules
from shebao.benefits.rules import certification as certification_rules
from shebao.benefits.rules.pension import PensionInputs, average_index, pension
from shebao.benefits.rules.retirement import (
    age_at,
    check_within_window,
    month_index,
    period_of,
    required_months,
    statutory_retirement,
)
from shebao.contributions import ledger as contribution_ledger
from shebao.kernel.audit import audit_record
from shebao.kernel.rules.money import fen_to_yuan, round_yuan, yuan_to_fen
from shebao.kernel.rules.periods import Period
from shebao.register import access as register_access
from shebao.register import selectors as register_selectors
from shebao.register import services as register_services
from shebao.register import sources as register_sources

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


# --- survival certification (领取待遇资格认证, rules.md §8) ---------------------------------
#
# ``certification_record(*, actor, person_id, method, verified_on, reference="",
# provider="", id_number="", name="") -> Certification``
#     Records one successful certification. Staff (CASE_ACCEPT or CASE_REVIEW in the
#     person's region) record any method; a citizen records only ``self_service`` for
#     themself, through a registered identity provider (``benefits.identity``). Open
#     suspensions for a missed cycle are resumed (``payroll.services.payee_resume``), which
#     back-pays the suspended months not paid.
# ``certification_sweep(*, actor, today) -> list[CertificationSuspension]``
#     Suspends (``payee_suspend``) from the next month every active pension payee whose
#     cycle is missed; idempotent. System, or staff with CASE_REVIEW (their regions only).
# ``death_records_import(*, actor, data: bytes, source="") -> list[DeathRecord]``
#     CSV ``id_number,name,death_date``; all rows checked first (every bad row named), then
#     each death stops payment (``payee_stop_on_death``; months paid after death become
#     receivables) and records the survivor benefits (funeral grant, survivor payment).

DEFAULT_SURVIVOR_BENEFITS = {"funeral_grant": "5000.00", "survivor_payment": "20000.00"}
MAX_DEATH_ROWS = 50_000


class CertificationFileError(BenefitError):
    """A refused death file: ``rows`` lists (row, field, zh, en) for every bad row."""

    def __init__(self, rows: list[tuple[int, str, str, str]]) -> None:
        first = rows[0]
        super().__init__(
            field="file",
            zh="；".join(f"第{r}行 {f}：{zh}" for r, f, zh, _ in rows[:20]),
            en="; ".join(f"row {r} {f}: {en}" for r, f, _, en in rows[:20]),
        )
        self.rows = rows
        self.row = first[0]


def _actor_label(actor) -> str:
    if register_access.is_system(actor) or actor is None:
        return "system"
    return actor.get_username()


def _day(value: object, *, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise BenefitError(
            field=field, zh="日期格式应为 2026-01-31", en="a date such as 2026-01-31"
        ) from None


def _pension_payees_of(person_id: int) -> list:
    from shebao.payroll import selectors as payroll_selectors

    return [p for p in payroll_selectors.payees_of_person(person_id=person_id) if p.benefit == "pension"]


def _resume_period(*, suspended_from: int, verified_on: dt.date) -> int:
    from shebao.payroll import services as payroll_services

    paid = set(payroll_services.paid_periods())
    start = max(suspended_from, certification_rules.period_of(verified_on))
    while start in paid:
        start = int(Period.from_int(start) + 1)
    return start


@transaction.atomic
def certification_record(
    *,
    actor,
    person_id: int,
    method: str,
    verified_on: object,
    reference: str = "",
    provider: str = "",
    id_number: str = "",
    name: str = "",
) -> Certification:
    from shebao.payroll import services as payroll_services

    try:
        pid = int(person_id)
    except (TypeError, ValueError):
        raise BenefitError(field="person_id", zh="参保人编号不正确", en="not a valid person id") from None
    if method not in CertificationMethod.values:
        raise BenefitError(field="method", zh="认证方式不正确", en="unknown certification method")
    if register_access.is_system(actor):
        grant = None
    elif getattr(actor, "kind", None) == UserKind.CITIZEN:
        if method != CertificationMethod.SELF_SERVICE or actor.person_id is None or actor.person_id != pid:
            raise AccessDenied(zh="只能为本人办理自助认证", en="citizens may only self-certify themselves")
        grant = None
    else:
        grant = _grant(actor, (Perm.CASE_ACCEPT, Perm.CASE_REVIEW), pid)
    person = register_access.access_person(user=register_access.SYSTEM_ACTOR, person_id=pid)
    day = _day(verified_on, field="verified_on")
    if day > timezone.localdate():
        raise BenefitError(field="verified_on", zh="认证日期不能晚于今天", en="the date is in the future")
    payees = [p for p in _pension_payees_of(pid) if p.status != "stopped"]
    if not payees or person.is_deceased:
        raise BenefitError(field="person_id", zh="该人员不是待遇领取人员", en="the person draws no pension")
    ref = str(reference or "").strip()[:200]
    provider_name, provider_result = "", ""
    if method == CertificationMethod.SELF_SERVICE:
        check = identity.verifier(str(provider or identity.RegisterMatch.name))
        if check is None:
            raise BenefitError(field="provider", zh="身份核验方式不可用", en="unknown identity provider")
        result = check.verify(person_id=pid, id_number=id_number, name=name)
        if not result.ok:
            raise BenefitError(
                field="id_number",
                zh="身份核验未通过：证件号码或姓名不符",
                en="identity not verified: ID number or name do not match",
            )
        provider_name, provider_result = check.name, result.detail[:200]
    elif method == CertificationMethod.VISIT and not ref:
        raise BenefitError(
            field="reference", zh="请填写上门/社区认证的记录编号或说明", en="give the visit record or a note"
        )
    now = timezone.now()
    cert = Certification.objects.create(
        person_id=pid,
        region_code=person.region_code,
        method=method,
        verified_on=day,
        recorded_by=_actor_label(actor),
        reference=ref,
        provider=provider_name,
        provider_result=provider_result,
        created_at=now,
    )
    resumed = []
    for row in CertificationSuspension.objects.filter(person_id=pid, resumed_at__isnull=True).order_by("id"):
        start = _resume_period(suspended_from=row.from_period, verified_on=day)
        # Compare-and-set: of two concurrent certifications only one resumes.
        if not CertificationSuspension.objects.filter(pk=row.pk, resumed_at__isnull=True).update(
            resumed_at=now, resumed_period=start
        ):
            continue
        payee = next((p for p in payees if p.pk == row.payee_id), None)
        if payee is not None and payee.status == "suspended":
            payroll_services.payee_resume(
                actor=register_access.SYSTEM_ACTOR, payee_id=payee.pk, from_period=start
            )
            resumed.append({"payee_id": payee.pk, "from_period": start})
    audit_record(
        action="certification.record",
        object_type="certification",
        object_id=cert.pk,
        after={
            "person_id": pid,
            "method": method,
            "verified_on": day.isoformat(),
            "provider": provider_name,
            "resumed": resumed,
        },
        actor=actor,
        post=_post(grant),
    )
    return cert


def _sweep_regions(actor) -> list[str] | None:
    if register_access.is_system(actor):
        return None
    if getattr(actor, "kind", None) != UserKind.STAFF or not actor.is_active:
        raise AccessDenied(zh="只有经办人员可以办理此业务", en="only agency staff may do this")
    regions = regions_with_perm(actor, Perm.CASE_REVIEW)
    if not regions:
        raise AccessDenied(zh="您的岗位无权办理此业务", en="your post does not allow this")
    return regions


def certification_sweep(*, actor, today: object = None) -> list[CertificationSuspension]:
    """Suspend every active pension payee whose cycle is missed (idempotent: a payee
    already suspended for that due date is skipped). Each suspension is its own
    transaction, so a long sweep can be stopped and run again."""
    from shebao.payroll import services as payroll_services

    day = _day(today, field="today") if today is not None else timezone.localdate()
    regions = _sweep_regions(actor)
    out = []
    for item in selectors.certification_schedule(today=day, regions=regions):
        if item.suspended or not item.missed:
            continue
        start = certification_rules.suspension_period(item.due)
        with transaction.atomic():
            row, created = CertificationSuspension.objects.get_or_create(
                payee_id=item.payee_id,
                due_on=item.due,
                defaults={
                    "person_id": item.person_id,
                    "from_period": start,
                    "created_at": timezone.now(),
                },
            )
            if not created:
                continue
            try:
                payroll_services.payee_suspend(
                    actor=actor,
                    payee_id=item.payee_id,
                    from_period=max(start, _payee_first_period(item.payee_id)),
                    reason=f"未按期认证 certification due {item.due.isoformat()}",
                )
            except payroll_services.PayrollError:
                # Another actor changed the payee since the schedule was read: leave it.
                transaction.set_rollback(True)
                continue
            audit_record(
                action="certification.suspend",
                object_type="certification_suspension",
                object_id=row.pk,
                after={
                    "person_id": item.person_id,
                    "payee_id": item.payee_id,
                    "due": item.due.isoformat(),
                    "from_period": start,
                },  # fmt: skip
                actor=actor,
            )
            out.append(row)
    return out


def _payee_first_period(payee_id: int) -> int:
    from shebao.payroll import selectors as payroll_selectors

    payee = payroll_selectors.payee(payee_id=payee_id)
    return payee.from_period if payee is not None else 0


def _survivor_amounts() -> dict[str, int]:
    from django.conf import settings

    configured = {**DEFAULT_SURVIVOR_BENEFITS, **getattr(settings, "SHEBAO_SURVIVOR_BENEFITS", {})}
    return {
        kind: yuan_to_fen(round_yuan(Decimal(str(configured[kind])))) for kind in DEFAULT_SURVIVOR_BENEFITS
    }


def _inheritable_fen(person_id: int, death: dt.date) -> int:
    """个人账户余额继承 (国发〔2005〕38号): the balance at death, less the personal-account
    pension paid out of it (from the retirement month through the month of death, the
    payroll paying through that month) for a pensioner; never negative."""
    principal, interest = contribution_ledger.account_balance_fen(person_id=person_id)
    balance = principal + interest
    award = (
        PensionHistory.objects.filter(person_id=person_id, effective_period__lte=int(Period.of(death)))
        .order_by("-seq")
        .first()
    )
    if award is not None:
        paid_months = max(0, Period.of(death).index() - Period.parse(str(award.retire_period)).index() + 1)
        balance -= award.account_fen * paid_months
    return max(0, balance)


def _parse_death_rows(
    data: bytes,
) -> tuple[list[tuple[int, int, str, dt.date]], list[tuple[int, str, str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CertificationFileError([(1, "file", "文件不是 UTF-8 编码", "the file is not UTF-8")]) from None
    reader = csv.reader(io.StringIO(text))
    good, bad = [], []
    today = timezone.localdate()
    seen: set[int] = set()
    for number, cells in enumerate(reader, start=1):
        if not cells or not "".join(cells).strip():
            continue
        cells = [c.strip() for c in cells]
        if number == 1 and cells[0].lower() in ("id_number", "身份证号码", "身份证号"):
            continue
        if len(good) + len(bad) >= MAX_DEATH_ROWS:
            bad.append((number, "file", "行数过多", "too many rows"))
            break
        if len(cells) != 3:
            bad.append(
                (
                    number,
                    "columns",
                    "应为 身份证号码,姓名,死亡日期 三列",
                    "expected id_number,name,death_date",
                )
            )
            continue
        id_number, name, raw_day = cells
        pid = register_sources.person_id_by_id_number(id_number.upper())
        if pid is None:
            bad.append((number, "id_number", "登记库中没有该身份证号码", "no such ID number in the register"))
            continue
        brief = register_selectors.person_brief(person_id=pid)
        if brief is None or brief.name != name:
            bad.append((number, "name", "姓名与登记信息不符", "the name does not match the register"))
            continue
        try:
            day = dt.date.fromisoformat(raw_day)
        except ValueError:
            bad.append((number, "death_date", "死亡日期格式应为 2026-01-31", "a date such as 2026-01-31"))
            continue
        if day > today:
            bad.append((number, "death_date", "死亡日期不能晚于今天", "the date of death is in the future"))
            continue
        if pid in seen:
            bad.append(
                (number, "id_number", "同一人在文件中重复出现", "the person appears twice in the file")
            )
            continue
        seen.add(pid)
        good.append((number, pid, brief.region_code, day))
    return good, bad


@transaction.atomic
def death_records_import(*, actor, data: bytes, source: str = "") -> list[DeathRecord]:
    """Import deaths from a data-comparison file; all or nothing. A person already
    recorded as dead is skipped (the import can be re-run)."""
    if not data:
        raise BenefitError(field="file", zh="请上传死亡信息文件", en="upload the file of deaths")
    good, bad = _parse_death_rows(data)
    if bad:
        raise CertificationFileError(bad)
    if not good:
        raise BenefitError(field="file", zh="文件中没有数据行", en="the file has no data rows")
    grants = {}
    if not register_access.is_system(actor):
        for number, _pid, region, _d in good:
            try:
                grants[region] = require_any_perm(actor, (Perm.CASE_REVIEW,), region)
            except AccessDenied:
                raise CertificationFileError(
                    [
                        (
                            number,
                            "id_number",
                            "该人员不在您的岗位辖区",
                            "the person is outside your post's region",
                        )
                    ]
                ) from None
    done = set(
        DeathRecord.objects.filter(person_id__in=[g[1] for g in good]).values_list("person_id", flat=True)
    )
    amounts = _survivor_amounts()
    return [
        _record_death(actor=actor, person_id=pid, region=region, day=day, source=source,
                      amounts=amounts, grant=grants.get(region), action="death.import")
        for _number, pid, region, day in good
        if pid not in done
    ]  # fmt: skip


def _record_death(
    *, actor, person_id: int, region: str, day: dt.date, source: str, amounts: dict, grant, action: str
) -> DeathRecord:
    """One death, in the caller's transaction: stop the payments after the month of death
    (the months paid since become receivables), mark the register, raise the survivor
    benefits and the personal-account inheritance, audit."""
    from shebao.payroll import selectors as payroll_selectors
    from shebao.payroll import services as payroll_services

    now = timezone.now()
    receivable_fen = 0
    if payroll_selectors.payees_of_person(person_id=person_id):
        receivables = payroll_services.payee_stop_on_death(actor=actor, person_id=person_id, death_date=day)
        receivable_fen = sum(r.amount_fen for r in receivables)
    record = DeathRecord.objects.create(
        person_id=person_id,
        region_code=region,
        death_date=day,
        source=str(source or "")[:200],
        receivable_fen=receivable_fen,
        actor_id=None if register_access.is_system(actor) else actor.pk,
        created_at=now,
    )
    person = register_access.access_person(user=register_access.SYSTEM_ACTOR, person_id=person_id)
    if not person.is_deceased:  # the register closes employment and enrolments (data comparison)
        register_services.person_change(
            actor=register_access.SYSTEM_ACTOR, person_id=person_id,
            changes={"life_status": "deceased", "death_date": day},
        )  # fmt: skip
    inherit_fen = _inheritable_fen(person_id, day)
    SurvivorEntitlement.objects.bulk_create(
        [
            SurvivorEntitlement(person_id=person_id, kind=kind, amount_fen=fen, created_at=now)
            for kind, fen in {**amounts, SurvivorBenefitKind.ACCOUNT_INHERITANCE.value: inherit_fen}.items()
        ]
    )
    audit_record(
        action=action,
        object_type="death_record",
        object_id=record.pk,
        after={
            "person_id": person_id,
            "death_date": day.isoformat(),
            "receivable_fen": receivable_fen,
            "survivor": amounts,
            "account_inheritance_fen": inherit_fen,
            "source": record.source,
        },  # fmt: skip
        actor=actor,
        post=_post(grant),
    )
    return record


REGISTER_DEATH_SOURCE = "死亡登记 register"


def register_deaths_sweep(*, actor) -> list[DeathRecord]:
    """Deaths recorded in the register itself (死亡登记 at the counter, not through the
    data-comparison import) of persons on the payroll, that the benefits side has not
    processed yet: each gets what ``death_records_import`` gives a death (payments
    stopped after the month of death with receivables, survivor benefits, inheritance),
    in its own transaction, so a stopped sweep can run again. Found in one SQL query over
    the register's deceased persons; run daily with the certification sweep and before
    every payroll starts."""
    from django.db import connection

    from shebao.payroll import selectors as payroll_selectors
    from shebao.register import sources as register_sources
    from shebao.register.rules.codes import LifeStatus

    regions = _sweep_regions(actor)  # refuses who may not sweep; None for the platform
    person = register_sources.register_tables().person
    sql = f"""SELECT p.id, p.region_code, p.death_date FROM {person} p
      WHERE p.life_status = %s AND p.death_date IS NOT NULL
        AND EXISTS (SELECT 1 FROM {payroll_selectors.payee_table()} y WHERE y.person_id = p.id)
        AND NOT EXISTS (SELECT 1 FROM {DeathRecord._meta.db_table} d WHERE d.person_id = p.id)
      ORDER BY p.id"""  # noqa: S608 - table names only
    with connection.cursor() as cursor:
        cursor.execute(sql, [LifeStatus.DECEASED.value])
        rows = cursor.fetchall()
    amounts = _survivor_amounts()
    out = []
    for pid, region, day in rows:
        grant = None if regions is None else grant_for(actor, Perm.CASE_REVIEW, region)
        if regions is not None and grant is None:
            continue  # outside the regions of the actor's posts
        if isinstance(day, str):  # SQLite returns the text of the date
            day = dt.date.fromisoformat(day)
        with transaction.atomic():
            if DeathRecord.objects.filter(person_id=pid).exists():
                continue  # processed meanwhile by an import or another sweep
            out.append(
                _record_death(actor=actor, person_id=pid, region=region, day=day, source=REGISTER_DEATH_SOURCE,
                              amounts=amounts, grant=grant, action="death.register")
            )  # fmt: skip
    return out
