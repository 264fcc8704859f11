"""Fixtures for contribution tests: the register factories, the demo parameter bundle
(Beijing 2025-07), and helpers to hire people and run an assessment."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.contributions import assessment, services
from shebao.register import services as register
from tests.register.conftest import (  # noqa: F401 - fixtures re-exported
    CHAOYANG,
    DIVISIONS,
    ApiClient,
    clerk,
    divisions,
    employer,
    make_person,
    make_user,
    new_id,
    new_uscc,
    other_employer,
    person,
    staff,
    system,
    token_client,
)

PERIOD = 202601  # inside the Beijing 2025-07 … bundle


@pytest.fixture
def params(system):
    services.parameters_load_csv(actor=system)
    return system


@pytest.fixture
def hire(system, params):
    def _hire(employer, *, wage: str | None = "12000", start=dt.date(2025, 7, 1), **person_fields):
        p = make_person_direct(system, **person_fields)
        register.employment_hire(
            actor=system, employer_id=employer.pk, person_id=p.pk, start_date=start, monthly_wage=wage
        )
        return p

    return _hire


def make_person_direct(system, *, name: str = "李四", region: str = CHAOYANG, born=dt.date(1985, 6, 15)):
    return register.person_register(
        actor=system,
        id_number=new_id(region, born),
        name=name,
        hukou_region=region,
        hukou_type="urban",
        registered_on=dt.date(2020, 1, 1),
    ).person


@pytest.fixture
def assess(system, params):
    def _assess(period: int = PERIOD, region: str = "110000", chunk_size: int = 50_000):
        return assessment.assess(actor=system, period=period, region_code=region, chunk_size=chunk_size)

    return _assess
