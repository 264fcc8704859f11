"""``seed_appointments``: halls in the city's districts with slots on working days only,
some bookings and check-ins; ``--if-empty`` leaves a seeded database alone."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from shebao.appointments.models import Booking, Hall, Slot
from shebao.kernel.calendar import is_workday

pytestmark = pytest.mark.django_db


def test_seed_appointments(zhang, register_person, audit_ctx):
    for name in ("甲", "乙", "丙"):
        register_person(name)
    out = io.StringIO()
    call_command("seed_appointments", "--days", "5", stdout=out)
    halls = list(Hall.objects.order_by("code"))
    assert [h.region_code for h in halls] == ["110101", "110105", "110108"]
    assert all(h.services.count() == 5 for h in halls)
    days = set(Slot.objects.values_list("day", flat=True))
    assert days and all(is_workday(d) for d in days)
    assert Booking.objects.count() >= 1
    assert "bookings" in out.getvalue()
    slots = Slot.objects.count()
    call_command("seed_appointments", "--if-empty", stdout=io.StringIO())
    assert Slot.objects.count() == slots
