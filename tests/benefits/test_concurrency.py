"""Two staff members awarding the same pension at once produce exactly one award."""

from __future__ import annotations

import pytest

from shebao.benefits import services
from shebao.benefits.errors import BenefitError
from shebao.benefits.models import PensionHistory
from shebao.kernel.models import AuditEntry
from tests.hall.test_concurrency import _race, skip_memory_sqlite  # noqa: F401 - fixture re-exported

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_awards_at_once_give_one(skip_memory_sqlite, wang, reviewer, rechecker):  # noqa: F811
    results = _race(
        lambda: services.pension_award(actor=reviewer, person_id=wang.pk, retire_period="2026-01"),
        lambda: services.pension_award(actor=rechecker, person_id=wang.pk, retire_period="2026-01"),
    )
    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["error", "ok"], results
    loser = next(r[1] for r in results if r[0] == "error")
    assert isinstance(loser, BenefitError) and loser.field == "person_id"
    assert PensionHistory.objects.filter(person_id=wang.pk).count() == 1
    assert AuditEntry.objects.filter(action="pension.award").count() == 1
