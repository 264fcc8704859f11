"""Contribution history (缴费信息查询) and the account statement through the selectors:
statuses from the bills, employer views that probe only its employees, statements with
principal and interest apart, and who may see what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.contributions import history, ledger
from shebao.contributions.models import AccountYear, Bill
from shebao.contributions.services import ContributionError
from tests.contributions.conftest import make_person_direct
from tests.contributions.test_ledger import REGION, add_line, opening, post_year, settle

pytestmark = pytest.mark.django_db


def test_person_history_month_by_month_with_statuses(system, params, employer):
    person = make_person_direct(system)
    add_line(person.pk, 202401, employer_id=employer.pk, status="paid")
    add_line(person.pk, 202402, employer_id=employer.pk, status="partial")
    add_line(person.pk, 202403, employer_id=employer.pk, status="open")
    add_line(person.pk, 202403, employer_id=employer.pk, kind="backpay", base_fen=100_000, status="paid")
    post_year(system, 2024)
    months = history.person_contribution_history(user=system, person_id=person.pk, first_period=202312,
                                                 last_period="2024-06")
    assert [m.period for m in months] == [202401, 202402, 202403]
    jan, feb, mar = months
    assert (jan.status, feb.status, mar.status) == ("paid", "partial", "owed")
    line = jan.lines[0]
    assert (line.insurance, line.kind, line.employer_id, line.base) == ("pension", "normal", employer.pk,
                                                                        Decimal("8000.00"))
    assert (line.employer_amount, line.individual_amount) == (Decimal("1280.00"), Decimal("640.00"))
    assert line.due_date == dt.date(2024, 1, 15)
    assert jan.account_credit == Decimal("640.00") and feb.account_credit is None
    assert {i.kind: i.status for i in mar.lines} == {"normal": "owed", "backpay": "paid"}
    assert mar.individual_total == Decimal("720.00") and mar.account_credit == Decimal("80.00")
    assert history.STATUS_LABELS["owed"] == ("欠缴", "owed")


def test_history_of_an_assessed_month_follows_the_bill(system, employer, hire, assess):
    p = hire(employer, wage="12000")
    assess(period=202601)
    (month,) = history.person_contribution_history(user=system, person_id=p.pk, first_period=202601,
                                                   last_period=202601)
    assert month.status == "owed" and len(month.lines) == 5
    assert month.individual_total == Decimal("1263.00")  # 960 + 240 + 3 + 60
    settle(Bill.objects.get(period=202601, payer_id=employer.pk), "paid")
    (month,) = history.person_contribution_history(user=system, person_id=p.pk, first_period=202601,
                                                   last_period=202601)
    assert month.status == "paid"


def test_history_range_is_checked(system, params):
    person = make_person_direct(system)
    with pytest.raises(ContributionError) as exc:
        history.person_contribution_history(user=system, person_id=person.pk, first_period=202405,
                                            last_period=202401)
    assert exc.value.field == "last_period"
    with pytest.raises(ContributionError) as exc:
        history.person_contribution_history(user=system, person_id=person.pk, first_period=197001,
                                            last_period=202601)
    assert exc.value.field == "first_period"
    with pytest.raises(ContributionError) as exc:
        history.person_contribution_history(user=system, person_id=person.pk, first_period="2024-13",
                                            last_period=202601)
    assert exc.value.field == "first_period"


def test_employer_period_lines_are_its_employees_only(system, employer, other_employer, hire, assess):
    a = hire(employer, wage="12000")
    b = hire(employer, wage="5000")
    hire(other_employer, wage="9000")
    assess(period=202601)
    rows = history.employer_period_lines(user=system, employer_id=employer.pk, period=202601)
    assert [r.person_id for r in rows] == sorted([a.pk, b.pk])
    by_person = {r.person_id: r for r in rows}
    assert by_person[a.pk].base == Decimal("12000.00") and by_person[b.pk].base == Decimal("7162.00")
    assert {r.status for r in rows} == {"owed"}
    assert len(by_person[a.pk].lines) == 5
    settle(Bill.objects.get(period=202601, payer_id=employer.pk), "paid")
    assert {r.status for r in history.employer_period_lines(user=system, employer_id=employer.pk,
                                                               period=202601)} == {"paid"}


def test_employer_bill_history(system, params, employer):
    person = make_person_direct(system)
    add_line(person.pk, 202401, employer_id=employer.pk, status="paid")
    add_line(person.pk, 202402, employer_id=employer.pk, status="partial")
    rows = history.employer_bill_history(user=system, employer_id=employer.pk, today=dt.date(2024, 3, 1))
    assert [r.period for r in rows] == [202402, 202401]
    feb, jan = rows
    assert (feb.total, feb.paid, feb.outstanding, feb.status, feb.overdue) == (
        Decimal("1920.00"), Decimal("960.00"), Decimal("960.00"), "partial", True)
    assert (jan.outstanding, jan.overdue, jan.due_date) == (Decimal("0.00"), False, dt.date(2024, 1, 15))


def test_account_statement_principal_and_interest_apart(system, params, employer):
    person = make_person_direct(system)
    opening(person.pk, 2023, principal_fen=4_500_000, interest_fen=500_000)
    for month in range(1, 13):
        add_line(person.pk, 202400 + month, employer_id=employer.pk)
    post_year(system, 2024)
    ledger.account_credit_interest(actor=system, year=2024)
    for period in (202501, 202502):
        add_line(person.pk, period, employer_id=employer.pk)
        ledger.account_post_credits(actor=system, period=period, region_code=REGION)
    statement = history.person_account_statement(user=system, person_id=person.pk, today=dt.date(2025, 3, 10))
    assert [y.year for y in statement.years] == [2023, 2024]
    y2024 = statement.years[-1]
    assert (y2024.opening_principal, y2024.opening_interest, y2024.opening) == (
        Decimal("45000.00"), Decimal("5000.00"), Decimal("50000.00"))
    assert (y2024.credits, y2024.interest_on_opening, y2024.interest_on_credits, y2024.interest) == (
        Decimal("7680.00"), Decimal("1310.00"), Decimal("108.96"), Decimal("1418.96"))
    assert (y2024.closing_principal, y2024.closing_interest, y2024.closing) == (
        Decimal("52680.00"), Decimal("6418.96"), Decimal("59098.96"))
    assert y2024.rate == Decimal("0.026200") and y2024.months == 12
    assert statement.last_credited_year == 2024
    assert statement.pending_credits == Decimal("1280.00") == statement.current_year_credits
    assert (statement.balance_principal, statement.balance_interest, statement.balance) == (
        Decimal("53960.00"), Decimal("6418.96"), Decimal("60378.96"))


def test_statement_of_an_empty_account(system, params):
    person = make_person_direct(system)
    statement = history.person_account_statement(user=system, person_id=person.pk)
    assert statement.years == () and statement.balance == Decimal("0.00")
    assert statement.current_year == timezone.localdate().year and statement.last_credited_year is None
    assert not AccountYear.objects.exists()


def test_a_citizen_sees_only_their_own(system, params, make_user):
    me = make_person_direct(system)
    other = make_person_direct(system)
    user = make_user(kind=UserKind.CITIZEN, person_id=me.pk)
    assert history.person_contribution_history(user=user, person_id=me.pk, first_period=202401,
                                               last_period=202412) == []
    assert history.person_account_statement(user=user, person_id=me.pk).person_id == me.pk
    with pytest.raises(AccessDenied):
        history.person_contribution_history(user=user, person_id=other.pk, first_period=202401,
                                            last_period=202412)
    with pytest.raises(AccessDenied):
        history.person_account_statement(user=user, person_id=other.pk)
    with pytest.raises(AccessDenied):
        history.employer_bill_history(user=user, employer_id=1)


def test_an_employer_operator_sees_only_its_bills(system, params, employer, other_employer, make_user):
    operator = make_user(kind=UserKind.EMPLOYER, employer_id=employer.pk)
    assert history.employer_bill_history(user=operator, employer_id=employer.pk) == []
    assert history.employer_period_lines(user=operator, employer_id=employer.pk, period=202601) == []
    with pytest.raises(AccessDenied):
        history.employer_bill_history(user=operator, employer_id=other_employer.pk)
    with pytest.raises(AccessDenied):
        history.employer_period_lines(user=operator, employer_id=other_employer.pk, period=202601)
    with pytest.raises(AccessDenied):
        history.person_account_statement(user=operator, person_id=make_person_direct(system).pk)


def test_staff_by_region(system, params, employer, staff):
    person = make_person_direct(system)  # 朝阳区
    for post in (Post.FRONT_DESK, Post.REVIEWER, Post.AUDITOR, Post.FUND_ACCOUNTANT):
        user = staff(post, "110000")
        assert history.person_account_statement(user=user, person_id=person.pk).person_id == person.pk
        assert history.employer_bill_history(user=user, employer_id=employer.pk) == []
    shanghai = staff(Post.REVIEWER, "310101")
    with pytest.raises(AccessDenied):
        history.person_account_statement(user=shanghai, person_id=person.pk)
    with pytest.raises(AccessDenied):
        history.employer_bill_history(user=shanghai, employer_id=employer.pk)
    with pytest.raises(AccessDenied):
        history.person_contribution_history(user=staff(Post.FRONT_DESK, "110101"), person_id=person.pk,
                                            first_period=202401, last_period=202401)
