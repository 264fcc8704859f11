"""异地就医备案 pages: the citizen's own registrations (/me/medical/) with links to the hall
items, and the staff view of a person's registrations in the post's region. Thin."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shebao.accounts.access import AccessDenied
from shebao.medical import selectors
from shebao.medical.schemas import registration_out
from shebao.register.views._common import citizen_required, staff_required

ITEMS = ("medical_registration", "medical_registration_change", "medical_registration_cancel")


def _english() -> bool:
    return (get_language() or "").startswith("en")


@never_cache
@citizen_required
@require_GET
def my_registrations(request: HttpRequest) -> HttpResponse:
    rows = selectors.registrations_of(user=request.user, person_id=request.user.person_id)
    return render(
        request, "medical/me.html", {"rows": [registration_out(r, _english()) for r in rows], "items": ITEMS}
    )


@never_cache
@staff_required
@require_GET
def staff_person(request: HttpRequest) -> HttpResponse:
    raw = (request.GET.get("person_id") or "").strip()
    rows, error, status = None, "", 200
    if raw:
        try:
            rows = [
                registration_out(r, _english())
                for r in selectors.registrations_of(user=request.user, person_id=int(raw))
            ]
        except (AccessDenied, ValueError) as exc:
            error = getattr(exc, "message_en" if _english() else "message_zh", "") or str(exc)
            status = 403 if isinstance(exc, AccessDenied) else 400
    return render(
        request, "medical/staff.html", {"rows": rows, "person_id": raw, "error": error}, status=status
    )
