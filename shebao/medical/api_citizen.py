"""``/api/v1/me/medical/``: the citizen's own 异地就医备案 (history included). Filing,
change and cancellation go through the service hall (``/api/v1/me/hall/``)."""

# No ``from __future__ import annotations``: ninja reads the annotations through api_errors.
from ninja import Router

from shebao.accounts.access import AccessDenied
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import UserKind
from shebao.medical import selectors
from shebao.medical.schemas import ERRORS, RegistrationOut, api_errors, language, registration_out

router = Router(auth=api_auth, tags=["citizen: medical"])


@router.get("registrations", response={200: list[RegistrationOut], **ERRORS},
            summary="我的异地就医备案 / My cross-region medical registrations")  # fmt: skip
@api_errors
def my_registrations(request):
    user = request.auth
    if getattr(user, "kind", None) != UserKind.CITIZEN or user.person_id is None:
        raise AccessDenied(
            zh="此接口仅供已关联参保记录的个人用户使用", en="only for citizens linked to a register record"
        )
    english = language(request).startswith("en")
    return [
        registration_out(r, english) for r in selectors.registrations_of(user=user, person_id=user.person_id)
    ]
