"""Transfer API schemas and the error wrapper (TransferError → 400, AccessDenied → 403)."""

# No ``from __future__ import annotations``: ninja reads the annotations.
import datetime as dt
import functools

from ninja import Schema
from ninja.responses import Status

from shebao.accounts.access import AccessDenied
from shebao.transfers.errors import TransferError


class ErrorOut(Schema):
    field: str
    message: str
    message_en: str


ERRORS = {400: ErrorOut, 403: ErrorOut}


class StepOut(Schema):
    status: str
    label: str
    at: dt.datetime
    due_date: dt.date | None
    note: str


class TransferOut(Schema):
    id: int
    reference: str
    direction: str
    status: str
    label: str
    kind: str
    counterpart: str
    due_date: dt.date | None
    overdue: bool
    principal_fen: int
    interest_fen: int
    pooled_fen: int
    temporary_fen: int
    total_fen: int
    fund_reference: str
    reason: str
    notice: str
    steps: list[StepOut]


class ReasonIn(Schema):
    reason: str


class ProcessIn(Schema):
    fund_reference: str = ""


class ApplyIn(Schema):
    person_id: int
    sending_code: str
    sending_name: str = ""
    account_ref: str = ""


def transfer_out(view) -> dict:
    t = view.transfer
    return {
        "id": t.pk, "reference": t.reference, "direction": t.direction, "status": t.status, "label": t.status_label,
        "kind": t.kind, "counterpart": t.counterpart_name, "due_date": t.due_date, "overdue": view.overdue,
        "principal_fen": t.principal_fen, "interest_fen": t.interest_fen, "pooled_fen": t.pooled_fen,
        "temporary_fen": t.temporary_fen, "total_fen": t.total_fen, "fund_reference": t.fund_reference,
        "reason": t.reason, "notice": t.notice,
        "steps": [{"status": s.to_status, "label": s.label, "at": s.at, "due_date": s.due_date, "note": s.note}
                  for s in view.steps],
    }  # fmt: skip


def _error(request, exc) -> dict:
    en = getattr(exc, "message_en", str(exc))
    zh = getattr(exc, "message_zh", en)
    english = (getattr(request, "LANGUAGE_CODE", "") or "").startswith("en")
    return {"field": getattr(exc, "field", ""), "message": en if english else zh, "message_en": en}


def api_errors(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AccessDenied as exc:
            return Status(403, _error(request, exc))
        except ValueError as exc:  # TransferError and the lower apps' field errors
            if not hasattr(exc, "message_zh"):
                raise
            return Status(400, _error(request, exc))

    return wrapper


__all__ = ["ERRORS", "TransferError", "api_errors", "transfer_out"]
