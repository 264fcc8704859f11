"""``/api/v1/staff/appointments/``: a hall's day (bookings, queue), check-in, slot admin."""

import datetime as dt

from ninja import Router

from shebao.accounts.access import AccessDenied, require_perm
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.appointments import selectors, services
from shebao.appointments.errors import AppointmentError
from shebao.appointments.schemas import (
    ERRORS,
    BookingOut,
    CapacityIn,
    GenerateIn,
    NotFound,
    SlotOut,
    api_errors,
    booking_out,
    slot_out,
)

router = Router(auth=api_auth, tags=["staff: appointments"])


def _hall(request, hall_id: int, perm: Perm):
    if getattr(request.auth, "kind", None) != UserKind.STAFF:
        raise AccessDenied(zh="仅限经办人员", en="staff only")
    hall = next((h for h in selectors.halls_for_staff(user=request.auth, perm=perm) if h.pk == hall_id), None)
    if hall is None:
        raise NotFound(zh="办事大厅不存在或不在您的辖区", en="no such hall in your region")
    require_perm(request.auth, perm, hall.region_code)
    return hall


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise AppointmentError(
            field="day", zh="日期格式应为 YYYY-MM-DD", en="day must be YYYY-MM-DD"
        ) from None


@router.get(
    "halls/{hall_id}/bookings",
    response={200: list[BookingOut], **ERRORS},
    summary="当天预约 / A day's bookings",
)
@api_errors
def day_bookings(request, hall_id: int, day: str):
    hall = _hall(request, hall_id, Perm.APPOINTMENT_DESK)
    return [booking_out(b) for b in selectors.hall_day_bookings(hall_id=hall.pk, day=_day(day))]


@router.get(
    "halls/{hall_id}/queue", response={200: list[BookingOut], **ERRORS}, summary="排队 / The day's queue"
)
@api_errors
def day_queue(request, hall_id: int, day: str):
    hall = _hall(request, hall_id, Perm.APPOINTMENT_DESK)
    return [booking_out(b) for b in selectors.hall_day_queue(hall_id=hall.pk, day=_day(day))]


@router.post(
    "bookings/{booking_id}/check-in", response={200: BookingOut, **ERRORS}, summary="到场取号 / Check in"
)
@api_errors
def check_in(request, booking_id: int):
    booking = services.appointment_check_in(actor=request.auth, booking_id=booking_id)
    return booking_out(selectors.booking_by_id(booking_id=booking.pk))


@router.post(
    "halls/{hall_id}/slots/generate", response={200: dict, **ERRORS}, summary="生成时段 / Generate slots"
)
@api_errors
def generate(request, hall_id: int, payload: GenerateIn):
    hall = _hall(request, hall_id, Perm.APPOINTMENT_ADMIN)
    added = services.slot_generate(
        actor=request.auth, hall_id=hall.pk, first_day=payload.first_day, last_day=payload.last_day
    )
    return {"added": added}


@router.post(
    "slots/{slot_id}/capacity", response={200: SlotOut, **ERRORS}, summary="修改可约人数 / Set capacity"
)
@api_errors
def capacity(request, slot_id: int, payload: CapacityIn):
    return slot_out(
        services.slot_capacity_set(actor=request.auth, slot_id=slot_id, capacity=payload.capacity)
    )
