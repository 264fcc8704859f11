"""Certificate numbers and verification codes. Pure: no Django.

A verification code is 16 characters of RFC 4648 base32 (A–Z, 2–7): 80 random bits, so
guessing one is hopeless even at millions of tries. It is printed in groups of four
(``ABCD-EFGH-JKLM-NPQR``); what a reader types back is normalised (case, spaces, dashes,
and the look-alikes 0/O, 1/I, 8/B that base32 does not use) before the look-up.
"""

from __future__ import annotations

import base64
import re
import secrets

CODE_LENGTH = 16
_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_SEPARATORS = re.compile(r"[\s\-_.]")


def new_code() -> str:
    """A fresh verification code (16 base32 characters, 80 random bits)."""
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii")


def normalise_code(raw: object) -> str | None:
    """The canonical form of a typed code, or None if it cannot be one."""
    text = _SEPARATORS.sub("", str(raw or "")).upper().translate(_LOOKALIKES)
    if len(text) != CODE_LENGTH or not set(text) <= _ALPHABET:
        return None
    return text


def grouped(code: str) -> str:
    """``ABCDEFGHJKLMNPQR`` → ``ABCD-EFGH-JKLM-NPQR`` (for print)."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def new_number(day_yyyymmdd: str) -> str:
    """A certificate number: the issue date and eight random digits (``SB20261203 04711932``)."""
    return f"SB{day_yyyymmdd}{secrets.randbelow(10**8):08d}"
