"""API schemas and error mapping of the medical app (citizen and staff APIs)."""

import datetime as dt
import functools

from ninja import Schema, Status

from shebao.accounts.access import AccessDenied
from shebao.medical.errors import MedicalError
from shebao.medical.rules.registration import CATEGORIES, Category
from shebao.register.schemas import ERRORS, ErrorOut, NotFound, language

__all__ = [
    "ERRORS",
    "ErrorOut",
    "NotFound",
    "RegistrationIn",
    "RegistrationOut",
    "api_errors",
    "registration_out",
]


class RegistrationOut(Schema):
    reference: str
    category: str
    category_name: str
    destination_code: str
    valid_from: dt.date
    valid_until: dt.date | None
    status: str
    locked_until: dt.date | None
    case_reference: str
    replaces: str | None


class RegistrationIn(Schema):
    person_id: int
    category: str
    destination_code: str
    valid_from: str
    months: int | None = None


def registration_out(row, english: bool = False) -> dict:
    info = CATEGORIES[Category(row.category)]
    return {
        "reference": row.reference,
        "category": row.category,
        "category_name": info.name_en if english else info.name_zh,
        "destination_code": row.destination_code,
        "valid_from": row.valid_from,
        "valid_until": row.valid_until,
        "status": row.status,
        "locked_until": row.locked_until,
        "case_reference": row.case_reference,
        "replaces": row.replaces.reference if row.replaces_id else None,
    }


def _error(request, exc) -> dict:
    zh = getattr(exc, "message_zh", str(exc))
    en = getattr(exc, "message_en", str(exc))
    return {"field": getattr(exc, "field", ""), "message": en if language(request).startswith("en") else zh,
            "message_en": en}  # fmt: skip


def api_errors(view):
    """MedicalError → 400, AccessDenied → 403, NotFound → 404."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except MedicalError as exc:
            return Status(400, _error(request, exc))
        except AccessDenied as exc:
            return Status(403, _error(request, exc))
        except NotFound as exc:
            return Status(404, _error(request, exc))

    return wrapper
