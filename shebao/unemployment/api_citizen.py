"""``/api/v1/me/unemployment/``: the citizen's own 失业保险金 — claims with entitlement,
used and remaining months, amounts, payments, and the months the fund paid their medical
insurance. Claims are filed through the service hall (``/api/v1/me/hall/``)."""

# No ``from __future__ import annotations``: ninja reads the annotations through api_errors.
from ninja import Router

from shebao.accounts.access import AccessDenied
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import UserKind
from shebao.unemployment import selectors
from shebao.unemployment.schemas import ERRORS, MyUnemploymentOut, api_errors, claim_out, medical_out

router = Router(auth=api_auth, tags=["citizen: unemployment"])


@router.get("", response={200: MyUnemploymentOut, **ERRORS}, summary="我的失业保险金 / My unemployment benefit")
@api_errors
def my_unemployment(request):
    user = request.auth
    if getattr(user, "kind", None) != UserKind.CITIZEN or user.person_id is None:
        raise AccessDenied(
            zh="此接口仅供已关联参保记录的个人用户使用", en="only for citizens linked to a register record"
        )
    claims = selectors.claims_of(user=user, person_id=user.person_id)
    return {
        "claims": [claim_out(c, detail=True) for c in claims],
        "medical": [medical_out(m) for m in selectors.medical_months(person_id=user.person_id)],
    }
