"""The WSGI entry point (granian or gunicorn: ``shebao.config.wsgi:application``).

Two Django handlers behind one callable: ``/api/`` requests go through a shorter
middleware list, everything else through ``settings.MIDDLEWARE`` unchanged. The API
list is the full list minus what only pages use:

- whitenoise: static files are never under ``/api/``;
- CSRF: ninja's views are CSRF-exempt for the middleware and the session-cookie
  ``SessionAuth`` runs Django's CSRF check itself (``ninja.utils.check_csrf``);
  nothing under ``/api/`` issues a CSRF token;
- messages: the API never shows flash messages.

Kept: security headers, the request id and audit context, sessions and
authentication (``SessionAuth``), locale negotiation (API errors answer in the
caller's language), ``CommonMiddleware`` (the ``ALLOWED_HOSTS`` check), the login
completion middleware (its 403 page for ``AccessDenied``) and ``X-Frame-Options``
(the Swagger page at ``/api/v1/docs`` is HTML). Any middleware added to
settings later applies to the API too unless it is named here. Measured gain: about
0.03 ms of CPU per request of ~0.6 (docs/benchmarks.md).

Tests use Django's test client, which builds its handler from ``settings.MIDDLEWARE``:
the API tests therefore run with the full list, a superset of this one;
tests/register/test_wsgi.py drives ``application`` itself. (A third list without
sessions and authentication for bearer-token calls was measured on 2026-12-04: ≈ 3 %
more look-ups per second, inside the run-to-run spread, so not adopted.)
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.config.settings")

API_PREFIX = "/api/"
NOT_FOR_API = frozenset(
    {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    }
)

site_application = get_wsgi_application()  # calls django.setup()


def _api_application():
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    class ApiHandler(WSGIHandler):
        def load_middleware(self, is_async=False):
            # BaseHandler.load_middleware reads settings.MIDDLEWARE; hand it the API list
            # for the duration of the (start-up, single-threaded) build only.
            full = settings.MIDDLEWARE
            settings.MIDDLEWARE = [name for name in full if name not in NOT_FOR_API]
            try:
                super().load_middleware(is_async)
            finally:
                settings.MIDDLEWARE = full

    return ApiHandler()


api_application = _api_application()


def handler_for(environ):
    """The handler a request goes through: the API list under ``/api/``, else the site's."""
    return api_application if environ.get("PATH_INFO", "").startswith(API_PREFIX) else site_application


def application(environ, start_response):
    return handler_for(environ)(environ, start_response)
