"""Two reviewers at once produce exactly one transition; two submits of one form one case.

Each thread has its own database connection (PostgreSQL: row locks; SQLite: the
project's BEGIN IMMEDIATE transactions serialise writers)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from shebao.hall import services
from shebao.hall.errors import CaseError
from shebao.hall.models import Case, CaseEvent
from shebao.register import selectors as register_selectors
from tests.hall.conftest import key

pytestmark = pytest.mark.django_db(transaction=True)

SUSPEND = {"insurances": ["pension"], "from_period": "2026-01", "reason": "出国定居"}


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = ("ok", fn())
        except Exception as exc:  # noqa: BLE001 - the loser's error is the point
            results[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.fixture
def skip_memory_sqlite():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # Shared-cache in-memory SQLite answers "table is locked" instead of waiting; the
        # file database serialises writers (BEGIN IMMEDIATE) so there is no race to test.
        pytest.skip("concurrent writers are tested on PostgreSQL")


def test_two_reviewers_one_transition(skip_memory_sqlite, file_case, reviewer, rechecker, zhang):
    case = file_case("enrolment_suspend", SUSPEND)
    services.case_accept(actor=reviewer, case_id=case.pk)
    results = _race(
        lambda: services.case_approve(actor=reviewer, case_id=case.pk, comment="甲"),
        lambda: services.case_approve(actor=rechecker, case_id=case.pk, comment="乙"),
    )
    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["error", "ok"], results
    loser = next(r[1] for r in results if r[0] == "error")
    assert isinstance(loser, CaseError) and loser.field == "status"
    assert CaseEvent.objects.filter(case_id=case.pk, action="approve").count() == 1
    rows = [r for r in register_selectors.person_enrolments(person_id=zhang.pk) if r.insurance == "pension"]
    assert sum(1 for r in rows if r.status == "suspended") == 1


def test_double_submission_same_key_one_case(skip_memory_sqlite, citizen):
    k = key()
    results = _race(
        lambda: services.case_start(actor=citizen, item_code="enrolment_suspend", idempotency_key=k),
        lambda: services.case_start(actor=citizen, item_code="enrolment_suspend", idempotency_key=k),
    )
    assert all(r[0] == "ok" for r in results), results
    assert results[0][1].pk == results[1][1].pk
    assert Case.objects.filter(applicant_user_id=citizen.pk).count() == 1
