"""Writes of 异地就医备案. Each is atomic, checks the source state with compare-and-set and
writes its audit entry in the same transaction."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from shebao.kernel.audit import audit_record
from shebao.kernel.divisions import division_exists_now
from shebao.medical import selectors
from shebao.medical.errors import MedicalError
from shebao.medical.models import PersonLock, Registration, Status
from shebao.medical.rules import registration as rules
from shebao.register import access as register_access


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _reference(today: dt.date) -> str:
    return f"YD{today:%Y%m%d}{secrets.randbelow(10**6):06d}"


def _date(value, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise MedicalError(field=field, zh="日期格式应为 YYYY-MM-DD", en="date must be YYYY-MM-DD") from None


def _check_destination(code: str, person_region: str) -> str:
    code = str(code or "").strip()
    if not division_exists_now(code):
        raise MedicalError(
            field="destination_code", zh="就医地行政区划代码不存在", en="unknown destination region code"
        )
    if code[:2] == person_region[:2]:
        raise MedicalError(
            field="destination_code",
            zh="就医地须在参保地省份以外（跨省备案）",
            en="the destination must be in another province",
        )
    return code


def registration_validate(
    *,
    person_id: int,
    region_code: str,
    category,
    destination_code,
    valid_from,
    months=None,
    today: dt.date | None = None,
    exclude_reference: str = "",
    lock: bool = False,
) -> dict:
    """Check a new (or changed) registration without writing: cleaned values or MedicalError."""
    today = today or timezone.localdate()
    cat = rules.category_of(category)
    start = _date(valid_from, "valid_from")
    rules.check_start(cat, start, today)
    until = rules.validity(cat, start, None if months in (None, "") else int(months))
    dest = _check_destination(destination_code, region_code)
    rows = Registration.objects.filter(person_id=person_id, status=Status.ACTIVE).exclude(
        reference=exclude_reference
    )
    if lock:
        rows = rows.select_for_update()
    existing = [
        rules.Span(r.reference, r.valid_from, r.valid_until)
        for r in rows
        if r.valid_until is None or r.valid_until >= today
    ]
    rules.check_overlap(start, until, existing)
    return {"category": cat, "valid_from": start, "valid_until": until, "destination_code": dest}


def _lock_person(person_id: int) -> None:
    PersonLock.objects.get_or_create(person_id=person_id)
    PersonLock.objects.select_for_update().get(person_id=person_id)


def _check(*, person, category, destination_code, valid_from, months, today, exclude_reference=""):
    _lock_person(person.pk)
    out = registration_validate(
        person_id=person.pk, region_code=person.region_code, category=category, destination_code=destination_code,
        valid_from=valid_from, months=months, today=today, exclude_reference=exclude_reference, lock=True,
    )  # fmt: skip
    return out["category"], out["valid_from"], out["valid_until"], out["destination_code"]


def medical_registration_create(
    *,
    actor,
    person_id: int,
    category: str,
    destination_code: str,
    valid_from,
    months: int | None = None,
    commitment: bool = False,
    case_reference: str = "",
    lock_months: int = rules.DEFAULT_LOCK_MONTHS,
    now: dt.datetime | None = None,
) -> Registration:
    """New 备案 for a person the actor may act on; refuses overlap with an active one."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    with transaction.atomic():
        person = register_access.access_person(
            user=actor, person_id=person_id, perm=selectors.view_perm(actor)
        )
        cat, start, until, dest = _check(
            person=person, category=category, destination_code=destination_code, valid_from=valid_from,
            months=months, today=today,
        )  # fmt: skip
        row = Registration.objects.create(
            reference=_reference(today), person_id=person.pk, region_code=person.region_code, category=cat.value,
            destination_code=dest, valid_from=start, valid_until=until, status=Status.ACTIVE,
            locked_until=rules.lock_until(cat, start, lock_months), commitment=bool(commitment),
            case_reference=case_reference, created_at=now,
        )  # fmt: skip
        audit_record(
            action="medical.registration_create", object_type="person", object_id=person.pk, actor=actor,
            after={"reference": row.reference, "category": row.category, "destination": dest,
                   "valid_from": _iso(start), "valid_until": _iso(until), "case": case_reference},
        )  # fmt: skip
    return row


