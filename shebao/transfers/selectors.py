"""Transfer reads for the pages and APIs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import UserKind
from shebao.exchange import selectors as exchange_selectors
from shebao.transfers.access import access_transfer, staff_regions
from shebao.transfers.models import Transfer, TransferStep
from shebao.transfers.rules.states import FINAL


@dataclass(frozen=True)
class TransferView:
    transfer: Transfer
    steps: tuple[TransferStep, ...]
    overdue: bool


def _overdue(t: Transfer, today: dt.date) -> bool:
    return t.status not in FINAL and t.due_date is not None and today > t.due_date


def person_transfers(*, user, person_id: int) -> list[TransferView]:
    """The person's transfers in, newest first, with their steps (the person or staff)."""
    if getattr(user, "kind", None) == UserKind.CITIZEN and user.person_id != person_id:
        raise AccessDenied(zh="无权查看", en="access denied")
    today = timezone.localdate()
    out = []
    for t in Transfer.objects.filter(person_id=person_id, direction="in").order_by("-created_at"):
        t = access_transfer(user=user, transfer_id=t.pk)
        out.append(TransferView(t, tuple(t.steps.order_by("at", "pk")), _overdue(t, today)))
    return out


def staff_transfers(*, user, direction: str = "", open_only: bool = True, limit: int = 200) -> list[TransferView]:
    """Transfers in the post's regions (CASE_VIEW), the soonest timer first."""
    q = Q()
    for region in staff_regions(user):
        prefix = region[:2] if region.endswith("0000") else region[:4] if region.endswith("00") else region
        q |= Q(region_code__startswith=prefix)
    rows = Transfer.objects.filter(q)
    if direction in ("in", "out"):
        rows = rows.filter(direction=direction)
    if open_only:
        rows = rows.exclude(status__in=[s.value for s in FINAL])
    today = timezone.localdate()
    return [TransferView(t, (), _overdue(t, today)) for t in rows.order_by("due_date", "pk")[:limit]]


def transfer_detail(*, user, transfer_id: int) -> TransferView:
    t = access_transfer(user=user, transfer_id=transfer_id)
    return TransferView(t, tuple(t.steps.order_by("at", "pk")), _overdue(t, timezone.localdate()))


def transfer_by_uid(*, uid: str, direction: str) -> Transfer | None:
    return Transfer.objects.filter(uid=uid, direction=direction).first()


def sending_agencies() -> list[tuple[str, str]]:
    """(code, name) of the registered peers a person may name as the sending agency."""
    return [(p.agency_code, p.name) for p in exchange_selectors.peers_active()]
