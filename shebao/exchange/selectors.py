"""Exchange reads: peers, outbox and inbox for the administrator (PARAMETER_ADMIN)."""

from __future__ import annotations

from shebao.accounts.access import require_perm
from shebao.accounts.rules.permissions import Perm
from shebao.exchange.models import InboxMessage, OutboxMessage, Peer


def exchange_overview(*, user, limit: int = 100) -> dict:
    require_perm(user, Perm.PARAMETER_ADMIN)
    return {
        "peers": list(Peer.objects.order_by("agency_code")),
        "outbox": list(OutboxMessage.objects.order_by("-created_at")[:limit]),
        "inbox": list(InboxMessage.objects.order_by("-received_at")[:limit]),
    }


def outbox_for(*, correlation_id: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(correlation_id=correlation_id).order_by("created_at"))


def peers_active() -> list[Peer]:
    return list(Peer.objects.filter(status="active").order_by("agency_code"))
