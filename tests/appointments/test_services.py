"""网上预约 through the services: slots on working days, booking limits, cancel windows,
capacity and queue numbers under concurrency, who may do what."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from shebao.accounts.access import AccessDenied
from shebao.appointments import selectors, services
from shebao.appointments.errors import AppointmentError
from shebao.appointments.models import Booking, Slot
from shebao.appointments.rules.schedule import queue_number, slot_times
from shebao.kernel.calendar import is_workday
from shebao.kernel.models import AuditEntry
from shebao.register.access import SYSTEM_ACTOR

pytestmark = pytest.mark.django_db


def _slot(hall, item="card_replace", index=0):
    return Slot.objects.filter(hall=hall, service__item_code=item).order_by("starts_at")[index]


def _at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


# ----------------------------------------------------------------- pure rules


@given(
    start=st.integers(min_value=6 * 60, max_value=11 * 60),
    length=st.integers(min_value=0, max_value=5 * 60),
    minutes=st.integers(min_value=5, max_value=120),
)
def test_slot_times_tile_the_session_without_overrun(start, length, minutes):
    begin = dt.time(start // 60, start % 60)
    end_min = min(start + length, 23 * 60 + 59)
    end = dt.time(end_min // 60, end_min % 60)
    slots = slot_times([(begin, end)], minutes=minutes)
    assert len(slots) == max(0, (end_min - start) // minutes)
    for (a, b), nxt in zip(slots, [*slots[1:], None], strict=False):
        assert (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute) == minutes
        assert b <= end and a >= begin
        if nxt is not None:
            assert nxt[0] == b


def test_queue_number_format():
    assert queue_number("A", 1) == "A001" and queue_number("B", 123) == "B123"
    with pytest.raises(ValueError):
        queue_number("A", 1000)


# ----------------------------------------------------------------- halls and slots


def test_slots_only_on_working_days_and_generation_is_idempotent(system, hall):
    first = dt.date(2025, 9, 29)  # Mon; 10-01…10-08 National Day, 09-28 and 10-11 make-up days
    last = dt.date(2025, 10, 12)
    added = services.slot_generate(actor=system, hall_id=hall.pk, first_day=first, last_day=last)
    days = sorted(set(Slot.objects.filter(hall=hall).values_list("day", flat=True)))
    assert days == [d for d in (first + dt.timedelta(n) for n in range(14)) if is_workday(d)]
    assert dt.date(2025, 10, 1) not in days and dt.date(2025, 10, 11) in days  # make-up Saturday works
    # 6h30 a day: 13 slots of 30 min (card) and 13 of 30 min (pension, default)
    assert added == len(days) * 26
    assert services.slot_generate(actor=system, hall_id=hall.pk, first_day=first, last_day=last) == 0
    slot = Slot.objects.filter(hall=hall, day=dt.date(2025, 9, 29)).order_by("starts_at").first()
    assert timezone.localtime(slot.starts_at).time() == dt.time(9, 0) and slot.starts_at.tzinfo is not None


def test_hall_admin_only_in_region(hall, hall_admin, desk, day):
    assert services.slot_generate(actor=hall_admin, hall_id=hall.pk, first_day=day, last_day=day) > 0
    with pytest.raises(AccessDenied):
        services.slot_generate(actor=desk, hall_id=hall.pk, first_day=day, last_day=day)
    with pytest.raises(AppointmentError) as exc:
        services.slot_generate(
            actor=hall_admin, hall_id=hall.pk, first_day=day, last_day=day - dt.timedelta(1)
        )
    assert exc.value.field == "last_day"


def test_bad_hall_input_names_the_field(system):
    base = {"actor": system, "code": "X1", "name": "x", "region_code": "110105", "address": "a",
            "opening_hours": "h", "morning_start": "09:00", "morning_end": "12:00"}  # fmt: skip
    for changes, field in [
        ({"region_code": "999999"}, "region_code"),
        ({"morning_end": "08:00"}, "morning_end"),
        ({"morning_start": "9点"}, "morning_start"),
        ({"afternoon_start": "13:00"}, "afternoon_end"),
        ({"queue_prefix": "甲"}, "queue_prefix"),
        ({"name": ""}, "name"),
    ]:
        with pytest.raises(AppointmentError) as exc:
            services.hall_create(**{**base, **changes})
        assert exc.value.field == field, changes


def test_capacity_never_below_booked(system, slots, citizen, zhang):
    slot = _slot(slots)
    services.appointment_book(actor=citizen, slot_id=slot.pk)
    with pytest.raises(AppointmentError) as exc:
        services.slot_capacity_set(actor=system, slot_id=slot.pk, capacity=0)
    assert exc.value.field == "capacity" and "1人" in exc.value.message_zh
    assert services.slot_capacity_set(actor=system, slot_id=slot.pk, capacity=5).capacity == 5


# ----------------------------------------------------------------- booking


def test_book_cancel_and_rebook(slots, citizen, zhang, day):
    slot = _slot(slots)
    booking = services.appointment_book(actor=citizen, slot_id=slot.pk)
    assert (booking.person_id, booking.item_code, booking.status) == (zhang.pk, "card_replace", "booked")
    assert len(booking.reference) == 8
    assert Slot.objects.get(pk=slot.pk).booked == 1
    with pytest.raises(AppointmentError) as exc:  # same item, same day, another slot
        services.appointment_book(actor=citizen, slot_id=_slot(slots, index=3).pk)
    assert "每人每天每项限约一次" in exc.value.message_zh
    assert Slot.objects.get(pk=_slot(slots, index=3).pk).booked == 0  # the seat was given back
    other_item = services.appointment_book(actor=citizen, slot_id=_slot(slots, "pension_claim").pk)
    assert other_item.status == "booked"
    cancelled = services.appointment_cancel(actor=citizen, booking_id=booking.pk)
    assert cancelled.status == "cancelled" and Slot.objects.get(pk=slot.pk).booked == 0
    with pytest.raises(AppointmentError):
        services.appointment_cancel(actor=citizen, booking_id=booking.pk)
    again = services.appointment_book(actor=citizen, slot_id=_slot(slots, index=3).pk)
    assert again.status == "booked"
    actions = list(AuditEntry.objects.filter(object_type="booking").values_list("action", flat=True))
    assert actions == ["appointment.book", "appointment.book", "appointment.cancel", "appointment.book"]


def test_full_slot_and_started_slot_are_refused(slots, citizen_of, register_person, day):
    slot = _slot(slots)  # capacity 2
    for name in ("甲", "乙"):
        services.appointment_book(actor=citizen_of(register_person(name)), slot_id=slot.pk)
    with pytest.raises(AppointmentError) as exc:
        services.appointment_book(actor=citizen_of(register_person("丙")), slot_id=slot.pk)
    assert "约满" in exc.value.message_zh and exc.value.field == "slot_id"
    late = citizen_of(register_person("丁"))
    with pytest.raises(AppointmentError) as exc:
        services.appointment_book(actor=late, slot_id=_slot(slots, index=1).pk, now=_at(day, 9, 31))
    assert "已开始" in exc.value.message_zh


def test_cancel_only_until_the_slot_starts_and_only_by_the_owner(
    slots, citizen, citizen_of, register_person, day
):
    slot = _slot(slots, index=2)  # 10:00
    booking = services.appointment_book(actor=citizen, slot_id=slot.pk)
    with pytest.raises(AccessDenied):
        services.appointment_cancel(actor=citizen_of(register_person("旁人")), booking_id=booking.pk)
    with pytest.raises(AppointmentError) as exc:
        services.appointment_cancel(actor=citizen, booking_id=booking.pk, now=_at(day, 10, 0))
    assert "不能取消" in exc.value.message_zh
    assert (
        services.appointment_cancel(actor=citizen, booking_id=booking.pk, now=_at(day, 9, 59)).status
        == "cancelled"
    )


def test_agent_books_only_under_a_mandate_covering_the_item(slots, agent, zhang, mandate):
    with pytest.raises(AccessDenied) as exc:
        services.appointment_book(actor=agent, slot_id=_slot(slots).pk, person_id=zhang.pk)
    assert "委托授权" in exc.value.message_zh
    mandate(["pension_claim"])
    with pytest.raises(AccessDenied) as exc:  # the mandate does not cover 社保卡补换
        services.appointment_book(actor=agent, slot_id=_slot(slots).pk, person_id=zhang.pk)
    assert "card_replace" in exc.value.message_zh
    booking = services.appointment_book(
        actor=agent, slot_id=_slot(slots, "pension_claim").pk, person_id=zhang.pk
    )
    assert booking.on_behalf and booking.person_name == "张三" and booking.booked_by == agent.username
    with pytest.raises(AppointmentError) as err:
        services.appointment_book(actor=agent, slot_id=_slot(slots).pk, person_id=None)
    assert err.value.field == "person_id"
    assert services.appointment_cancel(actor=agent, booking_id=booking.pk).status == "cancelled"
    assert [b.pk for b in selectors.agent_bookings(agent_id=agent.pk)] == [booking.pk]


def test_citizen_cannot_book_for_someone_else(slots, citizen, register_person):
    other = register_person("别人")
    with pytest.raises(AccessDenied):
        services.appointment_book(actor=citizen, slot_id=_slot(slots).pk, person_id=other.pk)


# ----------------------------------------------------------------- check-in


def test_check_in_gives_consecutive_queue_numbers_on_the_day(
    slots, citizen_of, register_person, desk, desk_elsewhere, day
):
    bookings = [
        services.appointment_book(actor=citizen_of(register_person(n)), slot_id=_slot(slots, index=i).pk)
        for i, n in enumerate(("一", "二", "三"))
    ]
    with pytest.raises(AppointmentError) as exc:
        services.appointment_check_in(
            actor=desk, booking_id=bookings[0].pk, now=_at(day - dt.timedelta(1), 9)
        )
    assert "当天" in exc.value.message_zh
    with pytest.raises(AccessDenied):
        services.appointment_check_in(actor=desk_elsewhere, booking_id=bookings[0].pk, now=_at(day, 9))
    numbers = [
        services.appointment_check_in(actor=desk, booking_id=b.pk, now=_at(day, 9)).queue_number
        for b in bookings
    ]
    assert numbers == ["A001", "A002", "A003"]
    with pytest.raises(AppointmentError):
        services.appointment_check_in(actor=desk, booking_id=bookings[0].pk, now=_at(day, 9))
    with pytest.raises(AppointmentError):  # checked in: no longer cancellable
        services.appointment_cancel(actor=SYSTEM_ACTOR, booking_id=bookings[1].pk, now=_at(day, 8))
    queue = selectors.hall_day_queue(hall_id=slots.pk, day=day)
    assert [b.queue_number for b in queue] == ["A001", "A002", "A003"]


# ----------------------------------------------------------------- concurrency (threads, both databases)


def _run_threads(n: int, work) -> list[str]:
    barrier = threading.Barrier(n)
    results: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            for _attempt in range(200):
                try:
                    outcome = work(i)
                    break
                except OperationalError as exc:
                    # SQLite's in-memory test database (shared cache) reports a lock at once
                    # instead of waiting: the caller tries again, as a busy client would.
                    if "locked" not in str(exc):
                        raise
                    threading.Event().wait(0.01)
            else:
                outcome = "error: still locked"
        except AppointmentError as exc:
            outcome = f"refused: {exc.message_en}"
        except Exception as exc:  # noqa: BLE001 - reported by the assertion
            outcome = f"error: {exc!r}"
        finally:
            close_old_connections()
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_never_exceed_capacity(divisions, audit_ctx, flushable_audit):
    from shebao.accounts.models import User
    from shebao.accounts.rules.permissions import UserKind
    from shebao.kernel.audit import audit_context
    from shebao.register import services as register
    from tests.pages.conftest import new_id

    hall = services.hall_create(
        actor=SYSTEM_ACTOR, code="RACE", name="并发大厅", region_code="110105", address="a", opening_hours="h",
        morning_start="09:00", morning_end="09:30",
    )  # fmt: skip
    services.hall_service_add(
        actor=SYSTEM_ACTOR, hall_id=hall.pk, item_code="x", name="测试", slot_minutes=30, capacity=3
    )
    day = dt.date.today() + dt.timedelta(days=30)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    services.slot_generate(actor=SYSTEM_ACTOR, hall_id=hall.pk, first_day=day, last_day=day)
    slot = Slot.objects.get(hall=hall)
    users = []
    for i in range(8):
        person = register.person_register(
            actor=SYSTEM_ACTOR,
            id_number=new_id(),
            name="抢" + "甲乙丙丁戊己庚辛"[i],
            hukou_region="110105",
            hukou_type="urban",
        ).person
        users.append(
            User.objects.create_user(username=f"race{i}", kind=UserKind.CITIZEN, person_id=person.pk)
        )

    def book(i):
        with audit_context(request_id=f"race-{i}", actor_label="pytest"):
            services.appointment_book(actor=users[i], slot_id=slot.pk)
        return "ok"

    results = _run_threads(8, book)
    assert sorted(results).count("ok") == 3, results
    assert all(r == "ok" or "fully booked" in r for r in results), results
    slot.refresh_from_db()
    assert slot.booked == 3 == Booking.objects.filter(slot=slot, status="booked").count()


@pytest.mark.django_db(transaction=True)
def test_concurrent_check_ins_get_distinct_consecutive_numbers(divisions, audit_ctx, flushable_audit):
    from shebao.kernel.audit import audit_context
    from shebao.register import services as register
    from tests.pages.conftest import new_id

    hall = services.hall_create(
        actor=SYSTEM_ACTOR, code="QUEUE", name="取号大厅", region_code="110105", address="a", opening_hours="h",
        morning_start="09:00", morning_end="12:00",
    )  # fmt: skip
    services.hall_service_add(
        actor=SYSTEM_ACTOR, hall_id=hall.pk, item_code="x", name="测试", slot_minutes=180, capacity=10
    )
    day = timezone.localdate() + dt.timedelta(days=1)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    services.slot_generate(actor=SYSTEM_ACTOR, hall_id=hall.pk, first_day=day, last_day=day)
    slot = Slot.objects.get(hall=hall)
    bookings = []
    for i in range(6):
        person = register.person_register(
            actor=SYSTEM_ACTOR,
            id_number=new_id(),
            name="号" + "甲乙丙丁戊己"[i],
            hukou_region="110105",
            hukou_type="urban",
        ).person
        bookings.append(services.appointment_book(actor=SYSTEM_ACTOR, slot_id=slot.pk, person_id=person.pk))
    at = _at(day, 8, 50)

    def check_in(i):
        with audit_context(request_id=f"queue-{i}", actor_label="kiosk"):
            return services.appointment_check_in(
                actor=SYSTEM_ACTOR, booking_id=bookings[i].pk, now=at
            ).queue_number

    results = _run_threads(6, check_in)
    assert sorted(results) == [f"A{n:03d}" for n in range(1, 7)], results


# ----------------------------------------------------------------- self-service kiosk


def test_kiosk_check_in_needs_the_reference_and_the_id_ending(slots, citizen, zhang, day):
    booking = services.appointment_book(actor=citizen, slot_id=_slot(slots).pk)
    ending = zhang.id_masked[-4:]
    wrong = "0000" if ending != "0000" else "1111"
    for reference, last4 in ((booking.reference, wrong), ("NOSUCHREF", ending), (booking.reference, "12")):
        with pytest.raises(AppointmentError) as exc:
            services.appointment_kiosk_check_in(reference=reference, id_last4=last4, now=_at(day, 9))
        assert exc.value.field == "reference" and "后四位" in exc.value.message_zh  # one answer for all
    done = services.appointment_kiosk_check_in(
        reference=booking.reference.lower(), id_last4=ending.lower(), now=_at(day, 9)
    )
    assert (done.status, done.queue_number) == ("checked_in", "A001")
    entry = AuditEntry.objects.filter(action="appointment.check_in").latest("id")
    assert json.loads(entry.after)["queue_number"] == "A001"
    with pytest.raises(AppointmentError):  # only once
        services.appointment_kiosk_check_in(reference=booking.reference, id_last4=ending, now=_at(day, 9))
