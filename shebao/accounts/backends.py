"""Password login by login name or (citizens) ID number, with lockout.

After ``SHEBAO_LOCKOUT_THRESHOLD`` consecutive failures an account is locked for
``SHEBAO_LOCKOUT_MINUTES``; while locked even the right password is refused. When a
login is refused because of a lock, the lock's end is left on the request
(``request.shebao_locked_until``) so the login form can say until when.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth.backends import ModelBackend
from django.utils import timezone

from shebao.accounts.models import User
from shebao.accounts.selectors import user_for_login
from shebao.accounts.services import user_login_failed, user_login_refused, user_login_succeeded

logger = logging.getLogger(__name__)


def _note_locked(request, until: dt.datetime) -> None:
    if request is not None:
        request.shebao_locked_until = until


class LockoutBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, now: dt.datetime | None = None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        user = user_for_login(username)
        if user is None:
            # Spend the same time as a real check, so timing does not reveal accounts.
            User().set_password(password)
            logger.info("login refused: unknown login name")
            return None
        now = now or timezone.now()
        if user.locked_until and user.locked_until > now:
            user_login_refused(user=user, reason="locked")
            _note_locked(request, user.locked_until)
            return None
        if not self.user_can_authenticate(user):
            user_login_refused(user=user, reason="inactive")
            return None
        if not user.check_password(password):
            until = user_login_failed(user=user, reason="password", now=now)
            if until is not None:
                _note_locked(request, until)
            return None
        user_login_succeeded(user=user)
        return user
