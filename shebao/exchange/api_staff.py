"""``/api/v1/staff/exchange/``: the administrator's view of the outbox and inbox."""

# No ``from __future__ import annotations``: ninja reads the annotations.
import datetime as dt

from ninja import Router, Schema
from ninja.responses import Status

from shebao.accounts.access import AccessDenied
from shebao.accounts.api_auth import api_auth
from shebao.exchange import selectors, services

router = Router(auth=api_auth, tags=["staff: exchange"])


class MessageOut(Schema):
    message_id: str
    type: str
    peer: str
    correlation_id: str
    status: str
    attempts: int = 0
    at: dt.datetime
    last_error: str = ""


class OverviewOut(Schema):
    outbox: list[MessageOut]
    inbox: list[MessageOut]


class ErrorOut(Schema):
    field: str
    message: str
    message_en: str


@router.get("messages", response={200: OverviewOut, 403: ErrorOut}, summary="交换消息收发 / Exchange outbox and inbox")
def messages(request):
    try:
        data = selectors.exchange_overview(user=request.auth)
    except AccessDenied as exc:
        return Status(403, {"field": "", "message": exc.message_zh, "message_en": exc.message_en})
    return {
        "outbox": [MessageOut(message_id=str(m.message_id), type=m.type, peer=m.recipient, correlation_id=m.correlation_id,
                              status=m.status, attempts=m.attempts, at=m.created_at, last_error=m.last_error)
                   for m in data["outbox"]],
        "inbox": [MessageOut(message_id=str(m.message_id), type=m.type, peer=m.sender, correlation_id=m.correlation_id,
                             status=m.outcome, at=m.received_at, last_error=m.error) for m in data["inbox"]],
    }  # fmt: skip


@router.post("outbox/{pk}/retry", response={200: MessageOut, 400: ErrorOut, 403: ErrorOut}, summary="重新发送 / Retry")
def retry(request, pk: int):
    try:
        m = services.outbox_retry(actor=request.auth, message_pk=pk)
    except AccessDenied as exc:
        return Status(403, {"field": "", "message": exc.message_zh, "message_en": exc.message_en})
    except services.ExchangeError as exc:
        return Status(400, {"field": exc.field, "message": exc.message_zh, "message_en": exc.message_en})
    return MessageOut(message_id=str(m.message_id), type=m.type, peer=m.recipient, correlation_id=m.correlation_id,
                      status=m.status, attempts=m.attempts, at=m.created_at, last_error=m.last_error)  # fmt: skip
