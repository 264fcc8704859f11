"""Gives every request an id (taken from X-Request-ID when sane) and sets the audit
context for the request, so audit entries carry request id, actor and post."""

from __future__ import annotations

import re
import uuid

from shebao.kernel.audit import audit_context

_SANE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SANE.match(incoming) else uuid.uuid4().hex
        with audit_context(request_id=request.request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response
