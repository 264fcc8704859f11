"""Two clerks suspending the same payee at once: exactly one transition (PostgreSQL,
real concurrent connections)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from shebao.kernel.audit import audit_context
from shebao.payroll import services
from shebao.payroll.models import PayeeChange

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")


@pytest.mark.django_db(transaction=True)
def test_concurrent_suspensions_make_exactly_one_transition(system, enrol):
    payee = enrol()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def clerk() -> None:
        try:
            with audit_context(actor_label="clerk"):
                barrier.wait()
                services.payee_suspend(actor=system, payee_id=payee.pk, from_period=202602, reason="未认证")
            outcomes.append("ok")
        except services.PayrollError as exc:
            outcomes.append(exc.field)
        finally:
            connection.close()

    threads = [threading.Thread(target=clerk) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "status"]
    assert PayeeChange.objects.filter(payee_id=payee.pk, action="suspend").count() == 1
