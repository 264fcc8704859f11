"""Collection through its services on the real database (SQLite and PostgreSQL): payments
allocated to bills (partial, exact, over-payment → credit → next bill), late fees charged
when principal is paid late (worked cases T15, T17), reversals, duplicates and bad input,
collection-result CSV files (UTF-8, GBK, wrong columns, junk, bad rows, duplicates),
concurrent payments (PostgreSQL) and the no-cent-lost property."""

from __future__ import annotations

import datetime as dt
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


def test_over_payment_is_held_as_credit_and_applied_to_the_next_bill(system, employer, billed, assess):
    billed(1)
    payment = _pay(employer, "5000", dt.date(2026, 2, 10), "B-1")
    assert payment.allocated_fen == PER_PERSON
    assert collection.payer_credit_fen(payer_type="employer", payer_id=employer.pk) == 500_000 - PER_PERSON
    services.monthly_declare(actor=system, employer_id=employer.pk, period=202602)
    assess(period=202602)
    applied = collection.payer_credit_apply(actor=system, payer_type="employer", payer_id=employer.pk)
    assert applied == 500_000 - PER_PERSON
    nxt = _bill(employer, 202602)
    assert (nxt.paid_fen, nxt.status) == (500_000 - PER_PERSON, BillStatus.PARTIAL)
    payment.refresh_from_db()
    assert payment.allocated_fen == payment.amount_fen
    assert collection.payer_credit_fen(payer_type="employer", payer_id=employer.pk) == 0
    assert not LateFee.objects.exists()  # the money was there before the new bill fell due
    assert collection.payer_credit_apply(actor=system, payer_type="employer", payer_id=employer.pk) == 0


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


def _make_bills(employer, totals: list[int], due: dt.date) -> list[Bill]:
    now = timezone.now()
    return [
        Bill.objects.create(
            period=202401 + i, payer_type="employer", payer_id=employer.pk, kind="normal", region_code=CHAOYANG,
            employer_fen=total, individual_fen=0, total_fen=total, lines=1, due_date=due, run_id=0, updated_at=now,
        )
        for i, total in enumerate(totals)
    ]


def _check_books(employer) -> None:
    """Every cent accounted for: allocations + credit = money received net of reversals."""
    for payment in Payment.objects.all():
        parts = Allocation.objects.filter(payment=payment).aggregate(s=Sum("amount_fen"))["s"] or 0
        assert parts == payment.allocated_fen
    for bill in Bill.objects.filter(payer_id=employer.pk):
        assert 0 <= bill.paid_fen <= bill.total_fen
        assert bill.paid_fen == (Allocation.objects.filter(bill=bill).aggregate(s=Sum("amount_fen"))["s"] or 0)
    for fee in LateFee.objects.all():
        assert 0 <= fee.paid_fen <= fee.fee_fen
        assert fee.paid_fen == (Allocation.objects.filter(late_fee=fee).aggregate(s=Sum("amount_fen"))["s"] or 0)
    received = Payment.objects.filter(kind="payment").aggregate(s=Sum("amount_fen"))["s"] or 0
    undone = Payment.objects.filter(kind="reversal").aggregate(s=Sum("amount_fen"))["s"] or 0
    allocated = Allocation.objects.aggregate(s=Sum("amount_fen"))["s"] or 0
    credit = collection.payer_credit_fen(payer_type="employer", payer_id=employer.pk)
    assert credit >= 0
    assert allocated + credit == received - undone


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


@pytest.mark.slow
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_never_over_allocate(system, employer, params):
    bills = _make_bills(employer, [300_000, 200_000], due=dt.date(2026, 12, 31))
    total = sum(b.total_fen for b in bills)
    workers = 4
    barrier = threading.Barrier(workers)
    failures: list[BaseException] = []

    def pay(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            payment_record(
                actor=SYSTEM_ACTOR, source="bank", external_ref=f"C{index}", payer_type="employer",
                payer_id=employer.pk, amount=f"{total / 100:.2f}", paid_on=dt.date(2026, 2, 1),
            )
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    for bill in bills:
        bill.refresh_from_db()
        assert bill.paid_fen == bill.total_fen and bill.status == BillStatus.PAID
    assert Allocation.objects.aggregate(s=Sum("amount_fen"))["s"] == total
    assert sorted(Payment.objects.values_list("allocated_fen", flat=True)) == [0] * (workers - 1) + [total]
    _check_books(employer)


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
