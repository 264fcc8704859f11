"""The monthly assessment through its services, on the real database (SQLite and
PostgreSQL): worked cases T08, T10, T12-style flexible grades and T14, bill totals,
idempotent reruns, resuming after a crash, and what is not assessed."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.contributions import assessment, services
from shebao.contributions.codes import RunStatus
from shebao.contributions.models import AssessmentRun, Bill, ContributionLine, FlexibleGrade
from shebao.contributions.sheet import SheetError
from shebao.register import services as register
from tests.contributions.conftest import PERIOD, make_person_direct

pytestmark = pytest.mark.django_db


def _lines(person_id: int, period: int = PERIOD) -> dict[str, ContributionLine]:
    return {
        line.insurance: line
        for line in ContributionLine.objects.filter(period=period, person_id=person_id, kind="normal")
    }


def _snapshot(period: int = PERIOD):
    lines = sorted(
        ContributionLine.objects.filter(period=period).values_list(
            "person_id", "insurance", "employer_id", "kind", "base_fen", "employer_fen", "individual_fen"
        ),
        key=repr,
    )
    bills = sorted(
        Bill.objects.filter(period=period).values_list(
            "payer_type", "payer_id", "kind", "employer_fen", "individual_fen", "total_fen", "lines", "status"
        )
    )
    return lines, bills


def test_t08_wage_below_floor_is_clamped(employer, hire, assess):
    p = hire(employer, wage="5000")
    assess()
    lines = _lines(p.pk)
    assert lines["pension"].base_fen == 716_200  # 7,162 yuan, the Beijing floor
    assert lines["pension"].individual_fen == 57_296  # 572.96
    assert lines["pension"].employer_fen == 114_592  # 1,145.92


def test_t10_wage_inside_range(employer, hire, assess):
    p = hire(employer, wage="12000")
    assess()
    lines = _lines(p.pk)
    assert {i: line.base_fen for i, line in lines.items()} == dict.fromkeys(
        ["pension", "medical", "unemployment", "injury", "maternity"], 1_200_000
    )
    # 8 % + 2 % + 0.5 % = 960 + 240 + 60 = 1,260.00, plus Beijing's 3 yuan 大额互助 on medical
    assert lines["pension"].individual_fen == 96_000
    assert lines["medical"].individual_fen == 24_000 + 300
    assert lines["unemployment"].individual_fen == 6_000
    assert lines["injury"].individual_fen == 0 and lines["maternity"].individual_fen == 0
    # employer: 16 % + 9.8 % + 0.5 % + 0.4 % (risk class 2) + 0.8 %
    assert [lines[i].employer_fen for i in ("pension", "medical", "unemployment", "injury", "maternity")] == [
        192_000,
        117_600,
        6_000,
        4_800,
        9_600,
    ]


def test_wage_above_ceiling_and_declaration_overrides_the_hire_wage(system, employer, hire, assess):
    p = hire(employer, wage="9000")
    services.wage_declare(
        actor=system, employer_id=employer.pk, base_year=2025, rows=[services.DeclarationRow(p.pk, "50000")]
    )
    assess()
    assert _lines(p.pk)["pension"].base_fen == 3_581_100  # the ceiling 35,811


def test_flexible_worker_pays_pension_and_medical_on_the_grade(system, params, assess):
    p = make_person_direct(system)
    register.flexible_register(actor=system, person_id=p.pk, start_date=dt.date(2025, 7, 1))
    assess()
    lines = _lines(p.pk)
    assert set(lines) == {"pension", "medical"}
    # default grade 60 %: round(0.6 × 11,937) = 7,162 (the floor); 20 % → 1,432.40, all individual
    assert lines["pension"].base_fen == 716_200
    assert (lines["pension"].employer_fen, lines["pension"].individual_fen) == (0, 143_240)
    bill = Bill.objects.get(period=PERIOD, payer_type="person", payer_id=p.pk)
    assert bill.total_fen == sum(line.individual_fen for line in lines.values())


def test_flexible_grade_change_applies_from_the_next_period(system, params, assess):
    p = make_person_direct(system)
    register.flexible_register(actor=system, person_id=p.pk, start_date=dt.date(2025, 7, 1))
    services.flexible_grade_change(actor=system, person_id=p.pk, grade_pct=100, today=dt.date(2025, 12, 20))
    assess(period=202512)
    assess(period=202601)
    assert _lines(p.pk, 202512)["pension"].base_fen == 716_200
    assert _lines(p.pk, 202601)["pension"].base_fen == 1_193_700  # 100 % of S
    assert _lines(p.pk, 202601)["pension"].individual_fen == 238_740


def test_flexible_grade_must_be_offered(system, params):
    p = make_person_direct(system)
    register.flexible_register(actor=system, person_id=p.pk, start_date=dt.date(2025, 7, 1))
    with pytest.raises(services.ContributionError) as err:
        services.flexible_grade_change(actor=system, person_id=p.pk, grade_pct=55)
    assert err.value.field == "grade_pct" and "60%" in err.value.message_zh


def test_only_flexible_workers_choose_a_grade(system, employer, hire, params):
    employee = hire(employer)
    never_enrolled = make_person_direct(system, name="王五")
    for p in (employee, never_enrolled):
        with pytest.raises(services.ContributionError) as err:
            services.flexible_grade_change(actor=system, person_id=p.pk, grade_pct=100)
        assert err.value.field == "grade_pct" and "灵活就业" in err.value.message_zh
    assert not FlexibleGrade.objects.exists()


def test_bill_totals_equal_the_sum_of_lines(employer, other_employer, hire, assess):
    for wage in ("5000", "12000", "40000"):
        hire(employer, wage=wage)
    hire(other_employer, wage="8000", region="310101")  # Shanghai: outside a Beijing run
    run = assess()
    bill = Bill.objects.get(period=PERIOD, payer_type="employer", payer_id=employer.pk)
    lines = ContributionLine.objects.filter(period=PERIOD, employer_id=employer.pk)
    assert bill.lines == lines.count() == 15
    assert bill.employer_fen == sum(x.employer_fen for x in lines)
    assert bill.individual_fen == sum(x.individual_fen for x in lines)
    assert bill.total_fen == bill.employer_fen + bill.individual_fen
    assert not Bill.objects.filter(payer_id=other_employer.pk).exists()
    assert (run.bills, run.lines, run.employer_fen + run.individual_fen) == (1, 15, bill.total_fen)
    assert bill.due_date >= dt.date(2026, 2, 15) and bill.status == "open"


def test_rerun_gives_identical_lines_and_no_duplicates(system, employer, hire, assess):
    for wage in ("5000", "12000"):
        hire(employer, wage=wage)
    first_run = assess()
    first = _snapshot()
    second_run = assess()
    assert second_run.pk != first_run.pk and second_run.status == RunStatus.DONE
    assert _snapshot() == first
    assert ContributionLine.objects.filter(period=PERIOD).count() == 10


def test_flexible_workers_bills_over_chunks_rerun_and_void(system, employer, hire, params, assess):
    """A flexible worker's bill is final within its chunk (on PostgreSQL the chunk writes
    it); a rerun rewrites it in place with its paid status, and one no line supports any
    more is voided, exactly as an employer's bill."""
    hire(employer, wage="9000")
    flexible = []
    for i in range(3):
        p = make_person_direct(system, name="灵活" + "甲乙丙"[i])
        register.flexible_register(actor=system, person_id=p.pk, start_date=dt.date(2025, 7, 1))
        flexible.append(p)
    assess(chunk_size=1)
    first = _snapshot()
    bills = {b.payer_id: b for b in Bill.objects.filter(period=PERIOD, payer_type="person")}
    assert set(bills) == {p.pk for p in flexible}
    paid = bills[flexible[0].pk]
    Bill.objects.filter(pk=paid.pk).update(paid_fen=paid.total_fen, status="paid")
    assess(chunk_size=1)
    after = _snapshot()
    assert after[0] == first[0] and len(after[1]) == len(first[1])
    assert Bill.objects.get(pk=paid.pk).status == "paid" and Bill.objects.filter(period=PERIOD).count() == 4
    for insurance in ("pension", "medical"):
        register.enrolment_terminate(
            actor=system, person_id=flexible[1].pk, insurance=insurance, from_period=str(PERIOD), reason="test"
        )
    run = assess(chunk_size=2)
    gone = Bill.objects.get(period=PERIOD, payer_type="person", payer_id=flexible[1].pk)
    assert (gone.status, gone.total_fen, gone.lines, gone.run_id) == ("void", 0, 0, run.pk)
    kept = Bill.objects.get(period=PERIOD, payer_type="person", payer_id=flexible[2].pk)
    assert kept.run_id == run.pk and kept.total_fen == bills[flexible[2].pk].total_fen
    assert run.bills == 3 and Bill.objects.filter(period=PERIOD).count() == 4


