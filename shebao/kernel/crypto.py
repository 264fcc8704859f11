"""Personal data at rest: AES-256-GCM with a key id, and a keyed blind index.

Stored form: ``<kid>$<base64(nonce ‖ ciphertext ‖ tag)>``. The key id travels with
the value, so keys rotate by adding a new key in front of ``SHEBAO_DATA_KEYS``
(it encrypts from then on; old keys keep decrypting until ``rotate_data_keys`` has
re-encrypted the rows). The associated data binds a ciphertext to its field
("person.id_number"), so a value cannot be moved to another column unnoticed.

The blind index is HMAC-SHA256 under a separate key: equal inputs give equal
indexes, which allows exact lookup by ID number without decrypting anything.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models


class KeyConfigError(ValueError):
    pass


class DecryptionError(ValueError):
    pass


@dataclass(frozen=True)
class Keyring:
    active_kid: str
    keys: dict[str, AESGCM]
    blind_key: bytes

    def encrypt(self, plaintext: str, *, aad: str) -> str:
        nonce = os.urandom(12)
        sealed = self.keys[self.active_kid].encrypt(nonce, plaintext.encode("utf-8"), aad.encode("utf-8"))
        return f"{self.active_kid}${base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, stored: str, *, aad: str) -> str:
        kid, _, payload = stored.partition("$")
        key = self.keys.get(kid)
        if key is None:
            raise DecryptionError(f"unknown data key id {kid!r}")
        try:
            raw = base64.b64decode(payload, validate=True)
            return key.decrypt(raw[:12], raw[12:], aad.encode("utf-8")).decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise DecryptionError(f"value under key {kid!r} does not decrypt for {aad!r}") from exc

    def blind_index(self, value: str, *, purpose: str) -> str:
        return hmac.new(self.blind_key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


def parse_keyring(data_keys: str, blind_key: str) -> Keyring:
    """Parse ``kid:base64,kid:base64`` (first active) and the base64 blind-index key."""
    keys: dict[str, AESGCM] = {}
    order: list[str] = []
    for item in [part.strip() for part in data_keys.split(",") if part.strip()]:
        kid, sep, b64 = item.partition(":")
        if not sep or not kid or "$" in kid:
            raise KeyConfigError(f"data key entry {kid or item[:8]!r} must look like kid:base64key")
        try:
            raw = base64.b64decode(b64, validate=True)
        except binascii.Error as exc:
            raise KeyConfigError(f"data key {kid!r} is not valid base64") from exc
        if len(raw) != 32:
            raise KeyConfigError(f"data key {kid!r} must be 32 bytes (AES-256), got {len(raw)}")
        if kid in keys:
            raise KeyConfigError(f"data key id {kid!r} is given twice")
        keys[kid] = AESGCM(raw)
        order.append(kid)
    if not order:
        raise KeyConfigError("SHEBAO_DATA_KEYS is empty")
    try:
        blind = base64.b64decode(blind_key, validate=True)
    except binascii.Error as exc:
        raise KeyConfigError("SHEBAO_BLIND_INDEX_KEY is not valid base64") from exc
    if len(blind) < 32:
        raise KeyConfigError("SHEBAO_BLIND_INDEX_KEY must be at least 32 bytes")
    return Keyring(active_kid=order[0], keys=keys, blind_key=blind)


@lru_cache(maxsize=4)
def _keyring_for(data_keys: str, blind_key: str) -> Keyring:
    return parse_keyring(data_keys, blind_key)


def keyring() -> Keyring:
    return _keyring_for(settings.SHEBAO_DATA_KEYS, settings.SHEBAO_BLIND_INDEX_KEY)


def encrypt(plaintext: str, *, aad: str) -> str:
    return keyring().encrypt(plaintext, aad=aad)


def decrypt(stored: str, *, aad: str) -> str:
    return keyring().decrypt(stored, aad=aad)


def blind_index(value: str, *, purpose: str) -> str:
    return keyring().blind_index(value, purpose=purpose)


def new_data_key() -> str:
    return base64.b64encode(os.urandom(32)).decode("ascii")


class EncryptedTextField(models.TextField):
    """A text column stored AES-GCM encrypted; reads give back the plaintext.

    ``aad`` names the field (e.g. ``"person.phone"``). Lookups other than ``isnull``
    are meaningless on ciphertext and are refused: use a blind index.
    """

    def __init__(self, *args, aad: str = "", **kwargs) -> None:
        self.aad = aad
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["aad"] = self.aad
        return name, path, args, kwargs

    def get_prep_value(self, value):
        if value is None or value == "":
            return value
        return encrypt(str(value), aad=self.aad)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value, aad=self.aad)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)
