"""Survival certification (领取待遇资格认证, rules.md §8): cycle arithmetic, the sweep,
suspension then certification with back-pay through the payroll, death import (T53),
bad files named by row, and access by post and region."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.benefits import identity, selectors, services
from shebao.benefits.errors import BenefitError
from shebao.benefits.models import Certification, CertificationSuspension, DeathRecord, SurvivorEntitlement
from shebao.benefits.rules import certification as rules
from shebao.payroll import run as payroll
from shebao.payroll.models import Adjustment, Payee, Payment, Receivable
from tests.payroll.conftest import media  # noqa: F401 - autouse: bank files under tmp
from tests.register.conftest import CHAOYANG, DONGCHENG, new_id

# --- rules ------------------------------------------------------------------------------


def test_cycle_is_twelve_months_clamped_to_month_end():
    assert rules.due_date(dt.date(2025, 1, 10)) == dt.date(2026, 1, 10)
    assert rules.due_date(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    assert rules.due_date(dt.date(2025, 3, 31), cycle_months=6) == dt.date(2025, 9, 30)
    with pytest.raises(ValueError):
        rules.due_date(dt.date(2025, 1, 1), cycle_months=0)


def test_reminders_missed_and_suspension_month():
    due = dt.date(2026, 1, 10)
    assert rules.reminder_dates(due) == [dt.date(2025, 12, 11), dt.date(2026, 1, 3)]
    assert not rules.is_missed(due, due) and rules.is_missed(due, due + dt.timedelta(days=1))
    assert rules.suspension_period(due) == 202602
    assert rules.suspension_period(dt.date(2025, 12, 31)) == 202601


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31)))
def test_due_date_is_one_year_later_within_a_day(base):
    due = rules.due_date(base)
    assert 365 <= (due - base).days <= 366
    assert due.month == base.month and due.year == base.year + 1
    assert rules.suspension_period(due) > rules.period_of(due)


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def pensioner(make_person, enrol):
    number = new_id(CHAOYANG, dt.date(1960, 3, 1))
    person = make_person(number, name="王老")
    payee = enrol(person=person, monthly_fen=300_000, from_period=202501)
    return person, number, payee


def _certify(actor, person, day, **kw):
    kw.setdefault("method", "visit")
    kw.setdefault("reference", "社区走访 2025-001")
    return services.certification_record(actor=actor, person_id=person.pk, verified_on=day, **kw)


def _paid(payee, period):
    return Payment.objects.filter(payee_id=payee.pk, period=period).aggregate(s=Sum("amount_fen"))["s"] or 0


# --- sweep, suspension and resumption ----------------------------------------------------


@pytest.mark.django_db
def test_sweep_suspends_missed_cycles_from_next_month_and_is_idempotent(system, pensioner):
    person, _number, payee = pensioner
    _certify(system, person, dt.date(2025, 1, 10))
    assert (
        services.certification_sweep(actor=system, today=dt.date(2026, 1, 10)) == []
    )  # due day still counts
    (row,) = services.certification_sweep(actor=system, today=dt.date(2026, 1, 11))
    assert row.from_period == 202602 and row.due_on == dt.date(2026, 1, 10)
    payee.refresh_from_db()
    assert payee.status == "suspended" and payee.suspended_from == 202602
    assert services.certification_sweep(actor=system, today=dt.date(2026, 1, 12)) == []
    assert services.certification_sweep(actor=system, today=dt.date(2026, 5, 1)) == []
    assert CertificationSuspension.objects.count() == 1


@pytest.mark.django_db
def test_certification_after_suspension_resumes_with_back_pay(system, pensioner, staff):
    person, _number, payee = pensioner
    _certify(system, person, dt.date(2025, 1, 10))
    payroll.payroll_run(actor=system, period=202601)
    services.certification_sweep(actor=system, today=dt.date(2026, 1, 20))
    for period in (202602, 202603):
        payroll.payroll_run(actor=system, period=period)
        assert _paid(payee, period) == 0
    reviewer = staff(Post.REVIEWER, CHAOYANG)
    cert = _certify(reviewer, person, dt.date(2026, 3, 20))
    assert cert.recorded_by == reviewer.username and cert.method == "visit"
    payee.refresh_from_db()
    assert payee.status == "active" and payee.resumed_from == 202604  # March already paid out
    (backpay,) = Adjustment.objects.filter(payee_id=payee.pk)
    assert backpay.amount_fen == 2 * 300_000
    payroll.payroll_run(actor=system, period=202604)
    assert _paid(payee, 202604) == 3 * 300_000  # April plus February and March
    suspension = CertificationSuspension.objects.get()
    assert suspension.resumed_period == 202604 and suspension.resumed_at is not None
    # The new certification starts the next cycle.
    assert selectors.person_certification(person_id=person.pk, today=dt.date(2026, 4, 1))["due"] == dt.date(
        2027, 3, 20
    )
    assert services.certification_sweep(actor=system, today=dt.date(2026, 4, 1)) == []


@pytest.mark.django_db
def test_reminders_are_due_30_and_7_days_before(system, pensioner):
    person, _number, _payee = pensioner
    _certify(system, person, dt.date(2025, 1, 10))
    assert [(d.person_id, n) for d, n in selectors.certification_reminders_due(dt.date(2025, 12, 11))] == [
        (person.pk, 30)
    ]
    assert [n for _d, n in selectors.certification_reminders_due(dt.date(2026, 1, 3))] == [7]
    assert selectors.certification_reminders_due(dt.date(2026, 1, 4)) == []


# --- self-service through the identity interface -----------------------------------------


@pytest.mark.django_db
def test_self_service_checks_id_number_and_name_against_the_register(system, pensioner, make_user):
    person, number, _payee = pensioner
    citizen = make_user(kind=UserKind.CITIZEN, person_id=person.pk, full_name=person.name)
    with pytest.raises(BenefitError) as exc:
        services.certification_record(
            actor=citizen, person_id=person.pk, method="self_service", verified_on=dt.date(2026, 1, 5),
            id_number=number, name="李四",
        )  # fmt: skip
    assert exc.value.field == "id_number"
    assert not Certification.objects.exists()
    cert = services.certification_record(
        actor=citizen, person_id=person.pk, method="self_service", verified_on=dt.date(2026, 1, 5),
        id_number=number.lower(), name="王老",
    )  # fmt: skip
    assert cert.provider == "register_match" and "match" in cert.provider_result
    with pytest.raises(AccessDenied):  # a citizen may not record a visit, nor for someone else
        _certify(citizen, person, dt.date(2026, 1, 5))


@pytest.mark.django_db
def test_a_registered_provider_plugs_in(system, pensioner, make_user):
    class AlwaysFails(identity.IdentityVerifier):  # test double: a provider that rejects
        name = "test_reject"

        def verify(self, *, person_id, id_number, name):
            return identity.VerificationResult(ok=False, detail="rejected")

    identity.register_verifier(AlwaysFails())
    try:
        person, number, _payee = pensioner
        with pytest.raises(BenefitError):
            services.certification_record(
                actor=system, person_id=person.pk, method="self_service", verified_on=dt.date(2026, 1, 5),
                provider="test_reject", id_number=number, name="王老",
            )  # fmt: skip
        with pytest.raises(BenefitError) as exc:
            services.certification_record(
                actor=system, person_id=person.pk, method="self_service", verified_on=dt.date(2026, 1, 5),
                provider="nope", id_number=number, name="王老",
            )  # fmt: skip
        assert exc.value.field == "provider"
    finally:
        identity.unregister_verifier("test_reject")


@pytest.mark.django_db
def test_bad_input_is_named(system, pensioner, make_person):
    person, _number, _payee = pensioner
    for kw, field in (
        ({"method": "telepathy"}, "method"),
        ({"reference": ""}, "reference"),
    ):
        with pytest.raises(BenefitError) as exc:
            _certify(system, person, dt.date(2026, 1, 5), **kw)
        assert exc.value.field == field
    with pytest.raises(BenefitError) as exc:
        _certify(system, person, dt.date.today() + dt.timedelta(days=3))
    assert exc.value.field == "verified_on"
    with pytest.raises(BenefitError) as exc:
        _certify(system, make_person(), dt.date(2026, 1, 5))
    assert exc.value.field == "person_id"


# --- access -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_wrong_post_or_region_is_refused(system, pensioner, staff):
    person, number, payee = pensioner
    with pytest.raises(AccessDenied):
        _certify(staff(Post.REVIEWER, DONGCHENG), person, dt.date(2026, 1, 5))
    with pytest.raises(AccessDenied):
        _certify(staff(Post.FUND_ACCOUNTANT, CHAOYANG), person, dt.date(2026, 1, 5))
    _certify(staff(Post.FRONT_DESK, CHAOYANG), person, dt.date(2025, 1, 5))
    with pytest.raises(BenefitError) as exc:
        services.death_records_import(
            actor=staff(Post.REVIEWER, DONGCHENG), data=f"{number},王老,2025-03-15\n".encode()
        )
    assert exc.value.row == 1
    # A reviewer elsewhere sweeps only their own region.
    assert (
        services.certification_sweep(actor=staff(Post.REVIEWER, DONGCHENG), today=dt.date(2026, 6, 1)) == []
    )
    payee.refresh_from_db()
    assert payee.status == "active"
    with pytest.raises(AccessDenied):
        services.certification_sweep(actor=staff(Post.FRONT_DESK, CHAOYANG), today=dt.date(2026, 6, 1))
    assert (
        len(services.certification_sweep(actor=staff(Post.REVIEWER, CHAOYANG), today=dt.date(2026, 6, 1)))
        == 1
    )


# --- deaths (T53) -----------------------------------------------------------------------


@pytest.mark.django_db
def test_t53_death_import_stops_payment_records_receivable_and_survivor_benefits(system, pensioner, settings):
    settings.SHEBAO_SURVIVOR_BENEFITS = {"funeral_grant": "6000", "survivor_payment": "24000.50"}
    person, number, payee = pensioner
    for period in (202503, 202504, 202505, 202506):
        payroll.payroll_run(actor=system, period=period)
    data = f"身份证号码,姓名,死亡日期\n{number},王老,2025-03-15\n".encode()
    (record,) = services.death_records_import(actor=system, data=data, source="民政 2025-06")
    assert record.death_date == dt.date(2025, 3, 15) and record.receivable_fen == 3 * 300_000
    payee.refresh_from_db()
    assert payee.status == "stopped" and payee.to_period == 202503
    assert Receivable.objects.get(payee_id=payee.pk).amount_fen == 900_000
    assert {(e.kind, e.amount_fen) for e in selectors.survivor_entitlements(person_id=person.pk)} == {
        ("funeral_grant", 600_000),
        ("survivor_payment", 2_400_050),
        ("account_inheritance", 0),  # no personal account in this fixture
    }
    person.refresh_from_db()
    assert person.is_deceased and person.death_date == dt.date(2025, 3, 15)  # the register knows too
    assert services.death_records_import(actor=system, data=data) == []  # re-run: nothing twice
    assert DeathRecord.objects.count() == 1 and SurvivorEntitlement.objects.count() == 3


@pytest.mark.django_db
def test_death_records_the_personal_account_inheritance(system, wang):
    """The balance is inheritable; a pensioner's account pension paid since retirement
    comes out of it first (国发〔2005〕38号)."""
    from shebao.benefits.models import PensionHistory

    PensionHistory.objects.create(person_id=wang.pk, seq=1, kind="award", region_code=wang.region_code,
                                  category="male", retire_period=202501, effective_period=202501, rule="test",
                                  basic_fen=200_000, account_fen=110_000, transitional_fen=0, total_fen=310_000,
                                  contribution_months=200, created_at=timezone.now())  # fmt: skip
    data = f"{wang.id_number},{wang.name},2025-03-15\n".encode()
    services.death_records_import(actor=system, data=data)
    entitlements = {e.kind: e.amount_fen for e in selectors.survivor_entitlements(person_id=wang.pk)}
    assert entitlements["account_inheritance"] == 150_000_00 - 3 * 110_000  # January to March paid


@pytest.mark.django_db
def test_bad_death_rows_are_all_named_and_nothing_is_written(system, pensioner, make_person):
    person, number, payee = pensioner
    other = new_id(CHAOYANG, dt.date(1950, 1, 1))
    make_person(other, name="赵六")
    future = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    data = (
        f"{other},赵六,2025-04-01\n"  # good, but the file fails as a whole
        f"{new_id(CHAOYANG, dt.date(1951, 1, 1))},无名,2025-04-01\n"
        f"{number},王小,2025-04-01\n"
        f"{number},王老,2025/04/01\n"
        f"{number},王老,{future}\n"
        "only,two\n"
    ).encode()
    with pytest.raises(services.CertificationFileError) as exc:
        services.death_records_import(actor=system, data=data)
    assert [(r, f) for r, f, _zh, _en in exc.value.rows] == [
        (2, "id_number"),
        (3, "name"),
        (4, "death_date"),
        (5, "death_date"),
        (6, "columns"),
    ]
    assert "第2行" in exc.value.message_zh and "row 3 name" in exc.value.message_en
    assert not DeathRecord.objects.exists() and not SurvivorEntitlement.objects.exists()
    assert Payee.objects.get(pk=payee.pk).status == "active"
    with pytest.raises(BenefitError):
        services.death_records_import(actor=system, data=b"\xff\xfe\x00")


@pytest.mark.django_db
def test_commands(system, pensioner, tmp_path):
    person, number, payee = pensioner
    _certify(system, person, dt.date(2025, 1, 10))
    call_command("certification_sweep", "--today", "2026-01-11")
    payee.refresh_from_db()
    assert payee.status == "suspended"
    f = tmp_path / "deaths.csv"
    f.write_text(f"{number},王老,2026-02-01\n", encoding="utf-8")
    call_command("import_deaths", "--file", str(f))
    payee.refresh_from_db()
    assert payee.status == "stopped" and DeathRecord.objects.filter(person_id=person.pk).exists()


@pytest.mark.django_db
def test_demo_seed_certifies_through_the_services_and_sweeps(system, make_person, enrol):
    for _ in range(12):
        enrol(person=make_person())
    call_command("seed_certification", "--limit", "12")
    assert Certification.objects.filter(method="data_comparison").count() == 12
    missed = CertificationSuspension.objects.count()
    assert missed == Payee.objects.filter(status="suspended").count()
    call_command("seed_certification", "--if-empty")
    assert Certification.objects.count() == 12
