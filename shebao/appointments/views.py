"""网上预约 pages: thin views over ``appointments.services`` and ``selectors``."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shebao.accounts.access import AccessDenied, user_has_perm
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.appointments import selectors, services
from shebao.appointments.errors import AppointmentError
from shebao.register import sources
from shebao.register.views._common import done, forbidden, message_for, staff_required

WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


def booker_required(view):
    """Citizens (for themselves) and community agents (for a person)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(user, "kind", None) not in (UserKind.CITIZEN, UserKind.AGENT) or not user.is_active:
            return forbidden(request)
        try:
            return view(request, *args, **kwargs)
        except AccessDenied as exc:
            return forbidden(request, exc)

    return wrapper


class AgentPersonForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("被代办人身份证号码"), max_length=18)


class GenerateForm(forms.Form):
    first_day = forms.DateField(
        label=gettext_lazy("开始日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(label=gettext_lazy("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))


def _day_label(day: dt.date) -> str:
    return f"{day.month}月{day.day}日 星期{WEEKDAYS[day.weekday()]}"


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M")


def _group_slots(slots) -> list[dict]:
    days: dict[dt.date, list] = {}
    for slot in slots:
        days.setdefault(slot.day, []).append(
            {
                "id": slot.pk,
                "time": f"{_local(slot.starts_at)}–{_local(slot.ends_at)}",
                "free": slot.capacity - slot.booked,
            }
        )
    return [{"day": d, "label": _day_label(d), "slots": s} for d, s in sorted(days.items())]


@never_cache
@booker_required
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    """预约: pick an item, then a hall's free slot (next two weeks)."""
    user = request.user
    is_agent = user.kind == UserKind.AGENT
    item = (request.GET.get("item") or request.POST.get("item") or "").strip()[:40]
    error, status = "", 200
    agent_form = AgentPersonForm(request.POST or None) if is_agent else None
    if request.method == "POST":
        person_id = None
        if is_agent and agent_form.is_valid():
            person_id = sources.person_id_by_id_number(agent_form.cleaned_data["id_number"])
            if person_id is None:
                agent_form.add_error("id_number", _("未找到该身份证号码的参保人员"))
        if not is_agent or person_id is not None:
            try:
                booking = services.appointment_book(
                    actor=user, slot_id=request.POST.get("slot_id", ""), person_id=person_id
                )
            except AppointmentError as exc:
                error, status = message_for(request, exc), 400
            else:
                messages.success(
                    request,
                    _("预约成功：%(hall)s %(when)s，预约号 %(ref)s。请按时到大厅取号。")
                    % {
                        "hall": booking.hall.name,
                        "when": f"{_day_label(booking.day)} {_local(booking.slot.starts_at)}",
                        "ref": booking.reference,
                    },
                )
                return done(request, reverse("appointments:mine"))
        else:
            status = 400
    items = selectors.bookable_items()
    halls = []
    item_name = ""
    if item:
        for service in selectors.halls_offering(item_code=item):
            item_name = service.name
            halls.append(
                {
                    "service": service,
                    "hall": service.hall,
                    "days": _group_slots(selectors.open_slots(service_id=service.pk)),
                }
            )
    context = {
        "items": items,
        "item": item,
        "item_name": item_name,
        "halls": halls,
        "error": error,
        "agent_form": agent_form,
        "unknown_item": bool(item) and not halls,
    }
    return render(request, "appointments/book.html", context, status=status)


def _booking_rows(bookings) -> list[dict]:
    now = timezone.now()
    return [
        {
            "b": b,
            "when": f"{_day_label(b.day)} {_local(b.slot.starts_at)}–{_local(b.slot.ends_at)}",
            "service": b.slot.service.name,
            "cancellable": b.status == "booked" and b.slot.starts_at > now,
        }
        for b in bookings
    ]


@never_cache
@booker_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.kind == UserKind.AGENT:
        bookings = selectors.agent_bookings(agent_id=user.pk)
    elif user.person_id is None:
        return render(request, "register/citizen/no_record.html")
    else:
        bookings = selectors.person_bookings(person_id=user.person_id)
    return render(request, "appointments/mine.html", {"rows": _booking_rows(bookings)})


@never_cache
@booker_required
@require_POST
def cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    try:
        booking = services.appointment_cancel(actor=request.user, booking_id=booking_id)
    except AppointmentError as exc:
        messages.error(request, message_for(request, exc))
    else:
        messages.success(request, _("已取消预约 %(ref)s") % {"ref": booking.reference})
    return done(request, reverse("appointments:mine"))


