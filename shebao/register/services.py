"""Register writes (参保登记): one atomic, audited function per state change.

Each service validates its input (``RegisterError`` naming the field), checks the
actor's rights through ``shebao.register.access`` (``AccessDenied``), writes with
``update_fields`` and records one audit entry in the same transaction. Audit
before/after values never hold a plaintext ID number, phone or bank account: the
masked forms are recorded instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from shebao.accounts.access import AccessDenied, Grant
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.accounts.selectors import mandate_require
from shebao.kernel.audit import audit_batch, audit_record
from shebao.kernel.crypto import blind_index
from shebao.kernel.divisions import division_exists_now, person_id_check, uscc_check, warning_message
from shebao.kernel.rules.identifiers import IdentifierError, mask_id_number
from shebao.kernel.rules.money import yuan_to_fen
from shebao.kernel.rules.periods import Period, PeriodError
from shebao.register import access, excel
from shebao.register.errors import RegisterError, from_kernel
from shebao.register.models import Employer, Employment, Enrolment, Person
from shebao.register.rules.codes import (
    CardStatus,
    EmployerStatus,
    EmployerType,
    EmploymentKind,
    EnrolmentStatus,
    HukouType,
    Insurance,
    LifeStatus,
)
from shebao.register.rules.enrolment import (
    OpenState,
    Transition,
    check_from_period,
    clean_insurances,
    plan_enrol,
    plan_transition,
)
from shebao.register.rules.validation import (
    check_not_before,
    check_not_future,
    clean_bank_account,
    clean_card_number,
    clean_choice,
    clean_name,
    clean_phone,
    clean_region_format,
    clean_risk_class,
    clean_text,
    clean_wage,
    mask_account,
    mask_phone,
    parse_date,
)
from shebao.register.selectors import card_voided_numbers

ID_BLIND_PURPOSE = "person.id_number"
MIN_WORKING_AGE = 16  # 劳动法 art. 15

# ---------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class PersonRegistration:
    person: Person
    warnings: list[str] = field(default_factory=list)


@dataclass
class BatchResult:
    ok: bool
    processed: int
    errors: list[RegisterError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------
# helpers


def _today() -> dt.date:
    return timezone.localdate()


def _post(grant: Grant | None) -> str:
    return str(grant.post) if grant is not None else ""


def id_blind(number: str) -> str:
    """Blind index of a normalised (18-character) ID number."""
    return blind_index(number, purpose=ID_BLIND_PURPOSE)


def _require_region(value: object, *, field: str) -> str:
    code = clean_region_format(value, field=field)
    if not division_exists_now(code):
        names = {
            "hukou_region": ("户籍区划", "household-registration region"),
            "region_code": ("所属区划", "region"),
        }
        zh, en = names.get(field, ("区划", "region"))
        raise RegisterError(
            field=field,
            zh=f"{zh}代码 {code} 不存在或已撤销",
            en=f"the {en} code {code} does not exist (or has been abolished)",
        )
    return code


def _date(value: object, *, field: str, today: dt.date, allow_future: bool = False) -> dt.date:
    day = parse_date(value, field=field)
    if not allow_future:
        check_not_future(day, today=today, field=field)
    return day


def _period(value: object, *, field: str = "from_period") -> Period:
    try:
        return Period.parse(value, field=field)
    except PeriodError as exc:
        raise from_kernel(exc, field=field) from None


def _insurance(value: object) -> Insurance:
    try:
        return Insurance(str(value).strip())
    except ValueError:
        raise RegisterError(
            field="insurance", zh=f"险种“{str(value)[:20]}”无效", en=f"unknown insurance {str(value)[:20]!r}"
        ) from None


def _reason(value: object, *, field: str = "reason") -> str:
    return clean_text(value, field=field, max_length=100, required=True)


def _person_snapshot(person: Person) -> dict:
    return {
        "id_masked": person.id_masked,
        "id_type": person.id_type,
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "hukou_region": person.hukou_region,
        "hukou_type": person.hukou_type,
        "region_code": person.region_code,
        "phone": mask_phone(person.phone),
        "address": person.address,
        "bank_name": person.bank_name,
        "bank_account": mask_account(person.bank_account),
        "card_number": person.card_number,
        "card_status": person.card_status,
        "life_status": person.life_status,
        "death_date": person.death_date,
        "registered_on": person.registered_on,
    }


def _employer_snapshot(employer: Employer) -> dict:
    return {
        "uscc": employer.uscc,
        "name": employer.name,
        "employer_type": employer.employer_type,
        "region_code": employer.region_code,
        "industry": employer.industry,
        "risk_class": employer.risk_class,
        "address": employer.address,
        "contact_name": employer.contact_name,
        "contact_phone": mask_phone(employer.contact_phone),
        "bank_name": employer.bank_name,
        "bank_account": mask_account(employer.bank_account),
        "status": employer.status,
        "registered_on": employer.registered_on,
        "cancelled_on": employer.cancelled_on,
    }


_MASKED_FIELDS = {"phone": mask_phone, "contact_phone": mask_phone, "bank_account": mask_account}


def _audit_value(key: str, value: object) -> object:
    masker = _MASKED_FIELDS.get(key)
    return masker(value or "") if masker else value


def _enrolment_snapshot(row: Enrolment) -> dict:
    return {
        "id": row.pk,
        "person_id": row.person_id,
        "insurance": row.insurance,
        "status": row.status,
        "employer_id": row.employer_id,
        "start_period": row.start_period,
        "end_period": row.end_period,
        "reason": row.reason,
    }


def _employment_snapshot(row: Employment) -> dict:
    return {
        "id": row.pk,
        "person_id": row.person_id,
        "employer_id": row.employer_id,
        "kind": row.kind,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "monthly_wage": str(Decimal(row.monthly_wage_fen) / 100)
        if row.monthly_wage_fen is not None
        else None,
        "end_reason": row.end_reason,
    }


def _state(row: Enrolment | None) -> OpenState | None:
    if row is None:
        return None
    return OpenState(status=EnrolmentStatus(row.status), start_period=Period.from_int(row.start_period))


def _open_rows(person_id: int) -> dict[Insurance, Enrolment]:
    rows = Enrolment.objects.select_for_update().filter(person_id=person_id, end_period__isnull=True)
    return {Insurance(row.insurance): row for row in rows}


def _lock_person(person_id) -> Person:
    try:
        return Person.objects.select_for_update().get(pk=int(person_id))
    except (Person.DoesNotExist, TypeError, ValueError):
        raise access._denied_person() from None


def _lock_employer(employer_id) -> Employer:
    try:
        return Employer.objects.select_for_update().get(pk=int(employer_id))
    except (Employer.DoesNotExist, TypeError, ValueError):
        raise access._denied_employer() from None


def _refuse_deceased(person: Person, *, what_zh: str, what_en: str) -> None:
    if person.life_status == LifeStatus.DECEASED:
        raise RegisterError(
            field="person",
            zh=f"该人员已登记死亡（{person.death_date or ''}），不能{what_zh}",
            en=f"the person is registered as deceased ({person.death_date or ''}); cannot {what_en}",
        )


def _employment_label(employment: Employment) -> tuple[str, str]:
    if employment.kind == EmploymentKind.FLEXIBLE:
        return (
            f"已登记为灵活就业人员（自 {employment.start_date} 起）",
            f"is registered as a flexible worker (since {employment.start_date})",
        )
    name = employment.employer.name if employment.employer_id else ""
    return (
        f"在“{name}”的就业登记（自 {employment.start_date} 起）尚未减员",
        f"still has an active employment at “{name}” (since {employment.start_date})",
    )


def _active_employment_error(employment: Employment) -> RegisterError:
    zh, en = _employment_label(employment)
    return RegisterError(
        field="person",
        zh=f"该人员{zh}，请先办理减员",
        en=f"the person {en}; separate it first",
    )


# ---------------------------------------------------------------------------
# employers


def employer_register(
    *,
    actor,
    uscc: str,
    name: str,
    employer_type: str,
    region_code: str,
    risk_class: int | str,
    industry: str = "",
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    bank_name: str = "",
    bank_account: str = "",
    registered_on: dt.date | str | None = None,
) -> Employer:
    """单位参保登记."""
    today = _today()
    try:
        parsed = uscc_check(uscc)
    except IdentifierError as exc:
        raise from_kernel(exc, field="uscc") from None
    code = parsed.code
    values = {
        "uscc": code,
        "name": clean_name(name, field="name", max_length=200, allow_digits=True),
        "employer_type": clean_choice(employer_type, EmployerType, field="employer_type").value,
        "region_code": clean_region_format(region_code, field="region_code"),
        "risk_class": clean_risk_class(risk_class),
        "industry": clean_text(industry, field="industry", max_length=60),
        "address": clean_text(address, field="address", max_length=200),
        "contact_name": clean_text(contact_name, field="contact_name", max_length=60),
        "contact_phone": clean_phone(contact_phone, field="contact_phone"),
        "bank_name": clean_text(bank_name, field="bank_name", max_length=100),
        "bank_account": clean_bank_account(bank_account),
        "registered_on": today
        if registered_on in (None, "")
        else _date(registered_on, field="registered_on", today=today),
    }
    grant = access.authorise_region(user=actor, perm=Perm.EMPLOYER_WRITE, region_code=values["region_code"])
    _require_region(values["region_code"], field="region_code")
    duplicate = RegisterError(
        field="uscc",
        zh="该统一社会信用代码已登记",
        en="this unified social credit code is already registered",
    )
    with transaction.atomic():
        if Employer.objects.filter(uscc=code).exists():
            raise duplicate
        try:
            with transaction.atomic():
                employer = Employer.objects.create(status=EmployerStatus.ACTIVE, **values)
        except IntegrityError:
            raise duplicate from None
        audit_record(
            action="employer.register",
            object_type="employer",
            object_id=employer.pk,
            after={**_employer_snapshot(employer), "warnings": [warning_message(w) for w in parsed.warnings]},
            actor=actor,
            post=_post(grant),
        )
    return employer


EMPLOYER_CHANGEABLE = (
    "name",
    "employer_type",
    "region_code",
    "industry",
    "risk_class",
    "address",
    "contact_name",
    "contact_phone",
    "bank_name",
    "bank_account",
)


def _clean_employer_change(key: str, value: object) -> object:
    if key == "name":
        return clean_name(value, field="name", max_length=200, allow_digits=True)
    if key == "employer_type":
        return clean_choice(value, EmployerType, field="employer_type").value
    if key == "region_code":
        return _require_region(value, field="region_code")
    if key == "risk_class":
        return clean_risk_class(value)
    if key == "contact_phone":
        return clean_phone(value, field="contact_phone")
    if key == "bank_account":
        return clean_bank_account(value)
    limits = {"industry": 60, "address": 200, "contact_name": 60, "bank_name": 100}
    return clean_text(value, field=key, max_length=limits[key])


def _unknown_field(key: str) -> RegisterError:
    return RegisterError(
        field=str(key)[:40],
        zh=f"字段“{str(key)[:40]}”不能通过此业务修改",
        en=f"the field {str(key)[:40]!r} cannot be changed here",
    )


def employer_change(*, actor, employer_id: int, changes: dict) -> Employer:
    """单位信息变更 (history: the audit entry's before/after)."""
    for key in changes:
        if key not in EMPLOYER_CHANGEABLE:
            raise _unknown_field(key)
    cleaned = {key: _clean_employer_change(key, value) for key, value in changes.items()}
    with transaction.atomic():
        employer = _lock_employer(employer_id)
        grant = access.authorise_employer(user=actor, employer=employer, perm=Perm.EMPLOYER_WRITE)
        if "region_code" in cleaned and cleaned["region_code"] != employer.region_code:
            access.authorise_region(user=actor, perm=Perm.EMPLOYER_WRITE, region_code=cleaned["region_code"])
        diff = {key: value for key, value in cleaned.items() if getattr(employer, key) != value}
        if not diff:
            return employer
        before = {key: _audit_value(key, getattr(employer, key)) for key in diff}
        for key, value in diff.items():
            setattr(employer, key, value)
        employer.save(update_fields=[*diff, "updated_at"])
        audit_record(
            action="employer.change",
            object_type="employer",
            object_id=employer.pk,
            before=before,
            after={key: _audit_value(key, value) for key, value in diff.items()},
            actor=actor,
            post=_post(grant),
        )
    return employer


def employer_cancel(*, actor, employer_id: int, cancelled_on: dt.date | str, reason: str) -> Employer:
    """单位注销登记; refused while the employer has active employments."""
    today = _today()
    day = _date(cancelled_on, field="cancelled_on", today=today)
    why = _reason(reason)
    with transaction.atomic():
        employer = _lock_employer(employer_id)
        grant = access.authorise_employer(user=actor, employer=employer, perm=Perm.EMPLOYER_WRITE)
        if employer.status == EmployerStatus.CANCELLED:
            raise RegisterError(
                field="status",
                zh=f"该单位已于 {employer.cancelled_on} 注销",
                en=f"the employer was already cancelled on {employer.cancelled_on}",
            )
        check_not_before(
            day, employer.registered_on, field="cancelled_on", what_zh="登记日期", what_en="registration date"
        )
        active = Employment.objects.filter(employer_id=employer.pk, end_date__isnull=True).count()
        if active:
            raise RegisterError(
                field="employer",
                zh=f"该单位还有 {active} 名在职人员，请先办理减员",
                en=f"the employer still has {active} active employee(s); separate them first",
            )
        employer.status = EmployerStatus.CANCELLED
        employer.cancelled_on = day
        employer.save(update_fields=["status", "cancelled_on", "updated_at"])
        audit_record(
            action="employer.cancel",
            object_type="employer",
            object_id=employer.pk,
            before={"status": EmployerStatus.ACTIVE, "cancelled_on": None},
            after={"status": employer.status, "cancelled_on": day, "reason": why},
            actor=actor,
            post=_post(grant),
        )
    return employer


# ---------------------------------------------------------------------------
# persons


@dataclass(frozen=True)
class _PersonInput:
    number: str
    id_type: str
    sex: str
    birth_date: dt.date
    name: str
    hukou_region: str
    hukou_type: str
    region_code: str
    phone: str
    address: str
    bank_name: str
    bank_account: str
    registered_on: dt.date
    warnings: tuple[str, ...]


def _parse_id(raw: object, id_type: object, *, today: dt.date):
    try:
        return person_id_check(raw, (str(id_type) if id_type else None), today=today)
    except IdentifierError as exc:
        raise from_kernel(exc, field="id_number") from None
    except ValueError:  # an unknown id_type
        raise RegisterError(
            field="id_type",
            zh=f"证件类型“{str(id_type)[:20]}”无效",
            en=f"unknown ID type {str(id_type)[:20]!r}",
        ) from None


def _clean_person(
    *,
    id_number: object,
    name: object,
    hukou_region: object,
    hukou_type: object,
    region_code: object,
    id_type: object,
    phone: object,
    address: object,
    bank_name: object,
    bank_account: object,
    registered_on: object,
    today: dt.date,
) -> _PersonInput:
    pid = _parse_id(id_number, id_type, today=today)
    hukou = clean_region_format(hukou_region, field="hukou_region")
    region = clean_region_format(region_code or hukou, field="region_code")
    day = today if registered_on in (None, "") else _date(registered_on, field="registered_on", today=today)
    check_not_before(day, pid.birth_date, field="registered_on", what_zh="出生日期", what_en="birth date")
    warnings = [warning_message(code) for code in pid.warnings]
    if pid.converted_from_15:
        warnings.append("15位证件号码已转换为18位")
    return _PersonInput(
        number=pid.number,
        id_type=pid.id_type.value,
        sex=pid.sex.value,
        birth_date=pid.birth_date,
        name=clean_name(name),
        hukou_region=hukou,
        hukou_type=clean_choice(hukou_type, HukouType, field="hukou_type").value,
        region_code=region,
        phone=clean_phone(phone),
        address=clean_text(address, field="address", max_length=200),
        bank_name=clean_text(bank_name, field="bank_name", max_length=100),
        bank_account=clean_bank_account(bank_account),
        registered_on=day,
        warnings=tuple(warnings),
    )


def _duplicate_person() -> RegisterError:
    return RegisterError(field="id_number", zh="该证件号码已登记", en="this ID number is already registered")


def _create_person(data: _PersonInput, *, actor, post: str, known_new: bool = False) -> PersonRegistration:
    """Insert and audit a cleaned person (caller holds the transaction and the rights).

    ``known_new``: the caller has just looked the number up (batch); no second look-up
    and no savepoint — a concurrent registration surfaces as IntegrityError to the caller.
    """
    _require_region(data.hukou_region, field="hukou_region")
    if data.region_code != data.hukou_region:
        _require_region(data.region_code, field="region_code")
    warnings = list(data.warnings)
    blind = id_blind(data.number)
    fields = {
        "id_type": data.id_type,
        "id_number": data.number,
        "id_blind": blind,
        "id_masked": mask_id_number(data.number),
        "name": data.name,
        "sex": data.sex,
        "birth_date": data.birth_date,
        "hukou_region": data.hukou_region,
        "hukou_type": data.hukou_type,
        "region_code": data.region_code,
        "phone": data.phone,
        "address": data.address,
        "bank_name": data.bank_name,
        "bank_account": data.bank_account,
        "registered_on": data.registered_on,
    }
    if known_new:
        person = Person.objects.create(**fields)
    else:
        if Person.objects.filter(id_blind=blind).exists():
            raise _duplicate_person()
        try:
            with transaction.atomic():
                person = Person.objects.create(**fields)
        except IntegrityError:
            raise _duplicate_person() from None
    audit_record(
        action="person.register",
        object_type="person",
        object_id=person.pk,
        after={**_person_snapshot(person), "warnings": warnings},
        actor=actor,
        post=post,
    )
    return PersonRegistration(person=person, warnings=warnings)


def person_register(
    *,
    actor,
    id_number: str,
    name: str,
    hukou_region: str,
    hukou_type: str,
    region_code: str | None = None,
    id_type: str | None = None,
    phone: str = "",
    address: str = "",
    bank_name: str = "",
    bank_account: str = "",
    registered_on: dt.date | str | None = None,
) -> PersonRegistration:
    """个人参保登记 (the person record; enrolment comes with a hire or flexible registration).

    ``region_code`` (the managing district) defaults to ``hukou_region``. An ID whose
    address code never existed is accepted with a warning (rules.md §1.3).
    """
    data = _clean_person(
        id_number=id_number,
        name=name,
        hukou_region=hukou_region,
        hukou_type=hukou_type,
        region_code=region_code,
        id_type=id_type,
        phone=phone,
        address=address,
        bank_name=bank_name,
        bank_account=bank_account,
        registered_on=registered_on,
        today=_today(),
    )
    grant = access.authorise_region(user=actor, perm=Perm.PERSON_WRITE, region_code=data.region_code)
    with transaction.atomic():
        return _create_person(data, actor=actor, post=_post(grant))


PERSON_CHANGEABLE = (
    "name",
    "hukou_region",
    "hukou_type",
    "region_code",
    "phone",
    "address",
    "bank_name",
    "bank_account",
    "card_number",
    "card_status",
    "life_status",
    "death_date",
)


def _clean_person_change(key: str, value: object, *, today: dt.date) -> object:
    if key == "name":
        return clean_name(value)
    if key in ("hukou_region", "region_code"):
        return _require_region(value, field=key)
    if key == "hukou_type":
        return clean_choice(value, HukouType, field=key).value
    if key == "phone":
        return clean_phone(value)
    if key == "bank_account":
        return clean_bank_account(value)
    if key == "card_number":
        return clean_card_number(value)
    if key == "card_status":
        return clean_choice(value, CardStatus, field=key).value
    if key == "life_status":
        return clean_choice(value, LifeStatus, field=key).value
    if key == "death_date":
        return None if value in (None, "") else _date(value, field="death_date", today=today)
    limits = {"address": 200, "bank_name": 100}
    return clean_text(value, field=key, max_length=limits[key])


def person_change(*, actor, person_id: int, changes: dict) -> Person:
    """个人信息变更, incl. life status (死亡登记 ends the employment and terminates enrolments)."""
    today = _today()
    for key in changes:
        if key not in PERSON_CHANGEABLE:
            raise _unknown_field(key)
    cleaned = {key: _clean_person_change(key, value, today=today) for key, value in changes.items()}
    with transaction.atomic():
        person = _lock_person(person_id)
        grant = access.authorise_person(user=actor, person=person, perm=Perm.PERSON_WRITE)
        if "region_code" in cleaned and cleaned["region_code"] != person.region_code:
            access.authorise_region(user=actor, perm=Perm.PERSON_WRITE, region_code=cleaned["region_code"])
        status = cleaned.get("life_status", person.life_status)
        if status == LifeStatus.DECEASED:
            death = cleaned.get("death_date", person.death_date)
            if death is None:
                raise RegisterError(
                    field="death_date", zh="登记死亡须填写死亡日期", en="a date of death is required"
                )
            check_not_before(
                death, person.birth_date, field="death_date", what_zh="出生日期", what_en="birth date"
            )
            cleaned["death_date"] = death
        elif cleaned.get("death_date") is not None:
            raise RegisterError(
                field="death_date",
                zh="只有人员状态为“死亡”时才能填写死亡日期",
                en="a date of death needs the life status “deceased”",
            )
        elif person.death_date is not None:
            cleaned["death_date"] = None  # correcting a wrongly recorded death
        diff = {key: value for key, value in cleaned.items() if getattr(person, key) != value}
        if not diff:
            return person
        before = {key: _audit_value(key, getattr(person, key)) for key in diff}
        after: dict = {key: _audit_value(key, value) for key, value in diff.items()}
        for key, value in diff.items():
            setattr(person, key, value)
        person.save(update_fields=[*diff, "updated_at"])
        if diff.get("life_status") == LifeStatus.DECEASED:
            after.update(_close_on_death(person=person, death=person.death_date))
        audit_record(
            action="person.change",
            object_type="person",
            object_id=person.pk,
            before=before,
            after=after,
            actor=actor,
            post=_post(grant),
        )
    return person


def _close_on_death(*, person: Person, death: dt.date) -> dict:
    """End the active employment at the date of death; terminate open enrolments from the next month."""
    result: dict = {}
    employment = (
        Employment.objects.select_for_update()
        .filter(person_id=person.pk, end_date__isnull=True, is_primary=True)
        .first()
    )
    if employment is not None:
        if death < employment.start_date:
            raise RegisterError(
                field="death_date",
                zh=f"死亡日期早于当前就业的开始日期 {employment.start_date}",
                en=f"the date of death is before the start of the current employment ({employment.start_date})",
            )
        employment.end_date = death
        employment.end_reason = "死亡"
        employment.save(update_fields=["end_date", "end_reason"])
        result["employment_ended"] = employment.pk
    start = Period.of(death) + 1
    terminated = []
    for insurance, row in _open_rows(person.pk).items():
        if row.status == EnrolmentStatus.TERMINATED:
            continue
        check_from_period(insurance=insurance, current=_state(row), from_period=start, field="death_date")
        new = _replace_row(
            row, start=start, status=EnrolmentStatus.TERMINATED, employer_id=None, reason="死亡"
        )
        terminated.append({"insurance": insurance.value, "id": new.pk, "from": int(start)})
    if terminated:
        result["enrolments_terminated"] = terminated
    return result


def person_reveal(*, actor, person_id: int, field: str) -> str:
    """Show one full identifier (ID number, phone, bank account) to authorised staff; audited."""
    if field not in ("id_number", "phone", "bank_account"):
        raise RegisterError(
            field="field",
            zh="只能查看证件号码、手机号码或银行账号",
            en="only id_number, phone or bank_account can be revealed",
        )
    with transaction.atomic():
        try:
            person = Person.objects.get(pk=int(person_id))
        except (Person.DoesNotExist, TypeError, ValueError):
            raise access._denied_person() from None
        grant = access.authorise_person(user=actor, person=person, perm=Perm.PERSON_REVEAL)
        audit_record(
            action="person.reveal",
            object_type="person",
            object_id=person.pk,
            after={"field": field},
            actor=actor,
            post=_post(grant),
        )
    return getattr(person, field)


# ---------------------------------------------------------------------------
# enrolment rows


def _replace_row(
    row: Enrolment, *, start: Period, status: EnrolmentStatus, employer_id, reason: str
) -> Enrolment:
    """Close the open ``row`` at ``start - 1`` and open a new interval at ``start``."""
    row.end_period = int(start - 1)
    row.save(update_fields=["end_period"])
    return Enrolment.objects.create(
        person_id=row.person_id,
        insurance=row.insurance,
        status=status,
        employer_id=employer_id,
        start_period=int(start),
        reason=reason[:100],
    )


def _open_enrolments(
    *,
    person: Person,
    employer: Employer | None,
    insurances: Iterable[Insurance],
    start: Period,
    reason: str,
    fresh: bool = False,
) -> list[dict]:
    """Open active intervals for a hire / flexible registration (closing suspended or
    terminated ones); refuses an insurance that is already active. ``fresh``: the
    person was registered in this transaction and has no enrolment yet."""
    current: dict[Insurance, Enrolment] = {} if fresh else _open_rows(person.pk)
    plans = [
        (
            insurance,
            current.get(insurance),
            plan_enrol(insurance=insurance, current=_state(current.get(insurance)), wanted=start),
        )
        for insurance in insurances
    ]
    closing: dict[int, list[int]] = {}
    for _, row, begin in plans:
        if row is not None:
            closing.setdefault(int(begin - 1), []).append(row.pk)
    for end, ids in closing.items():
        Enrolment.objects.filter(pk__in=ids).update(end_period=end)
    created = Enrolment.objects.bulk_create(
        [
            Enrolment(
                person_id=person.pk,
                insurance=insurance,
                status=EnrolmentStatus.ACTIVE,
                employer_id=employer.pk if employer else None,
                start_period=int(begin),
                reason=reason[:100],
            )
            for insurance, _row, begin in plans
        ]
    )
    return [{"id": row.pk, "insurance": row.insurance, "start_period": row.start_period} for row in created]


# ---------------------------------------------------------------------------
# employments


def _anniversary(born: dt.date, years: int) -> dt.date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February
        return dt.date(born.year + years, 3, 1)


def _check_can_start(person: Person, *, start: dt.date, fresh: bool = False) -> None:
    """Refuse a hire / flexible registration the person cannot have. ``fresh``: the
    person was registered in this transaction, so has no employment to look at."""
    _refuse_deceased(person, what_zh="办理增员或参保", what_en="hire or enrol them")
    sixteenth = _anniversary(person.birth_date, MIN_WORKING_AGE)
    if start < sixteenth:
        raise RegisterError(
            field="start_date",
            zh=f"开始日期 {start} 时该人员未满{MIN_WORKING_AGE}周岁",
            en=f"the person is under {MIN_WORKING_AGE} on the start date {start}",
        )
    if fresh:
        return
    blocking = list(
        Employment.objects.select_related("employer")
        .defer("employer__bank_account", "employer__contact_phone")
        .filter(person_id=person.pk, is_primary=True)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .order_by("-start_date")
    )
    for employment in blocking:
        if employment.end_date is None:
            raise _active_employment_error(employment)
    if blocking:
        last = max(e.end_date for e in blocking)
        raise RegisterError(
            field="start_date",
            zh=f"开始日期 {start} 不晚于上一段就业的结束日期 {last}，就业期间不能重叠",
            en=f"the start date {start} is not after the end ({last}) of the previous employment; employments may not overlap",
        )


def _start_employment(
    *,
    actor,
    post: str,
    person: Person,
    employer: Employer | None,
    start: dt.date,
    wage: Decimal | None,
    insurances: tuple[Insurance, ...],
    fresh: bool = False,
    guard: bool = True,
) -> Employment:
    """Shared by hire and flexible registration (caller holds the transaction and the rights).

    ``fresh``: the person was registered in this transaction (nothing to check or close).
    ``guard=False``: no savepoint around the insert; the caller handles IntegrityError.
    """
    kind = EmploymentKind.EMPLOYEE if employer is not None else EmploymentKind.FLEXIBLE
    if employer is not None and employer.status != EmployerStatus.ACTIVE:
        raise RegisterError(
            field="employer",
            zh=f"单位“{employer.name}”已注销，不能办理增员",
            en=f"the employer “{employer.name}” is cancelled and cannot hire",
        )
    if employer is not None:
        check_not_before(
            start,
            employer.registered_on,
            field="start_date",
            what_zh="单位登记日期",
            what_en="employer's registration date",
        )
    _check_can_start(person, start=start, fresh=fresh)
    fields = {
        "person_id": person.pk,
        "kind": kind,
        "employer": employer,
        "is_primary": True,
        "start_date": start,
        "monthly_wage_fen": yuan_to_fen(wage) if wage is not None else None,
    }
    try:
        if guard:
            with transaction.atomic():
                employment = Employment.objects.create(**fields)
        else:
            employment = Employment.objects.create(**fields)
    except IntegrityError:
        if not guard:
            raise
        # Lost a race with a concurrent hire (partial unique index one_active_primary_employment).
        active = (
            Employment.objects.select_related("employer")
            .filter(person_id=person.pk, end_date__isnull=True, is_primary=True)
            .first()
        )
        if active is not None:
            raise _active_employment_error(active) from None
        raise
    reason = "增员" if employer is not None else "灵活就业登记"
    opened = _open_enrolments(
        person=person,
        employer=employer,
        insurances=insurances,
        start=Period.of(start),
        reason=reason,
        fresh=fresh,
    )
    person_changes: dict = {}
    if employer is not None and person.region_code != employer.region_code:
        person_changes["region_code"] = employer.region_code
    if person.life_status == LifeStatus.UNEMPLOYED:
        person_changes["life_status"] = LifeStatus.EMPLOYED.value
    if person_changes:
        before = {key: getattr(person, key) for key in person_changes}
        Person.objects.filter(pk=person.pk).update(**person_changes, updated_at=timezone.now())
        for key, value in person_changes.items():
            setattr(person, key, value)
    else:
        before = {}
    audit_record(
        action="employment.hire" if employer is not None else "flexible.register",
        object_type="employment",
        object_id=employment.pk,
        before={"person": before} if before else None,
        after={
            **_employment_snapshot(employment),
            "person_masked": person.id_masked,
            "enrolments": opened,
            **({"person": person_changes} if person_changes else {}),
        },
        actor=actor,
        post=post,
    )
    return employment


def _clean_hire(*, start_date, monthly_wage, insurances, kind: EmploymentKind, today: dt.date):
    start = _date(start_date, field="start_date", today=today)
    wage = None if monthly_wage in (None, "") else clean_wage(monthly_wage)
    chosen = clean_insurances(insurances, kind=kind)
    return start, wage, chosen


def employment_hire(
    *,
    actor,
    employer_id: int,
    person_id: int,
    start_date: dt.date | str,
    monthly_wage: Decimal | str | None = None,
    insurances: list[Insurance] | None = None,
) -> Employment:
    """增员: the person starts work at the employer; enrolments open from the month of
    ``start_date`` (all five insurances unless ``insurances`` says otherwise)."""
    today = _today()
    start, wage, chosen = _clean_hire(
        start_date=start_date,
        monthly_wage=monthly_wage,
        insurances=insurances,
        kind=EmploymentKind.EMPLOYEE,
        today=today,
    )
    with transaction.atomic():
        employer = _lock_employer(employer_id)
        grant = access.authorise_employment_write(user=actor, employer=employer)
        try:
            person = Person.objects.get(pk=int(person_id))
        except (Person.DoesNotExist, TypeError, ValueError):
            raise access._denied_person() from None
        return _start_employment(
            actor=actor,
            post=_post(grant),
            person=person,
            employer=employer,
            start=start,
            wage=wage,
            insurances=chosen,
        )


def flexible_register(
    *, actor, person_id: int, start_date: dt.date | str, insurances: list[Insurance] | None = None
) -> Employment:
    """灵活就业登记: the person pays as an individual; pension and medical only."""
    today = _today()
    start, _wage, chosen = _clean_hire(
        start_date=start_date,
        monthly_wage=None,
        insurances=insurances,
        kind=EmploymentKind.FLEXIBLE,
        today=today,
    )
    with transaction.atomic():
        person = _lock_person(person_id)
        grant = access.authorise_employment_write(user=actor, employer=None, person=person)
        return _start_employment(
            actor=actor,
            post=_post(grant),
            person=person,
            employer=None,
            start=start,
            wage=None,
            insurances=chosen,
        )


def _end_employment(
    *, actor, post: str, employment: Employment, end: dt.date, reason: str, life_status: str | None = None
) -> Employment:
    """Close an employment and interrupt its active enrolments (caller holds the
    transaction and the rights). ``life_status``: the person's, when already known."""
    if employment.end_date is not None:
        raise RegisterError(
            field="employment",
            zh=f"该就业登记已于 {employment.end_date} 减员",
            en=f"this employment already ended on {employment.end_date}",
        )
    check_not_before(end, employment.start_date, field="end_date", what_zh="开始日期", what_en="start date")
    employment.end_date = end
    employment.end_reason = reason
    employment.save(update_fields=["end_date", "end_reason"])
    start = Period.of(end) + 1
    closing = [
        (insurance, row)
        for insurance, row in _open_rows(employment.person_id).items()
        if row.status == EnrolmentStatus.ACTIVE and row.employer_id == employment.employer_id
    ]
    for insurance, row in closing:
        check_from_period(insurance=insurance, current=_state(row), from_period=start, field="end_date")
    suspended: list[dict] = []
    if closing:
        Enrolment.objects.filter(pk__in=[row.pk for _, row in closing]).update(end_period=int(start - 1))
        created = Enrolment.objects.bulk_create(
            [
                Enrolment(
                    person_id=employment.person_id,
                    insurance=insurance,
                    status=EnrolmentStatus.SUSPENDED,
                    employer_id=None,
                    start_period=int(start),
                    reason=f"减员：{reason}"[:100],
                )
                for insurance, _ in closing
            ]
        )
        suspended = [
            {"id": row.pk, "insurance": row.insurance, "start_period": row.start_period} for row in created
        ]
    if life_status is None:
        life_status = (
            Person.objects.filter(pk=employment.person_id).values_list("life_status", flat=True).first()
        )
    person_changes = {}
    if life_status == LifeStatus.EMPLOYED:
        person_changes["life_status"] = LifeStatus.UNEMPLOYED.value
        Person.objects.filter(pk=employment.person_id).update(**person_changes, updated_at=timezone.now())
    audit_record(
        action="employment.separate",
        object_type="employment",
        object_id=employment.pk,
        before={"end_date": None},
        after={
            **_employment_snapshot(employment),
            "suspended": suspended,
            **({"person": person_changes} if person_changes else {}),
        },
        actor=actor,
        post=post,
    )
    return employment


def employment_separate(*, actor, employment_id: int, end_date: dt.date | str, reason: str) -> Employment:
    """减员: the employment ends; its active enrolments are interrupted (暂停, no employer)."""
    today = _today()
    end = _date(end_date, field="end_date", today=today)
    why = _reason(reason)
    with transaction.atomic():
        try:
            employment = (
                Employment.objects.select_for_update(of=("self",))
                .select_related("employer", "person")
                .get(pk=int(employment_id))
            )
        except (Employment.DoesNotExist, TypeError, ValueError):
            raise access._denied_employer() from None
        grant = access.authorise_employment_write(
            user=actor, employer=employment.employer, person=employment.person
        )
        return _end_employment(
            actor=actor,
            post=_post(grant),
            employment=employment,
            end=end,
            reason=why,
            life_status=employment.person.life_status,
        )


# ---------------------------------------------------------------------------
# by ID number (employer channel, batch rows)


def _persons_by_numbers(numbers: list[str]) -> dict[str, Person]:
    """Normalised ID numbers → registered persons, in chunked blind-index queries."""
    blinds = {id_blind(number): number for number in numbers}
    found: dict[str, Person] = {}
    keys = list(blinds)
    for index in range(0, len(keys), 500):
        for person in Person.objects.filter(id_blind__in=keys[index : index + 500]).defer("bank_account"):
            found[blinds[person.id_blind]] = person
    return found


def _name_mismatch(person: Person) -> RegisterError:
    return RegisterError(
        field="name",
        zh=f"姓名与登记信息（{person.name}）不一致",
        en="the name does not match the registered name",
    )


@dataclass(frozen=True)
class _HireRow:
    number: str
    name: str
    start: dt.date
    wage: Decimal | None
    hukou_region: str | None = None
    hukou_type: str | None = None
    phone: str = ""


def _hire_row(
    *,
    actor,
    post: str,
    employer: Employer,
    row: _HireRow,
    person: Person | None,
    insurances: tuple[Insurance, ...],
    today: dt.date,
    guard: bool = True,
) -> tuple[Employment, list[str]]:
    """Hire one person by ID number (``person``: already looked up, None if unregistered),
    registering them first when needed."""
    warnings: list[str] = []
    fresh = person is None
    if person is None:
        data = _clean_person(
            id_number=row.number,
            name=row.name,
            hukou_region=row.hukou_region or employer.region_code,
            hukou_type=row.hukou_type or HukouType.URBAN.value,
            region_code=employer.region_code,
            id_type=None,
            phone=row.phone,
            address="",
            bank_name="",
            bank_account="",
            registered_on=None,
            today=today,
        )
        registration = _create_person(data, actor=actor, post=post, known_new=not guard)
        person, warnings = registration.person, registration.warnings
    elif row.name and row.name != person.name:
        raise _name_mismatch(person)
    employment = _start_employment(
        actor=actor,
        post=post,
        person=person,
        employer=employer,
        start=row.start,
        wage=row.wage,
        insurances=insurances,
        fresh=fresh,
        guard=guard,
    )
    return employment, warnings


def employment_hire_by_id_number(
    *,
    actor,
    employer_id: int,
    id_number: str,
    name: str,
    start_date: dt.date | str,
    monthly_wage: Decimal | str | None = None,
    insurances: list[Insurance] | None = None,
    hukou_region: str | None = None,
    hukou_type: str | None = None,
    phone: str = "",
) -> Employment:
    """增员 by ID number (employer channel, batch rows): a person not yet registered is
    registered in the same transaction, with the employer's region as household
    region unless given and "urban" household type unless given."""
    today = _today()
    start, wage, chosen = _clean_hire(
        start_date=start_date,
        monthly_wage=monthly_wage,
        insurances=insurances,
        kind=EmploymentKind.EMPLOYEE,
        today=today,
    )
    pid = _parse_id(id_number, None, today=today)
    row = _HireRow(
        number=pid.number,
        name=clean_name(name),
        start=start,
        wage=wage,
        hukou_region=None
        if hukou_region in (None, "")
        else clean_region_format(hukou_region, field="hukou_region"),
        hukou_type=None
        if hukou_type in (None, "")
        else clean_choice(hukou_type, HukouType, field="hukou_type").value,
        phone=clean_phone(phone),
    )
    with transaction.atomic():
        employer = _lock_employer(employer_id)
        grant = access.authorise_employment_write(user=actor, employer=employer)
        employment, _warnings = _hire_row(
            actor=actor,
            post=_post(grant),
            employer=employer,
            row=row,
            person=_persons_by_numbers([row.number]).get(row.number),
            insurances=chosen,
            today=today,
        )
    return employment


def _separate_row(
    *,
    actor,
    post: str,
    employer: Employer,
    person: Person | None,
    name: str | None,
    end: dt.date,
    reason: str,
) -> Employment:
    employment = None
    if person is not None:
        employment = (
            Employment.objects.select_for_update()
            .filter(person_id=person.pk, employer_id=employer.pk, end_date__isnull=True)
            .first()
        )
    if employment is None or person is None:
        raise RegisterError(
            field="id_number",
            zh="该人员在本单位没有在职的就业登记",
            en="the person has no active employment at this employer",
        )
    if name and name != person.name:
        raise _name_mismatch(person)
    return _end_employment(
        actor=actor, post=post, employment=employment, end=end, reason=reason, life_status=person.life_status
    )


def employment_separate_by_id_number(
    *, actor, employer_id: int, id_number: str, end_date: dt.date | str, reason: str, name: str | None = None
) -> Employment:
    """减员 by ID number at one employer (employer channel, batch rows)."""
    today = _today()
    end = _date(end_date, field="end_date", today=today)
    why = _reason(reason)
    number = _parse_id(id_number, None, today=today).number
    who = None if name in (None, "") else clean_name(name)
    with transaction.atomic():
        employer = _lock_employer(employer_id)
        grant = access.authorise_employment_write(user=actor, employer=employer)
        return _separate_row(
            actor=actor,
            post=_post(grant),
            employer=employer,
            person=_persons_by_numbers([number]).get(number),
            name=who,
            end=end,
            reason=why,
        )


# ---------------------------------------------------------------------------
# enrolment transitions


def _transition(
    *,
    action: Transition,
    actor,
    person_id: int,
    insurance: Insurance | str,
    from_period: Period | str,
    reason: str,
) -> Enrolment:
    today = _today()
    chosen = _insurance(insurance)
    start = _period(from_period)
    why = _reason(reason)
    with transaction.atomic():
        person = _lock_person(person_id)
        grant = access.authorise_person(user=actor, person=person, perm=Perm.ENROLMENT_WRITE)
        if action == Transition.RESUME:
            _refuse_deceased(person, what_zh="恢复缴费", what_en="resume contributions")
        row = _open_rows(person.pk).get(chosen)
        status = plan_transition(
            action=action, insurance=chosen, current=_state(row), from_period=start, latest=Period.of(today)
        )
        assert row is not None  # plan_transition refuses a missing row
        employer_id = row.employer_id if status == EnrolmentStatus.SUSPENDED else None
        if action == Transition.RESUME:
            employment = Employment.objects.filter(
                person_id=person.pk, end_date__isnull=True, is_primary=True
            ).first()
            if employment is None:
                raise RegisterError(
                    field="insurance",
                    zh="该人员没有在职或灵活就业登记，不能恢复缴费；请办理增员或灵活就业登记",
                    en="the person has no active employment or flexible registration; hire or register them instead",
                )
            clean_insurances([chosen], kind=EmploymentKind(employment.kind), field="insurance")
            employer_id = employment.employer_id
        before = _enrolment_snapshot(row)
        new = _replace_row(row, start=start, status=status, employer_id=employer_id, reason=why)
        audit_record(
            action=f"enrolment.{action.value}",
            object_type="enrolment",
            object_id=new.pk,
            before=before,
            after={**_enrolment_snapshot(new), "closed": {"id": row.pk, "end_period": row.end_period}},
            actor=actor,
            post=_post(grant),
        )
    return new


def enrolment_suspend(
    *, actor, person_id: int, insurance: Insurance | str, from_period: Period | str, reason: str
) -> Enrolment:
    """暂停缴费 from ``from_period``."""
    return _transition(
        action=Transition.SUSPEND,
        actor=actor,
        person_id=person_id,
        insurance=insurance,
        from_period=from_period,
        reason=reason,
    )


def enrolment_resume(
    *, actor, person_id: int, insurance: Insurance | str, from_period: Period | str, reason: str
) -> Enrolment:
    """恢复缴费 from ``from_period`` (needs an active employment or flexible registration)."""
    return _transition(
        action=Transition.RESUME,
        actor=actor,
        person_id=person_id,
        insurance=insurance,
        from_period=from_period,
        reason=reason,
    )


def enrolment_terminate(
    *, actor, person_id: int, insurance: Insurance | str, from_period: Period | str, reason: str
) -> Enrolment:
    """终止参保 from ``from_period`` (final; a later hire opens a new interval)."""
    return _transition(
        action=Transition.TERMINATE,
        actor=actor,
        person_id=person_id,
        insurance=insurance,
        from_period=from_period,
        reason=reason,
    )


# ---------------------------------------------------------------------------
# batches


def _batch_row_values(
    kind: str, values: dict, *, today: dt.date
) -> _HireRow | tuple[str, str | None, dt.date, str]:
    """Clean one spreadsheet row without touching the database."""
    number = values.get("id_number")
    if isinstance(number, float):
        raise RegisterError(
            field="id_number",
            zh="证件号码须以文本格式填写（数字格式会丢失末几位）",
            en="the ID number must be entered as text (a number cell loses the last digits)",
        )
    if number in (None, ""):
        raise RegisterError(field="id_number", zh="证件号码不能为空", en="the ID number is required")
    pid = _parse_id(str(number), None, today=today)
    if kind == "hire":
        if values.get("monthly_wage") in (None, ""):
            raise RegisterError(field="monthly_wage", zh="月工资不能为空", en="the monthly wage is required")
        hukou_region = values.get("hukou_region")
        hukou_type = values.get("hukou_type")
        return _HireRow(
            number=pid.number,
            name=clean_name(values.get("name")),
            start=_date(values.get("start_date"), field="start_date", today=today),
            wage=clean_wage(values.get("monthly_wage")),
            hukou_region=None
            if hukou_region in (None, "")
            else _require_region(excel.cell_as_text(hukou_region), field="hukou_region"),
            hukou_type=None if hukou_type in (None, "") else _hukou_type_from_cell(hukou_type),
            phone=clean_phone(excel.cell_as_text(values.get("phone"))),
        )
    return (
        pid.number,
        None if values.get("name") in (None, "") else clean_name(values.get("name")),
        _date(values.get("end_date"), field="end_date", today=today),
        _reason(values.get("reason")),
    )


_HUKOU_WORDS = {
    "城镇": HukouType.URBAN,
    "非农业": HukouType.URBAN,
    "农村": HukouType.RURAL,
    "农业": HukouType.RURAL,
    "无": HukouType.NONE,
}


def _hukou_type_from_cell(value: object) -> str:
    text = str(value).strip()
    if text in _HUKOU_WORDS:
        return _HUKOU_WORDS[text].value
    return clean_choice(text, HukouType, field="hukou_type").value


def _concurrent_change() -> RegisterError:
    return RegisterError(
        field="file",
        zh="导入期间相关人员的登记被同时修改，未导入任何数据；请重新上传",
        en="a record in the file was changed by someone else during the import; nothing was imported, upload again",
    )


def employment_batch_import(*, actor, employer_id: int, kind: str, file) -> BatchResult:
    """批量增员 / 批量减员 from an .xlsx file: all rows or nothing.

    Every row's cells are checked first; then all rows are applied in one
    transaction through the same code as a single hire or separation (persons are
    looked up in bulk); if any row fails, everything is rolled back and the result
    lists every error with its row and column.
    """
    if kind not in ("hire", "separate"):
        raise RegisterError(
            field="kind", zh="批量业务类型应为增员或减员", en="the batch kind must be hire or separate"
        )
    today = _today()
    try:
        employer = Employer.objects.get(pk=int(employer_id))
    except (Employer.DoesNotExist, TypeError, ValueError):
        raise access._denied_employer() from None
    access.authorise_employment_write(user=actor, employer=employer)
    try:
        sheet = excel.read_batch(file, kind=kind)
    except RegisterError as exc:
        return BatchResult(ok=False, processed=0, errors=[exc])

    errors: list[RegisterError] = []
    cleaned: list[tuple[int, object]] = []
    seen: dict[str, int] = {}
    for row in sheet.rows:
        try:
            values = _batch_row_values(kind, row.values, today=today)
        except RegisterError as exc:
            errors.append(sheet.locate(exc, row.number))
            continue
        number = values.number if isinstance(values, _HireRow) else values[0]
        first = seen.setdefault(number, row.number)
        if first != row.number:
            duplicate = RegisterError(
                field="id_number", zh=f"与第{first}行的证件号码重复", en=f"same ID number as row {first}"
            )
            errors.append(sheet.locate(duplicate, row.number))
            continue
        cleaned.append((row.number, values))
    if errors:
        return BatchResult(ok=False, processed=0, errors=errors)

    warnings: list[str] = []
    insurances = tuple(Insurance)
    with transaction.atomic(), audit_batch():
        employer = _lock_employer(employer_id)
        grant = access.authorise_employment_write(user=actor, employer=employer)
        post = _post(grant)
        persons = _persons_by_numbers(list(seen))
        for number, values in cleaned:
            try:
                if isinstance(values, _HireRow):
                    _employment, row_warnings = _hire_row(
                        actor=actor,
                        post=post,
                        employer=employer,
                        row=values,
                        person=persons.get(values.number),
                        insurances=insurances,
                        today=today,
                        guard=False,
                    )
                    warnings.extend(f"第{number}行：{w}" for w in row_warnings)
                else:
                    id_number, name, end, reason = values
                    _separate_row(
                        actor=actor,
                        post=post,
                        employer=employer,
                        person=persons.get(id_number),
                        name=name,
                        end=end,
                        reason=reason,
                    )
            except RegisterError as exc:
                errors.append(sheet.locate(exc, number))
            except IntegrityError:
                transaction.set_rollback(True)
                return BatchResult(ok=False, processed=0, errors=[_concurrent_change()])
        if errors:
            transaction.set_rollback(True)
            return BatchResult(ok=False, processed=0, errors=errors)
        audit_record(
            action="employment.batch_import",
            object_type="employer",
            object_id=employer.pk,
            after={"kind": kind, "rows": len(cleaned), "file_sha256": sheet.sha256},
            actor=actor,
            post=post,
        )
    return BatchResult(ok=True, processed=len(cleaned), warnings=warnings)


# ---------------------------------------------------------------------------
# 社保卡挂失 / 解挂 / 补换 (social security card loss, cancelling a loss, replacement)
#
# The card's history is the audit trail: every change writes one ``card.*`` entry on
# the person with the before/after status and number (``selectors.card_history``).
# Who may act: the person themself (a citizen account linked to the person), staff
# with 个人业务 (PERSON_WRITE) in the person's region, the platform, or a community
# agent holding a valid mandate (委托代办) for the person and the item code below
# (the hall checks the mandate too; this is the second, independent check).

# Service-item codes of the hall catalogue (shebao/hall/items/card.py) that a mandate must cover.
CARD_ITEM_REPORT_LOST = "card_report_lost"  # 社保卡挂失
CARD_ITEM_CANCEL_LOSS = "card_cancel_loss"  # 社保卡解挂
CARD_ITEM_REPLACE = "card_replace"  # 社保卡补换 (request and completion)


def _authorise_card(*, actor, person: Person, item_code: str) -> Grant | None:
    if access.is_system(actor):
        return None
    if not access._live(actor):
        raise access._denied_person()
    if actor.kind == UserKind.CITIZEN:
        if actor.person_id is not None and actor.person_id == person.pk:
            return None
        raise access._denied_person()
    if actor.kind == UserKind.AGENT:
        mandate_require(agent=actor, person_id=person.pk, item_code=item_code)
        return None
    return access.authorise_person(user=actor, person=person, perm=Perm.PERSON_WRITE)


def _card_person(*, actor, person_id, item_code: str) -> tuple[Person, Grant | None]:
    person = _lock_person(person_id)
    grant = _authorise_card(actor=actor, person=person, item_code=item_code)
    if person.is_deceased:
        raise RegisterError(
            field="person_id",
            zh="该人员已登记死亡，不能办理社保卡业务",
            en="this person is registered as deceased: no card services",
        )
    return person, grant


_CARD_STATUS_ZH = {
    CardStatus.NONE: "未制卡",
    CardStatus.NORMAL: "正常",
    CardStatus.LOST: "挂失",
    CardStatus.REPLACING: "补换中",
    CardStatus.CANCELLED: "注销",
}


def _card_state_error(person: Person, *, allowed: tuple[CardStatus, ...], what_zh: str, what_en: str):
    current = CardStatus(person.card_status)
    allowed_zh = "、".join(f"“{_CARD_STATUS_ZH[s]}”" for s in allowed)
    allowed_en = " or ".join(f"“{s.value}”" for s in allowed)
    return RegisterError(
        field="card_status",
        zh=f"社保卡当前状态为“{_CARD_STATUS_ZH[current]}”，不能{what_zh}（须为{allowed_zh}）",
        en=f"the card is “{current.value}”: it cannot be {what_en} (it must be {allowed_en})",
    )


def _card_write(
    *, actor, person: Person, grant: Grant | None, action: str, status: CardStatus, number: str, extra: dict
) -> Person:
    before = {"card_status": person.card_status, "card_number": person.card_number}
    person.card_status = status.value
    person.card_number = number
    person.save(update_fields=["card_status", "card_number", "updated_at"])
    audit_record(
        action=action,
        object_type="person",
        object_id=person.pk,
        before=before,
        after={"card_status": person.card_status, "card_number": person.card_number, **extra},
        actor=actor,
        post=_post(grant),
    )
    return person


def card_report_lost(*, actor, person_id: int, reason: str = "") -> Person:
    """挂失: takes effect at once (NORMAL → LOST), before any review."""
    reason = clean_text(reason, field="reason", max_length=200)
    with transaction.atomic():
        person, grant = _card_person(actor=actor, person_id=person_id, item_code=CARD_ITEM_REPORT_LOST)
        if person.card_status != CardStatus.NORMAL:
            raise _card_state_error(
                person, allowed=(CardStatus.NORMAL,), what_zh="挂失", what_en="reported lost"
            )
        return _card_write(
            actor=actor,
            person=person,
            grant=grant,
            action="card.report_lost",
            status=CardStatus.LOST,
            number=person.card_number,
            extra={"reason": reason},
        )


def card_cancel_loss(*, actor, person_id: int, reason: str = "") -> Person:
    """解挂: the card was found (LOST → NORMAL); ``reason`` goes into the audit entry (a
    loss report withdrawn or refused in the hall says so)."""
    reason = clean_text(reason, field="reason", max_length=200)
    with transaction.atomic():
        person, grant = _card_person(actor=actor, person_id=person_id, item_code=CARD_ITEM_CANCEL_LOSS)
        if person.card_status != CardStatus.LOST:
            raise _card_state_error(
                person, allowed=(CardStatus.LOST,), what_zh="解除挂失", what_en="released from a loss report"
            )
        return _card_write(
            actor=actor,
            person=person,
            grant=grant,
            action="card.cancel_loss",
            status=CardStatus.NORMAL,
            number=person.card_number,
            extra={"reason": reason} if reason else {},
        )


def card_replace_request(*, actor, person_id: int, reason: str) -> Person:
    """补换 requested (LOST or NORMAL → REPLACING): the old card number is void from now."""
    reason = clean_text(reason, field="reason", max_length=200)
    if not reason:
        raise RegisterError(
            field="reason", zh="请填写补换原因", en="a reason for the replacement is required"
        )
    with transaction.atomic():
        person, grant = _card_person(actor=actor, person_id=person_id, item_code=CARD_ITEM_REPLACE)
        if person.card_status not in (CardStatus.LOST, CardStatus.NORMAL):
            raise _card_state_error(
                person,
                allowed=(CardStatus.NORMAL, CardStatus.LOST),
                what_zh="申请补换",
                what_en="replaced",
            )
        return _card_write(
            actor=actor,
            person=person,
            grant=grant,
            action="card.replace_request",
            status=CardStatus.REPLACING,
            number="",
            extra={"reason": reason, "voided_card_number": person.card_number},
        )


def card_replace_complete(*, actor, person_id: int, new_card_number: str) -> Person:
    """补换 done (REPLACING → NORMAL) with the new 9-character card number."""
    number = clean_card_number(new_card_number, field="new_card_number")
    if not number:
        raise RegisterError(
            field="new_card_number", zh="请填写新社会保障卡卡号", en="the new card number is required"
        )
    with transaction.atomic():
        person, grant = _card_person(actor=actor, person_id=person_id, item_code=CARD_ITEM_REPLACE)
        if person.card_status != CardStatus.REPLACING:
            raise _card_state_error(
                person,
                allowed=(CardStatus.REPLACING,),
                what_zh="完成补换",
                what_en="completed as a replacement",
            )
        if number in card_voided_numbers(person_id=person.pk):
            raise RegisterError(
                field="new_card_number",
                zh="新卡号不能是已作废的旧卡号",
                en="the new card number must not be a voided old number",
            )
        if Person.objects.filter(card_number=number).exclude(pk=person.pk).exists():
            raise RegisterError(
                field="new_card_number",
                zh="该卡号已属于其他人员",
                en="this card number belongs to another person",
            )
        return _card_write(
            actor=actor,
            person=person,
            grant=grant,
            action="card.replace_complete",
            status=CardStatus.NORMAL,
            number=number,
            extra={},
        )


__all__ = [
    "AccessDenied",
    "BatchResult",
    "CARD_ITEM_CANCEL_LOSS",
    "CARD_ITEM_REPLACE",
    "CARD_ITEM_REPORT_LOST",
    "PersonRegistration",
    "RegisterError",
    "card_cancel_loss",
    "card_replace_complete",
    "card_replace_request",
    "card_report_lost",
    "employer_cancel",
    "employer_change",
    "employer_register",
    "employment_batch_import",
    "employment_hire",
    "employment_hire_by_id_number",
    "employment_separate",
    "employment_separate_by_id_number",
    "enrolment_resume",
    "enrolment_suspend",
    "enrolment_terminate",
    "flexible_register",
    "id_blind",
    "person_change",
    "person_register",
    "person_reveal",
]
