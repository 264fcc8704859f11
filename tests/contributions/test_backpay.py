"""Back-payment (补缴): employer cases at each original period's bases and rates with late
fees from the original due date, the under-declared difference, flexible workers'
interrupted periods inside the local window without late fees, and the refusal of a
one-off purchase of years without a labour relationship (国办发〔2019〕13号)."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.contributions import assessment, services
from shebao.contributions.backpay import PROHIBITED_ZH, backpay_employer, backpay_flexible
from shebao.contributions.codes import BillStatus
from shebao.contributions.collection import payment_record
from shebao.contributions.models import BackPayment, Bill, ContributionLine, LateFee
from shebao.contributions.services import ContributionError
from shebao.register import services as register
from tests.contributions.conftest import CHAOYANG, PERIOD, make_person_direct

pytestmark = pytest.mark.django_db

EVIDENCE = "京朝劳监责改字〔2026〕第12号"

# Representative 2024-07 … 2025-06 values (test data): S 11,761, bases 6,821–35,283, and
# an employer medical rate of 9.0 % so that the test shows which period's sheet was used.
PARAMS_2024 = [
    ("reference_wage", "", 1_176_100),
    ("base_floor", "", 682_100),
    ("base_ceiling", "", 3_528_300),
    ("employer_rate", "medical", 90_000),
    ("employer_rate", "unemployment", 5_000),
    ("employer_rate", "maternity", 8_000),
    ("individual_rate", "medical", 20_000),
    ("individual_rate", "unemployment", 5_000),
    ("individual_fixed", "medical", 300),
    ("flexible_rate", "medical", 100_000),
]


@pytest.fixture
def params_2024(system, params):
    for kind, key, value in PARAMS_2024:
        services.parameter_add(
            actor=system, kind=kind, key=key, jurisdiction="110000", valid_from=202407, valid_to=202506,
            value=value, source_doc="test: 北京市2024年度缴费基数（示例）",
        )


def _lines(person_id: int, period: int, kind: str = "backpay") -> dict[str, ContributionLine]:
    return {x.insurance: x for x in ContributionLine.objects.filter(period=period, person_id=person_id, kind=kind)}


def test_employer_backpay_uses_each_original_periods_sheet(system, employer, hire, params_2024):
    worker = hire(employer, wage="5000", start=dt.date(2024, 1, 1))
    case = backpay_employer(
        actor=system, employer_id=employer.pk, person_id=worker.pk, first_period=202409, last_period=202411,
        wage="5000", evidence=EVIDENCE,
    )
    lines = _lines(worker.pk, 202409)
    assert {x.base_fen for x in lines.values()} == {682_100}  # the 2024 floor, not 2025's 7,162
    assert (lines["pension"].employer_fen, lines["pension"].individual_fen) == (109_136, 54_568)
    assert (lines["medical"].employer_ppm, lines["medical"].employer_fen) == (90_000, 61_389)
    assert lines["medical"].individual_fen == 13_642 + 300
    assert lines["injury"].employer_fen == 2_728  # risk class 2: 0.4 %
    assert {x.run_id for x in lines.values()} == {-case.pk}
    per_period = 182_121 + 71_921
    assert (case.kind, case.total_fen, case.evidence) == ("employer", 3 * per_period, EVIDENCE)
    bill = Bill.objects.get(period=202409, payer_type="employer", payer_id=employer.pk, kind="backpay")
    assert (bill.total_fen, bill.lines, bill.status) == (per_period, 5, BillStatus.OPEN)
    assert bill.due_date == assessment.due_date(period=202409, due_day=15)

    # paid now: the late fee runs from the original due date
    paid_on = dt.date(2026, 11, 30)
    payment_record(actor=system, source="bank", external_ref="BP-1", payer_type="employer", payer_id=employer.pk,
                   amount=str(per_period / 100), paid_on=paid_on, period=202409)
    bill.refresh_from_db()
    assert bill.status == BillStatus.PAID
    fee = LateFee.objects.get(bill=bill)
    assert fee.due_date == bill.due_date and fee.days == (paid_on - bill.due_date).days
    assert fee.fee_fen == (per_period * 500 * fee.days + 500_000) // 1_000_000


def test_employer_backpay_of_an_under_declared_period_pays_the_difference(system, employer, hire, assess):
    worker = hire(employer, wage="12000")
    assess()
    case = backpay_employer(
        actor=system, employer_id=employer.pk, person_id=worker.pk, first_period=PERIOD, last_period=PERIOD,
        wage="15000", evidence=EVIDENCE,
    )
    lines = _lines(worker.pk, PERIOD)
    assert lines["pension"].base_fen == 1_500_000
    assert (lines["pension"].employer_fen, lines["pension"].individual_fen) == (48_000, 24_000)
    assert lines["medical"].individual_fen == 6_000  # the fixed 3 yuan was already assessed
    assert case.total_fen == 114_000  # 3,000 × (27.5 % + 10.5 %)
    with pytest.raises(ContributionError) as again:
        backpay_employer(actor=system, employer_id=employer.pk, person_id=worker.pk, first_period=PERIOD,
                         last_period=PERIOD, wage="15000", evidence=EVIDENCE)
    assert again.value.field == "wage"
    lower = backpay_employer(actor=system, employer_id=employer.pk, person_id=worker.pk, first_period=PERIOD,
                             last_period=PERIOD, wage="16000", evidence=EVIDENCE)
    assert lower.total_fen == 38_000  # only the further 1,000
    bill = Bill.objects.get(period=PERIOD, payer_type="employer", payer_id=employer.pk, kind="backpay")
    assert bill.total_fen == 152_000

    normal = Bill.objects.get(period=PERIOD, payer_type="employer", payer_id=employer.pk, kind="normal")
    payment_record(actor=system, source="bank", external_ref="N-1", payer_type="employer", payer_id=employer.pk,
                   amount=str(normal.total_fen / 100), paid_on=dt.date(2026, 2, 10))
    paid_on = dt.date(2026, 11, 30)
    payment_record(actor=system, source="bank", external_ref="BP-1", payer_type="employer", payer_id=employer.pk,
                   amount="3000", paid_on=paid_on, period=PERIOD)
    normal.refresh_from_db()
    bill.refresh_from_db()
    assert normal.status == BillStatus.PAID and not normal.late_fees.exists()
    assert bill.status == BillStatus.PAID
    fee = LateFee.objects.get(bill=bill)
    days = (paid_on - assessment.due_date(period=PERIOD, due_day=15)).days
    assert (fee.days, fee.fee_fen, fee.status) == (days, 76 * days, "paid")  # 1,520 × 0.05 % = 0.76 a day


def test_employer_backpay_without_labour_relationship_is_refused(system, employer, other_employer, hire, params):
    stranger = make_person_direct(system)
    elsewhere = hire(other_employer, start=dt.date(2025, 7, 1))
    for person in (stranger, elsewhere):
        with pytest.raises(ContributionError) as exc:
            backpay_employer(actor=system, employer_id=employer.pk, person_id=person.pk, first_period=202508,
                             last_period=202509, wage="8000", evidence=EVIDENCE)
        assert exc.value.message_zh.startswith(PROHIBITED_ZH)
    late_hire = hire(employer, start=dt.date(2025, 9, 10))  # the hire month counts, the month before does not
    with pytest.raises(ContributionError) as before:
        backpay_employer(actor=system, employer_id=employer.pk, person_id=late_hire.pk, first_period=202508,
                         last_period=202509, wage="8000", evidence=EVIDENCE)
    assert before.value.message_zh.startswith(PROHIBITED_ZH) and "202508" in before.value.message_zh
    backpay_employer(actor=system, employer_id=employer.pk, person_id=late_hire.pk, first_period=202509,
                     last_period=202509, wage="8000", evidence=EVIDENCE)
    assert BackPayment.objects.count() == 1
    assert not ContributionLine.objects.filter(person_id__in=[stranger.pk, elsewhere.pk]).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"evidence": " "}, "evidence"),
        ({"last_period": 202612}, "last_period"),  # the current period is not yet past
        ({"first_period": 202510, "last_period": 202509}, "last_period"),
        ({"first_period": 201611}, "first_period"),  # more than 10 years back
        ({"wage": "-1"}, "wage"),
        ({"first_period": 202301, "last_period": 202301}, "parameters"),  # no 2023 sheet loaded
    ],
)
def test_employer_backpay_bad_input(system, employer, hire, changes, field):
    worker = hire(employer, start=dt.date(2020, 1, 1))
    values = {"first_period": 202508, "last_period": 202509, "wage": "8000", "evidence": EVIDENCE, **changes}
    with pytest.raises(ContributionError) as exc:
        backpay_employer(actor=system, employer_id=employer.pk, person_id=worker.pk, **values)
    assert exc.value.field == field
    assert not BackPayment.objects.exists() and not ContributionLine.objects.exists()


def test_employer_backpay_is_for_staff_with_write(staff, make_user, employer, hire):
    worker = hire(employer)
    for actor in (staff(Post.AUDITOR, CHAOYANG), make_user(kind=UserKind.EMPLOYER, employer_id=employer.pk)):
        with pytest.raises(AccessDenied):
            backpay_employer(actor=actor, employer_id=employer.pk, person_id=worker.pk, first_period=202508,
                             last_period=202508, wage="8000", evidence=EVIDENCE)
    case = backpay_employer(actor=staff(Post.REVIEWER, CHAOYANG), employer_id=employer.pk, person_id=worker.pk,
                            first_period=202508, last_period=202508, wage="8000", evidence=EVIDENCE)
    assert case.total_fen > 0


# --- flexible workers ----------------------------------------------------------------------


def _flexible(system, start: dt.date):
    worker = make_person_direct(system)
    register.flexible_register(actor=system, person_id=worker.pk, start_date=start)
    return worker


def test_flexible_backpay_inside_the_window_without_late_fee(system, params, make_user):
    worker = _flexible(system, dt.date(2026, 1, 1))
    citizen = make_user(kind=UserKind.CITIZEN, person_id=worker.pk)  # the worker applies online
    case = backpay_flexible(actor=citizen, person_id=worker.pk, first_period=202603, last_period=202605, grade_pct=60)
    lines = _lines(worker.pk, 202604)
    assert set(lines) == {"pension", "medical"}
    assert {x.base_fen for x in lines.values()} == {716_200}  # 60 % of 11,937 → 7,162
    assert (lines["pension"].individual_fen, lines["medical"].individual_fen) == (143_240, 71_620)
    assert all(x.employer_id is None and x.employer_fen == 0 for x in lines.values())
    assert (case.kind, case.total_fen) == ("flexible", 3 * 214_860)
    bill = Bill.objects.get(period=202603, payer_type="person", payer_id=worker.pk, kind="backpay")
    assert bill.total_fen == 214_860
    payment_record(actor=system, source="tax", external_ref="T-1", payer_type="person", payer_id=worker.pk,
                   amount="6445.80", paid_on=dt.date(2026, 11, 30))
    assert Bill.objects.filter(payer_id=worker.pk, payer_type="person", status="paid").count() == 3
    assert not LateFee.objects.exists()  # individuals pay no late fee


def test_flexible_backpay_outside_the_window_is_refused(system, params):
    worker = _flexible(system, dt.date(2024, 1, 1))
    with pytest.raises(ContributionError) as exc:
        backpay_flexible(actor=system, person_id=worker.pk, first_period=202510, last_period=202512, grade_pct=60)
    assert exc.value.message_zh.startswith(PROHIBITED_ZH) and "12个月" in exc.value.message_zh
    backpay_flexible(actor=system, person_id=worker.pk, first_period=202512, last_period=202512, grade_pct=100)


def test_flexible_backpay_needs_a_flexible_registration(system, params, employer, hire):
    for person in (make_person_direct(system), hire(employer)):
        with pytest.raises(ContributionError) as exc:
            backpay_flexible(actor=system, person_id=person.pk, first_period=202606, last_period=202606, grade_pct=60)
        assert exc.value.message_zh.startswith(PROHIBITED_ZH)
    assert not ContributionLine.objects.filter(kind="backpay").exists()


def test_flexible_backpay_of_an_assessed_period_or_bad_grade_is_refused(system, assess, make_user):
    worker = _flexible(system, dt.date(2025, 7, 1))
    assess()
    with pytest.raises(ContributionError) as assessed:
        backpay_flexible(actor=system, person_id=worker.pk, first_period=PERIOD, last_period=PERIOD, grade_pct=60)
    assert "已核定" in assessed.value.message_zh
    with pytest.raises(ContributionError) as grade:
        backpay_flexible(actor=system, person_id=worker.pk, first_period=202603, last_period=202603, grade_pct=55)
    assert grade.value.field == "grade_pct"
    someone = make_user(kind=UserKind.CITIZEN, person_id=make_person_direct(system).pk)
    with pytest.raises(AccessDenied):
        backpay_flexible(actor=someone, person_id=worker.pk, first_period=202603, last_period=202603, grade_pct=60)


def test_assessing_the_period_again_keeps_its_backpay_bills(system, employer, hire, params, assess):
    """A chunk sums the period's back-payment lines with its own (PostgreSQL: inside the
    chunk's statement, through the partial index ``line_other_kinds``; SQLite: in the
    chunk's parts): an assessment of a period with back-payments rewrites their bills
    with the same sums instead of voiding them, for an employer and a flexible worker."""
    worker = hire(employer, wage="12000")
    assess()
    backpay_employer(
        actor=system, employer_id=employer.pk, person_id=worker.pk, first_period=PERIOD, last_period=PERIOD,
        wage="15000", evidence=EVIDENCE,
    )
    flexible = _flexible(system, dt.date(2026, 1, 1))
    backpay_flexible(actor=system, person_id=flexible.pk, first_period=202603, last_period=202603, grade_pct=60)

    def backpay_bills():
        return {
            (b.period, b.payer_type, b.payer_id): (b.total_fen, b.lines, b.status)
            for b in Bill.objects.filter(kind="backpay")
        }

    before = backpay_bills()
    assert before == {
        (PERIOD, "employer", employer.pk): (114_000, 5, "open"),
        (202603, "person", flexible.pk): (214_860, 2, "open"),
    }
    runs = [assess(), assess(period=202603, chunk_size=1)]
    assert backpay_bills() == before
    for run, payer_type in zip(runs, ("employer", "person"), strict=True):
        bill = Bill.objects.get(period=run.period, payer_type=payer_type, kind="backpay")
        assert bill.run_id == run.pk  # summed by this run's chunks, not left over
