"""Appointment writes (网上预约): halls, their services, slots; booking, cancelling and
checking in. Each is one atomic, audited function; status changes are compare-and-set.

Public functions (keyword-only):

``hall_create(*, actor, code, name, region_code, address, opening_hours, morning_start,
morning_end, afternoon_start=None, afternoon_end=None, queue_prefix="A") -> Hall``
``hall_service_add(*, actor, hall_id, item_code, name, counters="", slot_minutes=30,
capacity=4) -> HallService``
``slot_generate(*, actor, hall_id, first_day, last_day) -> int`` — slots for every working
day (kernel calendar) in the range, for each active service; idempotent (existing slots
are kept). APPOINTMENT_ADMIN in the hall's region.
``slot_capacity_set(*, actor, slot_id, capacity) -> Slot`` — never below what is booked.
``appointment_book(*, actor, slot_id, person_id=None, now=None) -> Booking`` — a citizen for
themself, an agent (社区代办员) for a person under a valid mandate covering the item. Never over capacity: the
seat is taken by ``UPDATE … SET booked = booked + 1 WHERE booked < capacity`` before the
booking row is written, in one transaction. One active booking per person, item and
day (a partial unique index decides between concurrent attempts).
``appointment_cancel(*, actor, booking_id, now=None) -> Booking`` — the person or whoever
booked it, until the slot starts; the seat is given back.
``appointment_check_in(*, actor, booking_id, now=None) -> Booking`` — on the day, by the
front desk (APPOINTMENT_DESK in the hall's region) or a kiosk (the platform actor): the
next queue number of the hall and day (A001 …), unique under concurrency.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from shebao.accounts.access import AccessDenied, Grant, require_perm
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.accounts.selectors import mandate_require
from shebao.appointments.errors import AppointmentError
from shebao.appointments.models import Booking, BookingStatus, Hall, HallService, QueueCounter, Slot
from shebao.appointments.rules.schedule import MAX_SLOT_MINUTES, queue_number, slot_times
from shebao.kernel.audit import audit_record
from shebao.kernel.calendar import is_workday
from shebao.kernel.divisions import division_exists_now
from shebao.register import selectors as register_selectors
from shebao.register import sources
from shebao.register.access import SYSTEM_ACTOR, access_person, is_system

MAX_DAYS = 62  # slots generated per call
MAX_CAPACITY = 200
_REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def _post(grant: Grant | None) -> str:
    return str(grant.post) if grant is not None else ""


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _text(value: object, *, field: str, zh: str, en: str, max_length: int, required: bool = True) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise AppointmentError(field=field, zh=f"请填写{zh}", en=f"{en} is required")
    if len(text) > max_length:
        raise AppointmentError(
            field=field, zh=f"{zh}不能超过{max_length}字", en=f"{en} is longer than {max_length}"
        )
    return text


def _time(value: object, *, field: str) -> dt.time | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value).strip())
    except ValueError:
        raise AppointmentError(field=field, zh="时间格式应为 HH:MM", en="time must be HH:MM") from None


def _day(value: object, *, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise AppointmentError(
            field=field, zh="日期格式应为 YYYY-MM-DD", en="date must be YYYY-MM-DD"
        ) from None


def _int(value: object, *, field: str, zh: str, en: str, lo: int, hi: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise AppointmentError(field=field, zh=f"{zh}应为整数", en=f"{en} must be a whole number") from None
    if not lo <= number <= hi:
        raise AppointmentError(field=field, zh=f"{zh}应在{lo}到{hi}之间", en=f"{en} must be {lo}…{hi}")
    return number


def _hall(hall_id: object) -> Hall:
    hall = Hall.objects.filter(pk=hall_id).first() if str(hall_id).isdigit() else None
    if hall is None:
        raise AppointmentError(field="hall_id", zh="办事大厅不存在", en="no such hall")
    return hall


def _admin(actor, region_code: str) -> Grant | None:
    if is_system(actor):
        return None
    return require_perm(actor, Perm.APPOINTMENT_ADMIN, region_code)


def _sessions(hall: Hall) -> list[tuple[dt.time, dt.time]]:
    sessions = [(hall.morning_start, hall.morning_end)]
    if hall.afternoon_start and hall.afternoon_end:
        sessions.append((hall.afternoon_start, hall.afternoon_end))
    return sessions


# --------------------------------------------------------------------------- halls, slots


def hall_create(
    *,
    actor,
    code: str,
    name: str,
    region_code: str,
    address: str,
    opening_hours: str,
    morning_start: object,
    morning_end: object,
    afternoon_start: object = None,
    afternoon_end: object = None,
    queue_prefix: str = "A",
) -> Hall:
    code = _text(code, field="code", zh="大厅代码", en="hall code", max_length=20).upper()
    region = str(region_code or "").strip()
    if not (len(region) == 6 and region.isdigit() and division_exists_now(region)):
        raise AppointmentError(field="region_code", zh="所属区划代码无效", en="unknown region code")
    grant = _admin(actor, region)
    am_start, am_end = _time(morning_start, field="morning_start"), _time(morning_end, field="morning_end")
    pm_start, pm_end = (
        _time(afternoon_start, field="afternoon_start"),
        _time(afternoon_end, field="afternoon_end"),
    )
    if am_start is None or am_end is None or am_end <= am_start:
        raise AppointmentError(field="morning_end", zh="上午办公时间无效", en="the morning hours are invalid")
    if (pm_start is None) != (pm_end is None) or (pm_start and (pm_end <= pm_start or pm_start < am_end)):
        raise AppointmentError(
            field="afternoon_end", zh="下午办公时间无效", en="the afternoon hours are invalid"
        )
    prefix = str(queue_prefix or "A").strip().upper()
    if not (1 <= len(prefix) <= 2 and prefix.isalpha() and prefix.isascii()):
        raise AppointmentError(
            field="queue_prefix", zh="排队号前缀应为1-2个字母", en="queue prefix: 1-2 letters"
        )
    with transaction.atomic():
        if Hall.objects.filter(code=code).exists():
            raise AppointmentError(field="code", zh="大厅代码已存在", en="a hall with this code exists")
        hall = Hall.objects.create(
            code=code,
            name=_text(name, field="name", zh="大厅名称", en="hall name", max_length=100),
            region_code=region,
            address=_text(address, field="address", zh="地址", en="address", max_length=200),
            opening_hours=_text(
                opening_hours, field="opening_hours", zh="办公时间", en="opening hours", max_length=100
            ),
            morning_start=am_start,
            morning_end=am_end,
            afternoon_start=pm_start,
            afternoon_end=pm_end,
            queue_prefix=prefix,
        )
        audit_record(
            action="appointment.hall_create",
            object_type="hall",
            object_id=hall.pk,
            after={"code": hall.code, "name": hall.name, "region_code": region},
            actor=actor,
            post=_post(grant),
        )
    return hall


def hall_service_add(
    *,
    actor,
    hall_id: int,
    item_code: str,
    name: str,
    counters: str = "",
    slot_minutes: object = 30,
    capacity: object = 4,
) -> HallService:
    hall = _hall(hall_id)
    grant = _admin(actor, hall.region_code)
    code = _text(item_code, field="item_code", zh="事项代码", en="item code", max_length=40)
    minutes = _int(
        slot_minutes, field="slot_minutes", zh="每段时长（分钟）", en="slot length", lo=5, hi=MAX_SLOT_MINUTES
    )
    seats = _int(capacity, field="capacity", zh="每段可约人数", en="capacity", lo=1, hi=MAX_CAPACITY)
    with transaction.atomic():
        if HallService.objects.filter(hall=hall, item_code=code).exists():
            raise AppointmentError(
                field="item_code", zh="该大厅已提供此事项", en="the hall already offers this item"
            )
        service = HallService.objects.create(
            hall=hall,
            item_code=code,
            name=_text(name, field="name", zh="事项名称", en="item name", max_length=100),
            counters=_text(
                counters, field="counters", zh="窗口", en="counters", max_length=60, required=False
            ),
            slot_minutes=minutes,
            capacity=seats,
        )
        audit_record(
            action="appointment.service_add",
            object_type="hall",
            object_id=hall.pk,
            after={"item_code": code, "slot_minutes": minutes, "capacity": seats},
            actor=actor,
            post=_post(grant),
        )
    return service


def slot_generate(*, actor, hall_id: int, first_day: object, last_day: object) -> int:
    """Slots for each working day in [first_day, last_day]; returns how many were added."""
    hall = _hall(hall_id)
    grant = _admin(actor, hall.region_code)
    first, last = _day(first_day, field="first_day"), _day(last_day, field="last_day")
    if last < first:
        raise AppointmentError(field="last_day", zh="结束日期早于开始日期", en="last_day is before first_day")
    if (last - first).days + 1 > MAX_DAYS:
        raise AppointmentError(
            field="last_day", zh=f"一次最多生成{MAX_DAYS}天", en=f"at most {MAX_DAYS} days at a time"
        )
    services = list(hall.services.filter(is_active=True))
    rows = []
    day = first
    while day <= last:
        if is_workday(day):
            for service in services:
                for start, end in slot_times(_sessions(hall), minutes=service.slot_minutes):
                    rows.append(
                        Slot(
                            service=service,
                            hall=hall,
                            day=day,
                            starts_at=timezone.make_aware(dt.datetime.combine(day, start)),
                            ends_at=timezone.make_aware(dt.datetime.combine(day, end)),
                            capacity=service.capacity,
                        )
                    )
        day += dt.timedelta(days=1)
    with transaction.atomic():
        before = Slot.objects.filter(hall=hall).count()
        Slot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        added = Slot.objects.filter(hall=hall).count() - before
        audit_record(
            action="appointment.slot_generate",
            object_type="hall",
            object_id=hall.pk,
            after={"first_day": first.isoformat(), "last_day": last.isoformat(), "added": added},
            actor=actor,
            post=_post(grant),
        )
    return added


def slot_capacity_set(*, actor, slot_id: int, capacity: object) -> Slot:
    slot = Slot.objects.select_related("hall").filter(pk=slot_id).first() if str(slot_id).isdigit() else None
    if slot is None:
        raise AppointmentError(field="slot_id", zh="时段不存在", en="no such slot")
    grant = _admin(actor, slot.hall.region_code)
    seats = _int(capacity, field="capacity", zh="可约人数", en="capacity", lo=0, hi=MAX_CAPACITY)
    with transaction.atomic():
        if not Slot.objects.filter(pk=slot.pk, booked__lte=seats).update(capacity=seats):
            slot.refresh_from_db()
            raise AppointmentError(
                field="capacity",
                zh=f"已有{slot.booked}人预约，可约人数不能少于此数",
                en=f"{slot.booked} already booked: capacity cannot be lower",
            )
        audit_record(
            action="appointment.slot_capacity",
            object_type="slot",
            object_id=slot.pk,
            before={"capacity": slot.capacity},
            after={"capacity": seats},
            actor=actor,
            post=_post(grant),
        )
    slot.capacity = seats
    return slot


# --------------------------------------------------------------------------- bookings


def _booker_person(actor, person_id: object, item_code: str):
    """The person a booking is for, checked against who books: a citizen for themself; an
    agent under a valid 委托代办 mandate from the person that covers the item (accounts)."""
    kind = getattr(actor, "kind", None)
    if kind == UserKind.CITIZEN:
        if actor.person_id is None or (
            person_id not in (None, "") and str(person_id) != str(actor.person_id)
        ):
            raise AccessDenied(zh="只能为本人预约", en="you may only book for yourself")
        return access_person(user=actor, person_id=actor.person_id), False
    if kind == UserKind.AGENT:
        if not str(person_id or "").isdigit() or sources.person_region(int(person_id)) is None:
            raise AppointmentError(field="person_id", zh="请指定被代办的参保人", en="say whom you book for")
        mandate_require(agent=actor, person_id=int(person_id), item_code=item_code)
        return access_person(user=SYSTEM_ACTOR, person_id=person_id), True
    if is_system(actor) and person_id not in (None, ""):
        return access_person(user=actor, person_id=person_id), False
    raise AccessDenied(zh="无权预约", en="you may not book appointments")


def _new_reference() -> str:
    return "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))


def appointment_book(
    *, actor, slot_id: object, person_id: object = None, now: dt.datetime | None = None
) -> Booking:
    now = _now(now)
    slot = (
        Slot.objects.select_related("service", "hall").filter(pk=slot_id).first()
        if str(slot_id).isdigit()
        else None
    )
    if slot is None or not slot.hall.is_active or not slot.service.is_active:
        raise AppointmentError(
            field="slot_id", zh="该时段不存在或已停止预约", en="no such slot, or not bookable"
        )
    person, on_behalf = _booker_person(actor, person_id, slot.service.item_code)
    if slot.starts_at <= now:
        raise AppointmentError(
            field="slot_id", zh="该时段已开始，不能预约", en="the slot has already started"
        )
    try:
        with transaction.atomic():
            # Take a seat first: the database decides, so concurrent bookings never exceed capacity.
            if not Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1):
                raise AppointmentError(
                    field="slot_id", zh="该时段已约满，请选择其他时段", en="the slot is fully booked"
                )
            booking = Booking.objects.create(
                reference=_new_reference(),
                slot=slot,
                hall=slot.hall,
                item_code=slot.service.item_code,
                day=slot.day,
                person_id=person.pk,
                person_name=person.name,
                booked_by=actor.get_username(),
                booked_by_id=getattr(actor, "pk", None),
                on_behalf=on_behalf,
                created_at=now,
            )
            audit_record(
                action="appointment.book",
                object_type="booking",
                object_id=booking.pk,
                after={
                    "person_id": person.pk,
                    "hall": slot.hall.code,
                    "item_code": booking.item_code,
                    "starts_at": slot.starts_at.isoformat(),
                    "on_behalf": on_behalf,
                },
                actor=actor,
            )
    except IntegrityError:
        # The partial unique index: this person already holds a booking for the item that day
        # (or, astronomically rarely, a reference collision). The seat taken above is rolled back.
        if Booking.objects.filter(
            person_id=person.pk, item_code=slot.service.item_code, day=slot.day,
            status__in=[BookingStatus.BOOKED, BookingStatus.CHECKED_IN],
        ).exists():  # fmt: skip
            raise AppointmentError(
                field="slot_id",
                zh="您当天已预约过此事项，每人每天每项限约一次",
                en="already booked for this item on that day (one per person, item and day)",
            ) from None
        raise
    return booking


def _booking(booking_id: object) -> Booking:
    booking = (
        Booking.objects.select_related("slot", "hall").filter(pk=booking_id).first()
        if str(booking_id).isdigit()
        else None
    )
    if booking is None:
        raise AppointmentError(field="booking_id", zh="预约不存在", en="no such booking")
    return booking


def _may_manage(actor, booking: Booking) -> bool:
    if is_system(actor):
        return True
    kind = getattr(actor, "kind", None)
    if kind == UserKind.CITIZEN and actor.person_id == booking.person_id:
        return True
    return kind == UserKind.AGENT and booking.booked_by_id == getattr(actor, "pk", None)


def appointment_cancel(*, actor, booking_id: object, now: dt.datetime | None = None) -> Booking:
    now = _now(now)
    booking = _booking(booking_id)
    if not _may_manage(actor, booking):
        raise AccessDenied(zh="无权取消此预约", en="you may not cancel this booking")
    if booking.slot.starts_at <= now:
        raise AppointmentError(
            field="booking_id", zh="预约时段已开始，不能取消", en="the slot has started: too late to cancel"
        )
    with transaction.atomic():
        if not Booking.objects.filter(pk=booking.pk, status=BookingStatus.BOOKED).update(
            status=BookingStatus.CANCELLED, cancelled_at=now
        ):
            raise AppointmentError(
                field="booking_id", zh="该预约已取消或已取号", en="the booking is not active"
            )
        Slot.objects.filter(pk=booking.slot_id, booked__gt=0).update(booked=F("booked") - 1)
        audit_record(
            action="appointment.cancel",
            object_type="booking",
            object_id=booking.pk,
            before={"status": BookingStatus.BOOKED},
            after={"status": BookingStatus.CANCELLED},
            actor=actor,
        )
    booking.status, booking.cancelled_at = BookingStatus.CANCELLED, now
    return booking


def appointment_check_in(*, actor, booking_id: object, now: dt.datetime | None = None) -> Booking:
    now = _now(now)
    booking = _booking(booking_id)
    grant = None if is_system(actor) else require_perm(actor, Perm.APPOINTMENT_DESK, booking.hall.region_code)
    if booking.day != timezone.localdate(now):
        raise AppointmentError(
            field="booking_id", zh="只能在预约当天取号", en="check in on the day of the booking"
        )
    with transaction.atomic():
        if not Booking.objects.filter(pk=booking.pk, status=BookingStatus.BOOKED).update(
            status=BookingStatus.CHECKED_IN, checked_in_at=now
        ):
            raise AppointmentError(
                field="booking_id", zh="该预约已取号或已取消", en="already checked in, or cancelled"
            )
        QueueCounter.objects.get_or_create(hall_id=booking.hall_id, day=booking.day)
        # The UPDATE locks the counter row until commit; the value read back is ours alone.
        QueueCounter.objects.filter(hall_id=booking.hall_id, day=booking.day).update(last=F("last") + 1)
        n = QueueCounter.objects.get(hall_id=booking.hall_id, day=booking.day).last
        number = queue_number(booking.hall.queue_prefix, n)
        Booking.objects.filter(pk=booking.pk).update(queue_number=number)
        audit_record(
            action="appointment.check_in",
            object_type="booking",
            object_id=booking.pk,
            before={"status": BookingStatus.BOOKED},
            after={"status": BookingStatus.CHECKED_IN, "queue_number": number},
            actor=actor,
            post=_post(grant),
        )
    # Built from what was written, not read back: the transaction is over, and another
    # check-in may hold the write lock by now.
    booking.status, booking.checked_in_at, booking.queue_number = BookingStatus.CHECKED_IN, now, number
    return booking


def appointment_kiosk_check_in(*, reference: str, id_last4: str, now: dt.datetime | None = None) -> Booking:
    """到场取号 at a self-service kiosk: the booking reference the citizen was given and the
    last four characters of their ID number (a second factor the reference alone does
    not give away). The kiosk acts as the platform; the same check-in as at the desk.
    A wrong reference and a wrong ID ending get the same answer, so neither leaks."""
    ref = str(reference or "").strip().upper()
    last4 = str(id_last4 or "").strip().upper()
    not_found = AppointmentError(
        field="reference",
        zh="预约号或身份证号后四位不正确",
        en="the booking reference or the last four characters of the ID number are wrong",
    )
    if not ref or len(last4) != 4:
        raise not_found
    booking = Booking.objects.filter(reference=ref).first()
    if booking is None:
        raise not_found
    person = register_selectors.person_brief(person_id=booking.person_id)
    if person is None or not secrets.compare_digest(person.id_masked[-4:].upper(), last4):
        raise not_found
    return appointment_check_in(actor=SYSTEM_ACTOR, booking_id=booking.pk, now=now)
