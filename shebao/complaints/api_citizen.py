"""``/api/v1/me/complaints/``: a logged-in citizen files named (or anonymous) complaints and
sees their own."""

from ninja import Router, Status

from shebao.accounts.access import require_kind
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import UserKind
from shebao.complaints import selectors, services
from shebao.complaints.schemas import ERRORS, ComplaintOut, SubmitIn, SubmittedOut, api_errors, complaint_out
from shebao.register.schemas import language

router = Router(auth=api_auth, tags=["citizen: complaints"])


def _citizen(request):
    return require_kind(request.auth, UserKind.CITIZEN)


@router.post("", response={201: SubmittedOut, **ERRORS}, summary="投诉举报 / Submit")
@api_errors
def submit(request, payload: SubmitIn):
    result = services.complaint_submit(
        actor=_citizen(request), category=payload.category, subject=payload.subject, body=payload.body,
        region_code=payload.region_code, anonymous=payload.anonymous, contact=payload.contact,
        client_address=request.META.get("REMOTE_ADDR", ""),
    )  # fmt: skip
    c = result.complaint
    return Status(
        201,
        {
            "tracking_code": c.tracking_code,
            "secret": result.secret,
            "handling_post": c.handling_post,
            "region_code": c.region_code,
        },
    )


@router.get("", response={200: list[ComplaintOut], **ERRORS}, summary="我的投诉举报 / Mine")
@api_errors
def mine(request):
    user = _citizen(request)
    return [complaint_out(c, language(request)) for c in selectors.complaints_of_user(user_id=user.pk)]
