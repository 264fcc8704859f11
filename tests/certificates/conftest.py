"""Certificate fixtures: a person hired in 2025-07 at an employer, two months assessed and
the first of them paid through the real contributions services."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.accounts.rules.permissions import Post, UserKind
from shebao.contributions import collection
from shebao.contributions.models import Bill
from shebao.kernel.rules.money import fen_to_yuan
from tests.contributions.conftest import (  # noqa: F401 - fixtures re-exported
    CHAOYANG,
    DIVISIONS,
    assess,
    clerk,
    divisions,
    employer,
    hire,
    make_person,
    make_user,
    new_id,
    other_employer,
    params,
    staff,
    system,
)

DONGCHENG = "110101"


def pay_bill(system, employer, period: int, ref: str) -> None:
    bill = Bill.objects.get(period=period, payer_type="employer", payer_id=employer.pk, kind="normal")
    collection.payment_record(
        actor=system,
        source="bank",
        external_ref=ref,
        payer_type="employer",
        payer_id=employer.pk,
        amount=str(fen_to_yuan(bill.total_fen)),
        paid_on=dt.date(2026, 2, 10),
    )


@pytest.fixture
def insured(system, employer, hire, assess):
    """王芳, hired 2025-07-01 at ``employer``; 2026-01 and 2026-02 assessed, 2026-01 paid."""
    person = hire(employer, wage="12000", name="王芳")
    assess(period=202601)
    assess(period=202602)
    pay_bill(system, employer, 202601, "CERT-1")
    return person


@pytest.fixture
def citizen(make_user, insured):
    return make_user(kind=UserKind.CITIZEN, person_id=insured.pk, full_name=insured.name)


@pytest.fixture
def desk(make_user, divisions):
    return make_user(kind=UserKind.STAFF, posts=((Post.FRONT_DESK, CHAOYANG),), full_name="赵窗口")


@pytest.fixture
def desk_elsewhere(make_user, divisions):
    return make_user(kind=UserKind.STAFF, posts=((Post.FRONT_DESK, DONGCHENG),), full_name="钱窗口")


@pytest.fixture
def zhang_id_full():
    """The full (decrypted) ID number of a person, to assert it is never shown."""

    def _full(person) -> str:
        person.refresh_from_db()
        return person.id_number

    return _full
