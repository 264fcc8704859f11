#!/usr/bin/env python3
"""Verify a Shebao signed receipt (电子签名确认) offline.

    python3 verify_receipt.py receipt.json keys.json

``keys.json`` is the published key set (download it once from
``<site>/.well-known/shebao-signing-keys.json``). Needs only Python 3.11+ and the
``cryptography`` package; it does not import the Shebao project. Exit status 0 when
the receipt is genuine and unaltered, 1 when it is not, 2 for unreadable files.

The signature is Ed25519 over the canonical JSON (RFC 8785 style: keys sorted by
UTF-16 code units, no whitespace, UTF-8) of the receipt without its "signature".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FIELDS = {"purpose", "payload", "signed_at", "key_id", "alg", "signature"}
MAX_SAFE_INT = 2**53 - 1


def canonical_json(value: object) -> bytes:
    out: list[str] = []

    def write(v: object) -> None:
        if isinstance(v, dict):
            out.append("{")
            for i, key in enumerate(sorted(v, key=lambda k: k.encode("utf-16-be"))):
                if not isinstance(key, str):
                    raise TypeError("object keys must be strings")
                out.append("," if i else "")
                out.append(json.dumps(key, ensure_ascii=False) + ":")
                write(v[key])
            out.append("}")
        elif isinstance(v, list):
            out.append("[")
            for i, item in enumerate(v):
                out.append("," if i else "")
                write(item)
            out.append("]")
        elif isinstance(v, float):
            raise TypeError("floats have no canonical form in a receipt")
        elif isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_SAFE_INT:
            raise TypeError("integer out of the safe range")
        elif v is None or isinstance(v, bool | int | str):
            out.append(json.dumps(v, ensure_ascii=False))
        else:
            raise TypeError(f"{type(v).__name__} is not a JSON value")

    write(value)
    return "".join(out).encode("utf-8")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text:
        raise ValueError("not base64url")
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def load_keys(document: object) -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    for entry in document.get("keys", []) if isinstance(document, dict) else []:
        if not isinstance(entry, dict) or entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
            continue
        try:
            raw = b64url_decode(entry.get("x", ""))
            public = Ed25519PublicKey.from_public_bytes(raw)
        except (ValueError, binascii.Error):
            continue
        if entry.get("kid") == key_id(raw):  # the key id is recomputed, never trusted
            keys[entry["kid"]] = public
    return keys


def verify(receipt: object, keys: dict[str, Ed25519PublicKey]) -> tuple[bool, str]:
    if not isinstance(receipt, dict) or set(receipt) != FIELDS:
        return False, "not a receipt (fields differ) / 不是签名回执"
    if receipt["alg"] != "Ed25519":
        return False, f"unknown algorithm {receipt['alg']!r} / 未知算法"
    public = keys.get(receipt["key_id"]) if isinstance(receipt["key_id"], str) else None
    if public is None:
        return False, f"key {receipt['key_id']!r} is not in the key set / 公钥集中无此密钥"
    try:
        signature = b64url_decode(receipt["signature"])
        body = {k: v for k, v in receipt.items() if k != "signature"}
        public.verify(signature, canonical_json(body))
    except (InvalidSignature, ValueError, TypeError, binascii.Error):
        return (
            False,
            "signature does not match: the receipt was altered or is forged / 签名不符：回执被篡改或伪造",
        )
    return True, "genuine and unaltered / 签名有效，内容未被篡改"


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as fh:
            receipt = json.load(fh)
        with open(argv[2], encoding="utf-8") as fh:
            keys = load_keys(json.load(fh))
    except (OSError, ValueError) as exc:
        print(f"cannot read input: {exc}", file=sys.stderr)
        return 2
    ok, message = verify(receipt, keys)
    print(("VALID: " if ok else "INVALID: ") + message)
    if ok:
        print(
            f"purpose: {receipt['purpose']}  signed_at: {receipt['signed_at']}  key_id: {receipt['key_id']}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
