"""Exchange write paths (ADR 0015). Public functions (keyword-only):

``peer_register(*, actor, agency_code, name, base_url, public_key, status="active") -> Peer``
    Add or update a peer agency. Needs PARAMETER_ADMIN (administrator) unless ``actor`` is None
    (the platform itself: management commands).

``message_send(*, type, recipient, body, correlation_id="") -> OutboxMessage``
    Put a message in the outbox **inside the caller's transaction** (call it from the
    service whose state change causes the message); delivery is scheduled on commit.

``outbox_deliver(*, message_pk, now=None) -> OutboxMessage``
    One delivery attempt (HTTP POST to ``<peer>/exchange/inbox``), claimed by
    compare-and-set. "delivered" only on the peer's signed 2xx acknowledgement; network
    errors and 5xx retry with back-off, 4xx (refused by the peer) and too many attempts fail.

``outbox_deliver_due(*, now=None, limit=100) -> dict``: every due pending message.

``inbox_receive(*, raw: bytes, now=None) -> (http_status, document)``
    Verify, store once and dispatch a received message; returns the signed acknowledgement
    (2xx) or a bilingual error document (4xx). See ``views.inbox``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
import uuid
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.accounts.access import require_perm
from shebao.accounts.rules.permissions import Perm
from shebao.exchange.handlers import handler_for
from shebao.exchange.models import InboxMessage, InboxOutcome, OutboxMessage, OutboxStatus, Peer, PeerStatus
from shebao.exchange.rules import envelope
from shebao.exchange.rules.envelope import EnvelopeError
from shebao.kernel.audit import audit_record
from shebao.kernel.rules.errors import FieldError
from shebao.kernel.rules.receipts import (
    SigningKeyError,
    b64url,
    parse_private_key,
    parse_public_key,
    raw_public,
)

log = logging.getLogger(__name__)
INBOX_PATH = "/exchange/inbox"
CLAIM_SECONDS = 120  # a claimed attempt is retried by another worker after this


class ExchangeError(FieldError):
    """A refused exchange operation, naming the field, in Chinese and English."""


# --- identity ---------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _key(text: str) -> Ed25519PrivateKey:
    return parse_private_key(text)


def own_key() -> Ed25519PrivateKey:
    if not settings.SHEBAO_EXCHANGE_KEY:
        raise ExchangeError(
            field="SHEBAO_EXCHANGE_KEY", zh="本机构未配置交换签名密钥，不能与其他经办机构交换数据",
            en="no exchange key is configured (SHEBAO_EXCHANGE_KEY): inter-agency exchange is off",
        )
    try:
        return _key(settings.SHEBAO_EXCHANGE_KEY)
    except SigningKeyError as exc:
        raise ExchangeError(field="SHEBAO_EXCHANGE_KEY", zh="交换签名密钥无效", en=str(exc)) from None


def own_code() -> str:
    return settings.SHEBAO_EXCHANGE_AGENCY_CODE


def own_identity() -> dict:
    """This installation as a peer sees it: code, name and public key (for exchange_peer_add)."""
    return {
        "agency_code": own_code(),
        "name": settings.SHEBAO_EXCHANGE_AGENCY_NAME,
        "base_url": settings.SHEBAO_PUBLIC_BASE_URL,
        "public_key": b64url(raw_public(own_key().public_key())),
    }


def _public(peer: Peer) -> Ed25519PublicKey:
    return parse_public_key(peer.public_key)


# --- peers ------------------------------------------------------------------------------------


def _clean_url(value: object) -> str:
    url = str(value or "").strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url) > 200:
        raise ExchangeError(field="base_url", zh="接口地址应以 http:// 或 https:// 开头", en="base_url must be an http(s) URL")
    return url


@transaction.atomic
def peer_register(*, actor, agency_code: str, name: str, base_url: str, public_key: str,
                  status: str = PeerStatus.ACTIVE) -> Peer:  # fmt: skip
    grant = require_perm(actor, Perm.PARAMETER_ADMIN) if actor is not None else None
    code = str(agency_code or "").strip()
    if not code or len(code) > envelope.MAX_CODE or code == own_code():
        raise ExchangeError(field="agency_code", zh="经办机构代码无效（不能为空或与本机构相同）",
                            en="invalid agency code (empty, too long, or this installation's own)")  # fmt: skip
    if not str(name or "").strip():
        raise ExchangeError(field="name", zh="请填写经办机构名称", en="the agency name is required")
    try:
        key = b64url(raw_public(parse_public_key(str(public_key or "").strip())))
    except SigningKeyError:
        raise ExchangeError(field="public_key", zh="验签公钥无效（应为 Ed25519 公钥）", en="not an Ed25519 public key") from None
    if status not in PeerStatus.values:
        raise ExchangeError(field="status", zh="状态无效", en="invalid status")
    now = timezone.now()
    before = Peer.objects.filter(agency_code=code).values("name", "base_url", "public_key", "status").first()
    peer, _ = Peer.objects.update_or_create(
        agency_code=code,
        defaults={"name": str(name).strip()[:100], "base_url": _clean_url(base_url), "public_key": key,
                  "status": status, "updated_at": now},
        create_defaults={"name": str(name).strip()[:100], "base_url": _clean_url(base_url), "public_key": key,
                         "status": status, "created_at": now, "updated_at": now},
    )  # fmt: skip
    audit_record(
        action="exchange.peer_register", object_type="exchange_peer", object_id=code, before=before,
        after={"name": peer.name, "base_url": peer.base_url, "public_key": key, "status": status},
        actor=actor, post=f"{grant.post}@{grant.region_code}" if grant else "",
    )
    return peer


def peer_active(code: str) -> Peer | None:
    return Peer.objects.filter(agency_code=code, status=PeerStatus.ACTIVE).first()


# --- sending ----------------------------------------------------------------------------------


def _enqueue(pk: int) -> None:
    from shebao.exchange.tasks import deliver_task

    try:
        deliver_task.enqueue(message_pk=pk)
    except Exception:  # the queue is down: exchange_deliver picks the message up
        log.exception("exchange: could not enqueue delivery of outbox message %s", pk)


def message_send(*, type: str, recipient: str, body: dict, correlation_id: str = "") -> OutboxMessage:  # noqa: A002
    """Write a message to the outbox in the caller's transaction (see the module docstring)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("message_send must run inside the transaction of the state change")
    if peer_active(recipient) is None:
        raise ExchangeError(field="recipient", zh=f"经办机构 {recipient} 不是已登记的交换对端",
                            en=f"agency {recipient} is not a registered, active peer")  # fmt: skip
    own_key()  # refuse now, not at delivery, when the exchange is not configured
    now = timezone.now()
    try:
        envelope.canonical_json(body)
    except envelope.CanonicalError as exc:
        raise ExchangeError(field="body", zh="消息内容不是规范 JSON", en=str(exc)) from None
    message = OutboxMessage.objects.create(
        message_id=uuid.uuid4(), type=type, recipient=recipient, correlation_id=correlation_id, body=body,
        created_at=now, next_attempt_at=now,
    )
    audit_record(action="exchange.message_send", object_type="exchange_outbox", object_id=str(message.message_id),
                 after={"type": type, "recipient": recipient, "correlation_id": correlation_id})  # fmt: skip
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def _post(url: str, data: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(  # noqa: S310 - the URL is a registered peer's http(s) base URL
        url, data=data, method="POST", headers={"Content-Type": "application/json", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.SHEBAO_EXCHANGE_TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, response.read(settings.SHEBAO_EXCHANGE_MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(64 * 1024)


def _attempt_failed(message: OutboxMessage, *, now: dt.datetime, error: str, permanent: bool) -> None:
    message.last_error = error[:2000]
    if permanent or message.attempts >= settings.SHEBAO_EXCHANGE_MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED
        message.next_attempt_at = None
    else:
        message.next_attempt_at = now + dt.timedelta(seconds=envelope.retry_delay_seconds(message.attempts))
    message.save(update_fields=["status", "next_attempt_at", "last_error"])


def outbox_deliver(*, message_pk: int, now: dt.datetime | None = None) -> OutboxMessage:
    """One delivery attempt of an outbox message (see the module docstring)."""
    now = now or timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=message_pk, status=OutboxStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + dt.timedelta(seconds=CLAIM_SECONDS))
    message = OutboxMessage.objects.get(pk=message_pk)
    if claimed != 1:
        return message  # delivered, failed, not due, or another worker has it
    message.attempts += 1
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=message.attempts)
    peer = peer_active(message.recipient)
    if peer is None:
        _attempt_failed(message, now=now, error=f"peer {message.recipient} is not registered or suspended",
                        permanent=False)  # fmt: skip
        return message
    document = envelope.message_sign(
        key=own_key(), message_id=message.message_id, type=message.type, sender=own_code(),
        recipient=message.recipient, created_at=message.created_at, correlation_id=message.correlation_id,
        body=message.body, sent_at=timezone.now(),
    )  # fmt: skip
    try:
        status, raw = _post(peer.base_url + INBOX_PATH, envelope.canonical_json(document))
    except (OSError, ValueError) as exc:
        _attempt_failed(message, now=now, error=f"network: {exc}", permanent=False)
        return message
    text = raw.decode("utf-8", "replace")
    if 200 <= status < 300:
        try:
            ack = json.loads(raw)
        except ValueError:
            ack = None
        if envelope.ack_verify(ack, _public(peer), message_id=str(message.message_id), sender=peer.agency_code,
                               recipient=own_code()):  # fmt: skip
            with transaction.atomic():
                message.status, message.delivered_at, message.ack = OutboxStatus.DELIVERED, timezone.now(), ack
                message.next_attempt_at, message.last_error = None, ""
                message.save(update_fields=["status", "delivered_at", "ack", "next_attempt_at", "last_error"])
                audit_record(action="exchange.message_delivered", object_type="exchange_outbox",
                             object_id=str(message.message_id),
                             after={"attempts": message.attempts, "ack": ack.get("status")})  # fmt: skip
            return message
        _attempt_failed(message, now=now, error=f"HTTP {status}: acknowledgement not signed by the peer: {text[:500]}",
                        permanent=False)  # fmt: skip
        return message
    permanent = 400 <= status < 500 and status not in (408, 425, 429)
    _attempt_failed(message, now=now, error=f"HTTP {status}: {text[:1000]}", permanent=permanent)
    return message


def outbox_deliver_due(*, now: dt.datetime | None = None, limit: int = 100) -> dict:
    now = now or timezone.now()
    pks = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"attempted": 0, "delivered": 0, "pending": 0, "failed": 0}
    for pk in pks:
        message = outbox_deliver(message_pk=pk, now=now)
        counts["attempted"] += 1
        counts[message.status] += 1
    return counts


def outbox_retry(*, actor, message_pk: int) -> OutboxMessage:
    """Put a failed message back in the queue (administrator)."""
    require_perm(actor, Perm.PARAMETER_ADMIN)
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_pk)
        if message.status == OutboxStatus.DELIVERED:
            raise ExchangeError(field="status", zh="消息已送达", en="the message is already delivered")
        message.status, message.next_attempt_at, message.attempts = OutboxStatus.PENDING, timezone.now(), 0
        message.save(update_fields=["status", "next_attempt_at", "attempts"])
        audit_record(action="exchange.message_retry", object_type="exchange_outbox",
                     object_id=str(message.message_id), actor=actor)  # fmt: skip
        transaction.on_commit(lambda: _enqueue(message.pk))
    return message