def test_an_interrupted_run_resumes_to_the_same_totals(system, employer, hire, assess):
    people = [hire(employer, wage=w) for w in ("5000", "9000", "12000", "20000", "40000")]
    reference_run = assess(chunk_size=2)
    reference = _snapshot()
    ContributionLine.objects.all().delete()
    Bill.objects.all().delete()

    calls = {"n": 0}

    def crash(_run):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed")

    run = assessment.assessment_start(actor=system, period=PERIOD, region_code="110000", chunk_size=2)
    assert run.chunks_total >= 3
    with pytest.raises(KeyboardInterrupt):
        assessment.assessment_execute(run_id=run.pk, progress=crash)
    run.refresh_from_db()
    # like kill -9: nothing marked the run failed; whole chunks only are done
    assert run.status == RunStatus.RUNNING and 0 < run.chunks_done < run.chunks_total
    resumed = assess(chunk_size=2)
    assert resumed.pk == run.pk and resumed.status == RunStatus.DONE
    assert _snapshot() == reference
    assert resumed.employer_fen == reference_run.employer_fen and len(people) == 5


def test_t14_undeclared_month_is_assessed_at_110_percent(system, employer, hire, assess):
    hire(employer, wage="12000")
    hire(employer, wage="8000")
    services.monthly_declare(actor=system, employer_id=employer.pk, period=202512)
    assess(period=202512)
    last = Bill.objects.get(period=202512, payer_type="employer", payer_id=employer.pk)
    assess(period=202601)  # no monthly declaration for 202601
    provisional = Bill.objects.get(period=202601, payer_type="employer", payer_id=employer.pk)
    assert provisional.kind == "provisional"
    assert provisional.total_fen == pytest.approx(last.total_fen * 11 / 10, abs=10)  # ≤ 1 fen per item
    lines = ContributionLine.objects.filter(period=202601, employer_id=employer.pk)
    assert {x.kind for x in lines} == {"provisional"} and all(x.person_id is None for x in lines)
    # declaring late and re-assessing replaces the provisional bill by the real one
    services.monthly_declare(actor=system, employer_id=employer.pk, period=202601)
    assess(period=202601)
    normal = Bill.objects.get(period=202601, payer_type="employer", payer_id=employer.pk, kind="normal")
    assert normal.total_fen == last.total_fen
    assert Bill.objects.get(pk=provisional.pk).status == "void"


