"""``manage.py seed_appointments [--days 14] [--if-empty]``: service halls of the demo city,
the counter services each offers, slots for the working days of the next two weeks, and
a few bookings (some checked in today) so the front desk's day view has people in it.
Written through the real services. Run after ``seed_demo`` (``make seed`` does both).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from shebao.appointments import services
from shebao.appointments.errors import AppointmentError
from shebao.appointments.models import Hall, Slot
from shebao.kernel.audit import audit_context
from shebao.kernel.calendar import is_workday
from shebao.kernel.divisions import division_children, division_exists_now
from shebao.register import sources
from shebao.register.access import SYSTEM_ACTOR

PREFERRED = ("110105", "110101", "110108")  # 朝阳、东城、海淀 when the city is Beijing
SERVICES = (
    ("card_replace", "社保卡挂失与补换", "1-2号窗口", 20, 3),
    ("retirement_application", "退休申请", "3号窗口", 30, 2),
    ("person_change", "个人信息变更", "4号窗口", 20, 3),
    ("enrolment_suspend", "暂停缴费", "5号窗口", 20, 2),
    ("consultation", "政策咨询", "咨询台", 15, 4),
)


def _districts(city: str) -> list[tuple[str, str]]:
    picked = [(c, "") for c in PREFERRED if c.startswith(city[:2]) and division_exists_now(c)]
    if not picked:
        picked = [(d.code, d.name) for d in division_children(city)[:3]]
    names = {d.code: d.name for d in division_children(city)}
    return [(code, names.get(code, name) or code) for code, name in picked]


class Command(BaseCommand):
    help = "Seed the demo city's service halls, counter services, slots and a few bookings."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=14)
        parser.add_argument("--if-empty", action="store_true", help="do nothing when a hall exists")

    def handle(self, *args, **opts):
        if opts["if_empty"] and Hall.objects.exists():
            self.stdout.write("seed_appointments: halls exist, nothing to do")
            return
        today = timezone.localdate()
        with audit_context(actor_label="manage.py seed_appointments"):
            halls = []
            for index, (code, name) in enumerate(_districts(settings.SHEBAO_CITY_CODE), start=1):
                hall = services.hall_create(
                    actor=SYSTEM_ACTOR,
                    code=f"H{code}",
                    name=f"{name}社会保险服务大厅",
                    region_code=code,
                    address=f"{name}政务服务中心{index}层",
                    opening_hours="工作日 9:00-12:00，13:30-17:00（法定节假日除外）",
                    morning_start="09:00",
                    morning_end="12:00",
                    afternoon_start="13:30",
                    afternoon_end="17:00",
                    queue_prefix="ABC"[index - 1],
                )
                for item_code, label, counters, minutes, capacity in SERVICES:
                    services.hall_service_add(
                        actor=SYSTEM_ACTOR, hall_id=hall.pk, item_code=item_code, name=label,
                        counters=counters, slot_minutes=minutes, capacity=capacity,
                    )  # fmt: skip
                slots = services.slot_generate(
                    actor=SYSTEM_ACTOR, hall_id=hall.pk, first_day=today,
                    last_day=today + dt.timedelta(days=max(1, opts["days"]) - 1),
                )  # fmt: skip
                halls.append((hall, slots))
            booked, checked_in = self._bookings(today, [h for h, _ in halls])
        for hall, slots in halls:
            self.stdout.write(f"seed_appointments: {hall.name}: {slots} slots")
        self.stdout.write(f"seed_appointments: {booked} bookings, {checked_in} checked in today")

    def _bookings(self, today: dt.date, halls: list[Hall]) -> tuple[int, int]:
        """A few persons book today's and the next working day's slots; today's arrive."""
        bounds = sources.person_id_bounds()
        if not bounds or not halls:
            return 0, 0
        first_id = bounds[0]
        start_of_day = timezone.make_aware(dt.datetime.combine(today, dt.time(7, 0)))
        next_day = today + dt.timedelta(days=1)
        while not is_workday(next_day):
            next_day += dt.timedelta(days=1)
        booked = checked_in = 0
        person = first_id
        for hall in halls:
            for day in (today, next_day):
                slots = list(Slot.objects.filter(hall=hall, day=day).order_by("starts_at", "service_id")[:12])
                for slot in slots:
                    try:
                        booking = services.appointment_book(
                            actor=SYSTEM_ACTOR, slot_id=slot.pk, person_id=person, now=start_of_day
                        )
                    except (AppointmentError, PermissionError):
                        person += 1
                        continue
                    person += 1
                    booked += 1
                    if day == today and booked % 2:
                        services.appointment_check_in(
                            actor=SYSTEM_ACTOR, booking_id=booking.pk, now=start_of_day
                        )
                        checked_in += 1
        return booked, checked_in
