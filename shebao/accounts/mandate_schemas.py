"""Schemas and error mapping shared by the 委托代办 API routers (citizen, agent, staff)."""

# No ``from __future__ import annotations``: ninja reads the annotations at import.
import datetime as dt
import functools

from django.utils import timezone
from ninja import Schema
from ninja.responses import Status

from shebao.accounts.access import AccessDenied
from shebao.accounts.models import Mandate
from shebao.accounts.rules.errors import AccountError
from shebao.accounts.selectors import agent_by_username, person_directory


class ErrorOut(Schema):
    field: str = ""
    code: str = ""
    message: str
    message_en: str


ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _language(request) -> str:
    return getattr(request, "LANGUAGE_CODE", "") or "zh-hans"


def api_errors(view):
    """AccountError → 400, AccessDenied → 403 ({field, code, message, message_en})."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        english = _language(request).startswith("en")
        try:
            return view(request, *args, **kwargs)
        except AccountError as exc:
            return Status(
                400,
                {
                    "field": exc.field,
                    "code": exc.code,
                    "message": exc.message_en if english else exc.message_zh,
                    "message_en": exc.message_en,
                },
            )
        except AccessDenied as exc:
            return Status(
                403, {"message": exc.message_en if english else exc.message_zh, "message_en": exc.message_en}
            )

    return wrapper


class MandateOut(Schema):
    id: int
    agent_id: int
    agent_username: str
    agent_name: str
    person_id: int
    person_name: str
    person_id_masked: str
    all_items: bool
    item_codes: list[str]
    valid_from: dt.date
    valid_until: dt.date
    channel: str
    evidence: str
    status: str
    recorded_at: dt.datetime
    revoked_at: dt.datetime | None
    revoke_reason: str


def mandate_out(mandate: Mandate) -> dict:
    person = person_directory(person_id=mandate.person_id)
    return {
        "id": mandate.pk,
        "agent_id": mandate.agent_id,
        "agent_username": mandate.agent.username,
        "agent_name": mandate.agent.full_name,
        "person_id": mandate.person_id,
        "person_name": person.name if person else "",
        "person_id_masked": person.id_masked if person else "",
        "all_items": mandate.all_items,
        "item_codes": list(mandate.item_codes or []),
        "valid_from": mandate.valid_from,
        "valid_until": mandate.valid_until,
        "channel": mandate.channel,
        "evidence": mandate.evidence,
        "status": mandate.status_on(timezone.localdate()),
        "recorded_at": mandate.recorded_at,
        "revoked_at": mandate.revoked_at,
        "revoke_reason": mandate.revoke_reason,
    }


class MandateIn(Schema):
    agent_username: str
    item_codes: list[str] | None = None  # null: all items
    valid_until: dt.date


class StaffMandateIn(MandateIn):
    id_number: str
    evidence: str


class RevokeIn(Schema):
    reason: str = ""


def agent_id_for(username: str) -> int:
    agent = agent_by_username(username)
    if agent is None:
        raise AccountError(
            field="agent_username",
            code="not_agent",
            zh="找不到该社区代办员，请核对登录名",
            en="no active community agent with this login name",
        )
    return agent.pk
