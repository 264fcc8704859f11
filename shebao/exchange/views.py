"""The receiving endpoint ``POST /exchange/inbox`` (machine to machine, no session, no
CSRF: the message is authenticated by its Ed25519 signature) and the administrator's
page listing the outbox and inbox."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shebao.exchange import selectors, services

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def inbox(request):
    try:
        status, document = services.inbox_receive(raw=request.body)
    except Exception:
        log.exception("exchange: handling a received message failed")
        status, document = 500, {"error": {"field": "message", "message": "处理消息时出错，请稍后重发",
                                           "message_en": "the message could not be handled; send it again later"}}  # fmt: skip
    return JsonResponse(document, status=status, json_dumps_params={"ensure_ascii": False})


@login_required
def staff_messages(request):
    data = selectors.exchange_overview(user=request.user)
    return render(request, "exchange/messages.html", data)
