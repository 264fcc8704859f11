"""API shapes for appointments, and the error mapping of their routers."""


from django.utils import timezone
from ninja import Schema

from shebao.appointments.errors import AppointmentError
from shebao.register.schemas import ERRORS, ErrorOut, NotFound, api_errors_for

__all__ = ["ERRORS", "ErrorOut", "NotFound", "api_errors"]


class HallServiceOut(Schema):
    service_id: int
    item_code: str
    item_name: str
    hall_id: int
    hall_code: str
    hall_name: str
    region_code: str
    address: str
    opening_hours: str
    counters: str


class SlotOut(Schema):
    slot_id: int
    day: str
    starts_at: str
    ends_at: str
    capacity: int
    booked: int
    free: int


class BookIn(Schema):
    slot_id: int
    person_id: int | None = None


class BookingOut(Schema):
    booking_id: int
    reference: str
    status: str
    hall_name: str
    item_code: str
    item_name: str
    person_name: str
    day: str
    starts_at: str
    ends_at: str
    on_behalf: bool
    queue_number: str


class GenerateIn(Schema):
    first_day: str
    last_day: str


class CapacityIn(Schema):
    capacity: int


def service_out(s) -> dict:
    h = s.hall
    return {
        "service_id": s.pk, "item_code": s.item_code, "item_name": s.name, "hall_id": h.pk, "hall_code": h.code,
        "hall_name": h.name, "region_code": h.region_code, "address": h.address,
        "opening_hours": h.opening_hours, "counters": s.counters,
    }  # fmt: skip


def slot_out(s) -> dict:
    return {
        "slot_id": s.pk, "day": s.day.isoformat(), "starts_at": timezone.localtime(s.starts_at).isoformat(),
        "ends_at": timezone.localtime(s.ends_at).isoformat(), "capacity": s.capacity, "booked": s.booked,
        "free": s.capacity - s.booked,
    }  # fmt: skip


def booking_out(b) -> dict:
    return {
        "booking_id": b.pk, "reference": b.reference, "status": b.status, "hall_name": b.hall.name,
        "item_code": b.item_code, "item_name": b.slot.service.name, "person_name": b.person_name,
        "day": b.day.isoformat(), "starts_at": timezone.localtime(b.slot.starts_at).isoformat(),
        "ends_at": timezone.localtime(b.slot.ends_at).isoformat(), "on_behalf": b.on_behalf,
        "queue_number": b.queue_number,
    }  # fmt: skip


api_errors = api_errors_for(AppointmentError)
"""AppointmentError → 400 naming the field, AccessDenied → 403, NotFound → 404."""
