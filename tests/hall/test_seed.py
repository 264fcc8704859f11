"""seed_hall: catalogue plus sample applications in every state; --if-empty is idempotent."""

from __future__ import annotations

from django.core.management import call_command

from shebao.hall.models import Case, ServiceItem


def test_seed_hall_every_state(citizen, front_desk, reviewer, operator_of, employer):
    operator_of(employer)
    call_command("seed_hall", "--if-empty")
    states = set(Case.objects.values_list("status", flat=True))
    assert states >= {
        "draft",
        "submitted",
        "accepted",
        "reviewed",
        "returned",
        "rejected",
        "refused",
        "approved",
    }
    n = Case.objects.count()
    call_command("seed_hall", "--if-empty")
    assert Case.objects.count() == n and ServiceItem.objects.count() >= 12
