"""Estimator on the person's own record, the pension award through the hall (复核), the
payroll enrolment and the annual adjustment: real database, real hall workflow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from shebao.accounts.access import AccessDenied
from shebao.benefits import selectors, services
from shebao.benefits.errors import BenefitError
from shebao.benefits.models import PensionHistory
from shebao.benefits.rules.estimate import Assumptions
from shebao.hall import services as hall
from shebao.hall.errors import CaseError
from shebao.kernel.models import AuditEntry
from tests.benefits.conftest import key

BASIC = D("1989.50")  # 11,937 × (1 + 1) / 2 × 200/12 × 1 %
ACCOUNT = D("1111.93")  # 150,000 / 134.9 (60 y 7 m: 139 − 4 × 7/12 → 134.9)


def test_record_from_the_contribution_history(wang, system):
    record = selectors.pension_record(user=system, person_id=wang.pk, as_of=dt.date(2026, 6, 1))
    assert record.months == 200
    assert record.years[0].year == 2009 and record.years[0].months == 12
    assert record.average_wage == D("11937.00")
    assert record.account_balance == D("150000.00")


def test_estimate_for_the_person_and_access(wang, wang_citizen, li, citizen_of):
    est = selectors.pension_estimate_for_person(
        user=wang_citizen,
        person_id=wang.pk,
        assumptions=Assumptions(retire_period=202601),
        today=dt.date(2025, 12, 5),
    )
    assert est.retirement.period == 202508 and est.retire_period == 202601
    assert est.projection == ()  # nothing left to project: the record ends 2025-12
    assert est.breakdown.basic == BASIC and est.breakdown.account == ACCOUNT
    assert est.breakdown.total == BASIC + ACCOUNT
    with pytest.raises(AccessDenied):
        selectors.pension_estimate_for_person(
            user=citizen_of(li), person_id=wang.pk, assumptions=Assumptions()
        )


def _file(citizen, data):
    case = hall.case_start(actor=citizen, item_code="retirement_online", idempotency_key=key())
    return hall.case_submit(actor=citizen, case_id=case.pk, data=data, confirm=True)


def test_retirement_application_through_the_hall(wang, wang_citizen, reviewer, rechecker):
    draft = hall.case_start(actor=wang_citizen, item_code="retirement_online", idempotency_key=key())
    assert draft.prefill["statutory"] == "2025-08"
    assert draft.prefill["window"] == "2025-06 至 2028-08"
    assert draft.prefill["months_so_far"] == 200
    assert draft.prefill["category"] == "male"
    with pytest.raises(CaseError) as err:
        _file(wang_citizen, {"category": "female55", "retire_period": "2026-01", "bank_code": "ICBC"})
    assert err.value.field == "category"
    with pytest.raises(CaseError) as err:
        _file(wang_citizen, {"category": "male", "retire_period": "2029-01", "bank_code": "ICBC"})
    assert err.value.field == "retire_period"
    case = _file(wang_citizen, {"category": "male", "retire_period": "2026-01", "bank_code": "ICBC"})
    assert case.needs_recheck
    hall.case_accept(actor=reviewer, case_id=case.pk)
    with pytest.raises(CaseError):
        hall.case_approve(actor=reviewer, case_id=case.pk)  # sensitive: 复核 needed
    hall.case_review(actor=reviewer, case_id=case.pk, comment="档案核对无误")
    assert not PensionHistory.objects.exists()
    hall.case_recheck(actor=rechecker, case_id=case.pk, approve=True, comment="同意")
    row = PensionHistory.objects.get(person_id=wang.pk)
    assert (row.kind, row.seq, row.retire_period, row.case_id) == ("award", 1, 202601, case.pk)
    assert row.basic_fen == 198950 and row.account_fen == 111193 and row.transitional_fen == 0
    assert row.total_fen == 198950 + 111193
    assert row.breakdown["inputs"]["index"] == "1.0000" and row.breakdown["divisor"] == "134.9"
    assert len(row.breakdown["record"]) == 17
    assert AuditEntry.objects.filter(action="pension.award", object_id=str(wang.pk)).count() == 1
    from shebao.payroll.models import Payee

    payee = Payee.objects.get(person_id=wang.pk)
    assert payee.monthly_fen == row.total_fen and payee.bank_code == "ICBC" and payee.from_period == 202601
    # the citizen sees it; a second award is refused and leaves nothing written
    assert selectors.pension_current(user=wang_citizen, person_id=wang.pk).pk == row.pk
    with pytest.raises(BenefitError) as err:
        services.pension_award(actor=rechecker, person_id=wang.pk, retire_period="2026-01")
    assert err.value.field == "person_id"
    assert PensionHistory.objects.count() == 1


def test_award_refusals_write_nothing(wang, reviewer, far_reviewer, register_person, params):
    with pytest.raises(AccessDenied):
        services.pension_award(actor=far_reviewer, person_id=wang.pk, retire_period="2026-01")
    with pytest.raises(BenefitError) as err:
        services.pension_award(actor=reviewer, person_id=wang.pk, retire_period="2025-05")  # before 60
    assert err.value.field == "retire_period"
    young = register_person("赵六")  # born 1985: far from retirement, no record
    with pytest.raises(BenefitError) as err:
        services.pension_award(actor=reviewer, person_id=young.pk, retire_period="2026-01")
    assert err.value.field == "retire_period"
    assert not PensionHistory.objects.exists()
    assert not AuditEntry.objects.filter(action="pension.award").exists()


def test_too_few_months_is_refused(register_person, employer, reviewer, params):
    from tests.benefits.conftest import legacy_record, man_id

    short = register_person("钱七", id_number=man_id(dt.date(1965, 6, 10)))
    legacy_record(short, employer_id=employer.pk, months=150)
    with pytest.raises(BenefitError) as err:
        services.pension_award(actor=reviewer, person_id=short.pk, retire_period="2026-01")
    assert err.value.field == "contribution_months" and "180" in err.value.message_zh


def test_annual_adjustment_adds_rows(register_person, employer, reviewer, system, params):
    from tests.benefits.conftest import legacy_record, man_id

    wang = register_person("孙老", id_number=man_id(dt.date(1964, 6, 10)))  # statutory 60: 2024-06
    legacy_record(wang, employer_id=employer.pk)
    award = services.pension_award(actor=reviewer, person_id=wang.pk, retire_period="2024-12",
                                   today=dt.date(2024, 12, 1))  # fmt: skip
    assert award.retire_period == 202412 and award.contribution_months == 192
    with pytest.raises(AccessDenied):
        services.pension_adjust(actor=reviewer, person_id=wang.pk, year=2025)
    row = services.pension_adjust(actor=system, person_id=wang.pk, year=2025)
    # 30 fixed + 1 × 16 full years (192 months) + 0.5 % of the pension, no tilt at 60
    pension = D(award.total_fen) / 100
    expected = D(30) + D(16) + (pension * D("0.005")).quantize(D("0.01"))
    assert row.seq == 2 and row.kind == "adjustment" and row.effective_period == 202501
    assert row.total_fen - award.total_fen == int(expected * 100)
    assert services.pension_adjust(actor=system, person_id=wang.pk, year=2025).pk == row.pk  # idempotent
    assert PensionHistory.objects.filter(person_id=wang.pk).count() == 2
    award.refresh_from_db()
    assert award.total_fen == row.total_fen - int(expected * 100)  # never overwritten
    assert services.pension_adjust(actor=system, person_id=wang.pk, year=2024) is None  # no rule


def test_unpaid_months_are_not_contribution_time(register_person, other_employer, system, params):
    from tests.benefits.conftest import legacy_record, man_id

    person = register_person("欠费人", id_number=man_id(dt.date(1965, 6, 10)))
    legacy_record(person, employer_id=other_employer.pk, first=201001, months=24, paid=False)
    record = selectors.pension_record(user=system, person_id=person.pk, as_of=dt.date(2026, 6, 1))
    assert record.months == 0 and record.owed_months == 24 and record.years == ()
