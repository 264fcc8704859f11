"""Collection through its services on the real database (SQLite and PostgreSQL): payments
allocated to bills (partial, exact, over-payment → credit → next bill), late fees charged
when principal is paid late (worked cases T15, T17), reversals, duplicates and bad input,
collection-result CSV files (UTF-8, GBK, wrong columns, junk, bad rows, duplicates),
concurrent payments (PostgreSQL) and the no-cent-lost property."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import Post
from shebao.contributions import collection, services
from shebao.contributions.codes import BillStatus, ChargeStatus
from shebao.contributions.collection import payment_record, payment_reverse, payments_import_csv
from shebao.contributions.models import Allocation, Bill, ContributionLine, LateFee, Payment
from shebao.contributions.services import ContributionError
from shebao.kernel.audit import audit_verify_database
from shebao.kernel.models import AuditEntry
from shebao.register import services as register
from shebao.register.access import SYSTEM_ACTOR
from tests.contributions.conftest import CHAOYANG, PERIOD, make_person_direct, new_id

pytestmark = pytest.mark.django_db

PER_PERSON = 456_300  # one employee at 12,000: employer 3,300.00 + individual 1,263.00


def _bill(employer, period: int = PERIOD, kind: str = "normal") -> Bill:
    return Bill.objects.get(period=period, payer_type="employer", payer_id=employer.pk, kind=kind)


def _due(bill: Bill, day: dt.date) -> Bill:
    Bill.objects.filter(pk=bill.pk).update(due_date=day)
    bill.refresh_from_db()
    return bill


def _pay(employer, amount, paid_on, ref, *, actor=SYSTEM_ACTOR, source="bank", period=None, payer_type="employer"):
    return payment_record(
        actor=actor, source=source, external_ref=ref, payer_type=payer_type, payer_id=employer.pk,
        amount=amount, paid_on=paid_on, period=period,
    )


@pytest.fixture
def billed(employer, hire, assess):
    """An employer with ``n`` employees at 12,000 and its assessed bill of PERIOD."""

    def _make(n: int = 1, due: dt.date = dt.date(2026, 2, 16)) -> Bill:
        for _ in range(n):
            hire(employer)
        assess()
        bill = _bill(employer)
        assert bill.total_fen == n * PER_PERSON
        return _due(bill, due)

    return _make


# --- allocation ------------------------------------------------------------------------------


def test_exact_payment_on_time_settles_the_bill(employer, billed):
    bill = billed(1)
    payment = _pay(employer, "4563.00", dt.date(2026, 2, 10), "B-1")
    bill.refresh_from_db()
    assert (bill.paid_fen, bill.status) == (PER_PERSON, BillStatus.PAID)
    assert payment.allocated_fen == PER_PERSON == payment.amount_fen
    assert not LateFee.objects.exists()
    assert collection.payer_credit_fen(payer_type="employer", payer_id=employer.pk) == 0


def test_partial_payment_leaves_the_bill_partial(employer, billed):
    bill = billed(1)
    _pay(employer, "1000", dt.date(2026, 2, 16), "B-1")  # on the due date: on time
    bill.refresh_from_db()
    assert (bill.paid_fen, bill.status) == (100_000, BillStatus.PARTIAL)
    assert not LateFee.objects.exists()


def test_over_payment_is_held_as_credit_and_applied_to_the_next_bill_by_the_assessment(system, employer, billed, assess):
    billed(1)
    payment = _pay(employer, "5000", dt.date(2026, 2, 10), "B-1")
    assert payment.allocated_fen == PER_PERSON
    assert collection.payer_credit_fen(payer_type="employer", payer_id=employer.pk) == 500_000 - PER_PERSON
    services.monthly_declare(actor=system, employer_id=employer.pk, period=202602)
    run = assess(period=202602)  # applies the standing credit to the new bill (预缴抵扣)
    nxt = _bill(employer, 202602)
    assert (nxt.paid_fen, nxt.status) == (500_000 - PER_PERSON, BillStatus.PARTIAL)
    payment.refresh_from_db()
    assert payment.allocated_fen == payment.amount_fen
    assert collection.payer_credit_fen(payer_type="employer", payer_id=employer.pk) == 0
    assert not LateFee.objects.exists()  # the money was there before the new bill fell due
    entry = AuditEntry.objects.get(action="payment.credit_apply_after_assessment")
    assert (entry.object_type, entry.object_id) == ("assessment_run", str(run.pk))
    assert json.loads(entry.after) == {"period": 202602, "payers": 1, "payments": 1, "applied_fen": 500_000 - PER_PERSON}
    assert collection.payer_credit_apply(actor=system, payer_type="employer", payer_id=employer.pk) == 0
    _check_books(employer)


def test_payer_credit_apply_settles_bills_opened_since(system, employer, billed):
    billed(1)
    _pay(employer, "5000", dt.date(2026, 2, 10), "B-1")
    (later,) = _make_bills(employer, [100_000], due=dt.date(2026, 12, 31))  # not made by an assessment
    applied = collection.payer_credit_apply(actor=system, payer_type="employer", payer_id=employer.pk)
    assert applied == 500_000 - PER_PERSON == Bill.objects.get(pk=later.pk).paid_fen
    assert collection.payer_credit_apply(actor=system, payer_type="employer", payer_id=employer.pk) == 0
    assert AuditEntry.objects.filter(action="payment.credit_apply").count() == 1


def test_t15_late_fee_on_the_principal_part_paid_30_days_late(employer, billed):
    bill = billed(3, due=dt.date(2026, 3, 16))
    payment = _pay(employer, "10000", dt.date(2026, 4, 15), "B-T15")
    fee = LateFee.objects.get()
    assert (fee.principal_fen, fee.days, fee.daily_ppm, fee.fee_fen) == (1_000_000, 30, 500, 15_000)  # 150.00
    assert (fee.payment_id, fee.due_date, fee.paid_on) == (payment.pk, dt.date(2026, 3, 16), dt.date(2026, 4, 15))
    assert fee.status == ChargeStatus.OPEN and fee.paid_fen == 0  # nothing left of the payment for it
    bill.refresh_from_db()
    assert (bill.paid_fen, bill.status) == (1_000_000, BillStatus.PARTIAL)


def test_t17_late_fee_26_days_settled_from_the_same_payment(employer, billed):
    bill = billed(2, due=dt.date(2025, 3, 15))
    _pay(employer, "486", dt.date(2025, 3, 14), "B-1")  # on time: leaves 8,640.00
    bill.refresh_from_db()
    assert bill.total_fen - bill.paid_fen == 864_000
    payment = _pay(employer, "8752.32", dt.date(2025, 4, 10), "B-T17")
    fee = LateFee.objects.get()
    assert (fee.principal_fen, fee.days, fee.fee_fen, fee.paid_fen) == (864_000, 26, 11_232, 11_232)  # 112.32
    assert fee.status == ChargeStatus.PAID
    bill.refresh_from_db()
    assert bill.status == BillStatus.PAID and bill.paid_fen == bill.total_fen
    assert payment.allocated_fen == payment.amount_fen
    parts = list(Allocation.objects.filter(payment=payment).order_by("id").values_list("bill_id", "late_fee_id", "amount_fen"))
    assert parts == [(bill.pk, None, 864_000), (None, fee.pk, 11_232)]


def test_an_open_late_fee_is_settled_by_a_later_payment(employer, billed):
    billed(1, due=dt.date(2026, 3, 16))
    _pay(employer, "4563", dt.date(2026, 4, 15), "B-1")  # principal in full, fee 68.45 unpaid
    fee = LateFee.objects.get()
    assert fee.fee_fen == 6_845 and fee.status == ChargeStatus.OPEN
    _pay(employer, "100", dt.date(2026, 4, 20), "B-2")
    fee.refresh_from_db()
    assert (fee.paid_fen, fee.status) == (6_845, ChargeStatus.PAID)
    assert LateFee.objects.count() == 1  # no fee on a fee
    assert collection.payer_credit_fen(payer_type="employer", payer_id=employer.pk) == 10_000 - 6_845


def test_named_period_first_then_oldest_and_normal_before_backpay(system, employer, billed, assess):
    billed(1)
    services.monthly_declare(actor=system, employer_id=employer.pk, period=202602)
    assess(period=202602)
    _pay(employer, "4563", dt.date(2026, 2, 10), "B-1", period=202602)
    assert _bill(employer, 202602).status == BillStatus.PAID
    assert _bill(employer, PERIOD).paid_fen == 0
    _pay(employer, "1", dt.date(2026, 2, 10), "B-2")
    assert _bill(employer, PERIOD).paid_fen == 100


def test_persons_are_never_charged_late_fees(system, params, assess):
    worker = make_person_direct(system)
    register.flexible_register(actor=system, person_id=worker.pk, start_date=dt.date(2025, 7, 1))
    assess()
    bill = Bill.objects.get(period=PERIOD, payer_type="person", payer_id=worker.pk)
    _due(bill, dt.date(2026, 2, 16))
    payment_record(
        actor=system, source="tax", external_ref="T-1", payer_type="person", payer_id=worker.pk,
        amount=str(bill.total_fen / 100), paid_on=dt.date(2026, 6, 1),
    )
    bill.refresh_from_db()
    assert bill.status == BillStatus.PAID
    assert not LateFee.objects.exists()


# --- reversal --------------------------------------------------------------------------------


def test_reversal_restores_bills_waives_its_late_fees_and_is_refused_twice(system, employer, billed):
    bill = billed(1, due=dt.date(2026, 3, 16))
    payment = _pay(employer, "5000", dt.date(2026, 4, 15), "B-1")
    fee = LateFee.objects.get()
    assert fee.status == ChargeStatus.PAID
    reversal = payment_reverse(actor=system, payment_id=payment.pk, external_ref="R-1", reason="银行退票")
    assert reversal.kind == "reversal" and reversal.reverses_id == payment.pk
    assert reversal.amount_fen == payment.amount_fen and reversal.allocated_fen == -payment.allocated_fen
    bill.refresh_from_db()
    fee.refresh_from_db()
    assert (bill.paid_fen, bill.status) == (0, BillStatus.OPEN)
    assert (fee.paid_fen, fee.status) == (0, ChargeStatus.WAIVED)
    assert Allocation.objects.aggregate(s=Sum("amount_fen"))["s"] == 0
    assert collection.payer_credit_fen(payer_type="employer", payer_id=employer.pk) == 0
    with pytest.raises(ContributionError) as twice:
        payment_reverse(actor=system, payment_id=payment.pk, external_ref="R-2", reason="again")
    assert twice.value.field == "payment_id"
    with pytest.raises(ContributionError) as of_reversal:
        payment_reverse(actor=system, payment_id=reversal.pk, external_ref="R-3", reason="again")
    assert "冲正" in of_reversal.value.message_zh
    # the arrears are back: a new payment is charged the late fee again
    _pay(employer, "4563", dt.date(2026, 4, 20), "B-2")
    assert LateFee.objects.filter(status=ChargeStatus.OPEN).get().days == 35


def test_reversing_a_payment_releases_what_others_paid_on_its_late_fee(system, employer, billed):
    billed(1, due=dt.date(2026, 3, 16))
    first = _pay(employer, "4563", dt.date(2026, 4, 15), "B-1")  # fee charged, unpaid
    second = _pay(employer, "100", dt.date(2026, 4, 20), "B-2")  # pays that fee
    payment_reverse(actor=system, payment_id=first.pk, external_ref="R-1", reason="退票")
    second.refresh_from_db()
    assert second.allocated_fen == 0
    assert collection.payer_credit_fen(payer_type="employer", payer_id=employer.pk) == 10_000
    assert LateFee.objects.get().status == ChargeStatus.WAIVED
    assert Allocation.objects.filter(payment=second).aggregate(s=Sum("amount_fen"))["s"] == 0


# --- refusals --------------------------------------------------------------------------------


def test_duplicate_reference_is_refused(employer, billed):
    billed(1)
    _pay(employer, "100", dt.date(2026, 2, 1), "DUP-1")
    with pytest.raises(ContributionError) as exc:
        _pay(employer, "100", dt.date(2026, 2, 1), "DUP-1")
    assert (exc.value.field, exc.value.message_zh, exc.value.message_en) == (
        "external_ref", "重复的缴款记录", "duplicate payment record",
    )
    _pay(employer, "100", dt.date(2026, 2, 1), "DUP-1", source="tax")  # another channel's numbering
    assert Payment.objects.count() == 2


@pytest.mark.parametrize(
    ("amount", "paid_on", "field"),
    [
        ("0", dt.date(2026, 2, 1), "amount"),
        ("-5", dt.date(2026, 2, 1), "amount"),
        ("abc", dt.date(2026, 2, 1), "amount"),
        ("1.234", dt.date(2026, 2, 1), "amount"),
        ("100", "2026-13-01", "paid_on"),
        ("100", "1980-01-01", "paid_on"),
        ("100", "yesterday", "paid_on"),
    ],
)
def test_bad_amounts_and_dates_are_refused(employer, params, amount, paid_on, field):
    with pytest.raises(ContributionError) as exc:
        _pay(employer, amount, paid_on, "X-1")
    assert exc.value.field == field
    assert not Payment.objects.exists()


def test_future_date_and_unknown_payer_are_refused(employer, params):
    with pytest.raises(ContributionError) as future:
        _pay(employer, "100", timezone.localdate() + dt.timedelta(days=1), "X-1")
    assert future.value.field == "paid_on"
    with pytest.raises(ContributionError) as unknown:
        payment_record(actor=SYSTEM_ACTOR, source="bank", external_ref="X-2", payer_type="employer",
                       payer_id=987654321, amount="100", paid_on=dt.date(2026, 2, 1))
    assert unknown.value.field == "payer_id"
    with pytest.raises(ContributionError) as kind:
        payment_record(actor=SYSTEM_ACTOR, source="bank", external_ref="X-3", payer_type="firm",
                       payer_id=employer.pk, amount="100", paid_on=dt.date(2026, 2, 1))
    assert kind.value.field == "payer_type"
    with pytest.raises(ContributionError) as source:
        _pay(employer, "100", dt.date(2026, 2, 1), "X-4", source="cash")
    assert source.value.field == "source"


def test_only_staff_with_write_in_the_region_record_payments(staff, employer, params):
    accountant = staff(Post.FUND_ACCOUNTANT, CHAOYANG)
    _pay(employer, "100", dt.date(2026, 2, 1), "S-1", actor=accountant, source="counter")
    for denied in (staff(Post.AUDITOR, CHAOYANG), staff(Post.FUND_ACCOUNTANT, "310101")):
        with pytest.raises(AccessDenied):
            _pay(employer, "100", dt.date(2026, 2, 1), "S-2", actor=denied, source="counter")
    assert Payment.objects.count() == 1


# --- collection-result files ------------------------------------------------------------------


def _person_with_number(system) -> tuple[object, str]:
    number = new_id(CHAOYANG, dt.date(1980, 3, 1))
    person = register.person_register(
        actor=system, id_number=number, name="王五", hukou_region=CHAOYANG, hukou_type="urban",
        registered_on=dt.date(2020, 1, 1),
    ).person
    return person, number


def test_import_utf8_file_with_bom_and_chinese_headers(system, employer, billed):
    bill = billed(1)
    person, number = _person_with_number(system)
    text = (
        "流水号,缴费主体,金额,缴款日期,所属期\n"
        f"BK-1,{employer.uscc},\"4,563.00\",2026-02-10,202601\n"
        f"BK-2,{number},300,20260211,\n"
    )
    result = payments_import_csv(actor=system, data=b"\xef\xbb\xbf" + text.encode(), source="bank", filename="r.csv")
    assert result.ok, result.errors
    assert (result.processed, result.total_fen, result.allocated_fen, result.credit_fen) == (2, 486_300, PER_PERSON, 30_000)
    bill.refresh_from_db()
    assert bill.status == BillStatus.PAID
    rows = dict(Payment.objects.values_list("external_ref", "payer_type"))
    assert rows == {"BK-1": "employer", "BK-2": "person"}
    assert set(Payment.objects.values_list("import_batch", flat=True)) == {result.batch}
    again = payments_import_csv(actor=system, data=text.encode(), source="bank")
    assert not again.ok and [(e.row, e.field) for e in again.errors] == [(2, "external_ref"), (3, "external_ref")]


def test_import_gbk_file_with_english_headers(system, employer, billed):
    billed(1)
    text = f"external_ref,payer,amount,paid_on,备注\n税-0001,{employer.uscc},1000,2026-02-10,单位缴费\n"
    result = payments_import_csv(actor=system, data=text.encode("gbk"), source="tax")
    assert result.ok, result.errors
    assert Payment.objects.get().external_ref == "税-0001"


def test_import_wrong_columns_names_the_missing_column(system, employer, params):
    data = f"流水号,缴费主体,缴款日期\nBK-1,{employer.uscc},2026-02-10\n".encode()
    result = payments_import_csv(actor=system, data=data, source="bank")
    assert not result.ok
    assert [(e.row, e.field) for e in result.errors] == [(1, "amount")]
    assert "金额" in result.errors[0].message_zh and "amount" in result.errors[0].message_en
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        "流水号,缴费主体,金额,缴款日期\n".encode("utf-16"),
        bytes(range(128, 256)) * 4,
        b"external_ref,payer,amount,paid_on\x07\n",
    ],
    ids=["empty", "png", "utf16", "junk", "control"],
)
def test_import_refuses_files_that_are_not_utf8_or_gbk_text(system, params, data):
    result = payments_import_csv(actor=system, data=data, source="bank")
    assert not result.ok and len(result.errors) == 1
    assert result.errors[0].field == "file" and result.errors[0].row is None
    assert not Payment.objects.exists()


def test_import_too_large_file_is_refused(system, params, monkeypatch):
    monkeypatch.setattr(collection, "MAX_FILE_BYTES", 100)
    result = payments_import_csv(actor=system, data=b"external_ref,payer,amount,paid_on\n" + b"x" * 100, source="bank")
    assert not result.ok and "20 MB" in result.errors[0].message_zh


def test_import_too_many_rows_is_refused(system, employer, params, monkeypatch):
    monkeypatch.setattr(collection, "MAX_ROWS", 2)
    lines = "".join(f"R{i},{employer.uscc},1,2026-02-10\n" for i in range(3))
    result = payments_import_csv(actor=system, data=("external_ref,payer,amount,paid_on\n" + lines).encode(), source="bank")
    assert not result.ok and "200,000" in result.errors[0].message_zh
    assert not Payment.objects.exists()


def test_import_bad_rows_are_all_named_and_nothing_is_written(system, employer, billed):
    billed(1)
    text = (
        "流水号,缴费主体,金额,缴款日期\n"
        f"BK-1,{employer.uscc},100,2026-02-10\n"
        f"BK-2,{employer.uscc},十元,2026-02-10\n"
        f"BK-3,{employer.uscc},100,2026-02-30\n"
        "BK-4,91110105MA0000000X,100,2026-02-10\n"
        f"BK-1,{employer.uscc},100,2026-02-10\n"
        f",{employer.uscc},100,2026-02-10\n"
        f"BK-7,{employer.uscc},-1,2026-02-10\n"
    )
    result = payments_import_csv(actor=system, data=text.encode(), source="bank")
    assert not result.ok
    assert [(e.row, e.field) for e in result.errors] == [
        (3, "amount"), (4, "paid_on"), (5, "payer"), (6, "external_ref"), (7, "external_ref"), (8, "amount"),
    ]
    assert result.errors[3].message_zh.startswith("第6行：重复的缴款记录")
    assert not Payment.objects.exists() and not Allocation.objects.exists()
    assert _bill(employer).paid_fen == 0


def test_import_command(system, employer, billed, tmp_path):
    billed(1)
    good = tmp_path / "bank.csv"
    good.write_bytes(f"流水号,缴费主体,金额,缴款日期\nBK-9,{employer.uscc},4563,2026-02-10\n".encode("gbk"))
    call_command("import_payments", "--file", str(good), "--source", "bank", verbosity=0)
    assert _bill(employer).status == BillStatus.PAID
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a,b\n1,2\n")
    with pytest.raises(CommandError):
        call_command("import_payments", "--file", str(bad), "--source", "tax", verbosity=0)


# --- concurrency (PostgreSQL) and the money property -----------------------------------------


def _make_bills(payer, totals: list[int], due: dt.date, *, payer_type: str = "employer", first: int = 202401) -> list[Bill]:
    now = timezone.now()
    return [
        Bill.objects.create(
            period=first + i, payer_type=payer_type, payer_id=payer.pk, kind="normal", region_code=CHAOYANG,
            employer_fen=total, individual_fen=0, total_fen=total, lines=1, due_date=due, run_id=0, updated_at=now,
        )
        for i, total in enumerate(totals)
    ]


def _check_books(employer=None) -> None:
    """Every cent accounted for: allocations + credit = money received net of reversals."""
    for payment in Payment.objects.all():
        parts = Allocation.objects.filter(payment=payment).aggregate(s=Sum("amount_fen"))["s"] or 0
        assert parts == payment.allocated_fen
    for bill in Bill.objects.all():
        assert 0 <= bill.paid_fen <= max(bill.total_fen, 0)
        assert bill.paid_fen == (Allocation.objects.filter(bill=bill).aggregate(s=Sum("amount_fen"))["s"] or 0)
    for fee in LateFee.objects.all():
        assert 0 <= fee.paid_fen <= fee.fee_fen
        assert fee.paid_fen == (Allocation.objects.filter(late_fee=fee).aggregate(s=Sum("amount_fen"))["s"] or 0)
    received = Payment.objects.filter(kind="payment").aggregate(s=Sum("amount_fen"))["s"] or 0
    undone = Payment.objects.filter(kind="reversal").aggregate(s=Sum("amount_fen"))["s"] or 0
    allocated = Allocation.objects.aggregate(s=Sum("amount_fen"))["s"] or 0
    payers = set(Payment.objects.values_list("payer_type", "payer_id"))
    credits = [collection.payer_credit_fen(payer_type=t, payer_id=i) for t, i in payers]
    assert all(c >= 0 for c in credits)
    assert allocated + sum(credits) == received - undone


_payments = st.lists(
    st.tuples(st.integers(1, 400_000), st.integers(0, 120), st.booleans(), st.booleans()), min_size=1, max_size=6
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(totals=st.lists(st.integers(1, 300_000), min_size=1, max_size=4), payments=_payments)
def test_property_allocation_never_creates_or_loses_a_cent(system, employer, params, totals, payments):
    with transaction.atomic():
        _make_bills(employer, totals, due=dt.date(2026, 1, 15))
        made: list[Payment] = []
        for index, (amount, day, reverse, apply_credit) in enumerate(payments):
            made.append(payment_record(
                actor=system, source="bank", external_ref=f"P{index}", payer_type="employer",
                payer_id=employer.pk, amount=f"{amount / 100:.2f}", paid_on=dt.date(2026, 1, 1) + dt.timedelta(days=day),
            ))
            if reverse and index and not Payment.objects.filter(reverses=made[index - 1]).exists():
                payment_reverse(actor=system, payment_id=made[index - 1].pk, external_ref=f"R{index}", reason="test")
            if apply_credit:
                collection.payer_credit_apply(actor=system, payer_type="employer", payer_id=employer.pk)
            _check_books(employer)
        transaction.set_rollback(True)


def _at_once(*works) -> None:
    """Run the callables in threads released together (each with its own connection);
    fail with what any of them raised."""
    barrier = threading.Barrier(len(works))
    failures: list[BaseException] = []

    def run(work) -> None:
        try:
            barrier.wait(timeout=10)
            work()
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures


@pytest.mark.slow
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_never_over_allocate(system, employer, params):
    bills = _make_bills(employer, [300_000, 200_000], due=dt.date(2026, 12, 31))
    total = sum(b.total_fen for b in bills)
    workers = 4

    def pay(index: int):
        return lambda: payment_record(
            actor=SYSTEM_ACTOR, source="bank", external_ref=f"C{index}", payer_type="employer",
            payer_id=employer.pk, amount=f"{total / 100:.2f}", paid_on=dt.date(2026, 2, 1),
        )

    _at_once(*(pay(i) for i in range(workers)))
    for bill in bills:
        bill.refresh_from_db()
        assert bill.paid_fen == bill.total_fen and bill.status == BillStatus.PAID
    assert Allocation.objects.aggregate(s=Sum("amount_fen"))["s"] == total
    assert sorted(Payment.objects.values_list("allocated_fen", flat=True)) == [0] * (workers - 1) + [total]
    _check_books(employer)


@pytest.mark.slow
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_an_import_and_a_payment_at_once_never_over_allocate(system, employer, params):
    """The import locks the bills of its chunk's payers as payment_record locks a payer's."""
    bills = _make_bills(employer, [300_000, 200_000], due=dt.date(2026, 12, 31))
    total = sum(b.total_fen for b in bills)
    data = f"external_ref,payer,amount,paid_on\nI-1,{employer.uscc},{total / 100:.2f},2026-02-01\n".encode()

    def import_file() -> None:
        assert payments_import_csv(actor=SYSTEM_ACTOR, data=data, source="bank").ok

    def pay() -> None:
        payment_record(actor=SYSTEM_ACTOR, source="bank", external_ref="C-1", payer_type="employer",
                       payer_id=employer.pk, amount=f"{total / 100:.2f}", paid_on=dt.date(2026, 2, 1))

    _at_once(import_file, pay)
    for bill in bills:
        bill.refresh_from_db()
        assert bill.paid_fen == bill.total_fen and bill.status == BillStatus.PAID
    assert sorted(Payment.objects.values_list("allocated_fen", flat=True)) == [0, total]
    _check_books()


# --- a correction lowers a bill that was already paid ---------------------------------------


def test_rerun_below_what_was_paid_gives_the_excess_back_as_credit_and_applies_it(
    system, employer, hire, assess, billed
):
    """Two employees billed and paid in full; one is suspended from the period afterwards
    and the period re-assessed: the bill drops to one employee, the excess goes back to the
    payment as credit and is applied to the employer's next open bill. No cent is created
    or lost, and the bill never shows more paid than due."""
    bill = billed(2)
    payment = _pay(employer, "9126.00", dt.date(2026, 2, 10), "B-CORR")
    assert payment.allocated_fen == 2 * PER_PERSON
    services.monthly_declare(actor=system, employer_id=employer.pk, period=202602)
    assess(period=202602)  # the next bill, open
    leaver = ContributionLine.objects.filter(period=PERIOD, employer_id=employer.pk).order_by("-person_id").first()
    for insurance in ("pension", "medical", "unemployment", "injury", "maternity"):
        register.enrolment_suspend(
            actor=system, person_id=leaver.person_id, insurance=insurance, from_period=str(PERIOD), reason="更正"
        )
    assessment_run = assess()  # re-assessment of PERIOD after the correction
    assert assessment_run.status == "done"
    bill.refresh_from_db()
    assert (bill.total_fen, bill.paid_fen, bill.status) == (PER_PERSON, PER_PERSON, BillStatus.PAID)
    nxt = _bill(employer, 202602)
    assert nxt.paid_fen == PER_PERSON  # the excess settled part of the next bill
    payment.refresh_from_db()
    assert payment.allocated_fen == payment.amount_fen == 2 * PER_PERSON
    net = Allocation.objects.filter(payment=payment).aggregate(s=Sum("amount_fen"))["s"]
    assert net == payment.amount_fen  # no cent created or lost
    assert Allocation.objects.filter(payment=payment, amount_fen__lt=0).count() == 1
    assert collection.payer_credit_fen(payer_type="employer", payer_id=employer.pk) == 0


# --- the bulk import allocates exactly as payment_record does row by row -----------------------


@pytest.fixture
def payers(system, employer, other_employer, params):
    """Two employers (朝阳 and 黄浦, each region its own late-fee terms) and a flexible worker,
    each with the text a collection file names it by."""
    person, number = _person_with_number(system)
    return [("employer", employer, employer.uscc), ("employer", other_employer, other_employer.uscc.lower()),
            ("person", person, f" {number} ")]


def _open_books(payers) -> None:
    """Bills of 2024-01 … 2024-03 per payer, due long ago (late payments are charged), one
    of them with a late fee left open by an earlier payment."""
    for i, (kind, payer, _) in enumerate(payers):
        _make_bills(payer, [300_000 + 1_000 * i, 250_000, 480_000], due=dt.date(2025, 12, 15), payer_type=kind)
    kind, employer, _ = payers[0]
    payment_record(actor=SYSTEM_ACTOR, source="counter", external_ref="EARLIER", payer_type=kind, payer_id=employer.pk,
                   amount="3000", paid_on=dt.date(2026, 1, 20))
    assert LateFee.objects.filter(status=ChargeStatus.OPEN).count() == 1


def _books() -> dict:
    """Payments, allocations, late fees and bills, by what identifies them in both paths."""
    ref = dict(Payment.objects.values_list("id", "external_ref"))
    fees = {f.pk: (f.bill_id, ref.get(f.payment_id)) for f in LateFee.objects.all()}
    parts: dict[str, list] = {}  # each payment's parts, in the order they were made
    for a in Allocation.objects.order_by("id"):
        parts.setdefault(ref[a.payment_id], []).append((a.bill_id, fees.get(a.late_fee_id), a.amount_fen))
    return {
        "payments": {
            p.external_ref: (p.source, p.kind, p.payer_type, p.payer_id, p.amount_fen, p.paid_on, p.period, p.allocated_fen)
            for p in Payment.objects.all()
        },
        "allocations": parts,
        "late_fees": sorted(
            (fees[f.pk], f.principal_fen, f.due_date, f.paid_on, f.days, f.daily_ppm, f.fee_fen, f.paid_fen, f.status)
            for f in LateFee.objects.all()
        ),
        "bills": list(Bill.objects.order_by("id").values_list("id", "paid_fen", "status")),
    }


def _both_ways(system, payers, rows: list[tuple[int, int, dt.date, int | None]]) -> tuple[dict, dict]:
    """The same rows (payer index, fen, paid on, named period) imported as one file, and
    recorded one by one with payment_record, each on the same starting books (rolled back)."""
    lines = ["流水号,缴费主体,金额,缴款日期,所属期"]
    for n, (who, fen, day, period) in enumerate(rows):
        lines.append(f"BK-{n},{payers[who][2]},{fen / 100:.2f},{day:%Y%m%d},{period or ''}")
    data = ("\n".join(lines) + "\n").encode()
    with transaction.atomic():
        result = payments_import_csv(actor=system, data=data, source="bank", filename="both.csv")
        assert result.ok, [e.message_en for e in result.errors]
        assert (result.processed, result.total_fen) == (len(rows), sum(r[1] for r in rows))
        _check_books()
        bulk = _books()
        transaction.set_rollback(True)
    with transaction.atomic():
        for n, (who, fen, day, period) in enumerate(rows):
            kind, payer, _ = payers[who]
            payment_record(actor=system, source="bank", external_ref=f"BK-{n}", payer_type=kind, payer_id=payer.pk,
                           amount=f"{fen / 100:.2f}", paid_on=day, period=period)
        one_by_one = _books()
        transaction.set_rollback(True)
    return bulk, one_by_one


@pytest.mark.parametrize("chunk", [2, collection.CHUNK_ROWS], ids=["chunk-per-payer", "one-chunk"])
def test_import_allocates_as_payment_record_does_row_by_row(system, payers, monkeypatch, chunk):
    monkeypatch.setattr(collection, "CHUNK_ROWS", chunk)
    _open_books(payers)
    rows = [
        (0, 100_000, dt.date(2025, 12, 10), None),  # on time, partial: settles part of 2024-01
        (1, 2_000_000, dt.date(2026, 1, 5), None),  # late, over: every bill, their late fees, credit
        (2, 300_000, dt.date(2026, 3, 1), 202403),  # person, late, names a period: no late fee ever
        (0, 500_000, dt.date(2026, 2, 14), 202403),  # late, names 2024-03 first: its fee settled from it
        (2, 900_000, dt.date(2026, 3, 2), None),  # person again: the rest, credit
        (0, 151_000, dt.date(2026, 4, 1), None),  # the rest of the principal, part of its fee: fees left open
        (1, 500, dt.date(2026, 4, 2), None),  # nothing open any more: all credit
    ]
    bulk, one_by_one = _both_ways(system, payers, rows)
    assert bulk == one_by_one
    assert len(bulk["late_fees"]) >= 4 and any(f[-1] == ChargeStatus.OPEN for f in bulk["late_fees"])
    assert {p[2] for p in bulk["payments"].values()} == {"employer", "person"}
    assert all(fee is None for _, fee, _ in bulk["allocations"]["BK-2"] + bulk["allocations"]["BK-4"])  # a person


_rows = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.integers(1, 900_000),
        st.dates(dt.date(2025, 11, 1), dt.date(2026, 6, 30)),
        st.sampled_from([None, None, 202401, 202402, 202403]),
    ),
    min_size=1,
    max_size=12,
)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_rows, chunk=st.sampled_from([1, 3, 5000]))
def test_property_import_equals_payment_record_row_by_row(system, payers, rows, chunk):
    with transaction.atomic():
        _open_books(payers)
        original = collection.CHUNK_ROWS
        collection.CHUNK_ROWS = chunk
        try:
            bulk, one_by_one = _both_ways(system, payers, rows)
        finally:
            collection.CHUNK_ROWS = original
        assert bulk == one_by_one
        transaction.set_rollback(True)


@pytest.mark.parametrize("chunk", [1, collection.CHUNK_ROWS], ids=["chunk-per-payer", "one-chunk"])
def test_import_audits_each_payment_in_file_order_and_the_file(system, payers, monkeypatch, chunk):
    monkeypatch.setattr(collection, "CHUNK_ROWS", chunk)
    _open_books(payers)
    before = AuditEntry.objects.count()
    text = "external_ref,payer,amount,paid_on\n" + "".join(
        f"A-{n},{payers[n % 3][2]},{100 + n},2026-02-0{n + 1}\n" for n in range(5)
    )
    result = payments_import_csv(actor=system, data=text.encode(), source="tax", filename="a.csv")
    assert result.ok, result.errors
    entries = list(AuditEntry.objects.filter(seq__gt=before).order_by("seq"))
    assert [e.action for e in entries] == ["payment.record"] * 5 + ["payment.import"]
    paid = {p.external_ref: p for p in Payment.objects.filter(import_batch=result.batch)}
    for n, entry in enumerate(entries[:5]):
        after = json.loads(entry.after)
        payment = paid[f"A-{n}"]
        assert int(entry.object_id) == payment.pk
        assert after == {
            "source": "tax", "external_ref": f"A-{n}", "kind": "payment", "payer_type": payment.payer_type,
            "payer_id": payment.payer_id, "amount_fen": (100 + n) * 100, "paid_on": f"2026-02-0{n + 1}", "period": None,
            "allocated_fen": payment.allocated_fen, "reverses": None,
        }
    assert json.loads(entries[-1].after)["rows"] == 5
    assert audit_verify_database()[1] is None


def test_import_failing_in_a_later_chunk_writes_nothing(system, payers, monkeypatch):
    """All or nothing also when the failure comes after earlier chunks were written."""
    _open_books(payers)
    before = (_books(), AuditEntry.objects.count())
    monkeypatch.setattr(collection, "CHUNK_ROWS", 1)
    real = collection._Terms.get
    calls = []

    def failing(self, region, period):
        calls.append(region)
        if len(calls) > 1:
            raise ContributionError(field="parameters", zh="滞纳金参数缺失", en="late-fee parameters missing")
        return real(self, region, period)

    monkeypatch.setattr(collection._Terms, "get", failing)
    text = "external_ref,payer,amount,paid_on\n" + "".join(
        f"F-{n},{payers[0][2]},{100 * (n + 1)},2026-03-0{n + 1}\n" for n in range(3)
    )
    result = payments_import_csv(actor=system, data=text.encode(), source="bank")
    assert not result.ok
    assert [(e.row, e.field) for e in result.errors] == [(3, "parameters")]
    assert result.errors[0].message_zh.startswith("第3行：")
    assert (_books(), AuditEntry.objects.count()) == before


def test_import_refuses_a_reference_recorded_meanwhile_and_writes_nothing(system, payers, monkeypatch):
    """A payment recorded by someone else between the check and the insert: the unique
    reference refuses the file, naming the row."""
    _open_books(payers)
    real = collection._OpenItems.__init__

    def meanwhile(self, *args, **kwargs):
        real(self, *args, **kwargs)
        kind, employer, _ = payers[0]
        Payment.objects.create(
            source="bank", external_ref="M-2", payer_type=kind, payer_id=employer.pk, amount_fen=1, paid_on=dt.date(2026, 1, 1),
            received_at=timezone.now(),
        )

    monkeypatch.setattr(collection._OpenItems, "__init__", meanwhile)
    text = f"external_ref,payer,amount,paid_on\nM-1,{payers[0][2]},100,2026-02-01\nM-2,{payers[1][2]},100,2026-02-01\n"
    before = Payment.objects.count()
    with transaction.atomic():
        result = payments_import_csv(actor=system, data=text.encode(), source="bank")
        assert not result.ok
        assert [(e.row, e.field) for e in result.errors] == [(3, "external_ref")]
        assert "重复的缴款记录" in result.errors[0].message_zh
        transaction.set_rollback(True)
    assert Payment.objects.count() == before and not Payment.objects.filter(external_ref__startswith="M-").exists()


def test_import_finds_payers_by_id_number_or_uscc_as_typed(system, payers):
    _open_books(payers)
    (_, employer, uscc), (_, other, _), (_, person, number) = payers
    text = (
        "external_ref,payer,amount,paid_on\n"
        f"T-1,{uscc.lower()},1,2026-02-01\nT-2,{other.uscc},1,2026-02-01\n"
        f"T-3,{number.strip().lower()},1,2026-02-01\nT-4,{new_id(CHAOYANG, dt.date(1970, 1, 1))},1,2026-02-01\n"
    )
    result = payments_import_csv(actor=system, data=text.encode(), source="bank")
    assert not result.ok and [(e.row, e.field) for e in result.errors] == [(5, "payer")]
    result = payments_import_csv(actor=system, data=text.rsplit("T-4", 1)[0].encode(), source="bank")
    assert result.ok, result.errors
    assert dict(Payment.objects.filter(import_batch=result.batch).values_list("external_ref", "payer_id")) == {
        "T-1": employer.pk, "T-2": other.pk, "T-3": person.pk,
    }


# --- credit applied by the assessment (预缴/余额抵扣) -------------------------------------------


def test_credit_pays_the_next_bill_in_full_and_a_rerun_applies_nothing_twice(system, employer, billed, assess):
    billed(1)
    payment = _pay(employer, "10000", dt.date(2026, 2, 10), "B-1")  # pays 2026-01, the rest is credit
    services.monthly_declare(actor=system, employer_id=employer.pk, period=202602)
    assess(period=202602)
    nxt = _bill(employer, 202602)
    assert (nxt.paid_fen, nxt.status) == (PER_PERSON, BillStatus.PAID)
    credit = 1_000_000 - 2 * PER_PERSON
    assert collection.payer_credit_fen(payer_type="employer", payer_id=employer.pk) == credit
    payment.refresh_from_db()
    assert payment.allocated_fen == 2 * PER_PERSON
    assert not LateFee.objects.exists()
    books = _books()
    again = assess(period=202602)  # a rerun of the same period
    assert again.status == "done"
    assert _books() == books
    assert collection.payer_credit_fen(payer_type="employer", payer_id=employer.pk) == credit
    assert AuditEntry.objects.filter(action="payment.credit_apply_after_assessment").count() == 1
    _check_books()


def test_a_reversed_payments_credit_is_not_used(system, employer, billed, assess):
    billed(1)
    _pay(employer, "4563", dt.date(2026, 2, 10), "B-1")
    kept = _pay(employer, "100", dt.date(2026, 2, 11), "B-2")  # credit 100.00
    undone = _pay(employer, "2000", dt.date(2026, 2, 12), "B-3")  # credit 2,000.00, then reversed
    payment_reverse(actor=system, payment_id=undone.pk, external_ref="R-3", reason="银行退票")
    services.monthly_declare(actor=system, employer_id=employer.pk, period=202602)
    assess(period=202602)
    assert _bill(employer, 202602).paid_fen == 10_000
    kept.refresh_from_db()
    undone.refresh_from_db()
    assert kept.allocated_fen == 10_000 and undone.allocated_fen == 0
    assert not Allocation.objects.filter(payment=undone).exists()
    assert collection.payer_credit_fen(payer_type="employer", payer_id=employer.pk) == 0
    _check_books()


def test_no_credit_nothing_applied_and_nothing_audited(system, employer, billed, assess):
    billed(1)
    _pay(employer, "4563", dt.date(2026, 2, 10), "B-1")
    services.monthly_declare(actor=system, employer_id=employer.pk, period=202602)
    run = assess(period=202602)
    assert collection.credits_apply_after_assessment(period=202602, run_id=run.pk) == {
        "payers": 0, "payments": 0, "applied_fen": 0,
    }
    assert _bill(employer, 202602).paid_fen == 0
    assert not AuditEntry.objects.filter(action="payment.credit_apply_after_assessment").exists()


def test_credit_at_assessment_charges_no_late_fee_on_a_bill_due_after_the_money_came(system, employer, billed):
    """The single path with on = the payment's date: money that arrived before the bill's
    due date settles it without a late fee, however late the credit is applied."""
    billed(1)
    payment = _pay(employer, "5000", dt.date(2026, 2, 10), "B-1")
    (bill,) = _make_bills(employer, [100_000], due=dt.date(2026, 3, 16))  # fell due long before today
    with transaction.atomic():
        used = collection._allocate(
            payment=payment, budget_fen=payment.amount_fen - payment.allocated_fen, on=payment.paid_on,
            region=CHAOYANG, terms=collection._Terms(),
        )
    assert used == 43_700  # 500,000 − 456,300
    assert not LateFee.objects.exists()
    Bill.objects.filter(pk=bill.pk).update(run_id=77)
    assert collection.credits_apply_after_assessment(period=bill.period, run_id=77)["applied_fen"] == 0  # used


@pytest.mark.parametrize("late", [False, True], ids=["money-before-due", "money-after-due"])
def test_credit_after_assessment_applies_as_payer_credit_apply_does(system, payers, late):
    """The bulk credit path against ``payer_credit_apply`` (a chunk of one payer each) on the
    same books: several payments with credit per payer, a named period, an open late fee,
    money that came before the bills fell due — or after, for a period assessed late, when
    the late fee runs to the day the money came, as for any credit."""
    for n, (kind, payer, _) in enumerate(payers):
        for m, (fen, day, period) in enumerate([(50_000, dt.date(2026, 1, 5), None), (700_000, dt.date(2026, 1, 3), 202405)]):
            payment_record(actor=SYSTEM_ACTOR, source="counter", external_ref=f"C-{n}-{m}", payer_type=kind,
                           payer_id=payer.pk, amount=f"{fen / 100:.2f}", paid_on=day, period=period)
    due = dt.date(2025, 12, 15) if late else dt.date(2026, 12, 15)
    for kind, payer, _ in payers:
        for bill in _make_bills(payer, [300_000, 250_000, 480_000], due=due, payer_type=kind, first=202404):
            Bill.objects.filter(pk=bill.pk).update(run_id=5)
    kind, employer, _ = payers[0]
    old = _make_bills(employer, [90_000], due=dt.date(2025, 6, 15), first=202312)[0]  # older, open, late
    payment_record(actor=SYSTEM_ACTOR, source="counter", external_ref="X", payer_type=kind, payer_id=employer.pk,
                   amount="900", paid_on=dt.date(2025, 12, 1))
    assert LateFee.objects.get(bill=old).status == ChargeStatus.OPEN  # its fee, left open
    totals, bulk, applied, one_by_one = _credit_both_ways(system, payers, periods=(202404, 202405, 202406), run_id=5)
    assert bulk == one_by_one
    assert totals["applied_fen"] == applied > 0
    assert bool([f for f in bulk["late_fees"] if f[0][1] and f[0][1].startswith("C-")]) is late


def _credit_both_ways(system, payers, *, periods, run_id):
    """The credit applied by ``credits_apply_after_assessment`` for the run's periods, and
    by ``payer_credit_apply`` payer by payer, each from the same state (rolled back):
    (bulk totals, bulk books, fen applied one by one, books one by one)."""
    with transaction.atomic():
        totals: dict[str, int] = {}
        for period in periods:
            step = collection.credits_apply_after_assessment(period=period, run_id=run_id)
            totals = {k: totals.get(k, 0) + v for k, v in step.items()}
        _check_books()
        bulk = _books()
        transaction.set_rollback(True)
    with transaction.atomic():
        applied = sum(
            collection.payer_credit_apply(actor=system, payer_type=kind, payer_id=payer.pk) for kind, payer, _ in payers
        )
        one_by_one = _books()
        transaction.set_rollback(True)
    return totals, bulk, applied, one_by_one


_credits = st.lists(
    st.tuples(st.integers(0, 2), st.integers(1, 900_000), st.dates(dt.date(2025, 11, 1), dt.date(2026, 6, 30)),
              st.sampled_from([None, 202404, 202405])),
    min_size=1,
    max_size=8,
)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(credits=_credits, due=st.dates(dt.date(2025, 10, 1), dt.date(2026, 12, 31)), chunk=st.sampled_from([1, 5000]))
def test_property_credit_after_assessment_equals_payer_credit_apply(system, payers, credits, due, chunk):
    """Money held as credit (no open bill when it came), then a run's bills: the bulk path
    applies it as ``payer_credit_apply`` does, whatever the amounts, dates and due date."""
    with transaction.atomic():
        for n, (who, fen, day, period) in enumerate(credits):
            kind, payer, _ = payers[who]
            payment_record(actor=SYSTEM_ACTOR, source="counter", external_ref=f"K-{n}", payer_type=kind,
                           payer_id=payer.pk, amount=f"{fen / 100:.2f}", paid_on=day, period=period)
        for kind, payer, _ in payers:
            for bill in _make_bills(payer, [300_000, 250_000], due=due, payer_type=kind, first=202404):
                Bill.objects.filter(pk=bill.pk).update(run_id=9)
        original = collection.CHUNK_ROWS
        collection.CHUNK_ROWS = chunk
        try:
            totals, bulk, applied, one_by_one = _credit_both_ways(system, payers, periods=(202404, 202405), run_id=9)
        finally:
            collection.CHUNK_ROWS = original
        assert bulk == one_by_one
        assert totals["applied_fen"] == applied
        transaction.set_rollback(True)
