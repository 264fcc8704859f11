"""Two actors at once produce exactly one transition (PostgreSQL; skipped on in-memory SQLite)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shebao.kernel.models import AuditEntry
from shebao.medical import services
from shebao.medical.errors import MedicalError
from shebao.medical.models import Registration, Status
from tests.hall.test_concurrency import _race, skip_memory_sqlite  # noqa: F401 - fixture re-exported
from tests.medical.conftest import HUANGPU

pytestmark = pytest.mark.django_db(transaction=True)


def _create(actor, person_id, category):
    return services.medical_registration_create(actor=actor, person_id=person_id, category=category,
                                                destination_code=HUANGPU, valid_from=timezone.localdate())  # fmt: skip


def test_two_overlapping_filings_at_once_give_one(skip_memory_sqlite, zhang, system, reviewer):  # noqa: F811
    results = _race(
        lambda: _create(system, zhang.pk, "referral"), lambda: _create(reviewer, zhang.pk, "emergency")
    )
    assert sorted(r[0] for r in results) == ["error", "ok"], results
    loser = next(r[1] for r in results if r[0] == "error")
    assert isinstance(loser, MedicalError) and loser.field == "valid_from"
    assert Registration.objects.filter(person_id=zhang.pk).count() == 1


def test_two_cancels_at_once_give_one(skip_memory_sqlite, zhang, system, reviewer):  # noqa: F811
    row = _create(system, zhang.pk, "referral")
    results = _race(
        lambda: services.medical_registration_cancel(actor=system, reference=row.reference),
        lambda: services.medical_registration_cancel(actor=reviewer, reference=row.reference),
    )
    assert sorted(r[0] for r in results) == ["error", "ok"], results
    assert Registration.objects.get(pk=row.pk).status == Status.CANCELLED
    assert AuditEntry.objects.filter(action="medical.registration_cancel").count() == 1
