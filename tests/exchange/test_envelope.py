"""The signed envelope: signing, verification, tampering and acknowledgements (no database)."""

from __future__ import annotations

import copy
import datetime as dt
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shebao.exchange.rules import envelope
from shebao.exchange.rules.envelope import EnvelopeError

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def signed(key, **over):
    fields = {"message_id": uuid.uuid4(), "type": "pension_transfer.contact_letter", "sender": "410100",
                  "recipient": "110000", "created_at": NOW, "correlation_id": "c-1", "body": {"a": 1, "名": "张三"}, "sent_at": NOW}  # fmt: skip
    fields.update(over)
    return envelope.message_sign(key=key, **fields)


def test_signed_message_verifies_and_shape_is_accepted():
    key = Ed25519PrivateKey.generate()
    document = signed(key)
    assert envelope.message_shape(document) is document
    assert envelope.message_verify(document, key.public_key())


def test_tampered_body_or_header_fails():
    key = Ed25519PrivateKey.generate()
    document = signed(key)
    for path, value in [(("body", "a"), 2), (("recipient",), "310000"), (("sent_at",), "2026-12-03T10:00:00+00:00")]:
        changed = copy.deepcopy(document)
        target = changed
        for p in path[:-1]:
            target = target[p]
        target[path[-1]] = value
        assert not envelope.message_verify(changed, key.public_key())


def test_wrong_key_fails():
    document = signed(Ed25519PrivateKey.generate())
    assert not envelope.message_verify(document, Ed25519PrivateKey.generate().public_key())


def test_garbage_signature_fails_without_raising():
    key = Ed25519PrivateKey.generate()
    document = {**signed(key), "signature": "!!!"}
    assert not envelope.message_verify(document, key.public_key())


def test_floats_refused_when_signing():
    with pytest.raises(EnvelopeError) as exc:
        signed(Ed25519PrivateKey.generate(), body={"amount": 1.5})
    assert exc.value.field == "body"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"message_id": "x"}, "message_id"), ({"body": []}, "body"), ({"v": 2}, "v"), ({"sender": ""}, "sender"),
     ({"sent_at": "yesterday"}, "sent_at")],  # fmt: skip
)
def test_shape_errors_name_the_field(change, field):
    document = {**signed(Ed25519PrivateKey.generate()), **change}
    with pytest.raises(EnvelopeError) as exc:
        envelope.message_shape(document)
    assert exc.value.field == field
    assert exc.value.message_zh and exc.value.message_en


def test_missing_field_named():
    document = signed(Ed25519PrivateKey.generate())
    del document["correlation_id"]
    with pytest.raises(EnvelopeError) as exc:
        envelope.message_shape(document)
    assert exc.value.field == "correlation_id"


def test_ack_signed_by_the_recipient_for_this_message_only():
    key = Ed25519PrivateKey.generate()
    ack = envelope.ack_sign(key=key, message_id="m-1", sender="110000", recipient="410100", status="applied", acked_at=NOW)
    assert envelope.ack_verify(ack, key.public_key(), message_id="m-1", sender="110000", recipient="410100")
    assert not envelope.ack_verify(ack, key.public_key(), message_id="m-2", sender="110000", recipient="410100")
    assert not envelope.ack_verify({**ack, "status": "duplicate"}, key.public_key(), message_id="m-1",
                                   sender="110000", recipient="410100")  # fmt: skip
    assert not envelope.ack_verify(ack, Ed25519PrivateKey.generate().public_key(), message_id="m-1",
                                   sender="110000", recipient="410100")  # fmt: skip
    assert not envelope.ack_verify("nonsense", key.public_key(), message_id="m-1", sender="110000", recipient="410100")


def test_skew_and_backoff():
    assert envelope.within_skew(NOW, NOW + dt.timedelta(seconds=300), seconds=300)
    assert not envelope.within_skew(NOW, NOW + dt.timedelta(seconds=301), seconds=300)
    assert [envelope.retry_delay_seconds(n) for n in (1, 2, 3)] == [30, 60, 120]
    assert envelope.retry_delay_seconds(30) == 6 * 3600
