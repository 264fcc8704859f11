"""Settings for the test suite: fixed, throw-away keys so tests never need var/.

Every value can still be overridden from the environment (the PostgreSQL pass
sets SHEBAO_DATABASE_URL).
"""

import os

os.environ.setdefault("SHEBAO_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
# Two keys: "k2" is active, "k1" is an older key still accepted for decryption.
os.environ.setdefault(
    "SHEBAO_DATA_KEYS",
    "k2:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=,k1:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=",
)
os.environ.setdefault("SHEBAO_BLIND_INDEX_KEY", "dGVzdC1ibGluZC1pbmRleC1rZXktMzItYnl0ZXMhISE=")
# Ed25519 seed for signed receipts (base64 of b"shebao-test-signing-seed-0000001").
os.environ.setdefault("SHEBAO_SIGNING_KEY", "c2hlYmFvLXRlc3Qtc2lnbmluZy1zZWVkLTAwMDAwMDE=")
os.environ.setdefault("SHEBAO_DATABASE_URL", "sqlite:///var/test.sqlite3")
os.environ.setdefault("SHEBAO_SECURE_COOKIES", "false")

from shebao.config.settings import *  # noqa: E402,F403
from shebao.config.settings import PASSWORD_HASHERS  # noqa: E402

# Argon2 at full cost makes every login in a test take ~50 ms; use a cheap hasher
# in tests except where a test asserts the argon2 hasher explicitly.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F811

# Transactional tests flush tables with TRUNCATE; the audit table's TRUNCATE guard
# lets that through only on connections that set this (see kernel migration 0002).
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"]["OPTIONS"]["options"] = "-c shebao.test_flush=on"  # noqa: F405

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns when it is missing