def _close(row: Registration, *, status: str, now: dt.datetime, today: dt.date) -> None:
    updated = Registration.objects.filter(pk=row.pk, status=Status.ACTIVE).update(
        status=status, closed_at=now, closed_on=today
    )
    if updated != 1:
        raise MedicalError(
            field="registration", zh="备案状态已变化，请刷新", en="the registration changed; reload it"
        )


def _active_for(actor, reference: str) -> Registration:
    row = selectors.registration_get(user=actor, reference=reference)
    if row is None:
        raise MedicalError(field="registration", zh="备案不存在", en="no such registration")
    if row.status != Status.ACTIVE:
        raise MedicalError(
            field="registration",
            zh=f"备案 {row.reference} 已{row.get_status_display()}",
            en="registration is not active",
        )
    return row


def medical_registration_cancel(
    *, actor, reference: str, case_reference: str = "", now: dt.datetime | None = None
) -> Registration:
    """有效 → 已取消, after the lock period."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    with transaction.atomic():
        row = _active_for(actor, reference)
        rules.check_not_locked(row.locked_until, today, row.reference)
        _close(row, status=Status.CANCELLED, now=now, today=today)
        audit_record(
            action="medical.registration_cancel", object_type="person", object_id=row.person_id, actor=actor,
            before={"reference": row.reference, "status": Status.ACTIVE},
            after={"status": Status.CANCELLED, "closed_on": _iso(today), "case": case_reference},
        )  # fmt: skip
        row.refresh_from_db()
    return row


def medical_registration_withdraw(
    *, actor, reference: str, case_reference: str, reason: str, now: dt.datetime | None = None
) -> Registration:
    """A 承诺制 registration made at the case's submission, whose case then ended unapproved
    (refused, not accepted, or withdrawn by the person): 有效 → 已取消 from today, with the
    reason in the audit. Only the case's own row is touched; a row the person has since
    changed or cancelled (through its own case) is left as it is. No lock check: a
    temporary registration has none, and the case that made it is undoing it."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    with transaction.atomic():
        row = selectors.registration_get(user=actor, reference=reference)
        if row is None or row.case_reference != case_reference:
            raise MedicalError(
                field="registration", zh="备案不属于该申请", en="the registration is not this application's"
            )
        row = Registration.objects.select_for_update().get(pk=row.pk)
        if row.status != Status.ACTIVE:
            return row
        _close(row, status=Status.CANCELLED, now=now, today=today)
        audit_record(
            action="medical.registration_withdraw", object_type="person", object_id=row.person_id, actor=actor,
            before={"reference": row.reference, "status": Status.ACTIVE},
            after={"status": Status.CANCELLED, "closed_on": _iso(today), "case": case_reference,
                   "reason": str(reason or "")[:300]},
        )  # fmt: skip
        row.refresh_from_db()
    return row


def medical_registration_change(
    *,
    actor,
    reference: str,
    category: str | None = None,
    destination_code: str | None = None,
    valid_from=None,
    months: int | None = None,
    case_reference: str = "",
    now: dt.datetime | None = None,
) -> Registration:
    """有效 → 已变更, and a new active row with the changed values (the old row is kept)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    with transaction.atomic():
        old = _active_for(actor, reference)
        rules.check_not_locked(old.locked_until, today, old.reference)
        person = register_access.access_person(
            user=actor, person_id=old.person_id, perm=selectors.view_perm(actor)
        )
        cat, start, until, dest = _check(
            person=person, category=category or old.category, destination_code=destination_code or old.destination_code,
            valid_from=valid_from or max(today, old.valid_from), months=months, today=today, exclude_reference=old.reference,
        )  # fmt: skip
        _close(old, status=Status.CHANGED, now=now, today=today)
        new = Registration.objects.create(
            reference=_reference(today), person_id=old.person_id, region_code=old.region_code, category=cat.value,
            destination_code=dest, valid_from=start, valid_until=until, status=Status.ACTIVE,
            locked_until=rules.lock_until(cat, start), commitment=old.commitment, case_reference=case_reference,
            replaces=old, created_at=now,
        )  # fmt: skip
        audit_record(
            action="medical.registration_change", object_type="person", object_id=old.person_id, actor=actor,
            before={"reference": old.reference, "category": old.category, "destination": old.destination_code},
            after={"reference": new.reference, "category": new.category, "destination": dest,
                   "valid_from": _iso(start), "valid_until": _iso(until), "case": case_reference},
        )  # fmt: skip
    return new
