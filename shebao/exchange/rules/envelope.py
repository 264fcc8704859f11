"""The signed message envelope between two agencies (ADR 0015). Pure: no Django.

A message on the wire is one JSON object::

    {"v": 1, "message_id": "<uuid4>", "type": "pension_transfer.contact_letter",
     "sender": "410100", "recipient": "110000", "created_at": "2026-12-03T09:00:00+08:00",
     "correlation_id": "<the transfer's uid>", "body": {...},
     "sent_at": "2026-12-03T09:00:05+08:00", "alg": "Ed25519", "signature": "<base64url>"}

The signature covers the RFC 8785 canonical JSON of the object without ``signature``
(``sent_at`` included, so a captured request cannot be replayed after the skew window).
Bodies hold JSON values only: money as integer fen, periods as YYYYMM ints, no floats.
An acknowledgement is signed the same way by the recipient::

    {"v": 1, "ack": "<message_id>", "sender": "110000", "recipient": "410100",
     "status": "applied" | "duplicate" | "refused", "acked_at": "...", "alg": ..., "signature": ...}
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shebao.kernel.rules.errors import FieldError
from shebao.kernel.rules.receipts import ALG, CanonicalError, b64url, b64url_decode, canonical_json

VERSION = 1
MESSAGE_FIELDS = ("v", "message_id", "type", "sender", "recipient", "created_at", "correlation_id", "body", "sent_at")
ACK_FIELDS = ("v", "ack", "sender", "recipient", "status", "acked_at")
ACK_STATUSES = ("applied", "duplicate", "refused")
MAX_CODE = 32
MAX_TYPE = 64


class EnvelopeError(FieldError):
    """A message refused: names the field, in Chinese and English."""


def _signed(document: Mapping[str, object], fields: tuple[str, ...]) -> bytes:
    return canonical_json({k: document[k] for k in fields})


def _sign(document: dict, fields: tuple[str, ...], key: Ed25519PrivateKey) -> dict:
    try:
        data = _signed(document, fields)
    except CanonicalError as exc:
        raise EnvelopeError(field="body", zh="消息内容不是规范 JSON（不允许浮点数）", en=f"not canonical JSON: {exc}") from None
    return {**document, "alg": ALG, "signature": b64url(key.sign(data))}


def _timestamp(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise EnvelopeError(field="created_at", zh="时间须带时区", en="a timezone-aware time is required")
    return value.replace(microsecond=0).isoformat()


def parse_time(value: object, *, field: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise EnvelopeError(field=field, zh=f"{field} 不是带时区的 ISO 时间", en=f"{field} is not an ISO time with a zone")
    return moment


def message_sign(
    *,
    key: Ed25519PrivateKey,
    message_id: uuid.UUID | str,
    type: str,  # noqa: A002 - the envelope's own name
    sender: str,
    recipient: str,
    created_at: dt.datetime,
    correlation_id: str,
    body: Mapping[str, object],
    sent_at: dt.datetime,
) -> dict:
    """The wire document of one message, signed with ``key``."""
    document = {
        "v": VERSION,
        "message_id": str(uuid.UUID(str(message_id))),
        "type": str(type),
        "sender": str(sender),
        "recipient": str(recipient),
        "created_at": _timestamp(created_at),
        "correlation_id": str(correlation_id or ""),
        "body": dict(body),
        "sent_at": _timestamp(sent_at),
    }
    return _sign(document, MESSAGE_FIELDS, key)


def message_shape(document: object) -> dict:
    """Check the shape of a received document (before the signature); return it."""
    if not isinstance(document, dict):
        raise EnvelopeError(field="message", zh="消息应为 JSON 对象", en="the message must be a JSON object")
    missing = [f for f in (*MESSAGE_FIELDS, "alg", "signature") if f not in document]
    if missing:
        raise EnvelopeError(field=missing[0], zh=f"消息缺少字段 {missing[0]}", en=f"the message lacks {missing[0]}")
    if document["v"] != VERSION or document["alg"] != ALG:
        raise EnvelopeError(field="v", zh="不支持的消息版本或签名算法", en="unsupported message version or algorithm")
    try:
        uuid.UUID(str(document["message_id"]))
    except ValueError:
        raise EnvelopeError(field="message_id", zh="消息编号不是 UUID", en="message_id is not a UUID") from None
    for name, limit in (("sender", MAX_CODE), ("recipient", MAX_CODE), ("type", MAX_TYPE), ("correlation_id", 64)):
        if not isinstance(document[name], str) or len(document[name]) > limit or (name != "correlation_id" and not document[name]):
            raise EnvelopeError(field=name, zh=f"字段 {name} 无效", en=f"{name} is invalid")
    if not isinstance(document["body"], dict):
        raise EnvelopeError(field="body", zh="消息正文应为 JSON 对象", en="the body must be a JSON object")
    parse_time(document["created_at"], field="created_at")
    parse_time(document["sent_at"], field="sent_at")
    return document


def _verify(document: Mapping[str, object], fields: tuple[str, ...], public_key: Ed25519PublicKey) -> bool:
    try:
        public_key.verify(b64url_decode(str(document["signature"])), _signed(document, fields))
    except (InvalidSignature, ValueError, CanonicalError, KeyError, TypeError):
        return False
    return True


def message_verify(document: Mapping[str, object], public_key: Ed25519PublicKey) -> bool:
    """True when the message's signature is ``public_key``'s over its canonical JSON."""
    return _verify(document, MESSAGE_FIELDS, public_key)


def ack_sign(*, key: Ed25519PrivateKey, message_id: str, sender: str, recipient: str, status: str,
             acked_at: dt.datetime) -> dict:  # fmt: skip
    if status not in ACK_STATUSES:
        raise EnvelopeError(field="status", zh="确认状态无效", en="invalid acknowledgement status")
    document = {"v": VERSION, "ack": str(message_id), "sender": sender, "recipient": recipient,
                "status": status, "acked_at": _timestamp(acked_at)}  # fmt: skip
    return _sign(document, ACK_FIELDS, key)


def ack_verify(document: object, public_key: Ed25519PublicKey, *, message_id: str, sender: str, recipient: str) -> bool:
    """True when ``document`` is ``sender``'s signed acknowledgement of ``message_id``."""
    if not isinstance(document, dict) or any(f not in document for f in (*ACK_FIELDS, "signature")):
        return False
    if (document["ack"], document["sender"], document["recipient"]) != (str(message_id), sender, recipient):
        return False
    return document["status"] in ACK_STATUSES and _verify(document, ACK_FIELDS, public_key)


def within_skew(sent_at: dt.datetime, now: dt.datetime, *, seconds: int) -> bool:
    return abs((now - sent_at).total_seconds()) <= seconds


def retry_delay_seconds(attempts: int, *, base: int = 30, cap: int = 6 * 3600) -> int:
    """Back-off before attempt ``attempts`` + 1: 30 s, 60 s, 2 min … capped at 6 h."""
    return min(base * 2 ** max(attempts - 1, 0), cap)