# --- receiving --------------------------------------------------------------------------------


def refusal(error: FieldError, status: int) -> tuple[int, dict]:
    return status, {"error": {"field": error.field, "message": error.message_zh, "message_en": error.message_en}}


def _ack(document: dict, status: str, now: dt.datetime) -> dict:
    return envelope.ack_sign(key=own_key(), message_id=document["message_id"], sender=own_code(),
                             recipient=document["sender"], status=status, acked_at=now)  # fmt: skip


def inbox_receive(*, raw: bytes, now: dt.datetime | None = None) -> tuple[int, dict]:
    """Verify, store once and dispatch one received message (see the module docstring)."""
    now = now or timezone.now()
    if len(raw) > settings.SHEBAO_EXCHANGE_MAX_BYTES:
        return refusal(EnvelopeError(field="message", zh=f"消息超过 {settings.SHEBAO_EXCHANGE_MAX_BYTES} 字节",
                                     en=f"the message is larger than {settings.SHEBAO_EXCHANGE_MAX_BYTES} bytes"), 413)  # fmt: skip
    try:
        document = envelope.message_shape(json.loads(raw))
    except ValueError as exc:
        if not isinstance(exc, FieldError):
            exc = EnvelopeError(field="message", zh="消息不是有效的 JSON", en="the message is not valid JSON")
        return refusal(exc, 400)
    try:
        own_key()
    except ExchangeError as exc:
        return refusal(exc, 503)
    if document["recipient"] != own_code():
        return refusal(EnvelopeError(field="recipient", zh="消息的接收方不是本机构", en="the message is not addressed to this agency"), 400)  # fmt: skip
    peer = peer_active(document["sender"])
    if peer is None:
        return refusal(EnvelopeError(field="sender", zh="发送方不是已登记的交换对端", en="unknown or suspended sender"), 403)  # fmt: skip
    if not envelope.message_verify(document, _public(peer)):
        return refusal(EnvelopeError(field="signature", zh="签名验证失败", en="the signature does not verify"), 403)
    sent_at = envelope.parse_time(document["sent_at"], field="sent_at")
    if not envelope.within_skew(sent_at, now, seconds=settings.SHEBAO_EXCHANGE_MAX_SKEW_SECONDS):
        return refusal(EnvelopeError(field="sent_at", zh="消息发送时间超出允许范围（疑似重放），请重新发送",
                                     en="sent_at is outside the allowed window (replay?): send it again"), 400)  # fmt: skip
    handler = handler_for(document["type"])
    if handler is None:
        return refusal(EnvelopeError(field="type", zh=f"本机构不处理消息类型 {document['type']}",
                                     en=f"this agency does not handle {document['type']!r} messages"), 400)  # fmt: skip
    key = {"sender": peer.agency_code, "message_id": uuid.UUID(document["message_id"])}
    existing = InboxMessage.objects.filter(**key).first()
    if existing is not None:
        return _duplicate(existing, document, now)
    try:
        with transaction.atomic():
            row = InboxMessage.objects.create(
                **key, type=document["type"], correlation_id=document["correlation_id"], body=document["body"],
                document=document, created_at=envelope.parse_time(document["created_at"], field="created_at"),
                received_at=now, outcome=InboxOutcome.APPLIED,
            )  # fmt: skip
            try:
                with transaction.atomic():
                    result = handler(sender=peer.agency_code, message_id=document["message_id"],
                                     correlation_id=document["correlation_id"], body=document["body"]) or {}  # fmt: skip
            except FieldError as exc:
                row.outcome, row.error = InboxOutcome.REFUSED, f"{exc.field}: {exc.message_zh} / {exc.message_en}"
                result = {"field": exc.field, "message": exc.message_zh, "message_en": exc.message_en}
            row.result = result
            row.save(update_fields=["outcome", "error", "result"])
            audit_record(action="exchange.message_receive", object_type="exchange_inbox",
                         object_id=document["message_id"],
                         after={"type": row.type, "sender": row.sender, "outcome": row.outcome})  # fmt: skip
    except IntegrityError:  # the same message arrived twice at once: the other copy applied it
        existing = InboxMessage.objects.filter(**key).first()
        if existing is None:
            raise
        return _duplicate(existing, document, now)
    return 200, _ack(document, "applied" if row.outcome == InboxOutcome.APPLIED else "refused", now)


def _duplicate(existing: InboxMessage, document: dict, now: dt.datetime) -> tuple[int, dict]:
    if existing.body != document["body"] or existing.type != document["type"]:
        return refusal(EnvelopeError(field="message_id", zh="同一消息编号的内容与已收到的不同",
                                     en="a different message was already received under this message id"), 409)  # fmt: skip
    return 200, _ack(document, "duplicate", now)
