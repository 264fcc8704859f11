"""``/api/v1/me/mandates/``: who may act for me (委托代办), grant online, revoke."""

from ninja import Router
from ninja.responses import Status

from shebao.accounts import selectors, services
from shebao.accounts.access import AccessDenied
from shebao.accounts.api_auth import api_auth
from shebao.accounts.mandate_schemas import (
    ERRORS,
    MandateIn,
    MandateOut,
    RevokeIn,
    agent_id_for,
    api_errors,
    mandate_out,
)
from shebao.accounts.rules.permissions import UserKind

router = Router(auth=api_auth, tags=["citizen"])


def _person_id(request) -> int:
    user = request.auth
    if getattr(user, "kind", None) != UserKind.CITIZEN or user.person_id is None:
        raise AccessDenied(
            zh="此接口仅供已关联参保记录的个人用户使用", en="only for citizens linked to a register record"
        )
    return user.person_id


@router.get("", response={200: list[MandateOut], **ERRORS}, summary="我的委托代办 / Who may act for me")
@api_errors
def my_mandates(request):
    return [mandate_out(m) for m in selectors.mandates_for_person(_person_id(request))]


@router.post("", response={201: MandateOut, **ERRORS}, summary="网上委托授权 / Grant a mandate online")
@api_errors
def my_mandate_grant(request, data: MandateIn):
    person_id = _person_id(request)
    mandate = services.mandate_grant(
        actor=request.auth,
        agent_id=agent_id_for(data.agent_username),
        person_id=person_id,
        item_codes=data.item_codes,
        valid_until=data.valid_until,
        evidence="",
    )
    return Status(201, mandate_out(mandate))


@router.post(
    "{mandate_id}/revoke", response={200: MandateOut, **ERRORS}, summary="撤销委托 / Revoke a mandate"
)
@api_errors
def my_mandate_revoke(request, mandate_id: int, data: RevokeIn):
    _person_id(request)
    return mandate_out(services.mandate_revoke(actor=request.auth, mandate_id=mandate_id, reason=data.reason))
