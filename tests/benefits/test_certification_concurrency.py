"""Concurrent certification writes: two sweeps suspend once, two certifications resume once."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.benefits import services
from shebao.benefits.models import CertificationSuspension
from shebao.payroll.models import Adjustment, Payee
from tests.hall.test_concurrency import _race, skip_memory_sqlite  # noqa: F401 - fixture re-exported
from tests.payroll.conftest import media  # noqa: F401 - autouse: bank files under tmp

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_sweeps_and_two_certifications_at_once(skip_memory_sqlite, system, make_person, enrol):  # noqa: F811
    payee = enrol(person=make_person(), monthly_fen=200_000, from_period=202501)
    services.certification_record(
        actor=system, person_id=payee.person_id, method="data_comparison", verified_on=dt.date(2025, 1, 10)
    )
    day = dt.date(2026, 1, 20)
    results = _race(
        lambda: services.certification_sweep(actor=system, today=day),
        lambda: services.certification_sweep(actor=system, today=day),
    )
    assert all(r[0] == "ok" for r in results), results
    assert sorted(len(r[1]) for r in results) == [0, 1]
    assert CertificationSuspension.objects.count() == 1
    assert Payee.objects.get(pk=payee.pk).status == "suspended"

    def certify():
        return services.certification_record(
            actor=system, person_id=payee.person_id, method="visit", verified_on=dt.date(2026, 3, 1),
            reference="走访",
        )  # fmt: skip

    results = _race(certify, certify)
    assert all(r[0] == "ok" for r in results), results
    assert Payee.objects.get(pk=payee.pk).status == "active"
    assert Adjustment.objects.filter(payee_id=payee.pk).count() == 1
    assert CertificationSuspension.objects.get().resumed_at is not None
