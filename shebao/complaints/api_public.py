"""``/api/v1/public/complaints/``: anonymous submission and status by tracking code and
secret. No login; rate-limited per client address (services)."""

from ninja import Router, Status

from shebao.complaints import selectors, services
from shebao.complaints.schemas import (
    ERRORS,
    ComplaintOut,
    NotFound,
    SubmitIn,
    SubmittedOut,
    TrackIn,
    api_errors,
    complaint_out,
)
from shebao.register.schemas import language

router = Router(auth=None, tags=["public: complaints"])


@router.post("", response={201: SubmittedOut, **ERRORS}, summary="匿名投诉举报 / Submit anonymously")
@api_errors
def submit(request, payload: SubmitIn):
    result = services.complaint_submit(
        actor=None, category=payload.category, subject=payload.subject, body=payload.body,
        region_code=payload.region_code, anonymous=True, contact=payload.contact,
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


@router.post(
    "status", response={200: ComplaintOut, **ERRORS}, summary="查询进度 / Status by tracking code and secret"
)
@api_errors
def status(request, payload: TrackIn):
    complaint = selectors.complaint_for_complainant(
        tracking_code=payload.tracking_code, secret=payload.secret
    )
    if complaint is None:
        raise NotFound(zh="查询码或查询密码不正确", en="wrong tracking code or secret")
    return complaint_out(complaint, language(request))