def _staff_hall(request: HttpRequest, perm: Perm):
    halls = selectors.halls_for_staff(user=request.user, perm=perm)
    if not halls:
        raise AccessDenied(zh="您的岗位没有可管理的办事大厅", en="your posts cover no hall")
    wanted = request.GET.get("hall") or request.POST.get("hall")
    hall = next((h for h in halls if str(h.pk) == str(wanted)), halls[0])
    try:
        day = (
            dt.date.fromisoformat(request.GET.get("day", ""))
            if request.GET.get("day")
            else timezone.localdate()
        )
    except ValueError:
        day = timezone.localdate()
    return halls, hall, day


@never_cache
@staff_required
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    """窗口: the day's bookings of a hall with check-in buttons, and the queue."""
    if not user_has_perm(request.user, Perm.APPOINTMENT_DESK):
        return forbidden(request)
    halls, hall, day = _staff_hall(request, Perm.APPOINTMENT_DESK)
    rows = _booking_rows(selectors.hall_day_bookings(hall_id=hall.pk, day=day))
    context = {
        "halls": halls,
        "hall": hall,
        "day": day,
        "day_label": _day_label(day),
        "rows": rows,
        "queue": selectors.hall_day_queue(hall_id=hall.pk, day=day),
        "is_today": day == timezone.localdate(),
    }
    return render(request, "appointments/desk.html", context)


@never_cache
@staff_required
@require_POST
def check_in(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = selectors.booking_by_id(booking_id=booking_id)
    if booking is None:
        raise Http404
    try:
        booking = services.appointment_check_in(actor=request.user, booking_id=booking_id)
    except AppointmentError as exc:
        messages.error(request, message_for(request, exc))
    else:
        messages.success(
            request, _("%(name)s 已取号：%(n)s") % {"name": booking.person_name, "n": booking.queue_number}
        )
    return done(
        request, reverse("appointments:desk") + f"?hall={booking.hall_id}&day={booking.day.isoformat()}"
    )


@never_cache
@staff_required
@require_POST
def check_in_reference(request: HttpRequest) -> HttpResponse:
    """到场取号 by the booking reference the citizen shows (printed or on the phone)."""
    booking = selectors.booking_by_reference(reference=request.POST.get("reference", ""))
    if booking is None:
        messages.error(request, _("没有找到该预约号"))
        return done(request, reverse("appointments:desk"))
    return check_in(request, booking.pk)


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def slots_admin(request: HttpRequest) -> HttpResponse:
    """时段管理: generate slots for working days; change one slot's capacity."""
    if not user_has_perm(request.user, Perm.APPOINTMENT_ADMIN):
        return forbidden(request)
    halls, hall, day = _staff_hall(request, Perm.APPOINTMENT_ADMIN)
    form = GenerateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                added = services.slot_generate(
                    actor=request.user,
                    hall_id=hall.pk,
                    first_day=form.cleaned_data["first_day"],
                    last_day=form.cleaned_data["last_day"],
                )
            except AppointmentError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, message_for(request, exc))
                status = 400
            else:
                messages.success(request, _("已生成 %(n)d 个时段") % {"n": added})
                return done(request, reverse("appointments:slots_admin") + f"?hall={hall.pk}")
        else:
            status = 400
    slots = [
        {"s": s, "time": f"{_local(s.starts_at)}–{_local(s.ends_at)}"}
        for s in selectors.hall_slots(hall_id=hall.pk, day=day)
    ]
    context = {
        "halls": halls,
        "hall": hall,
        "day": day,
        "day_label": _day_label(day),
        "form": form,
        "slots": slots,
    }
    return render(request, "appointments/slots_admin.html", context, status=status)


@never_cache
@staff_required
@require_POST
def slot_capacity(request: HttpRequest, slot_id: int) -> HttpResponse:
    slot = selectors.slot_by_id(slot_id=slot_id)
    if slot is None:
        raise Http404
    try:
        services.slot_capacity_set(
            actor=request.user, slot_id=slot_id, capacity=request.POST.get("capacity", "")
        )
    except AppointmentError as exc:
        messages.error(request, message_for(request, exc))
    else:
        messages.success(request, _("可约人数已更新"))
    return done(
        request, reverse("appointments:slots_admin") + f"?hall={slot.hall_id}&day={slot.day.isoformat()}"
    )


class KioskCheckInForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("预约号"), max_length=12)
    id_last4 = forms.CharField(
        label=gettext_lazy("身份证号后四位"), min_length=4, max_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def kiosk_check_in(request: HttpRequest) -> HttpResponse:
    """自助取号 on a hall's self-service kiosk (touch screen, no login): the booking
    reference and the ID number's last four characters give the queue number."""
    form = KioskCheckInForm(request.POST or None)
    booking = None
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.appointment_kiosk_check_in(
                reference=form.cleaned_data["reference"], id_last4=form.cleaned_data["id_last4"]
            )
        except AppointmentError as exc:
            form.add_error("reference", message_for(request, exc))
    return render(request, "appointments/kiosk.html", {"form": form, "booking": booking})
