"""API schemas and error mapping of the medical app (citizen and staff APIs)."""

import datetime as dt

from ninja import Schema

from shebao.medical.errors import MedicalError
from shebao.medical.rules.registration import CATEGORIES, Category
from shebao.register.schemas import ERRORS, ErrorOut, NotFound, api_errors_for, language

__all__ = [
    "ERRORS",
    "ErrorOut",
    "NotFound",
    "RegistrationIn",
    "RegistrationOut",
    "api_errors",
    "language",
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


api_errors = api_errors_for(MedicalError)
"""MedicalError → 400, AccessDenied → 403, NotFound → 404 ({field, message, message_en})."""
