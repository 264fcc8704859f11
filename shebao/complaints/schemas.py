"""API shapes for complaints, and the error mapping of their routers."""


from ninja import Schema

from shebao.complaints.errors import ComplaintError
from shebao.complaints.rules.routing import CATEGORY_LABELS, Category
from shebao.register.schemas import ERRORS, ErrorOut, NotFound, api_errors_for

__all__ = ["ERRORS", "ErrorOut", "NotFound", "api_errors"]


class SubmitIn(Schema):
    category: str
    subject: str
    body: str
    region_code: str = ""
    contact: str = ""
    anonymous: bool = False


class SubmittedOut(Schema):
    tracking_code: str
    secret: str
    handling_post: str
    region_code: str


class TrackIn(Schema):
    tracking_code: str
    secret: str = ""


class ComplaintOut(Schema):
    id: int
    tracking_code: str
    category: str
    category_label: str
    subject: str
    status: str
    submitted_at: str
    reply: str
    replied_at: str | None
    closure_note: str
    closed_at: str | None


class StaffComplaintOut(ComplaintOut):
    body: str
    contact: str
    anonymous: bool
    complainant_name: str
    handling_post: str
    region_code: str


class ReplyIn(Schema):
    reply: str


class CloseIn(Schema):
    note: str


def _iso(value):
    return value.isoformat() if value else None


def complaint_out(c, lang: str, *, staff: bool = False) -> dict:
    out = {
        "id": c.pk, "tracking_code": c.tracking_code, "category": c.category,
        "category_label": CATEGORY_LABELS[Category(c.category)][1 if lang.startswith("en") else 0],
        "subject": c.subject, "status": c.status, "submitted_at": c.submitted_at.isoformat(), "reply": c.reply,
        "replied_at": _iso(c.replied_at), "closure_note": c.closure_note, "closed_at": _iso(c.closed_at),
    }  # fmt: skip
    if staff:
        out.update(
            body=c.body, contact=c.contact, anonymous=c.anonymous, complainant_name=c.complainant_name,
            handling_post=c.handling_post, region_code=c.region_code,
        )  # fmt: skip
    return out


api_errors = api_errors_for(ComplaintError)
"""ComplaintError → 400 naming the field, AccessDenied → 403, NotFound → 404."""
