"""Fixtures for 失业保险金: persons whose employment ended, with paid unemployment-insurance
lines for a chosen number of months; the demo-like parameters of 北京市; the hall catalogue
and staff posts (reviewer and rechecker of 朝阳区, a reviewer of 东城区, a fund accountant)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from shebao.accounts.rules.permissions import Post, UserKind
from shebao.contributions.models import ContributionLine
from shebao.register import services as register_services
from shebao.unemployment import services
from tests.benefits.conftest import (  # noqa: F401 - fixtures re-exported
    CHAOYANG,
    catalogue,
    citizen_of,
    divisions,
    employer,
    far_reviewer,
    front_desk,
    key,
    login,
    make_user,
    man_id,
    other_employer,
    paid_bills,
    periods,
    rechecker,
    register_person,
    reviewer,
    system,
    upload_root,
)

BASE_FEN = 1_000_000  # 10,000 yuan a month
_made = itertools.count(1)


def months_back(end: dt.date, count: int) -> int:
    """The first period of ``count`` months ending with the month of ``end``."""
    idx = end.year * 12 + end.month - 1 - (count - 1)
    return (idx // 12) * 100 + idx % 12 + 1


def unemployment_lines(person, *, employer_id: int, first: int, months: int, paid: bool = True) -> None:
    ContributionLine.objects.bulk_create(
        ContributionLine(period=p, person_id=person.pk, insurance="unemployment", employer_id=employer_id,
                         region_code=person.region_code, kind="normal", base_fen=BASE_FEN, employer_ppm=5_000,
                         individual_ppm=5_000, employer_fen=BASE_FEN // 200, individual_fen=BASE_FEN // 200, run_id=0)
        for p in periods(first, months)
    )  # fmt: skip
    if paid:
        paid_bills(employer_id=employer_id, region_code=person.region_code, periods=periods(first, months))


@pytest.fixture
def params(system):
    """北京市 from 2020-01: minimum wage 2,540, 低保 1,450, 2,324 / 2,104 / 2,104, medical
    base 7,162 at 9.8 %."""
    return services.parameter_add(
        actor=system, jurisdiction="110000", valid_from="202001", minimum_wage="2540", dibao="1450",
        first="2324", later="2104", extension="2000", medical_base="7162", medical_rate="0.098",
        source_doc="测试文号〔2025〕1号",
    )  # fmt: skip


@pytest.fixture
def jobless(register_person, employer, system, params):
    """``jobless(months=36, end=None, born=None)`` → a person whose employment at
    ``employer`` ended on ``end`` (ten days ago by default) after ``months`` paid months."""

    def _make(*, months: int = 36, end: dt.date | None = None, born: dt.date | None = None, paid: bool = True,
              name: str = ""):  # fmt: skip
        end = end or timezone.localdate() - dt.timedelta(days=10)
        number = man_id(born) if born else None
        person = register_person(
            name or "失业者" + "甲乙丙丁戊己庚辛壬癸"[next(_made) % 10], id_number=number
        )
        first = months_back(end, months) if months else 200001
        start = max(dt.date(2020, 1, 2), end - dt.timedelta(days=365))
        job = register_services.employment_hire(actor=system, employer_id=employer.pk, person_id=person.pk,
                                                start_date=start, monthly_wage="10000")  # fmt: skip
        register_services.employment_separate(
            actor=system, employment_id=job.pk, end_date=end, reason="合同到期"
        )
        if months:
            unemployment_lines(person, employer_id=employer.pk, first=first, months=months, paid=paid)
        return person

    return _make


@pytest.fixture
def accountant(make_user, divisions):
    return make_user(kind=UserKind.STAFF, posts=((Post.FUND_ACCOUNTANT, "110000"),), full_name="基金会计")


@pytest.fixture
def admin(make_user, divisions):
    return make_user(kind=UserKind.STAFF, posts=((Post.ADMIN, "110000"),), full_name="参数管理员")


@pytest.fixture
def city_reviewer(make_user, divisions):
    return make_user(kind=UserKind.STAFF, posts=((Post.REVIEWER, "110000"),), full_name="市级审核")
