"""Shapes of login names, region codes and one-time slip passwords. Pure: no Django."""

from __future__ import annotations

import re
import secrets

from shebao.accounts.rules.errors import AccountError

# No 0/O/o, 1/l/I/i, 5/S: a slip is read off paper and typed in by hand.
SLIP_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZabcdefghjkmnpqrtuvwxyz2346789"
SLIP_LENGTH = 12

# A login name starts with a letter, so it can never be mistaken for an ID number.
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{2,63}$")
_REGION = re.compile(r"^\d{6}$")
# Citizen accounts get a generated login name; nobody else may take one like it.
CITIZEN_USERNAME_PREFIX = "citizen-"


def citizen_username(person_id: int) -> str:
    return f"{CITIZEN_USERNAME_PREFIX}{person_id}"


def new_slip_password(length: int = SLIP_LENGTH) -> str:
    """A random one-time password with at least one upper-case letter, lower-case letter and digit."""
    while True:
        value = "".join(secrets.choice(SLIP_ALPHABET) for _ in range(length))
        if (
            any(c.isupper() for c in value)
            and any(c.islower() for c in value)
            and any(c.isdigit() for c in value)
        ):
            return value


def check_username(raw: str, *, field: str = "username") -> str:
    value = (raw or "").strip()
    if not _USERNAME.fullmatch(value):
        raise AccountError(
            field=field,
            code="username_format",
            zh="登录名须以字母开头，由3至64位字母、数字、点、下划线或连字符组成",
            en="the login name must start with a letter and have 3–64 letters, digits, dots, underscores or hyphens",
        )
    if value.lower().startswith(CITIZEN_USERNAME_PREFIX):
        raise AccountError(
            field=field,
            code="username_reserved",
            zh=f"以“{CITIZEN_USERNAME_PREFIX}”开头的登录名留给参保人账户",
            en=f"login names starting with “{CITIZEN_USERNAME_PREFIX}” are reserved for citizen accounts",
        )
    return value


def check_region_code(raw: str, *, field: str = "region_code") -> str:
    value = (raw or "").strip()
    if not _REGION.fullmatch(value):
        raise AccountError(
            field=field,
            code="region_format",
            zh=f"区划代码“{value}”应为6位数字",
            en=f"the region code “{value}” must be 6 digits",
        )
    return value
