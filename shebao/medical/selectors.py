"""Reads of 异地就医备案: own registrations for the citizen, the person's region for staff."""

from __future__ import annotations

from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.medical.models import Registration, Status
from shebao.register import access as register_access


def view_perm(actor) -> Perm:
    return Perm.CASE_VIEW if getattr(actor, "kind", None) == UserKind.STAFF else Perm.PERSON_VIEW


def registrations_of(*, user, person_id: int) -> list[Registration]:
    """All rows (history included) of a person the user may see; AccessDenied otherwise."""
    register_access.access_person(user=user, person_id=person_id, perm=view_perm(user))
    return list(Registration.objects.filter(person_id=person_id))


def active_registrations(*, person_id: int) -> list[Registration]:
    return list(Registration.objects.filter(person_id=person_id, status=Status.ACTIVE))


def registration_get(*, user, reference: str) -> Registration | None:
    row = Registration.objects.filter(reference=reference).first()
    if row is None:
        return None
    register_access.access_person(user=user, person_id=row.person_id, perm=view_perm(user))
    return row
