"""Browser: a citizen books a counter appointment (网上预约) and cancels it.
Screenshots: docs/screenshots/appointment-*.png."""

from __future__ import annotations

import re

from shebao.accounts.rules.permissions import UserKind
from shebao.appointments import services
from shebao.appointments.models import Booking, Slot
from tests.browser.conftest import browser_login


def test_book_and_cancel_an_appointment(page, shot, browser_user, system, hall, day, zhang):
    services.slot_generate(actor=system, hall_id=hall.pk, first_day=day, last_day=day)
    citizen = browser_user(kind=UserKind.CITIZEN, person_id=zhang.pk, full_name=zhang.name)
    browser_login(page, citizen)

    page.goto("/appointments/book/")
    page.get_by_role("link", name="社保卡补换").click()
    page.wait_for_url(re.compile(r"item=card_replace"))
    assert page.get_by_text("朝阳区社保服务大厅").is_visible()
    shot("appointment-1-slots")
    first = Slot.objects.filter(hall=hall, service__item_code="card_replace").order_by("starts_at").first()
    page.locator(f"button[name=slot_id][value='{first.pk}']").click()
    page.wait_for_url(re.compile(r"/me/appointments/$"))
    booking = Booking.objects.get(person_id=zhang.pk)
    assert booking.status == "booked" and booking.slot_id == first.pk
    assert page.get_by_text("预约成功").is_visible()
    assert page.locator(f"#booking-{booking.pk}").get_by_text(booking.reference).is_visible()
    shot("appointment-2-booked")

    with page.expect_navigation():  # a form post: wait for the next page
        page.locator(f"#booking-{booking.pk}").get_by_role("button", name="取消预约").click()
    assert page.get_by_text(f"已取消预约 {booking.reference}").is_visible()
    booking.refresh_from_db()
    first.refresh_from_db()
    assert booking.status == "cancelled" and first.booked == 0
    shot("appointment-3-cancelled")
