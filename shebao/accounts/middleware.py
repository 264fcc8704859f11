"""Finishes every login before any page is served.

A logged-in user is sent, in this order, to
1. the TOTP page (staff only) until the session has passed the second factor
   (``request.session["otp_ok"]``): enrolment when no authenticator is confirmed yet,
   otherwise code entry;
2. the change-password page while ``must_change_password`` is set (one-time
   password from a slip).
Logout, language switching, static files, the health check and the API (whose
``SessionAuth`` applies the same rule) are always let through. ``AccessDenied``
raised by a view becomes a 403 page with the bilingual reason.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from shebao.accounts.access import AccessDenied
from shebao.accounts.api_auth import OTP_SESSION_KEY
from shebao.accounts.rules.permissions import UserKind

ALWAYS_ALLOWED_VIEWS = frozenset({"accounts:logout", "set_language", "healthz"})
OTP_VIEWS = frozenset({"accounts:otp_verify", "accounts:otp_enrol"})
PASSWORD_VIEWS = frozenset({"accounts:password_change"})


def _exempt_path(path: str) -> bool:
    return path.startswith((settings.STATIC_URL, "/api/", "/healthz", "/i18n/"))


def _redirect(view_name: str, request) -> HttpResponseRedirect:
    url = reverse(view_name)
    if request.method == "GET":
        url += "?" + urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(url)


class PasswordAndTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or _exempt_path(request.path_info):
            return None
        match = request.resolver_match
        view_name = match.view_name if match is not None else ""
        if view_name in ALWAYS_ALLOWED_VIEWS:
            return None
        if user.kind == UserKind.STAFF and not request.session.get(OTP_SESSION_KEY):
            if view_name in OTP_VIEWS:
                return None
            return _redirect("accounts:otp_verify" if user.totp_confirmed else "accounts:otp_enrol", request)
        if user.must_change_password and view_name not in PASSWORD_VIEWS:
            return _redirect("accounts:password_change", request)
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, AccessDenied):
            return render(request, "accounts/denied.html", {"error": exception}, status=403)
        return None
