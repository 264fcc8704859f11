"""``/api/v1/staff/mandates/``: front desk records a paper mandate, lists and revokes."""

from ninja import Router
from ninja.responses import Status

from shebao.accounts import selectors, services
from shebao.accounts.access import require_kind
from shebao.accounts.api_auth import api_auth
from shebao.accounts.mandate_schemas import (
    ERRORS,
    MandateOut,
    RevokeIn,
    StaffMandateIn,
    agent_id_for,
    api_errors,
    mandate_out,
)
from shebao.accounts.rules.errors import AccountError
from shebao.accounts.rules.permissions import UserKind

router = Router(auth=api_auth, tags=["staff"])


def _staff(request):
    return require_kind(request.auth, UserKind.STAFF)


def _person_id(id_number: str) -> int:
    person = selectors.person_directory(id_number=id_number)
    if person is None:
        raise AccountError(
            field="id_number",
            code="not_found",
            zh="未找到该证件号码的参保人",
            en="no person with this ID number",
        )
    return person.id


@router.get("", response={200: list[MandateOut], **ERRORS}, summary="辖区内的委托 / Mandates in my regions")
@api_errors
def staff_mandates(request, id_number: str = ""):
    actor = _staff(request)
    person_id = _person_id(id_number) if id_number.strip() else None
    return [mandate_out(m) for m in selectors.mandates_in_regions(actor=actor, person_id=person_id)]


@router.post("", response={201: MandateOut, **ERRORS}, summary="登记书面委托 / Record a paper mandate")
@api_errors
def staff_mandate_record(request, data: StaffMandateIn):
    actor = _staff(request)
    mandate = services.mandate_grant(
        actor=actor,
        agent_id=agent_id_for(data.agent_username),
        person_id=_person_id(data.id_number),
        item_codes=data.item_codes,
        valid_until=data.valid_until,
        evidence=data.evidence,
    )
    return Status(201, mandate_out(mandate))


@router.post(
    "{mandate_id}/revoke", response={200: MandateOut, **ERRORS}, summary="撤销委托 / Revoke a mandate"
)
@api_errors
def staff_mandate_revoke(request, mandate_id: int, data: RevokeIn):
    return mandate_out(
        services.mandate_revoke(actor=_staff(request), mandate_id=mandate_id, reason=data.reason)
    )
