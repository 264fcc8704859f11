"""Appointment reads: what can be booked, a person's bookings, a hall's day and queue."""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.utils import timezone

from shebao.accounts.access import regions_with_perm
from shebao.accounts.rules.permissions import Perm, region_covers
from shebao.appointments.models import ACTIVE_STATUSES, Booking, BookingStatus, Hall, HallService, Slot

DAYS_AHEAD = 14


def bookable_items() -> list[tuple[str, str]]:
    """(item code, name) of every item some active hall offers, by name."""
    rows = (
        HallService.objects.filter(is_active=True, hall__is_active=True)
        .values_list("item_code", "name")
        .order_by("name", "item_code")
        .distinct()
    )
    seen: dict[str, str] = {}
    for code, name in rows:
        seen.setdefault(code, name)
    return sorted(seen.items(), key=lambda kv: kv[1])


def halls_offering(*, item_code: str) -> list[HallService]:
    return list(
        HallService.objects.select_related("hall")
        .filter(item_code=item_code, is_active=True, hall__is_active=True)
        .order_by("hall__name")
    )


def open_slots(*, service_id: int, now: dt.datetime | None = None, days: int = DAYS_AHEAD) -> list[Slot]:
    """Slots of a hall service not yet started, within ``days``, with free seats."""
    now = now or timezone.now()
    last = timezone.localdate(now) + dt.timedelta(days=days)
    return list(
        Slot.objects.filter(
            service_id=service_id, starts_at__gt=now, day__lte=last, booked__lt=F("capacity")
        ).order_by("starts_at")
    )


def slot_by_id(*, slot_id: int) -> Slot | None:
    return Slot.objects.select_related("service", "hall").filter(pk=slot_id).first()


def person_bookings(*, person_id: int, limit: int = 50) -> list[Booking]:
    return list(
        Booking.objects.select_related("slot", "slot__service", "hall")
        .filter(person_id=person_id)
        .order_by("-day", "-slot__starts_at")[:limit]
    )


def agent_bookings(*, agent_id: int, limit: int = 50) -> list[Booking]:
    return list(
        Booking.objects.select_related("slot", "slot__service", "hall")
        .filter(booked_by_id=agent_id, on_behalf=True)
        .order_by("-day", "-slot__starts_at")[:limit]
    )


def booking_by_id(*, booking_id: int) -> Booking | None:
    return Booking.objects.select_related("slot", "slot__service", "hall").filter(pk=booking_id).first()


def booking_by_reference(*, reference: str) -> Booking | None:
    return (
        Booking.objects.select_related("slot", "slot__service", "hall")
        .filter(reference=str(reference or "").strip().upper())
        .first()
    )


def halls_for_staff(*, user, perm: Perm) -> list[Hall]:
    scopes = regions_with_perm(user, perm)
    return [h for h in Hall.objects.order_by("name") if any(region_covers(s, h.region_code) for s in scopes)]


def hall_day_bookings(*, hall_id: int, day: dt.date) -> list[Booking]:
    """The day's active and cancelled bookings of a hall, by slot time."""
    return list(
        Booking.objects.select_related("slot", "slot__service")
        .filter(hall_id=hall_id, day=day)
        .order_by("slot__starts_at", "id")
    )


def hall_day_queue(*, hall_id: int, day: dt.date) -> list[Booking]:
    """Checked-in bookings in queue-number order (who is waiting)."""
    return list(
        Booking.objects.select_related("slot__service")
        .filter(hall_id=hall_id, day=day, status=BookingStatus.CHECKED_IN)
        .order_by("checked_in_at", "queue_number")
    )


def hall_slots(*, hall_id: int, day: dt.date) -> list[Slot]:
    return list(
        Slot.objects.select_related("service")
        .filter(hall_id=hall_id, day=day)
        .order_by("starts_at", "service__name")
    )


def active_statuses() -> tuple[str, ...]:
    return tuple(ACTIVE_STATUSES)
