"""Transfer pages: the citizen's transfers with steps and due dates (/me/transfers/),
and the staff list of transfers in and out with overdue timers and the actions."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shebao.accounts.access import AccessDenied
from shebao.kernel.divisions import division_get
from shebao.register.views._common import citizen_required, done, forbidden, message_for, staff_required
from shebao.transfers import selectors, services
from shebao.transfers.errors import TransferError


@never_cache
@citizen_required
def my_transfers(request: HttpRequest) -> HttpResponse:
    if request.user.person_id is None:
        return render(request, "register/citizen/no_record.html")
    rows = selectors.person_transfers(user=request.user, person_id=request.user.person_id)
    paying = selectors.person_paying_place(user=request.user, person_id=request.user.person_id)
    context = {
        "rows": rows,
        "paying": paying,
        "places": [(_place_name(p.code), p.months) for p in paying.places],
        "hukou_name": _place_name(paying.hukou),
        "paying_name": _place_name(paying.decision.code),
    }
    return render(request, "transfers/me.html", context)


def _place_name(code: str) -> str:
    division = division_get(code)
    return division.name if division is not None else code


@never_cache
@staff_required
@require_http_methods(["GET"])
def staff_list(request: HttpRequest) -> HttpResponse:
    direction = request.GET.get("direction", "")
    try:
        rows = selectors.staff_transfers(user=request.user, direction=direction,
                                         open_only=request.GET.get("all") != "1")  # fmt: skip
    except AccessDenied as exc:
        return forbidden(request, exc)
    return render(request, "transfers/staff_list.html", {"rows": rows, "direction": direction})


ACTIONS = {
    "accept": lambda user, pk, post: services.transfer_accept(actor=user, transfer_id=pk),
    "reject": lambda user, pk, post: services.transfer_reject(
        actor=user, transfer_id=pk, reason=post.get("reason", "")
    ),
    "process": lambda user, pk, post: services.transfer_out_process(
        actor=user, transfer_id=pk, fund_reference=post.get("fund_reference", "")
    ),
    "merge": lambda user, pk, post: services.transfer_merge(actor=user, transfer_id=pk),
}


@never_cache
@staff_required
@require_POST
def staff_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        return forbidden(request)
    try:
        selectors.transfer_detail(user=request.user, transfer_id=pk)
        transfer = ACTIONS[action](request.user, pk, request.POST)
    except AccessDenied as exc:
        return forbidden(request, exc)
    except (TransferError, ValueError) as exc:
        messages.error(request, message_for(request, exc))
    else:
        messages.success(request, f"{transfer.reference}：{transfer.status_label}")
    return done(request, reverse("transfers:staff_list"))
