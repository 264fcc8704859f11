"""Exchange message handlers of the transfer flow, registered into the exchange's
registry at start-up (the exchange never imports this app). Each runs inside the inbox
transaction; refusals of the lower apps become ``TransferError`` (a ``FieldError``), so
the inbox records them as "refused" and acknowledges the message."""

from __future__ import annotations

import functools
import uuid

from shebao.exchange.handlers import handler
from shebao.exchange.services import peer_active
from shebao.transfers import services
from shebao.transfers.errors import TransferError
from shebao.transfers.models import Direction, Transfer


def _refusals(fn):
    @functools.wraps(fn)
    def wrapper(**kwargs):
        try:
            return fn(**kwargs)
        except TransferError:
            raise
        except ValueError as exc:  # ContributionError, RegisterError … name a field too
            raise TransferError(field=getattr(exc, "field", "body"), zh=getattr(exc, "message_zh", str(exc)),
                                en=getattr(exc, "message_en", str(exc))) from None  # fmt: skip

    return wrapper


def _incoming(*, sender: str, body: dict) -> Transfer:
    try:
        uid = uuid.UUID(str(body.get("uid")))
    except ValueError:
        raise TransferError(field="uid", zh="消息缺少业务标识", en="the message has no transfer uid") from None
    transfer = Transfer.objects.select_for_update().filter(uid=uid, direction=Direction.IN, counterpart_code=sender).first()
    if transfer is None:
        raise TransferError(field="uid", zh="本机构没有对应的转入业务", en="no transfer in matches this message")
    return transfer


@handler(services.CONTACT_LETTER)
@_refusals
def on_contact_letter(*, sender: str, message_id: str, correlation_id: str, body: dict) -> dict:
    peer = peer_active(sender)
    transfer = services.contact_letter_receive(sender=sender, sender_name=peer.name if peer else sender, body=body)
    return {"reference": transfer.reference, "status": transfer.status}


@handler(services.INFO_SHEET)
@_refusals
def on_info_sheet(*, sender: str, message_id: str, correlation_id: str, body: dict) -> dict:
    transfer = _incoming(sender=sender, body=body)
    transfer = services.info_sheet_receive(actor=services.SYSTEM_ACTOR, transfer=transfer, sheet=body)
    return {"reference": transfer.reference, "status": transfer.status}


@handler(services.REFUSAL)
@_refusals
def on_refusal(*, sender: str, message_id: str, correlation_id: str, body: dict) -> dict:
    transfer = services.refusal_receive(transfer=_incoming(sender=sender, body=body), reason=body.get("reason", ""))
    return {"reference": transfer.reference, "status": transfer.status}
