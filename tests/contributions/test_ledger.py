"""The personal-account ledger through its services, on the real database (SQLite and
PostgreSQL): worked case T19 with both methods, credits only for bills paid in full,
11 % before 2006 and 8 % since, idempotent and resumed runs, refusals, the broken year,
and the set-based SQL against the integer kernels on random accounts."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import Post
from shebao.contributions import ledger, ledger_tasks, services
from shebao.contributions.models import AccountCredit, AccountYear, Bill, ContributionLine
from shebao.contributions.rules.interest import (
    InterestMethod,
    credit_year,
    interest_fen_annual,
    interest_fen_monthly_product,
)
from shebao.contributions.services import ContributionError
from shebao.kernel.models import AuditEntry
from shebao.kernel.rules.money import fen_to_yuan
from tests.contributions.conftest import make_person_direct

pytestmark = pytest.mark.django_db

REGION = "110105"


def add_line(person_id, period, *, employer_id=None, base_fen=800_000, kind="normal", region=REGION, status="paid"):
    """One pension line and its bill (created or grown), the bill settled as ``status`` says."""
    ee = (base_fen * 80_000 + 500_000) // 1_000_000
    er = (base_fen * 160_000 + 500_000) // 1_000_000 if employer_id else 0
    ContributionLine.objects.create(
        period=period, person_id=person_id, insurance="pension", employer_id=employer_id, region_code=region,
        kind=kind, base_fen=base_fen, employer_ppm=160_000 if employer_id else 0, individual_ppm=80_000,
        employer_fen=er, individual_fen=ee, run_id=0,
    )
    bill, _ = Bill.objects.get_or_create(
        period=period, payer_type="employer" if employer_id else "person", payer_id=employer_id or person_id,
        kind=kind,
        defaults={"region_code": region, "employer_fen": 0, "individual_fen": 0, "total_fen": 0, "lines": 0,
                  "due_date": dt.date(period // 100, period % 100, 15), "run_id": 0, "updated_at": timezone.now()},
    )
    bill.employer_fen += er
    bill.individual_fen += ee
    bill.total_fen += er + ee
    bill.lines += 1
    bill.save()
    settle(bill, status)
    return bill


def settle(bill, status):
    bill.paid_fen = {"paid": bill.total_fen, "partial": bill.total_fen // 2, "open": 0}[status]
    bill.status = status
    bill.save(update_fields=["paid_fen", "status"])


def opening(person_id, year, *, principal_fen, interest_fen, months=12):
    return AccountYear.objects.create(
        person_id=person_id, year=year, opening_principal_fen=0, opening_interest_fen=0, credits_fen=0,
        interest_on_opening_fen=0, interest_on_credits_fen=0, closing_principal_fen=principal_fen,
        closing_interest_fen=interest_fen, rate_ppm=0, method="annual_1997", months=months,
        credited_at=timezone.now(),
    )


def post_year(system, year, region=REGION):
    return sum(
        ledger.account_post_credits(actor=system, period=year * 100 + m, region_code=region) for m in range(1, 13)
    )


def account_rows(year):
    return sorted(
        AccountYear.objects.filter(year=year).values_list(
            "person_id", "opening_principal_fen", "opening_interest_fen", "credits_fen", "interest_on_opening_fen",
            "interest_on_credits_fen", "closing_principal_fen", "closing_interest_fen", "rate_ppm", "method", "months",
        )
    )


@pytest.fixture
def t19(system, params, employer):
    """Opening 50,000 (45,000 principal + 5,000 interest) and 12 paid months of 2024 at
    base 8,000 (640 a month to the account)."""
    person = make_person_direct(system)
    opening(person.pk, 2023, principal_fen=4_500_000, interest_fen=500_000)
    for month in range(1, 13):
        add_line(person.pk, 202400 + month, employer_id=employer.pk)
    assert post_year(system, 2024) == 12
    return person


def test_t19_annual_1997_method(system, t19):
    credits = AccountCredit.objects.filter(person_id=t19.pk)
    assert sorted(credits.values_list("amount_fen", flat=True)) == [64_000] * 12
    assert set(credits.values_list("credit_ppm", "source", "base_fen")) == {(80_000, "normal", 800_000)}

    totals = ledger.account_credit_interest(actor=system, year=2024)
    row = AccountYear.objects.get(person_id=t19.pk, year=2024)
    assert (row.opening_principal_fen, row.opening_interest_fen, row.credits_fen) == (4_500_000, 500_000, 768_000)
    assert row.interest_on_opening_fen == 131_000  # 50,000 × 2.62 %
    assert row.interest_on_credits_fen == 10_896  # 7,680 × 2.62 % × 1.083 / 2 = 108.958 → 108.96
    assert row.closing_principal_fen == 4_500_000 + 768_000  # principal and interest kept apart
    assert row.closing_interest_fen == 500_000 + 131_000 + 10_896
    assert fen_to_yuan(row.closing_principal_fen + row.closing_interest_fen) == Decimal("59098.96")
    assert (row.rate_ppm, row.method, row.months) == (26_200, "annual_1997", 12)
    assert totals["accounts"] == 1 and totals["interest_fen"] == 141_896 and totals["credits_fen"] == 768_000
    assert AuditEntry.objects.filter(action="account.credit_interest").count() == 1


def test_t19_monthly_product_method(system, t19):
    services.parameter_add(
        actor=system, kind="interest_method", jurisdiction="000000", valid_from=202401, value=1, source_doc="test"
    )
    ledger.account_credit_interest(actor=system, year=2024)
    row = AccountYear.objects.get(person_id=t19.pk, year=2024)
    assert row.method == "monthly_product"
    assert fen_to_yuan(row.closing_principal_fen + row.closing_interest_fen) == Decimal("59098.99")


def test_year_end_only_method_earns_nothing_on_the_years_credits(system, t19):
    services.parameter_add(
        actor=system, kind="interest_method", jurisdiction="000000", valid_from=202401, value=2, source_doc="test"
    )
    ledger.account_credit_interest(actor=system, year=2024)
    row = AccountYear.objects.get(person_id=t19.pk, year=2024)
    assert (row.interest_on_opening_fen, row.interest_on_credits_fen) == (131_000, 0)


def test_next_year_opens_with_the_closing_balance(system, t19):
    ledger.account_credit_interest(actor=system, year=2024)
    ledger.account_credit_interest(actor=system, year=2025)  # no 2025 credits: the account still earns
    row = AccountYear.objects.get(person_id=t19.pk, year=2025)
    assert (row.opening_principal_fen, row.opening_interest_fen) == (5_268_000, 641_896)
    assert row.interest_on_opening_fen == (5_909_896 * 15_000 + 500_000) // 1_000_000  # 1.50 %
    assert row.credits_fen == 0 and row.rate_ppm == 15_000


def test_only_bills_paid_in_full_credit_the_account(system, params, employer):
    person = make_person_direct(system)
    partial = add_line(person.pk, 202403, employer_id=employer.pk, status="partial")
    add_line(person.pk, 202404, employer_id=employer.pk, status="open")
    add_line(person.pk, 202405, employer_id=employer.pk, status="paid")
    assert post_year(system, 2024) == 1
    assert list(AccountCredit.objects.filter(person_id=person.pk).values_list("period", flat=True)) == [202405]
    settle(partial, "paid")  # the rest arrives
    assert ledger.account_post_credits(actor=system, period=202403, region_code=REGION) == 1
    assert AccountCredit.objects.filter(person_id=person.pk).count() == 2


def test_a_person_with_two_employers_is_credited_once_when_both_bills_are_paid(system, params, employer):
    from shebao.register import services as register
    from tests.register.conftest import new_uscc

    second = register.employer_register(
        actor=system, uscc=new_uscc(), name="第二家单位", employer_type="enterprise", region_code=REGION,
        risk_class=1, registered_on=dt.date(2020, 1, 1),
    )
    person = make_person_direct(system)
    add_line(person.pk, 202406, employer_id=employer.pk, base_fen=800_000)
    other = add_line(person.pk, 202406, employer_id=second.pk, base_fen=716_200, status="open")
    assert ledger.account_post_credits(actor=system, period=202406, region_code=REGION) == 0
    settle(other, "paid")
    assert ledger.account_post_credits(actor=system, period=202406, region_code=REGION) == 1
    credit = AccountCredit.objects.get(person_id=person.pk)
    assert (credit.base_fen, credit.amount_fen) == (1_516_200, 64_000 + 57_296)


def test_assessed_and_paid_period_is_credited(system, employer, hire, assess):
    p = hire(employer, wage="12000")
    assess(period=202601)
    bill = Bill.objects.get(period=202601, payer_type="employer", payer_id=employer.pk)
    assert ledger.account_post_credits(actor=system, period=202601, region_code="110000") == 0  # not paid
    settle(bill, "paid")
    assert ledger.account_post_credits(actor=system, period=202601, region_code="110000") == 1
    credit = AccountCredit.objects.get(person_id=p.pk)
    assert (credit.base_fen, credit.amount_fen, credit.posted_on) == (1_200_000, 96_000, timezone.localdate())


def test_eleven_percent_before_2006_and_eight_since(system, params, employer):
    person = make_person_direct(system)
    add_line(person.pk, 200512, employer_id=employer.pk, base_fen=500_000)
    add_line(person.pk, 200601, employer_id=employer.pk, base_fen=500_000)
    ledger.account_post_credits(actor=system, period=200512, region_code=REGION)
    ledger.account_post_credits(actor=system, period=200601, region_code=REGION)
    credits = dict(AccountCredit.objects.filter(person_id=person.pk).values_list("period", "amount_fen"))
    assert credits == {200512: 55_000, 200601: 40_000}


def test_backpay_lines_credit_with_their_own_source(system, params, employer):
    person = make_person_direct(system)
    add_line(person.pk, 202402, employer_id=employer.pk)
    add_line(person.pk, 202402, employer_id=employer.pk, kind="backpay", base_fen=100_000)
    assert ledger.account_post_credits(actor=system, period=202402, region_code=REGION) == 2
    assert dict(AccountCredit.objects.filter(person_id=person.pk).values_list("source", "amount_fen")) == {
        "normal": 64_000,
        "backpay": 8_000,
    }


def test_posting_and_crediting_reruns_change_nothing(system, t19):
    assert post_year(system, 2024) == 0
    assert AccountCredit.objects.filter(person_id=t19.pk).count() == 12
    first = ledger.account_credit_interest(actor=system, year=2024)
    rows = account_rows(2024)
    again = ledger.account_credit_interest(actor=system, year=2024)
    assert account_rows(2024) == rows and again == first


def test_other_regions_are_not_posted(system, params, employer):
    person = make_person_direct(system)
    add_line(person.pk, 202407, employer_id=employer.pk)
    assert ledger.account_post_credits(actor=system, period=202407, region_code="110101") == 0  # 东城区
    assert ledger.account_post_credits(actor=system, period=202407, region_code="110000") == 1  # the city


def _synthetic_accounts(count: int, *, seed: int = 7, first_id: int = 10_000) -> dict[int, dict]:
    """Accounts for person ids with no register row (the ledger needs none): a random 2023
    closing (or none), and random credits in random months of 2024."""
    rng = random.Random(seed)
    accounts, years, credits = {}, [], []
    for person_id in range(first_id, first_id + count):
        has_opening = rng.random() < 0.85
        principal = rng.randrange(0, 30_000_000) if has_opening else 0
        interest = rng.randrange(0, 8_000_000) if has_opening else 0
        months = sorted(rng.sample(range(1, 13), rng.randrange(0 if has_opening else 1, 13)))
        monthly = {m: rng.randrange(1, 400_000) for m in months}
        if has_opening:
            years.append((person_id, principal, interest))
        for m, amount in monthly.items():
            credits.append(AccountCredit(person_id=person_id, period=202400 + m, source="normal",
                                         base_fen=amount * 12, credit_ppm=80_000, amount_fen=amount,
                                         posted_on=dt.date(2024, m, 20)))
        accounts[person_id] = {"principal": principal, "interest": interest, "monthly": monthly}
    for person_id, principal, interest in years:
        opening(person_id, 2023, principal_fen=principal, interest_fen=interest)
    AccountCredit.objects.bulk_create(credits, batch_size=2_000)
    return accounts


@pytest.mark.parametrize("code", [0, 1, 2])
def test_set_based_sql_equals_the_kernels_on_random_accounts(system, params, code):
    if code:
        services.parameter_add(
            actor=system, kind="interest_method", jurisdiction="000000", valid_from=202401, value=code,
            source_doc="test",
        )
    method = ledger.METHOD_CODES[code]
    accounts = _synthetic_accounts(300)
    ledger.account_credit_interest(actor=system, year=2024, chunk_size=37)
    rows = {r.person_id: r for r in AccountYear.objects.filter(year=2024)}
    assert set(rows) == set(accounts)
    rate = 26_200
    for person_id, acc in accounts.items():
        row = rows[person_id]
        opening_fen = acc["principal"] + acc["interest"]
        credits_fen = sum(acc["monthly"].values())
        if method is InterestMethod.MONTHLY_PRODUCT:
            expected = interest_fen_monthly_product(
                opening_fen=opening_fen, monthly_credits_fen=acc["monthly"], rate_ppm=rate
            )
        else:
            expected = interest_fen_annual(opening_fen=opening_fen, credits_fen=credits_fen, rate_ppm=rate)
            if method is InterestMethod.YEAR_END_ONLY:
                expected = (expected[0], 0)
        assert (row.interest_on_opening_fen, row.interest_on_credits_fen) == expected, person_id
        assert row.credits_fen == credits_fen
        assert row.closing_principal_fen == acc["principal"] + credits_fen
        assert row.closing_interest_fen == acc["interest"] + sum(expected)
        # … and the Decimal kernel agrees to the cent.
        result = credit_year(
            opening_principal=fen_to_yuan(acc["principal"]), opening_interest=fen_to_yuan(acc["interest"]),
            monthly_credits={m: fen_to_yuan(a) for m, a in acc["monthly"].items()}, rate=Decimal("0.0262"),
            method=method,
        )
        assert fen_to_yuan(row.closing_principal_fen) == result.closing_principal
        assert fen_to_yuan(row.closing_interest_fen) == result.closing_interest


def test_a_resumed_chunked_run_equals_an_uninterrupted_one(system, params):
    _synthetic_accounts(60, seed=11)
    ledger.account_credit_interest(actor=system, year=2024, chunk_size=7)
    uninterrupted = account_rows(2024)
    AccountYear.objects.filter(year=2024).delete()

    class Killed(Exception):
        pass

    def kill_after_three(done, total):
        if done == 3:
            raise Killed

    with pytest.raises(Killed):
        ledger.account_credit_interest(actor=system, year=2024, chunk_size=7, progress=kill_after_three)
    assert 0 < AccountYear.objects.filter(year=2024).count() < len(uninterrupted)  # whole chunks only
    ledger.account_credit_interest(actor=system, year=2024, chunk_size=7)
    assert account_rows(2024) == uninterrupted


def test_refusals(system, params):
    _synthetic_accounts(5)
    with pytest.raises(ContributionError) as exc:
        ledger.account_credit_interest(actor=system, year=2015)  # 记账利率 before 2016 is not in the bundle
    assert exc.value.field == "crediting_rate" and "crediting_rate[2015]" in exc.value.message_en
    assert "记账利率" in exc.value.message_zh
    with pytest.raises(ContributionError) as exc:
        ledger.account_credit_interest(actor=system, year=timezone.localdate().year)
    assert exc.value.field == "year"
    ledger.account_credit_interest(actor=system, year=2024)
    ledger.account_credit_interest(actor=system, year=2025)
    with pytest.raises(ContributionError) as exc:
        ledger.account_credit_interest(actor=system, year=2024)
    assert exc.value.field == "year" and "2025" in exc.value.message_en
    with pytest.raises(ContributionError) as exc:
        ledger.account_post_credits(actor=system, period=202413, region_code=REGION)
    assert exc.value.field == "period"
    with pytest.raises(ContributionError) as exc:
        ledger.account_post_credits(actor=system, period=199001, region_code=REGION)  # no 11 % row before 1998
    assert exc.value.field == "account_credit"


def test_only_the_fund_accountant_runs_the_batches(system, params, staff):
    front_desk = staff(Post.FRONT_DESK, REGION)
    with pytest.raises(AccessDenied):
        ledger.account_post_credits(actor=front_desk, period=202401, region_code=REGION)
    with pytest.raises(AccessDenied):
        ledger.account_credit_interest(actor=front_desk, year=2024)
    elsewhere = staff(Post.FUND_ACCOUNTANT, "310101")
    with pytest.raises(AccessDenied):
        ledger.account_post_credits(actor=elsewhere, period=202401, region_code=REGION)
    accountant = staff(Post.FUND_ACCOUNTANT, "110000")
    assert ledger.account_post_credits(actor=accountant, period=202401, region_code=REGION) == 0
    assert ledger.account_credit_interest(actor=accountant, year=2024, region_code=REGION)["accounts"] == 0


def test_region_limits_interest_crediting_to_its_persons(system, params, employer):
    here = make_person_direct(system, region=REGION)
    there = make_person_direct(system, region="110101")
    opening(here.pk, 2023, principal_fen=1_000_000, interest_fen=0)
    opening(there.pk, 2023, principal_fen=1_000_000, interest_fen=0)
    totals = ledger.account_credit_interest(actor=system, year=2024, region_code=REGION)
    assert totals["accounts"] == 1
    assert list(AccountYear.objects.filter(year=2024).values_list("person_id", flat=True)) == [here.pk]


def test_broken_year_pro_rata_with_the_years_rate(system, t19, employer):
    ledger.account_credit_interest(actor=system, year=2024)
    for month in range(1, 7):
        add_line(t19.pk, 202500 + month, base_fen=800_000, employer_id=employer.pk)
        ledger.account_post_credits(actor=system, period=202500 + month, region_code=REGION)
    row = ledger.account_settle_broken_year(actor=system, person_id=t19.pk, on=dt.date(2025, 6, 20))
    expected = credit_year(
        opening_principal=Decimal("52680.00"), opening_interest=Decimal("6418.96"),
        monthly_credits=dict.fromkeys(range(1, 7), Decimal("640.00")), rate=Decimal("0.015"),
        method=InterestMethod.ANNUAL_1997, months=6,
    )
    assert (row.months, row.rate_ppm, row.credits_fen) == (6, 15_000, 384_000)
    assert fen_to_yuan(row.interest_on_opening_fen) == expected.interest_on_opening == Decimal("443.24")  # × 6/12
    assert fen_to_yuan(row.interest_on_credits_fen) == expected.interest_on_credits  # r × 7/24
    assert fen_to_yuan(row.closing_principal_fen + row.closing_interest_fen) == expected.closing
    # The annual run leaves the settled (closed) account alone and does not reopen it.
    ledger.account_credit_interest(actor=system, year=2025)
    assert AccountYear.objects.get(person_id=t19.pk, year=2025).months == 6


def test_broken_year_uses_the_latest_published_rate(system, t19):
    ledger.account_credit_interest(actor=system, year=2024)
    ledger.account_credit_interest(actor=system, year=2025)
    today = timezone.localdate()
    row = ledger.account_settle_broken_year(actor=system, person_id=t19.pk, on=dt.date(today.year, 3, 1))
    assert row.rate_ppm == 15_000 and row.months == 3  # 2026 not published: 2025's 1.50 %
    balance = 5_268_000 + 641_896
    balance += (balance * 15_000 + 500_000) // 1_000_000  # 2025's interest on it
    assert row.interest_on_opening_fen == (balance * 15_000 * 3 + 6_000_000) // 12_000_000
    entry = AuditEntry.objects.filter(action="account.settle_broken_year").get()
    assert '"rate_year":2025' in entry.after


def test_broken_year_refusals(system, t19, staff):
    with pytest.raises(ContributionError) as exc:  # 2024 holds credits but is not credited yet
        ledger.account_settle_broken_year(actor=system, person_id=t19.pk, on=dt.date(2025, 3, 1))
    assert exc.value.field == "year"
    with pytest.raises(ContributionError) as exc:  # credits for months after the event
        ledger.account_settle_broken_year(actor=system, person_id=t19.pk, on=dt.date(2024, 6, 30))
    assert exc.value.field == "on"
    with pytest.raises(AccessDenied):
        ledger.account_settle_broken_year(actor=staff(Post.AUDITOR, REGION), person_id=t19.pk, on=dt.date(2024, 12, 31))


def test_commands_and_tasks(system, t19, settings):
    from io import StringIO

    out = StringIO()
    call_command("post_credits", period="202401", region=REGION, stdout=out)
    assert "0" in out.getvalue()
    out = StringIO()
    call_command("credit_interest", year=2024, stdout=out)
    assert "1 accounts" in out.getvalue() and "1,418.96" in out.getvalue()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    result = ledger_tasks.account_credit_interest_task.enqueue(2024, None)
    assert result.return_value["accounts"] == 1
    result = ledger_tasks.account_post_credits_task.enqueue("202401", REGION)
    assert result.return_value == {"period": "202401", "region": REGION, "posted": 0}
