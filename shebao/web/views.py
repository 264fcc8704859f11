"""Portal-wide pages: the home page and the 大字版 (large type) switch."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shebao.web.templatetags.portal import portal_links

LARGE_TYPE_COOKIE = "large_type"
ONE_YEAR = 365 * 24 * 3600


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"shortcuts": portal_links(request.user)})


@require_POST
def large_type(request: HttpRequest) -> HttpResponse:
    """Switch large type on (``large_type=1``) or off; works without JavaScript."""
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("web:home")
    response = HttpResponseRedirect(target)
    if request.POST.get("large_type") == "1":
        response.set_cookie(LARGE_TYPE_COOKIE, "1", max_age=ONE_YEAR, samesite="Lax", httponly=True)
    else:
        response.delete_cookie(LARGE_TYPE_COOKIE, samesite="Lax")
    return response
