"""Fixtures for benefits: a man born 1965-06 (statutory retirement 2025-08) with 200
months of legacy pension lines at the average wage and a personal account of 150,000
yuan, the demo parameter bundle, the hall catalogue and staff posts."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from shebao.contributions import services as contribution_services
from shebao.contributions.models import AccountYear, Bill, ContributionLine
from shebao.hall import services as hall_services
from shebao.kernel.rules.identifiers import make_person_id
from tests.hall.conftest import auditor, far_reviewer, key, rechecker, upload_root  # noqa: F401 - fixtures re-exported
from tests.pages.conftest import (  # noqa: F401 - fixtures re-exported
    CHAOYANG,
    DONGCHENG,
    citizen_of,
    divisions,
    employer,
    front_desk,
    li,
    login,
    make_user,
    new_id,
    other_employer,
    register_person,
    reviewer,
    system,
    zhang,
    zhang_id,
)
from tests.payroll.conftest import enrol, make_person, staff  # noqa: F401 - fixtures re-exported

_odd = itertools.count(501, 2)


def man_id(born: dt.date, region: str = CHAOYANG) -> str:
    """An ID number of a man (odd sequence digit)."""
    return make_person_id(region, born, next(_odd) % 1000)


S_FEN = 1_193_700  # Beijing 2025-07 reference wage: the only one in the demo bundle
FIRST, MONTHS = 200901, 200


def periods(first: int, count: int) -> list[int]:
    out, y, m = [], first // 100, first % 100
    for _ in range(count):
        out.append(y * 100 + m)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def paid_bills(*, employer_id: int, region_code: str, periods: list[int]) -> None:
    """Paid employer bills for the periods (the status is what the history reads)."""
    Bill.objects.bulk_create(
        [Bill(period=p, payer_type="employer", payer_id=employer_id, kind="normal", region_code=region_code,
              employer_fen=0, individual_fen=0, total_fen=0, paid_fen=0, lines=1, status="paid",
              due_date=dt.date(p // 100, p % 100, 15), run_id=0, updated_at=timezone.now())
         for p in periods],
        ignore_conflicts=True,
    )  # fmt: skip


def legacy_record(person, *, employer_id: int, base_fen: int = S_FEN, first: int = FIRST, months: int = MONTHS,
                  balance_fen: int = 150_000_00, paid: bool = True) -> None:  # fmt: skip
    """Historic pension lines and an account year as a legacy migration leaves them."""
    ContributionLine.objects.bulk_create(
        ContributionLine(period=p, person_id=person.pk, insurance="pension", employer_id=employer_id,
                         region_code=person.region_code, kind="normal", base_fen=base_fen, employer_ppm=160_000,
                         individual_ppm=80_000, employer_fen=base_fen * 16 // 100, individual_fen=base_fen * 8 // 100,
                         run_id=0)
        for p in periods(first, months)
    )  # fmt: skip
    if paid:
        paid_bills(employer_id=employer_id, region_code=person.region_code, periods=periods(first, months))
    AccountYear.objects.create(
        person_id=person.pk, year=2024, opening_principal_fen=0, opening_interest_fen=0, credits_fen=balance_fen,
        interest_on_opening_fen=0, interest_on_credits_fen=0, closing_principal_fen=balance_fen,
        closing_interest_fen=0, rate_ppm=26_200, method="annual_1997", months=12, credited_at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def params(system):
    contribution_services.parameters_load_csv(actor=system)


@pytest.fixture
def catalogue(system):
    hall_services.catalogue_sync(actor=system)


@pytest.fixture
def wang(register_person, employer, params):
    """王师傅: born 1965-06, male, 朝阳区, 200 months at index 1.0, account 150,000."""
    person = register_person("王建国", id_number=man_id(dt.date(1965, 6, 10)))
    legacy_record(person, employer_id=employer.pk)
    return person


@pytest.fixture
def wang_citizen(wang, citizen_of, catalogue):
    return citizen_of(wang)
