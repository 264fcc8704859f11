"""``/api/v1/staff/complaints/``: the handlers' queue (by post and region), reply, close."""

from ninja import Router

from shebao.accounts.access import require_kind
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import UserKind
from shebao.complaints import selectors, services
from shebao.complaints.schemas import ERRORS, CloseIn, ReplyIn, StaffComplaintOut, api_errors, complaint_out
from shebao.register.schemas import language

router = Router(auth=api_auth, tags=["staff: complaints"])


def _staff(request):
    return require_kind(request.auth, UserKind.STAFF)


@router.get("", response={200: list[StaffComplaintOut], **ERRORS}, summary="待办投诉举报 / Queue")
@api_errors
def queue(request, status: str = ""):
    rows = selectors.handler_queue(user=_staff(request), status=status or None)
    return [complaint_out(c, language(request), staff=True) for c in rows]


@router.post("{complaint_id}/reply", response={200: StaffComplaintOut, **ERRORS}, summary="答复 / Reply")
@api_errors
def reply(request, complaint_id: int, payload: ReplyIn):
    c = services.complaint_reply(actor=_staff(request), complaint_id=complaint_id, reply=payload.reply)
    return complaint_out(c, language(request), staff=True)


@router.post("{complaint_id}/close", response={200: StaffComplaintOut, **ERRORS}, summary="办结 / Close")
@api_errors
def close(request, complaint_id: int, payload: CloseIn):
    c = services.complaint_close(actor=_staff(request), complaint_id=complaint_id, note=payload.note)
    return complaint_out(c, language(request), staff=True)
