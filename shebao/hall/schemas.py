"""API schemas and the error mapping shared by the hall's routers."""

import datetime as dt
import functools
from typing import Any

from ninja import Schema, Status

from shebao.accounts.access import AccessDenied
from shebao.hall import selectors
from shebao.hall.errors import CaseError
from shebao.register.schemas import ErrorOut, language

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _english(request) -> bool:
    return language(request).startswith("en")


def api_errors(view):
    """CaseError → 400 {field, message, message_en}; AccessDenied → 403 (also for unknown ids)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except CaseError as exc:
            return Status(400, exc.as_dict(language(request)))
        except AccessDenied as exc:
            msg = exc.message_en if _english(request) else exc.message_zh
            return Status(403, {"field": "", "message": msg, "message_en": exc.message_en})

    return wrapper


class MaterialOut(Schema):
    code: str
    name: str
    file_format: str
    example: str
    system_held: bool
    required: bool


class FieldOut(Schema):
    name: str
    label: str
    kind: str
    required: bool
    readonly: bool
    choices: list[list[str]]
    help: str


class ItemOut(Schema):
    code: str
    name: str
    name_en: str
    audience: str
    category: str
    life_event: str
    online_level: str
    channels: list[str]
    time_limit_days: int
    fee: str
    sensitive: bool
    instant: bool
    start_url: str | None


class ItemDetailOut(ItemOut):
    conditions: str
    steps: list[str]
    legal_basis: str
    notes: str
    materials: list[MaterialOut]
    fields: list[FieldOut]


class EventOut(Schema):
    at: dt.datetime
    action: str
    from_status: str
    to_status: str
    actor: str
    post: str
    comment: str


class UploadOut(Schema):
    id: int
    material_code: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


class CaseOut(Schema):
    id: int
    reference: str
    item: str
    item_name: str
    status: str
    status_label: str
    office: str
    submitted_at: dt.datetime | None
    due_date: dt.date | None
    sla: str
    working_days_left: int | None
    returned_fields: dict[str, str]
    needs_recheck: bool
    completed_at: dt.datetime | None
    filed_by_agent: bool
    has_receipt: bool


class CaseDetailOut(CaseOut):
    data: dict[str, Any]
    prefill: dict[str, Any]
    uploads: list[UploadOut]
    timeline: list[EventOut]


class StartIn(Schema):
    item: str
    idempotency_key: str
    person_id: int | None = None
    data: dict[str, Any] = {}


class DraftIn(Schema):
    data: dict[str, Any]


class SubmitIn(Schema):
    data: dict[str, Any] | None = None
    confirm: bool = False


class CommentIn(Schema):
    comment: str = ""


class ReturnIn(Schema):
    comment: str = ""
    fields: dict[str, str] = {}


class RecheckIn(Schema):
    approve: bool
    comment: str = ""


class AssignIn(Schema):
    assignee_id: int | None = None


class CatalogueChangeIn(Schema):
    item: dict[str, Any] = {}
    guide: dict[str, Any] = {}


def item_out(item, *, english: bool = False) -> dict:
    return {
        "code": item.code,
        "name": item.name_en if english and item.name_en else item.name_zh,
        "name_en": item.name_en,
        "audience": item.audience,
        "category": item.category,
        "life_event": item.life_event,
        "online_level": item.online_level,
        "channels": list(item.channels),
        "time_limit_days": item.time_limit_days,
        "fee": item.fee,
        "sensitive": item.sensitive,
        "instant": item.instant,
        "start_url": selectors.item_start_url(item),
    }


def item_detail_out(item, definition, *, english: bool = False) -> dict:
    guide = getattr(item, "guide", None)
    return {
        **item_out(item, english=english),
        "conditions": guide.conditions if guide else "",
        "steps": list(guide.steps) if guide else [],
        "legal_basis": guide.legal_basis if guide else "",
        "notes": guide.notes if guide else "",
        "materials": [
            {
                "code": m.code,
                "name": m.name,
                "file_format": m.file_format,
                "example": m.example,
                "system_held": m.system_held,
                "required": m.required,
            }
            for m in item.materials.all()
        ],
        "fields": [
            {
                "name": f.name,
                "label": f.label(english),
                "kind": f.kind,
                "required": f.required,
                "readonly": f.readonly,
                "choices": [[c[0], c[2] if english else c[1]] for c in f.choices],
                "help": f.help_en if english else f.help_zh,
            }
            for f in (definition.fields if definition else ())
        ],
    }


def case_out(case, *, english: bool = False) -> dict:
    return selectors.case_status_dict(case, english=english)


def case_detail_out(case, *, english: bool = False) -> dict:
    return {
        **case_out(case, english=english),
        "data": case.data,
        "prefill": case.prefill,
        "uploads": [
            {
                "id": u.id,
                "material_code": u.material_code,
                "filename": u.filename,
                "content_type": u.content_type,
                "size": u.size,
                "sha256": u.sha256,
                "uploaded_at": u.uploaded_at,
            }
            for u in selectors.case_uploads(case=case)
        ],
        "timeline": [
            {
                "at": e.at,
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor_label,
                "post": e.post,
                "comment": e.comment,
            }
            for e in selectors.case_events(case=case)
        ],
    }
