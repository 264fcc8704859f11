"""Signed receipts (电子签名确认): canonical JSON and Ed25519 signatures. Pure: no Django.

The canonical form follows RFC 8785 (JCS) where it matters for us:

- objects with string keys only, sorted by their UTF-16 code units, no whitespace,
  UTF-8 output with non-ASCII characters kept as they are (``ensure_ascii=False``);
- integers only within ±(2**53 − 1), so that every JSON implementation reads them
  exactly; ``bool`` and ``None`` as ``true``/``false``/``null``;
- **floats are refused** (money is ``Decimal``): a ``Decimal`` is written as its
  string (``Decimal("12.30")`` → ``"12.30"``, the scale is kept), dates and
  timezone-aware datetimes as ISO-8601 strings; naive datetimes are refused.

So the canonical bytes of a payload equal the canonical bytes of its JSON round trip,
which is what lets anybody verify a receipt from the JSON file alone.

``scripts/verify_receipt.py`` repeats the verifying half of this module without
importing the project (a test checks that both agree).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG = "Ed25519"
MAX_SAFE_INT = 2**53 - 1
RECEIPT_FIELDS = ("purpose", "payload", "signed_at", "key_id", "alg", "signature")


class CanonicalError(TypeError):
    """A value that has no canonical JSON form (float, naive datetime, odd key …)."""


class SigningKeyError(ValueError):
    """A signing key or public key that cannot be used."""


def _normalise(value: object, path: str) -> object:
    if value is None or isinstance(value, bool | str):
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise CanonicalError(f"{path}: string is not valid Unicode (lone surrogate)") from exc
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INT:
            raise CanonicalError(f"{path}: integer {value} is outside ±(2**53-1); send it as a string")
        return int(value)
    if isinstance(value, float):
        raise CanonicalError(f"{path}: floats have no canonical form here; use Decimal or a string")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise CanonicalError(f"{path}: {value} is not a finite number")
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise CanonicalError(f"{path}: datetime without a timezone")
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError(f"{path}: object keys must be strings, got {type(key).__name__}")
            out[key] = _normalise(item, f"{path}.{key}")
        return out
    if isinstance(value, list | tuple):
        return [_normalise(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise CanonicalError(f"{path}: {type(value).__name__} has no canonical JSON form")


def _write(value: object, out: list[str]) -> None:
    if isinstance(value, dict):
        out.append("{")
        for i, key in enumerate(sorted(value, key=lambda k: k.encode("utf-16-be"))):
            if i:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, list):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        out.append(json.dumps(value, ensure_ascii=False))


def canonical_json(obj: object) -> bytes:
    """The canonical UTF-8 bytes of ``obj`` (see the module docstring)."""
    out: list[str] = []
    _write(_normalise(obj, "$"), out)
    return "".join(out).encode("utf-8")


def normalised(obj: object) -> object:
    """``obj`` as plain JSON values (what a verifier will read back from the file)."""
    return json.loads(canonical_json(obj))


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text or "=" in text.rstrip("="):
        raise ValueError("not base64url")
    padded = text + "=" * (-len(text) % 4)
    return base64.b64decode(padded, altchars=b"-_", validate=True)


def _b64_any(text: str) -> bytes:
    """Standard or URL-safe base64, padded or not."""
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    return base64.b64decode(cleaned, validate=True)


def raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_for(public_key: Ed25519PublicKey | bytes) -> str:
    """First 16 hex digits of SHA-256 over the 32-byte raw public key."""
    raw = public_key if isinstance(public_key, bytes) else raw_public(public_key)
    return hashlib.sha256(raw).hexdigest()[:16]


def parse_private_key(text: str) -> Ed25519PrivateKey:
    """A PKCS#8 PEM block, or base64 (standard or URL-safe) of the 32-byte seed."""
    text = (text or "").strip()
    if not text:
        raise SigningKeyError("no signing key is set")
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        except (ValueError, TypeError) as exc:
            raise SigningKeyError("the PEM signing key cannot be read (unencrypted PKCS#8 expected)") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError("the PEM signing key is not an Ed25519 key")
        return key
    try:
        seed = _b64_any(text)
    except (binascii.Error, ValueError) as exc:
        raise SigningKeyError("the signing key is neither PEM nor base64") from exc
    if len(seed) != 32:
        raise SigningKeyError(f"the signing key must be a 32-byte Ed25519 seed, got {len(seed)} bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def parse_public_key(text: str) -> Ed25519PublicKey:
    """Base64 (standard or URL-safe) of a 32-byte raw Ed25519 public key."""
    try:
        raw = _b64_any(text)
    except (binascii.Error, ValueError) as exc:
        raise SigningKeyError(f"public key {text[:12]!r}… is not base64") from exc
    if len(raw) != 32:
        raise SigningKeyError(f"public key {text[:12]!r}… must be 32 bytes, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def parse_public_keys(text: str) -> list[Ed25519PublicKey]:
    return [parse_public_key(part) for part in (text or "").split(",") if part.strip()]


def signing_input(receipt: Mapping[str, object]) -> bytes:
    """The bytes a receipt's signature covers: every field except ``signature``."""
    return canonical_json({k: v for k, v in receipt.items() if k != "signature"})


def receipt_sign(
    *, private_key: Ed25519PrivateKey, purpose: str, payload: Mapping, signed_at: dt.datetime
) -> dict:
    if not isinstance(purpose, str) or not purpose.strip():
        raise CanonicalError("purpose: a non-empty string is required")
    if not isinstance(payload, Mapping):
        raise CanonicalError("payload: an object is required")
    body = {
        "purpose": purpose,
        "payload": normalised(payload),
        "signed_at": normalised(signed_at),
        "key_id": key_id_for(private_key.public_key()),
        "alg": ALG,
    }
    return {**body, "signature": b64url(private_key.sign(signing_input(body)))}


def receipt_check(receipt: object, public_keys: Mapping[str, Ed25519PublicKey]) -> bool:
    """True when ``receipt`` has exactly the receipt fields and a valid signature by the
    published key its ``key_id`` names. Never raises for bad input."""
    if not isinstance(receipt, Mapping) or set(receipt) != set(RECEIPT_FIELDS):
        return False
    if receipt.get("alg") != ALG or not isinstance(receipt.get("key_id"), str):
        return False
    if not isinstance(receipt.get("payload"), Mapping) or not isinstance(receipt.get("signed_at"), str):
        return False
    key = public_keys.get(receipt["key_id"])
    if key is None or key_id_for(key) != receipt["key_id"]:
        return False
    try:
        signature = b64url_decode(receipt["signature"])
        key.verify(signature, signing_input(receipt))
    except (InvalidSignature, CanonicalError, ValueError, TypeError, binascii.Error):
        return False
    return True


def keys_document_parse(document: object) -> dict[str, Ed25519PublicKey]:
    """``{key_id: public key}`` from a published keys document (JWK set, OKP/Ed25519).
    Entries whose ``kid`` does not match their key are dropped."""
    keys: dict[str, Ed25519PublicKey] = {}
    entries = document.get("keys") if isinstance(document, Mapping) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping) or entry.get("kty") != "OKP" or entry.get("crv") != ALG:
            continue
        try:
            raw = b64url_decode(entry.get("x", ""))
            key = Ed25519PublicKey.from_public_bytes(raw)
        except (ValueError, TypeError, binascii.Error):
            continue
        if entry.get("kid") == key_id_for(raw):
            keys[entry["kid"]] = key
    return keys


def jwk_for(public_key: Ed25519PublicKey, **extra: object) -> dict:
    raw = raw_public(public_key)
    return {
        "kty": "OKP",
        "crv": ALG,
        "alg": "EdDSA",
        "use": "sig",
        "kid": key_id_for(raw),
        "x": b64url(raw),
        **extra,
    }
