"""``/api/v1/agent/mandates/``: a community agent's mandates and the persons they may act for."""

from ninja import Router

from shebao.accounts import selectors
from shebao.accounts.access import require_kind
from shebao.accounts.api_auth import api_auth
from shebao.accounts.mandate_schemas import ERRORS, MandateOut, api_errors, mandate_out
from shebao.accounts.rules.permissions import UserKind

router = Router(auth=api_auth, tags=["agent"])


def _agent(request):
    return require_kind(request.auth, UserKind.AGENT)


@router.get("", response={200: list[MandateOut], **ERRORS}, summary="我持有的委托 / My mandates")
@api_errors
def agent_mandates(request):
    return [mandate_out(m) for m in selectors.mandates_for_agent(_agent(request).pk)]


@router.get(
    "check",
    response={200: MandateOut, **ERRORS},
    summary="能否代办此事项 / May I file this item for the person",
)
@api_errors
def agent_mandate_check(request, person_id: int, item_code: str):
    return mandate_out(
        selectors.mandate_require(agent=_agent(request), person_id=person_id, item_code=item_code)
    )
