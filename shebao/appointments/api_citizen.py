"""``/api/v1/me/appointments/``: halls and free slots for an item; book, list and cancel
(citizens for themselves, community agents for a person with ``person_id``)."""

from ninja import Router, Status

from shebao.accounts.access import AccessDenied
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import UserKind
from shebao.appointments import selectors, services
from shebao.appointments.schemas import (
    ERRORS,
    BookIn,
    BookingOut,
    HallServiceOut,
    SlotOut,
    api_errors,
    booking_out,
    service_out,
    slot_out,
)

router = Router(auth=api_auth, tags=["citizen: appointments"])


def _booker(request):
    user = request.auth
    if getattr(user, "kind", None) not in (UserKind.CITIZEN, UserKind.AGENT):
        raise AccessDenied(
            zh="此接口仅供个人用户和社区代办员使用", en="only for citizens and community agents"
        )
    return user


@router.get(
    "halls",
    response={200: list[HallServiceOut], **ERRORS},
    summary="提供某事项的大厅 / Halls offering an item",
)
@api_errors
def halls(request, item: str):
    _booker(request)
    return [service_out(s) for s in selectors.halls_offering(item_code=item)]


@router.get(
    "slots", response={200: list[SlotOut], **ERRORS}, summary="可预约时段 / Free slots of a hall service"
)
@api_errors
def slots(request, service_id: int):
    _booker(request)
    return [slot_out(s) for s in selectors.open_slots(service_id=service_id)]


@router.post("bookings", response={201: BookingOut, **ERRORS}, summary="预约 / Book a slot")
@api_errors
def book(request, payload: BookIn):
    booking = services.appointment_book(
        actor=_booker(request), slot_id=payload.slot_id, person_id=payload.person_id
    )
    return Status(201, booking_out(selectors.booking_by_id(booking_id=booking.pk)))


@router.get("bookings", response={200: list[BookingOut], **ERRORS}, summary="我的预约 / My bookings")
@api_errors
def my_bookings(request):
    user = _booker(request)
    if user.kind == UserKind.AGENT:
        rows = selectors.agent_bookings(agent_id=user.pk)
    else:
        rows = selectors.person_bookings(person_id=user.person_id) if user.person_id else []
    return [booking_out(b) for b in rows]


@router.post(
    "bookings/{booking_id}/cancel", response={200: BookingOut, **ERRORS}, summary="取消预约 / Cancel"
)
@api_errors
def cancel(request, booking_id: int):
    booking = services.appointment_cancel(actor=_booker(request), booking_id=booking_id)
    return booking_out(selectors.booking_by_id(booking_id=booking.pk))
