"""``/api/v1/staff/medical/``: staff read a person's 异地就医备案 in their post's region,
and file one at the counter (窗口办理)."""

# No ``from __future__ import annotations``: ninja reads the annotations through api_errors.
from ninja import Router, Status

from shebao.accounts.access import require_kind
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import UserKind
from shebao.medical import selectors, services
from shebao.medical.schemas import (
    ERRORS,
    RegistrationIn,
    RegistrationOut,
    api_errors,
    language,
    registration_out,
)

router = Router(auth=api_auth, tags=["staff: medical"])


def _staff(request):
    return require_kind(request.auth, UserKind.STAFF)


@router.get("persons/{person_id}/registrations", response={200: list[RegistrationOut], **ERRORS},
            summary="人员的异地就医备案 / A person's registrations")  # fmt: skip
@api_errors
def person_registrations(request, person_id: int):
    user = _staff(request)
    english = language(request).startswith("en")
    return [registration_out(r, english) for r in selectors.registrations_of(user=user, person_id=person_id)]


@router.post("registrations", response={201: RegistrationOut, **ERRORS},
             summary="窗口办理异地就医备案 / File a registration at the counter")  # fmt: skip
@api_errors
def create_registration(request, payload: RegistrationIn):
    user = _staff(request)
    row = services.medical_registration_create(actor=user, **payload.dict())
    return Status(201, registration_out(row, language(request).startswith("en")))
