"""The WSGI entry point itself (``shebao.config.wsgi.application``): pages and API calls
go through their own middleware lists, and a look-up through it is answered, logged and
Host-checked as through the test client."""

from __future__ import annotations

import json
import secrets

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test.client import FakePayload, RequestFactory

from shebao.accounts.api_auth import hash_token, token_cache_clear
from shebao.accounts.models import ApiToken
from shebao.config import wsgi
from shebao.kernel.models import DataAccess

pytestmark = pytest.mark.django_db


def _environ(path: str, *, body: bytes = b"", headers: dict | None = None) -> dict:
    extra = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in (headers or {}).items()}
    if body:
        extra.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body)))
    return RequestFactory()._base_environ(
        PATH_INFO=path, REQUEST_METHOD="POST" if body else "GET", **{"wsgi.input": FakePayload(body)}, **extra
    )


def _call(environ: dict) -> tuple[str, dict]:
    """Call the entry point with the test database's connection kept open (as the test
    client does: request_started/finished would close it)."""
    statuses = []
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        chunks = wsgi.application(environ, lambda status, headers, exc_info=None: statuses.append(status))
        body = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return statuses[0], json.loads(body) if body.startswith(b"{") else {}


def test_pages_and_api_go_through_their_lists():
    assert wsgi.handler_for(_environ("/")) is wsgi.site_application
    assert wsgi.handler_for(_environ("/staff/")) is wsgi.site_application
    assert wsgi.handler_for(_environ("/api/v1/me/")) is wsgi.api_application
    # what the API list leaves out is in the site's list (a renamed middleware would
    # otherwise silently stay on the API path)
    assert wsgi.NOT_FOR_API.issubset(settings.MIDDLEWARE)


def test_bearer_lookup_through_the_entry_point(clerk, person, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    token_cache_clear()
    raw = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=clerk, name="test", prefix=raw[:8], key_hash=hash_token(raw))
    body = json.dumps({"id_number": person.id_number}).encode()
    status, data = _call(_environ("/api/v1/staff/persons/lookup", body=body, headers={"Authorization": f"Bearer {raw}"}))
    assert status.startswith("200") and data["id"] == person.pk and "*" in data["id_masked"]
    assert DataAccess.objects.filter(subject_id=person.pk, actor_id=clerk.pk).count() == 1
    status, _ = _call(_environ("/api/v1/staff/persons/lookup", body=body, headers={"Authorization": "Bearer nope"}))
    assert status[:3] in ("401", "403")
    # the Host header is still checked on this path
    bad_host = _environ("/api/v1/staff/persons/lookup", body=body, headers={"Authorization": f"Bearer {raw}"})
    bad_host["HTTP_HOST"] = "evil.example"
    status, _ = _call(bad_host)
    assert status.startswith("400")
