"""Time-based one-time passwords (RFC 6238, 30-second steps, 6 digits). Pure: no Django.

A code is accepted for the current step and one step either side (clock drift);
the service then refuses any step not later than the last one used (replay).
"""

from __future__ import annotations

import hmac
import re

import pyotp

STEP_SECONDS = 30
WINDOW = 1
_CODE = re.compile(r"^\d{6}$")


def new_secret() -> str:
    return pyotp.random_base32()


def time_step(timestamp: float) -> int:
    return int(timestamp) // STEP_SECONDS


def normalise_code(raw: str) -> str:
    return re.sub(r"\s", "", raw or "")


def matching_step(secret: str, code: str, *, timestamp: float, window: int = WINDOW) -> int | None:
    """The time step whose code equals ``code`` (latest first), or None."""
    code = normalise_code(code)
    if not secret or not _CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    current = time_step(timestamp)
    for step in range(current + window, current - window - 1, -1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def code_at(secret: str, *, timestamp: float) -> str:
    """The code an authenticator app shows at ``timestamp`` (tests, demo data)."""
    return pyotp.TOTP(secret).generate_otp(time_step(timestamp))


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)
