"""Helpers shared by the staff, citizen and employer pages.

Who may open a page is decided here (by user kind) and, for objects, by the
access functions in ``shebao.register.access``; these helpers only turn their
refusals into a 403 page and ``RegisterError`` into form errors in the reader's
language.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language

from shebao.accounts.access import AccessDenied, user_grants
from shebao.accounts.rules.permissions import UserKind
from shebao.kernel.divisions import division_name_path


def is_english(request: HttpRequest | None = None) -> bool:
    code = getattr(request, "LANGUAGE_CODE", None) or get_language() or "zh-hans"
    return code.lower().startswith("en")


def message_for(request: HttpRequest, exc: Exception) -> str:
    """The message of a bilingual error (RegisterError, AccessDenied, kernel errors) for this reader."""
    zh = getattr(exc, "message_zh", None)
    en = getattr(exc, "message_en", None)
    if zh is None and en is None:
        return str(exc)
    return (en or zh) if is_english(request) else (zh or en)


def pick(request: HttpRequest | None, zh: str, en: str) -> str:
    return en if is_english(request) else zh


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def forbidden(request: HttpRequest, exc: AccessDenied | None = None) -> HttpResponse:
    message = (
        message_for(request, exc) if exc is not None else pick(request, "无权访问此页面", "access denied")
    )
    template = "register/_forbidden.html" if is_htmx(request) else "register/403.html"
    return render(request, template, {"message": message}, status=403)


def done(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful post: a redirect, or for htmx an ``HX-Redirect`` to the same place."""
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def form_error(request: HttpRequest, form, exc: Exception) -> None:
    """Attach a service error to the form field it names (or to the form as a whole)."""
    field = getattr(exc, "field", None)
    message = message_for(request, exc)
    row = getattr(exc, "row", None)
    if row:
        message = pick(request, f"第{row}行：{message}", f"row {row}: {message}")
    if field and field in form.fields:
        form.add_error(field, message)
    else:
        form.add_error(None, message)


def _kind_required(kind: UserKind, *, check: Callable | None = None):
    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(user, "kind", None) != kind or not user.is_active or (check and not check(user)):
                return forbidden(request)
            try:
                return view(request, *args, **kwargs)
            except AccessDenied as exc:
                return forbidden(request, exc)

        return wrapper

    return decorator


staff_required = _kind_required(UserKind.STAFF, check=lambda user: bool(user_grants(user)))
citizen_required = _kind_required(UserKind.CITIZEN)
employer_required = _kind_required(UserKind.EMPLOYER, check=lambda user: user.employer_id is not None)


def region_name(code: str) -> str:
    """``110105`` → "北京市 / 朝阳区（110105）" when the divisions table knows it, else the code."""
    if not code:
        return ""
    path = division_name_path(code)
    return f"{path}（{code}）" if path else code
