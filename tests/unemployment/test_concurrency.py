"""Two approvals or two stops at once give exactly one (PostgreSQL; skipped on in-memory SQLite)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shebao.kernel.models import AuditEntry
from shebao.payroll.models import Payee
from shebao.unemployment import services
from shebao.unemployment.errors import UnemploymentError
from shebao.unemployment.models import Claim
from tests.hall.test_concurrency import _race, skip_memory_sqlite  # noqa: F401 - fixture re-exported

pytestmark = pytest.mark.django_db(transaction=True)


def _award(actor, person):
    return services.claim_award(actor=actor, person_id=person.pk, separation="dismissed", registered="yes",
                                registered_on=timezone.localdate().isoformat(), bank_code="ICBC")  # fmt: skip


def test_two_awards_at_once_give_one_claim(skip_memory_sqlite, jobless, system, reviewer):  # noqa: F811
    person = jobless(months=36)
    results = _race(lambda: _award(system, person), lambda: _award(reviewer, person))
    assert sorted(r[0] for r in results) == ["error", "ok"], results
    loser = next(r[1] for r in results if r[0] == "error")
    assert isinstance(loser, UnemploymentError) and loser.field == "person_id"
    assert Claim.objects.filter(person_id=person.pk).count() == 1
    assert Payee.objects.filter(person_id=person.pk).count() == 1


def test_two_stops_at_once_give_one(skip_memory_sqlite, jobless, system, reviewer):  # noqa: F811
    claim = _award(system, jobless(months=36))
    results = _race(
        lambda: services.claim_stop(actor=system, claim_id=claim.pk, reason="military", from_period=claim.first_period),
        lambda: services.claim_stop(actor=reviewer, claim_id=claim.pk, reason="emigrated",
                                    from_period=claim.first_period),
    )  # fmt: skip
    assert sorted(r[0] for r in results) == ["error", "ok"], results
    assert AuditEntry.objects.filter(action="unemployment.claim_stop").count() == 1
