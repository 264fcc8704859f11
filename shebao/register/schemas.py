"""API shapes of the register (django-ninja) and the error mapping shared by the
three audience routers. Personal identifiers only ever leave masked, except the
audited reveal."""

from __future__ import annotations

import datetime as dt
import functools
import json
from decimal import Decimal

from ninja import Schema, Status

from shebao.accounts.access import AccessDenied
from shebao.register.errors import RegisterError

# --- errors -----------------------------------------------------------------------------


class ErrorOut(Schema):
    field: str = ""
    message: str
    message_en: str
    row: int | None = None


ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class NotFound(Exception):
    def __init__(self, zh: str = "未找到", en: str = "not found") -> None:
        super().__init__(en)
        self.message_zh = zh
        self.message_en = en


def language(request) -> str:
    return getattr(request, "LANGUAGE_CODE", "") or "zh-hans"


def _error(request, *, field: str, zh: str, en: str) -> dict:
    return {"field": field, "message": en if language(request).startswith("en") else zh, "message_en": en}


def api_errors_for(*refusals: type[Exception]):
    """A decorator mapping the given bilingual input errors → 400 (naming the field, and
    the row when there is one), AccessDenied → 403 and NotFound → 404, each as
    ``{field, message, message_en}`` in the request's language. Each app's API module
    makes its own with its error type."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except refusals as exc:
                return Status(400, exc.as_dict(language(request)))
            except AccessDenied as exc:
                return Status(403, _error(request, field="", zh=exc.message_zh, en=exc.message_en))
            except NotFound as exc:
                return Status(404, _error(request, field="", zh=exc.message_zh, en=exc.message_en))

        return wrapper

    return decorate


api_errors = api_errors_for(RegisterError)
"""Map RegisterError → 400, AccessDenied → 403, NotFound → 404 ({field, message, message_en})."""


# --- output -----------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    id_type: str
    id_masked: str
    name: str
    sex: str
    birth_date: dt.date
    hukou_region: str
    hukou_type: str
    region_code: str
    phone_masked: str
    address: str
    bank_name: str
    bank_account_masked: str
    card_number: str
    card_status: str
    life_status: str
    death_date: dt.date | None
    registered_on: dt.date


class PersonRegisteredOut(Schema):
    person: PersonOut
    warnings: list[str]


class EmployerOut(Schema):
    id: int
    uscc: str
    name: str
    employer_type: str
    region_code: str
    industry: str
    risk_class: int
    address: str
    contact_name: str
    contact_phone_masked: str
    bank_name: str
    bank_account_masked: str
    status: str
    registered_on: dt.date
    cancelled_on: dt.date | None


class EmploymentOut(Schema):
    id: int
    person_id: int
    employer_id: int | None
    kind: str
    start_date: dt.date
    end_date: dt.date | None
    monthly_wage: Decimal | None
    end_reason: str


def employment_out(row) -> dict:
    return {
        "id": row.pk,
        "person_id": row.person_id,
        "employer_id": row.employer_id,
        "kind": row.kind,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "monthly_wage": (Decimal(row.monthly_wage_fen) / 100).quantize(Decimal("0.01"))
        if row.monthly_wage_fen is not None
        else None,
        "end_reason": row.end_reason,
    }


class RosterOut(Schema):
    employment: EmploymentOut
    person_id: int
    name: str
    id_masked: str
    sex: str
    birth_date: dt.date


class EnrolmentOut(Schema):
    id: int
    insurance: str
    status: str
    employer_id: int | None
    employer_name: str
    start_period: int
    end_period: int | None
    reason: str


def enrolment_out(row) -> dict:
    return {
        "id": row.pk,
        "insurance": row.insurance,
        "status": row.status,
        "employer_id": row.employer_id,
        "employer_name": row.employer.name if row.employer_id else "",
        "start_period": row.start_period,
        "end_period": row.end_period,
        "reason": row.reason,
    }


class HistoryOut(Schema):
    seq: int
    at: dt.datetime
    actor_label: str
    post: str
    action: str
    object_type: str
    object_id: str
    before: dict | None
    after: dict | None


def history_out(entry) -> dict:
    return {
        "seq": entry.seq,
        "at": entry.at,
        "actor_label": entry.actor_label,
        "post": entry.post,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": json.loads(entry.before) if entry.before else None,
        "after": json.loads(entry.after) if entry.after else None,
    }


class AccessLogOut(Schema):
    kind: str
    at: dt.datetime
    actor_label: str
    post: str
    fields: str
    purpose: str
    channel: str


class RevealOut(Schema):
    field: str
    value: str


class BatchOut(Schema):
    ok: bool
    processed: int
    errors: list[ErrorOut]
    warnings: list[str]


# --- input ------------------------------------------------------------------------------
# Dates and amounts arrive as text (or JSON numbers) and are parsed by the services,
# so that a bad value gets the register's own bilingual 400 naming the field.

Amount = Decimal | str | None


class LookupIn(Schema):
    id_number: str


class PersonIn(Schema):
    id_number: str
    name: str
    hukou_region: str
    hukou_type: str
    region_code: str | None = None
    id_type: str | None = None
    phone: str = ""
    address: str = ""
    bank_name: str = ""
    bank_account: str = ""
    registered_on: str | None = None


class PersonChangeIn(Schema):
    name: str | None = None
    hukou_region: str | None = None
    hukou_type: str | None = None
    region_code: str | None = None
    phone: str | None = None
    address: str | None = None
    bank_name: str | None = None
    bank_account: str | None = None
    card_number: str | None = None
    card_status: str | None = None
    life_status: str | None = None
    death_date: str | None = None


class RevealIn(Schema):
    field: str


class EmployerIn(Schema):
    uscc: str
    name: str
    employer_type: str
    region_code: str
    risk_class: int | str
    industry: str = ""
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    bank_name: str = ""
    bank_account: str = ""
    registered_on: str | None = None


class EmployerChangeIn(Schema):
    name: str | None = None
    employer_type: str | None = None
    region_code: str | None = None
    industry: str | None = None
    risk_class: int | str | None = None
    address: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    bank_name: str | None = None
    bank_account: str | None = None


class CancelIn(Schema):
    cancelled_on: str
    reason: str


class HireIn(Schema):
    employer_id: int
    person_id: int
    start_date: str
    monthly_wage: Amount = None
    insurances: list[str] | None = None


class SeparateIn(Schema):
    end_date: str
    reason: str


class FlexibleIn(Schema):
    start_date: str
    insurances: list[str] | None = None


class TransitionIn(Schema):
    from_period: str
    reason: str


class EmployerHireIn(Schema):
    id_number: str
    name: str
    start_date: str
    monthly_wage: Amount = None
    insurances: list[str] | None = None
    hukou_region: str | None = None
    hukou_type: str | None = None
    phone: str = ""


class EmployerSeparateIn(Schema):
    id_number: str
    end_date: str
    reason: str
    name: str | None = None


def batch_out(result, request) -> dict:
    lang = language(request)
    return {
        "ok": result.ok,
        "processed": result.processed,
        "errors": [e.as_dict(lang) for e in result.errors],
        "warnings": list(result.warnings),
    }
