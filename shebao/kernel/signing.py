"""Signed receipts (电子签名确认): issue and verify Ed25519 receipts over canonical JSON.

Keys come from the environment like every other secret (ADR 0011):

- ``SHEBAO_SIGNING_KEY`` / ``SHEBAO_SIGNING_KEY_FILE``: the one active private key
  (base64 of the 32-byte seed, or a PKCS#8 PEM block);
- ``SHEBAO_SIGNING_PUBLIC_KEYS`` / ``…_FILE``: retired public keys (comma-separated
  base64 of 32 raw bytes) still published so that old receipts keep verifying.

Every key that signs is also recorded in ``kernel.SigningKey`` the first time it is
used, so a rotation that forgets to list the old key still publishes it. The
published set (active + listed + recorded) is served at
``/.well-known/shebao-signing-keys.json`` as a JWK set; anyone can verify a receipt
offline with it and ``scripts/verify_receipt.py``.

A receipt::

    {"purpose": "hall.case_confirm", "payload": {...}, "signed_at": "2025-03-01T09:30:00+08:00",
     "key_id": "0123456789abcdef", "alg": "Ed25519", "signature": "<base64url>"}

The signature covers ``canonical_json`` of the receipt without ``signature``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.kernel.models import SigningKey
from shebao.kernel.rules import receipts
from shebao.kernel.rules.receipts import (
    ALG,
    CanonicalError,
    SigningKeyError,
    b64url,
    b64url_decode,
    key_id_for,
    raw_public,
)

__all__ = [
    "ALG",
    "CanonicalError",
    "SigningKeyError",
    "active_key_id",
    "canonical_json",
    "published_keys",
    "published_keys_document",
    "receipt_issue",
    "receipt_verify",
    "signing_configuration_problems",
]

canonical_json = receipts.canonical_json


@lru_cache(maxsize=8)
def _private_key(text: str) -> Ed25519PrivateKey:
    return receipts.parse_private_key(text)


@lru_cache(maxsize=8)
def _retired_keys(text: str) -> tuple[Ed25519PublicKey, ...]:
    return tuple(receipts.parse_public_keys(text))


def _active() -> Ed25519PrivateKey:
    if not settings.SHEBAO_SIGNING_ENABLED:
        raise SigningKeyError("signing is disabled (SHEBAO_SIGNING_ENABLED=false)")
    return _private_key(settings.SHEBAO_SIGNING_KEY)


def active_key_id() -> str:
    return key_id_for(_active().public_key())


def signing_configuration_problems() -> list[str]:
    """What is wrong with the signing keys (for the system check); empty when fine."""
    problems: list[str] = []
    if settings.SHEBAO_SIGNING_ENABLED:
        try:
            _private_key(settings.SHEBAO_SIGNING_KEY)
        except SigningKeyError as exc:
            problems.append(f"SHEBAO_SIGNING_KEY (or SHEBAO_SIGNING_KEY_FILE): {exc}")
    try:
        _retired_keys(settings.SHEBAO_SIGNING_PUBLIC_KEYS)
    except SigningKeyError as exc:
        problems.append(f"SHEBAO_SIGNING_PUBLIC_KEYS (or SHEBAO_SIGNING_PUBLIC_KEYS_FILE): {exc}")
    return problems


def _record_key(public_key: Ed25519PublicKey, *, now: dt.datetime) -> None:
    """Make sure the key that signs is in the registry (a no-op once it is)."""
    kid = key_id_for(public_key)
    if SigningKey.objects.filter(pk=kid).exists():
        return
    try:
        with transaction.atomic():
            SigningKey.objects.create(
                key_id=kid, alg=ALG, public_key=b64url(raw_public(public_key)), first_used_at=now
            )
    except IntegrityError:  # recorded by a concurrent first signature
        pass


def receipt_issue(*, purpose: str, payload: dict, now: dt.datetime | None = None) -> dict:
    """A signed, timestamped receipt of ``payload`` for ``purpose`` (e.g. "hall.case_confirm").

    ``payload`` holds plain JSON values, ``Decimal`` (written as a string), dates and
    aware datetimes; floats raise ``CanonicalError``. The returned dict is exactly
    what was signed (payload normalised to JSON values) and can be stored or handed
    out as JSON. Raises ``SigningKeyError`` when no usable key is configured.
    """
    now = now if now is not None else timezone.now()
    if timezone.is_naive(now):
        raise CanonicalError("now: a timezone-aware datetime is required")
    key = _active()
    signed_at = timezone.localtime(now).replace(microsecond=0)
    receipt = receipts.receipt_sign(private_key=key, purpose=purpose, payload=payload, signed_at=signed_at)
    _record_key(key.public_key(), now=now)
    return receipt


def published_keys() -> dict[str, Ed25519PublicKey]:
    """Every public key a receipt may be verified with: active, listed and recorded."""
    keys: dict[str, Ed25519PublicKey] = {}
    for row in SigningKey.objects.filter(alg=ALG).order_by("first_used_at"):
        try:
            public = Ed25519PublicKey.from_public_bytes(b64url_decode(row.public_key))
        except ValueError:
            continue
        if key_id_for(public) == row.key_id:
            keys[row.key_id] = public
    try:
        for public in _retired_keys(settings.SHEBAO_SIGNING_PUBLIC_KEYS):
            keys[key_id_for(public)] = public
    except SigningKeyError:
        pass  # reported by the system check
    try:
        active = _active().public_key()
        keys[key_id_for(active)] = active
    except SigningKeyError:
        pass
    return keys


def published_keys_document() -> dict:
    """The JWK set served at /.well-known/shebao-signing-keys.json."""
    try:
        active = active_key_id()
    except SigningKeyError:
        active = None
    first_used = dict(SigningKey.objects.values_list("key_id", "first_used_at"))
    entries = []
    for kid, public in published_keys().items():
        extra: dict = {"status": "active" if kid == active else "retired"}
        if kid in first_used:
            extra["first_used_at"] = timezone.localtime(first_used[kid]).isoformat(timespec="seconds")
        entries.append(receipts.jwk_for(public, **extra))
    entries.sort(key=lambda e: (e["status"] != "active", e.get("first_used_at", ""), e["kid"]))
    return {
        "issuer": settings.SHEBAO_CITY_NAME + "社会保险经办机构",
        "alg": ALG,
        "canonicalization": "RFC 8785 (JCS); floats refused, Decimal as string",
        "signature_covers": "canonical JSON of the receipt without its 'signature' field",
        "keys": entries,
    }


def _keys_from(public_keys) -> dict[str, Ed25519PublicKey]:
    if public_keys is None:
        return published_keys()
    if isinstance(public_keys, Mapping) and "keys" in public_keys:
        return receipts.keys_document_parse(public_keys)
    out: dict[str, Ed25519PublicKey] = {}
    items = public_keys.items() if isinstance(public_keys, Mapping) else ((None, k) for k in public_keys)
    for _kid, value in items:
        try:
            if isinstance(value, Ed25519PublicKey):
                key = value
            elif isinstance(value, bytes):
                key = Ed25519PublicKey.from_public_bytes(value)
            else:
                key = receipts.parse_public_key(str(value))
        except (ValueError, SigningKeyError):
            continue
        out[key_id_for(key)] = key
    return out


def receipt_verify(receipt: dict, *, public_keys=None) -> bool:
    """True when ``receipt`` is intact and signed by a published key (or one of
    ``public_keys``: a JWK-set document, ``{key_id: key}`` or an iterable of keys given
    as Ed25519PublicKey, 32 raw bytes or base64). Key ids are recomputed from the
    keys, never trusted. Returns False, never raises, for any malformed receipt."""
    return receipts.receipt_check(receipt, _keys_from(public_keys))
