"""网上预约 over HTTP: the booking page (``?item=``), my appointments and cancel, the front
desk's day view with check-in, slot administration; the citizen and staff APIs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shebao.appointments import services
from shebao.appointments.models import Booking, Slot
from shebao.register.access import SYSTEM_ACTOR
from tests.pages.conftest import login

pytestmark = pytest.mark.django_db


def _slot(hall, item="card_replace", index=0):
    return Slot.objects.filter(hall=hall, service__item_code=item).order_by("starts_at")[index]


def test_booking_page_lists_items_then_halls_and_slots(client, citizen, slots):
    login(client, citizen)
    page = client.get("/appointments/book/").content.decode()
    assert "社保卡补换" in page and "退休待遇申领" in page
    page = client.get("/appointments/book/", {"item": "card_replace"}).content.decode()
    assert "朝阳区社保服务大厅" in page and "朝阳区示例路1号" in page and "09:00–09:30" in page
    unknown = client.get("/appointments/book/", {"item": "nope"}).content.decode()
    assert "没有大厅提供该事项的预约" in unknown


def test_book_then_cancel_through_the_pages(client, citizen, slots, zhang):
    login(client, citizen)
    slot = _slot(slots)
    response = client.post(
        "/appointments/book/?item=card_replace", {"item": "card_replace", "slot_id": slot.pk}
    )
    assert response.status_code == 302 and response["Location"] == "/me/appointments/"
    booking = Booking.objects.get(person_id=zhang.pk)
    mine = client.get("/me/appointments/").content.decode()
    assert booking.reference in mine and "取消预约" in mine and "已预约" in mine
    again = client.post(
        "/appointments/book/?item=card_replace", {"item": "card_replace", "slot_id": _slot(slots, index=1).pk}
    )
    assert again.status_code == 400 and "限约一次" in again.content.decode()
    assert client.post(f"/me/appointments/{booking.pk}/cancel/").status_code == 302
    assert Booking.objects.get(pk=booking.pk).status == "cancelled"
    assert "已取消" in client.get("/me/appointments/").content.decode()


def test_staff_and_anonymous_cannot_use_the_booking_page(client, desk, slots):
    assert client.get("/appointments/book/")["Location"].startswith("/accounts/login/")
    login(client, desk)
    assert client.get("/appointments/book/").status_code == 403


def test_agent_books_for_a_person_by_id_number(client, agent, slots, zhang, zhang_id, mandate):
    mandate()
    login(client, agent)
    slot = _slot(slots)
    bad = client.post(
        "/appointments/book/?item=card_replace",
        {"item": "card_replace", "slot_id": slot.pk, "id_number": "110105198001010000"},
    )
    assert bad.status_code == 400 and "未找到" in bad.content.decode()
    ok = client.post(
        "/appointments/book/?item=card_replace",
        {"item": "card_replace", "slot_id": slot.pk, "id_number": zhang_id},
    )
    assert ok.status_code == 302
    booking = Booking.objects.get(person_id=zhang.pk)
    assert booking.on_behalf and "张三" in client.get("/me/appointments/").content.decode()


def test_front_desk_checks_in_today(client, desk, desk_elsewhere, hall, citizen, zhang, register_person):
    other = register_person("李五")
    today = timezone.localdate()
    service = hall.services.get(item_code="card_replace")
    start = timezone.make_aware(dt.datetime.combine(today, dt.time(23, 0)))
    slot = Slot.objects.create(  # a slot today whatever the calendar says, booked at midnight
        service=service,
        hall=hall,
        day=today,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        capacity=2,
    )
    booking = services.appointment_book(
        actor=citizen, slot_id=slot.pk, now=timezone.make_aware(dt.datetime.combine(today, dt.time(0, 0)))
    )
    login(client, desk)
    page = client.get("/staff/appointments/", {"hall": hall.pk}).content.decode()
    assert "张三" in page and "到场取号" in page
    assert client.post(f"/staff/appointments/{booking.pk}/check-in/").status_code == 302
    assert Booking.objects.get(pk=booking.pk).queue_number == "A001"
    assert "A001" in client.get("/staff/appointments/", {"hall": hall.pk}).content.decode()
    second = services.appointment_book(
        actor=SYSTEM_ACTOR, slot_id=slot.pk, person_id=other.pk,
        now=timezone.make_aware(dt.datetime.combine(today, dt.time(0, 0))),
    )  # fmt: skip
    assert (
        client.post("/staff/appointments/check-in/", {"reference": second.reference.lower()}).status_code
        == 302
    )
    assert Booking.objects.get(pk=second.pk).queue_number == "A002"
    missing = client.post("/staff/appointments/check-in/", {"reference": "NOPE"}, follow=True)
    assert "没有找到该预约号" in missing.content.decode()
    client.logout()
    login(client, desk_elsewhere)
    assert client.get("/staff/appointments/").status_code == 403


def test_slot_admin_page(client, hall_admin, desk, hall, day):
    login(client, desk)
    assert client.get("/staff/appointments/slots/").status_code == 403
    client.logout()
    login(client, hall_admin)
    bad = client.post(
        f"/staff/appointments/slots/?hall={hall.pk}",
        {"first_day": day.isoformat(), "last_day": (day - dt.timedelta(1)).isoformat()},
    )
    assert bad.status_code == 400 and "结束日期早于开始日期" in bad.content.decode()
    ok = client.post(
        f"/staff/appointments/slots/?hall={hall.pk}",
        {"first_day": day.isoformat(), "last_day": day.isoformat()},
    )
    assert ok.status_code == 302 and Slot.objects.filter(hall=hall, day=day).count() == 26
    slot = _slot(hall)
    assert client.post(f"/staff/appointments/slots/{slot.pk}/capacity/", {"capacity": "7"}).status_code == 302
    assert Slot.objects.get(pk=slot.pk).capacity == 7
    page = client.get(
        "/staff/appointments/slots/", {"hall": hall.pk, "day": day.isoformat()}
    ).content.decode()
    assert 'value="7"' in page


def test_citizen_api_book_list_cancel(client, citizen, slots, zhang):
    login(client, citizen)
    (hall,) = client.get("/api/v1/me/appointments/halls", {"item": "card_replace"}).json()
    free = client.get("/api/v1/me/appointments/slots", {"service_id": hall["service_id"]}).json()
    assert free and free[0]["free"] == 2
    made = client.post(
        "/api/v1/me/appointments/bookings", {"slot_id": free[0]["slot_id"]}, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["status"] == "booked" and data["item_name"] == "社保卡补换" and data["person_name"] == "张三"
    dup = client.post(
        "/api/v1/me/appointments/bookings", {"slot_id": free[1]["slot_id"]}, content_type="application/json"
    )
    assert dup.status_code == 400 and dup.json()["field"] == "slot_id"
    assert [b["reference"] for b in client.get("/api/v1/me/appointments/bookings").json()] == [
        data["reference"]
    ]
    gone = client.post(f"/api/v1/me/appointments/bookings/{data['booking_id']}/cancel")
    assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
    missing = client.post(
        "/api/v1/me/appointments/bookings", {"slot_id": 999999}, content_type="application/json"
    )
    assert missing.status_code == 400 and missing.json()["field"] == "slot_id"


def test_staff_api_day_and_admin(client, desk, hall_admin, hall, day, citizen, system):
    services.slot_generate(actor=system, hall_id=hall.pk, first_day=day, last_day=day)
    booking = services.appointment_book(actor=citizen, slot_id=_slot(hall).pk)
    login(client, desk)
    rows = client.get(f"/api/v1/staff/appointments/halls/{hall.pk}/bookings", {"day": day.isoformat()}).json()
    assert [r["reference"] for r in rows] == [booking.reference]
    early = client.post(f"/api/v1/staff/appointments/bookings/{booking.pk}/check-in")
    assert early.status_code == 400 and early.json()["field"] == "booking_id"
    denied = client.post(
        f"/api/v1/staff/appointments/halls/{hall.pk}/slots/generate",
        {"first_day": day.isoformat(), "last_day": day.isoformat()},
        content_type="application/json",
    )
    assert denied.status_code == 404
    client.logout()
    login(client, hall_admin)
    nxt = day + dt.timedelta(days=1)
    made = client.post(
        f"/api/v1/staff/appointments/halls/{hall.pk}/slots/generate",
        {"first_day": nxt.isoformat(), "last_day": nxt.isoformat()},
        content_type="application/json",
    )
    assert made.status_code == 200
    cap = client.post(
        f"/api/v1/staff/appointments/slots/{_slot(hall).pk}/capacity",
        {"capacity": 0},
        content_type="application/json",
    )
    assert cap.status_code == 400 and cap.json()["field"] == "capacity"


def test_kiosk_self_check_in_without_login(client, hall, citizen, zhang):
    today = timezone.localdate()
    service = hall.services.get(item_code="card_replace")
    start = timezone.make_aware(dt.datetime.combine(today, dt.time(23, 0)))
    slot = Slot.objects.create(  # a slot today whatever the calendar says, booked at midnight
        service=service, hall=hall, day=today, starts_at=start, ends_at=start + dt.timedelta(minutes=30),
        capacity=2,
    )  # fmt: skip
    booking = services.appointment_book(
        actor=citizen, slot_id=slot.pk, now=timezone.make_aware(dt.datetime.combine(today, dt.time(0, 0)))
    )
    page = client.get("/kiosk/check-in/")
    assert page.status_code == 200 and "身份证号后四位" in page.content.decode()
    wrong = client.post("/kiosk/check-in/", {"reference": booking.reference, "id_last4": "ABCD"}).content.decode()
    assert "预约号或身份证号后四位不正确" in wrong and "A001" not in wrong
    assert Booking.objects.get(pk=booking.pk).status == "booked"
    done = client.post(
        "/kiosk/check-in/", {"reference": booking.reference, "id_last4": zhang.id_masked[-4:]}
    ).content.decode()
    assert 'id="queue-number">A001<' in done and "张三" in done
    assert Booking.objects.get(pk=booking.pk).queue_number == "A001"