def test_not_assessed_suspended_deceased_and_before_start(system, employer, hire, assess):
    suspended = hire(employer)
    register.enrolment_suspend(
        actor=system, person_id=suspended.pk, insurance="pension", from_period="202601", reason="test"
    )
    late = hire(employer, start=dt.date(2026, 2, 3))
    dead = hire(employer)
    register.person_change(actor=system, person_id=dead.pk, changes={"life_status": "deceased", "death_date": "2025-12-01"})
    assess()
    assert set(_lines(suspended.pk)) == {"medical", "unemployment", "injury", "maternity"}
    assert _lines(late.pk) == {} and _lines(dead.pk) == {}


def test_missing_parameters_are_named(system, employer, hire):
    hire(employer)
    with pytest.raises(services.ContributionError) as err:
        assessment.assessment_start(actor=system, period="201001", region_code="110000")
    assert "缴费基数下限" in err.value.message_zh and "201001" in err.value.message_en


@pytest.mark.parametrize("period", ["202613", "202600", "", "abc", None, "20261"])
def test_malformed_period_is_refused(system, params, period):
    with pytest.raises(services.ContributionError) as err:
        assessment.assessment_start(actor=system, period=period, region_code="110000")
    assert err.value.field == "period"


def test_front_desk_may_not_run_an_assessment(staff, params):
    from shebao.accounts.access import AccessDenied
    from shebao.accounts.rules.permissions import Post

    with pytest.raises(AccessDenied):
        assessment.assessment_start(actor=staff(Post.FRONT_DESK, "110105"), period=PERIOD, region_code="110105")
    run = assessment.assessment_start(actor=staff(Post.FUND_ACCOUNTANT, "110000"), period=PERIOD, region_code="110105")
    assert run.status == RunStatus.QUEUED and AssessmentRun.objects.count() == 1


def test_sheet_error_when_floor_above_ceiling(system, params):
    services.parameter_add(
        actor=system, kind="base_floor", jurisdiction="110000", valid_from="202701", value=9_999_999_00,
        source_doc="test",
    )
    with pytest.raises(SheetError):
        from shebao.contributions import selectors

        selectors.rate_sheet(region_code="110105", period=202701)
