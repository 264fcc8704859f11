"""``/api/v1/me/transfers/``: the citizen's own pension transfers with steps and due dates."""

# No ``from __future__ import annotations``: ninja reads the annotations.
from ninja import Router

from shebao.accounts.access import AccessDenied
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import UserKind
from shebao.transfers import selectors
from shebao.transfers.schemas import ERRORS, TransferOut, api_errors, transfer_out

router = Router(auth=api_auth, tags=["citizen: transfers"])


@router.get("", response={200: list[TransferOut], **ERRORS}, summary="我的养老保险关系转移 / My pension transfers")
@api_errors
def my_transfers(request):
    user = request.auth
    if getattr(user, "kind", None) != UserKind.CITIZEN or user.person_id is None:
        raise AccessDenied(zh="此接口仅供已关联参保记录的个人用户使用", en="only for citizens linked to a register record")
    return [transfer_out(v) for v in selectors.person_transfers(user=user, person_id=user.person_id)]
