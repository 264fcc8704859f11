"""The receiving endpoint (signature, unknown sender, replay, size, idempotency) over
Django's test client, and outbox delivery with retries against a real loopback server."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction
from django.utils import timezone

from shebao.exchange import services
from shebao.exchange.handlers import handler
from shebao.exchange.models import InboxMessage, OutboxMessage
from shebao.exchange.rules import envelope
from shebao.kernel.rules.errors import FieldError
from shebao.kernel.rules.receipts import canonical_json
from tests.exchange.conftest import OWN, PEER

pytestmark = pytest.mark.django_db
CALLS: list[dict] = []


@handler("test.echo")
def _echo(*, sender, message_id, correlation_id, body):
    CALLS.append(body)
    return {"echo": body.get("n")}


@handler("test.refuse")
def _refuse(*, sender, message_id, correlation_id, body):
    raise FieldError(field="n", zh="不予处理", en="refused")


def make(key, *, type="test.echo", body=None, sender=PEER, recipient=OWN, sent_at=None, message_id=None):  # noqa: A002
    now = timezone.now()
    return envelope.message_sign(key=key, message_id=message_id or uuid.uuid4(), type=type, sender=sender,
                                 recipient=recipient, created_at=now, correlation_id="c-1",
                                 body=body if body is not None else {"n": 1}, sent_at=sent_at or now)  # fmt: skip


def post(client, document):
    raw = document if isinstance(document, bytes) else canonical_json(document)
    return client.post("/exchange/inbox", data=raw, content_type="application/json")


def test_valid_message_applied_and_acknowledged_with_a_signed_ack(client, peer, peer_key, own_key):
    CALLS.clear()
    document = make(peer_key, body={"n": 7})
    response = post(client, document)
    assert response.status_code == 200
    ack = response.json()
    assert envelope.ack_verify(ack, own_key.public_key(), message_id=document["message_id"], sender=OWN, recipient=PEER)
    assert ack["status"] == "applied"
    row = InboxMessage.objects.get()
    assert (row.sender, row.type, row.outcome, row.result) == (PEER, "test.echo", "applied", {"echo": 7})
    assert CALLS == [{"n": 7}]


def test_same_message_twice_is_acknowledged_but_applied_once(client, peer, peer_key):
    CALLS.clear()
    document = make(peer_key)
    assert post(client, document).json()["status"] == "applied"
    resent = {**document}
    resent = envelope.message_sign(key=peer_key, message_id=document["message_id"], type=document["type"],
                                   sender=PEER, recipient=OWN, created_at=dt.datetime.fromisoformat(document["created_at"]),
                                   correlation_id="c-1", body=document["body"], sent_at=timezone.now())  # fmt: skip
    second = post(client, resent)
    assert second.status_code == 200 and second.json()["status"] == "duplicate"
    assert InboxMessage.objects.count() == 1 and len(CALLS) == 1


def test_same_id_with_another_body_is_a_conflict(client, peer, peer_key):
    document = make(peer_key)
    post(client, document)
    other = make(peer_key, message_id=document["message_id"], body={"n": 2})
    response = post(client, other)
    assert response.status_code == 409 and response.json()["error"]["field"] == "message_id"


def test_tampered_body_refused(client, peer, peer_key):
    document = make(peer_key)
    document["body"]["n"] = 99
    response = post(client, document)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["field"] == "signature" and error["message"] == "签名验证失败" and error["message_en"]
    assert not InboxMessage.objects.exists()


def test_wrong_key_refused(client, peer):
    response = post(client, make(Ed25519PrivateKey.generate()))
    assert response.status_code == 403 and response.json()["error"]["field"] == "signature"


def test_unknown_sender_refused(client, peer, peer_key):
    response = post(client, make(peer_key, sender="999999"))
    assert response.status_code == 403 and response.json()["error"]["field"] == "sender"


def test_suspended_peer_refused(client, peer, peer_key):
    services.peer_register(actor=None, agency_code=PEER, name=peer.name, base_url=peer.base_url,
                           public_key=peer.public_key, status="suspended")  # fmt: skip
    assert post(client, make(peer_key)).status_code == 403


def test_wrong_recipient_refused(client, peer, peer_key):
    response = post(client, make(peer_key, recipient="310000"))
    assert response.status_code == 400 and response.json()["error"]["field"] == "recipient"


def test_replay_outside_the_window_refused(client, peer, peer_key):
    old = timezone.now() - dt.timedelta(minutes=10)
    response = post(client, make(peer_key, sent_at=old))
    assert response.status_code == 400 and response.json()["error"]["field"] == "sent_at"
    assert not InboxMessage.objects.exists()


def test_oversized_refused(client, peer, peer_key, settings):
    settings.SHEBAO_EXCHANGE_MAX_BYTES = 300
    response = post(client, make(peer_key, body={"pad": "x" * 400}))
    assert response.status_code == 413 and response.json()["error"]["field"] == "message"


def test_not_json_and_unknown_type_refused(client, peer, peer_key):
    assert post(client, b"{not json").status_code == 400
    response = post(client, make(peer_key, type="test.nobody"))
    assert response.status_code == 400 and response.json()["error"]["field"] == "type"


def test_get_not_allowed(client, peer):
    assert client.get("/exchange/inbox").status_code == 405


def test_business_refusal_recorded_and_acknowledged(client, peer, peer_key):
    response = post(client, make(peer_key, type="test.refuse"))
    assert response.status_code == 200 and response.json()["status"] == "refused"
    row = InboxMessage.objects.get()
    assert row.outcome == "refused" and "不予处理" in row.error


def send(**kw) -> OutboxMessage:
    with transaction.atomic():
        return services.message_send(type="test.echo", recipient=PEER, body={"n": 1}, correlation_id="c-9", **kw)


def test_message_send_needs_a_registered_peer(peer):
    with transaction.atomic(), pytest.raises(services.ExchangeError) as exc:
        services.message_send(type="test.echo", recipient="999999", body={})
    assert exc.value.field == "recipient"


def test_message_send_refused_without_a_key(peer, settings):
    settings.SHEBAO_EXCHANGE_KEY = ""
    with transaction.atomic(), pytest.raises(services.ExchangeError) as exc:
        services.message_send(type="test.echo", recipient=PEER, body={})
    assert exc.value.field == "SHEBAO_EXCHANGE_KEY"


def test_delivery_retries_with_backoff_then_delivers_on_a_signed_ack(peer_server, own_key):
    message = send()
    peer_server.responses = [(503, b'{"error": "busy"}')]
    now = timezone.now()
    first = services.outbox_deliver(message_pk=message.pk, now=now)
    assert (first.status, first.attempts) == ("pending", 1)
    assert "HTTP 503" in first.last_error
    assert first.next_attempt_at == now + dt.timedelta(seconds=30)
    assert services.outbox_deliver_due(now=now)["attempted"] == 0  # not due yet
    later = now + dt.timedelta(seconds=31)
    assert services.outbox_deliver_due(now=later) == {"attempted": 1, "delivered": 1, "pending": 0, "failed": 0}
    message.refresh_from_db()
    assert message.status == "delivered" and message.attempts == 2 and message.ack["status"] == "applied"
    received = peer_server.received[-1]
    assert received["path"] == "/exchange/inbox"
    assert envelope.message_verify(received["document"], own_key.public_key())
    assert received["document"]["message_id"] == str(message.message_id)
    assert services.outbox_deliver(message_pk=message.pk).attempts == 2  # delivered: never sent again


def test_unsigned_2xx_is_not_delivery(peer_server):
    message = send()
    peer_server.responses = [(200, json.dumps({"status": "applied"}).encode())]
    result = services.outbox_deliver(message_pk=message.pk)
    assert result.status == "pending" and "not signed" in result.last_error


def test_4xx_fails_permanently_and_network_errors_retry(peer_server, peer, settings):
    message = send()
    peer_server.responses = [(403, b'{"error": {"field": "signature"}}')]
    assert services.outbox_deliver(message_pk=message.pk).status == "failed"
    other = send()
    services.peer_register(actor=None, agency_code=PEER, name=peer.name, base_url="http://127.0.0.1:9",
                           public_key=peer.public_key)  # fmt: skip
    result = services.outbox_deliver(message_pk=other.pk)
    assert result.status == "pending" and result.last_error.startswith("network")


def test_too_many_attempts_fail(peer_server, settings):
    settings.SHEBAO_EXCHANGE_MAX_ATTEMPTS = 2
    message = send()
    peer_server.responses = [(500, b"{}"), (500, b"{}")]
    services.outbox_deliver(message_pk=message.pk)
    result = services.outbox_deliver(message_pk=message.pk, now=timezone.now() + dt.timedelta(hours=1))
    assert (result.status, result.attempts) == ("failed", 2)


def test_peer_register_refuses_bad_input(own_key):
    for kwargs, field in [({"agency_code": OWN}, "agency_code"), ({"base_url": "ftp://x"}, "base_url"),
                          ({"public_key": "abc"}, "public_key"), ({"name": " "}, "name")]:  # fmt: skip
        args = {"agency_code": PEER, "name": "x", "base_url": "http://127.0.0.1:1",
                "public_key": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", **kwargs}  # fmt: skip
        with pytest.raises(services.ExchangeError) as exc:
            services.peer_register(actor=None, **args)
        assert exc.value.field == field
