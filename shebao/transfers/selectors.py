"""Transfer reads for the pages and APIs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import UserKind
from shebao.contributions import external as contribution_external
from shebao.contributions import history as contribution_history
from shebao.contributions import pension_basis
from shebao.exchange import selectors as exchange_selectors
from shebao.kernel.rules.periods import Period
from shebao.register import access as register_access
from shebao.register.rules.codes import Insurance
from shebao.transfers.access import access_transfer, staff_regions
from shebao.transfers.models import Transfer, TransferStep
from shebao.transfers.rules import places as places_rules
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


def staff_transfers(
    *, user, direction: str = "", open_only: bool = True, limit: int = 200
) -> list[TransferView]:
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


@dataclass(frozen=True)
class PayingPlaceView:
    places: tuple[places_rules.Place, ...]  # chronological; the last is this agency
    hukou: str
    decision: places_rules.PayingPlace
    here: bool  # the pension would be paid by this agency


def person_paying_place(*, user, person_id: int, today: dt.date | None = None) -> PayingPlaceView:
    """Where the pension would be paid on the present record (待遇领取地, rules.md §6.3):
    the places are the agencies months were transferred in from (``ExternalMonth``
    sources that are division codes, in the order of their first month; a ``legacy``
    source is this agency's own earlier system) and this agency, with the months of
    pension contributions at each; the person's 户籍地 decides first. Access: the
    person themself or staff who may see the person's contribution record."""
    today = today or timezone.localdate()
    last = Period.of(today)
    first = last + (2 - contribution_history.MAX_MONTHS)
    basis = pension_basis.person_pension_months(user=user, person_id=person_id, first_period=str(first),
                                                last_period=str(last))  # fmt: skip
    elsewhere: dict[str, list[int]] = {}
    for row in contribution_external.external_months(person_id=person_id, first_period=int(first),
                                                     last_period=int(last)):  # fmt: skip
        if row.insurance == Insurance.PENSION and row.source.isdigit() and len(row.source) == 6:
            elsewhere.setdefault(places_rules.province(row.source), []).append(row.period)
    own = places_rules.province(settings.SHEBAO_CITY_CODE)
    other_periods = {p for prov, periods in elsewhere.items() if prov != own for p in periods}
    local = sum(1 for p in basis.paid if p not in other_periods)
    ordered = sorted(((min(ps), prov, len(set(ps))) for prov, ps in elsewhere.items() if prov != own))
    chain = tuple(places_rules.Place(prov + "0000", months) for _, prov, months in ordered) + (
        places_rules.Place(settings.SHEBAO_CITY_CODE, local),
    )
    hukou = register_access.access_person(user=user, person_id=person_id).hukou_region
    decision = places_rules.paying_place(hukou=hukou, places=chain)
    return PayingPlaceView(chain, hukou, decision, places_rules.province(decision.code) == own)
