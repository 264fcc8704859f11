"""Bearer-token authentication for the ninja API (``Authorization: Bearer <token>``),
with the logged-in session as a second way in for pages that call the API."""

from __future__ import annotations

import copy
import hashlib
import threading
import time

from django.conf import settings
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from shebao.accounts.models import ApiToken
from shebao.accounts.rules.permissions import UserKind


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


# token hash → (monotonic deadline, user with grants preloaded, token expiry).
# A short in-process cache: an API client's token, user and posts are read once per
# SHEBAO_TOKEN_CACHE_SECONDS per process instead of on every request (two queries of
# the four a look-up cost). Revocation, deactivation and post changes clear it in the
# process that made them; other processes follow within the TTL (ADR 0006).
_TOKEN_CACHE: dict[str, tuple[float, object, object]] = {}
_TOKEN_CACHE_LOCK = threading.Lock()
_TOKEN_CACHE_MAX = 10_000


def token_cache_clear() -> None:
    with _TOKEN_CACHE_LOCK:
        _TOKEN_CACHE.clear()


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        key = hash_token(token)
        ttl = getattr(settings, "SHEBAO_TOKEN_CACHE_SECONDS", 0)
        cached = _TOKEN_CACHE.get(key) if ttl > 0 else None
        if cached is not None and cached[0] > time.monotonic():
            _deadline, user, expires_at = cached
            if expires_at is None or expires_at > timezone.now():
                user = copy.copy(user)  # per-request object; the grants tuple is shared, read-only
                request.user = user
                return user
        user = self._load(key)
        if user is None:
            return None
        if ttl > 0:
            from shebao.accounts.access import user_grants

            user_grants(user)  # preload the posts into the cached object
            with _TOKEN_CACHE_LOCK:
                if len(_TOKEN_CACHE) >= _TOKEN_CACHE_MAX:
                    _TOKEN_CACHE.clear()
                _TOKEN_CACHE[key] = (time.monotonic() + ttl, user, user._token_expires_at)
            user = copy.copy(user)
        request.user = user
        return user

    @staticmethod
    def _load(key: str):
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=key, revoked_at__isnull=True)
            .only("id", "expires_at", "user")
            .first()
        )
        if row is None or not row.user.is_active:
            return None
        if row.expires_at and row.expires_at <= timezone.now():
            return None
        row.user._token_expires_at = row.expires_at
        return row.user


OTP_SESSION_KEY = "otp_ok"


def session_login_complete(request) -> bool:
    """Has the session's user finished logging in: password changed when required and,
    for staff, the second factor passed? (The page middleware enforces the same.)"""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if user.must_change_password:
        return False
    return user.kind != UserKind.STAFF or bool(request.session.get(OTP_SESSION_KEY))


class SessionAuth(APIKeyCookie):
    """The Django session cookie (CSRF-checked by ninja for unsafe methods). Refuses a
    session that has not finished logging in (staff without the TOTP step, or a
    one-time password not yet changed)."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        if session_login_complete(request):
            return request.user
        return None


api_auth = [TokenAuth(), SessionAuth()]
