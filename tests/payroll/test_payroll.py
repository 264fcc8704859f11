"""The monthly payroll through its public services and the command: payments, back-pay,
suspension, death, receivables, bank files and returns."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import Post
from shebao.kernel.audit import audit_context
from shebao.payroll import run as payroll
from shebao.payroll import selectors, services
from shebao.payroll.models import BankBatch, Payee, PayeeChange, Payment, Receivable
from shebao.payroll.services import PayrollError


def _pay(system, period, **kw):
    return payroll.payroll_run(actor=system, period=period, **kw)


def _payments(period):
    return sorted(
        Payment.objects.filter(period=period).values_list(
            "person_id", "payee_id", "kind", "amount_fen", "bank_code"
        )
    )


def _file(media, batch) -> bytes:
    return (media / "payroll" / batch.file_name).read_bytes()


@pytest.mark.django_db
def test_a_payroll_pays_every_active_payee_and_writes_a_checked_bank_file(system, enrol, media):
    a = enrol(monthly_fen=350_012)
    b = enrol(monthly_fen=420_000, bank="CCB")
    enrol(monthly_fen=100_000, from_period=202603)  # not yet due
    run = _pay(system, 202601)
    assert run.status == "done"
    assert run.payments == 2 and run.total_fen == 770_012
    batches = {x.bank_code: x for x in run.batches.all()}
    assert set(batches) == {"ICBC", "CCB"}
    assert batches["ICBC"].count == 1 and batches["ICBC"].total_fen == 350_012
    data = _file(media, batches["ICBC"])
    text = data.decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "bank,account,amount,reference"
    assert lines[1] == f"ICBC,{a.account},3500.12,P202601-{a.pk}"
    assert lines[2].startswith("TOTAL,1,3500.12")
    body, _, last = data.rstrip(b"\n").rpartition(b"\n")
    digest = hashlib.sha256(body + b"\n").hexdigest()
    assert last.decode() == f"SHA256,{digest}"
    assert batches["ICBC"].checksum == digest
    assert f"P202601-{b.pk}" in _file(media, batches["CCB"]).decode()


@pytest.mark.django_db
def test_rerun_of_a_period_writes_identical_payments_and_no_duplicates(system, enrol):
    for i in range(5):
        enrol(monthly_fen=300_000 + i)
    first = _pay(system, 202601, chunk_size=2)
    before = _payments(202601)
    second = _pay(system, 202601, chunk_size=3)
    assert second.pk != first.pk
    assert _payments(202601) == before
    assert second.total_fen == first.total_fen == sum(300_000 + i for i in range(5))


@pytest.mark.django_db
def test_suspension_then_resumption_back_pays_the_suspended_months(system, enrol):
    p = enrol(monthly_fen=300_000)
    _pay(system, 202601)
    services.payee_suspend(actor=system, payee_id=p.pk, from_period=202602, reason="未按期认证")
    _pay(system, 202602)
    _pay(system, 202603)
    assert not Payment.objects.filter(period__in=[202602, 202603], payee_id=p.pk).exists()
    services.payee_resume(actor=system, payee_id=p.pk, from_period=202604)
    run = _pay(system, 202604)
    kinds = dict(Payment.objects.filter(period=202604, payee_id=p.pk).values_list("kind", "amount_fen"))
    assert kinds == {"normal": 300_000, "backpay": 600_000}
    assert run.backpay_fen == 600_000
    # A rerun of April pays the back-pay once, and May does not pay it again.
    _pay(system, 202604)
    assert Payment.objects.filter(period=202604, payee_id=p.pk, kind="backpay").count() == 1
    _pay(system, 202605)
    assert dict(Payment.objects.filter(period=202605, payee_id=p.pk).values_list("kind", "amount_fen")) == {
        "normal": 300_000
    }
    actions = list(PayeeChange.objects.filter(payee=p).values_list("action", flat=True))
    assert actions == ["enrol", "suspend", "resume"]


@pytest.mark.django_db
def test_suspending_twice_and_resuming_an_active_payee_are_refused(system, enrol):
    p = enrol()
    services.payee_suspend(actor=system, payee_id=p.pk, from_period=202602, reason="x")
    with pytest.raises(PayrollError) as exc:
        services.payee_suspend(actor=system, payee_id=p.pk, from_period=202602, reason="x")
    assert exc.value.field == "status"
    services.payee_resume(actor=system, payee_id=p.pk, from_period=202602)
    with pytest.raises(PayrollError):
        services.payee_resume(actor=system, payee_id=p.pk, from_period=202603)


@pytest.mark.django_db
def test_t53_death_stops_payment_and_months_paid_after_death_become_a_receivable(system, enrol):
    p = enrol(monthly_fen=400_000, from_period=202501)
    for period in (202503, 202504, 202505, 202506):
        _pay(system, period)
    receivables = services.payee_stop_on_death(
        actor=system, person_id=p.person_id, death_date=dt.date(2025, 3, 15)
    )
    assert len(receivables) == 1
    r = receivables[0]
    assert r.amount_fen == 3 * 400_000  # April, May, June
    assert "202504" in r.reason and "202506" in r.reason
    p.refresh_from_db()
    assert p.status == "stopped" and p.to_period == 202503
    _pay(system, 202507)
    assert not Payment.objects.filter(period=202507, payee_id=p.pk).exists()
    # Stopped: offsetting is impossible, repayment by the family is recorded.
    with pytest.raises(PayrollError):
        services.receivable_offset(actor=system, receivable_id=r.pk)
    services.receivable_repay(actor=system, receivable_id=r.pk, amount="8000.00", note="家属退还")
    r = services.receivable_repay(actor=system, receivable_id=r.pk, amount=Decimal("4000"))
    assert r.status == "recovered" and r.recovered_fen == 1_200_000
    with pytest.raises(PayrollError) as exc:
        services.receivable_repay(actor=system, receivable_id=r.pk, amount="1")
    assert exc.value.field == "status"


@pytest.mark.django_db
def test_a_decrease_becomes_a_receivable_offset_against_later_payments_up_to_the_share(system, enrol):
    p = enrol(monthly_fen=300_000)
    _pay(system, 202601)
    _pay(system, 202602)
    services.payee_change_amount(
        actor=system, payee_id=p.pk, monthly_fen=200_000, from_period=202601, reason="核定更正"
    )
    r = Receivable.objects.get(payee_id=p.pk)
    assert r.amount_fen == 200_000
    services.receivable_offset(actor=system, receivable_id=r.pk, share_ppm=300_000)  # 30 %
    run = _pay(system, 202603)
    got = dict(Payment.objects.filter(period=202603, payee_id=p.pk).values_list("kind", "amount_fen"))
    assert got == {"normal": 200_000, "recovery": -60_000}
    assert run.recovered_fen == 60_000 and run.total_fen == 140_000
    _pay(system, 202603)  # a rerun does not offset twice
    r.refresh_from_db()
    assert r.recovered_fen == 60_000 and r.status == "offsetting"
    for period in (202604, 202605, 202606):
        _pay(system, period)
    r.refresh_from_db()
    assert r.recovered_fen == 200_000 and r.status == "recovered"
    assert Payment.objects.filter(period=202606, payee_id=p.pk, kind="recovery").get().amount_fen == -20_000
    _pay(system, 202607)
    assert not Payment.objects.filter(period=202607, kind="recovery").exists()


@pytest.mark.django_db
def test_an_increase_back_pays_the_months_already_paid(system, enrol):
    p = enrol(monthly_fen=300_000)
    _pay(system, 202601)
    _pay(system, 202602)
    services.payee_change_amount(
        actor=system, payee_id=p.pk, monthly_fen=310_000, from_period=202601, reason="年度调整"
    )
    _pay(system, 202603)
    got = dict(Payment.objects.filter(period=202603, payee_id=p.pk).values_list("kind", "amount_fen"))
    assert got == {"normal": 310_000, "backpay": 20_000}


@pytest.mark.django_db
def test_bank_returns_mark_payments_failed_and_reissue_them_next_month(system, enrol, accountant):
    a = enrol(monthly_fen=300_000)
    b = enrol(monthly_fen=200_000)
    run = _pay(system, 202601)
    batch = run.batches.get(bank_code="ICBC")
    data = f"reference,account_last4,amount,reason\nP202601-{a.pk},{a.account_last4},3000.00,账户已销户\n"
    with audit_context(actor_label="t"):
        batch = services.bank_returns_apply(actor=accountant, batch_id=batch.pk, data=data.encode())
    assert batch.failed_count == 1 and batch.failed_fen == 300_000
    assert Payment.objects.get(period=202601, payee_id=a.pk).status == "failed"
    assert Payment.objects.get(period=202601, payee_id=b.pk).status == "sent"
    with pytest.raises(PayrollError):  # the period is closed
        _pay(system, 202601)
    with pytest.raises(PayrollError):  # applied once only
        services.bank_returns_apply(actor=accountant, batch_id=batch.pk, data=data)
    _pay(system, 202602)
    got = dict(Payment.objects.filter(period=202602, payee_id=a.pk).values_list("kind", "amount_fen"))
    assert got == {"normal": 300_000, "reissue": 300_000}


@pytest.mark.django_db
def test_held_returns_wait_until_released(system, enrol):
    a = enrol(monthly_fen=300_000)
    run = _pay(system, 202601)
    batch = run.batches.get()
    data = f"reference,account_last4,amount,reason\nP202601-{a.pk},{a.account_last4},3000.00,x\n"
    services.bank_returns_apply(actor=system, batch_id=batch.pk, data=data, hold=True)
    _pay(system, 202602)
    assert not Payment.objects.filter(period=202602, kind="reissue").exists()
    held = selectors.adjustments(payee_id=a.pk)[0]
    services.adjustment_release(actor=system, adjustment_id=held.pk, due_period=202603)
    _pay(system, 202603)
    assert Payment.objects.get(period=202603, kind="reissue").amount_fen == 300_000


@pytest.mark.parametrize(
    ("row", "field", "number"),
    [
        ("P202601-{pk},{last4},3000.00,x\nP202601-999999,0000,1.00,x", "reference", 3),
        ("P202601-{pk},9999,3000.00,x", "account_last4", 2),
        ("P202601-{pk},{last4},2999.99,x", "amount", 2),
        ("P202601-{pk},{last4},abc,x", "amount", 2),
        ("P202601-{pk},{last4},3000.00", "file", 2),
        ("P202512-{pk},{last4},3000.00,x", "reference", 2),
        ("P202601-{pk},{last4},3000.00,x\nP202601-{pk},{last4},3000.00,x", "reference", 3),
    ],
)
@pytest.mark.django_db
def test_broken_return_files_are_refused_by_row_and_nothing_is_applied(system, enrol, row, field, number):
    a = enrol(monthly_fen=300_000)
    batch = _pay(system, 202601).batches.get()
    data = "reference,account_last4,amount,reason\n" + row.format(pk=a.pk, last4=a.account_last4) + "\n"
    with pytest.raises(PayrollError) as exc:
        services.bank_returns_apply(actor=system, batch_id=batch.pk, data=data)
    assert (exc.value.field, exc.value.row) == (field, number)
    assert not Payment.objects.filter(status="failed").exists()
    batch.refresh_from_db()
    assert batch.returns_applied_at is None


@pytest.mark.django_db
def test_a_return_file_without_the_header_is_refused(system, enrol):
    enrol()
    batch = _pay(system, 202601).batches.get()
    with pytest.raises(PayrollError) as exc:
        services.bank_returns_apply(actor=system, batch_id=batch.pk, data=b"a,b\n")
    assert exc.value.field == "file" and exc.value.row == 1
    with pytest.raises(PayrollError):
        services.bank_returns_apply(actor=system, batch_id=batch.pk, data=b"\xff\xfe")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"monthly_fen": -1}, "monthly_fen"),
        ({"monthly_fen": 0}, "monthly_fen"),
        ({"monthly_fen": "100"}, "monthly_fen"),
        ({"bank_code": "NOPE"}, "bank_code"),
        ({"from_period": "2026-13"}, "from_period"),
        ({"from_period": "abc"}, "from_period"),
        ({"account_number": "12ab"}, "account_number"),
        ({"benefit": "lottery"}, "benefit"),
        ({"person_id": 987654321}, "person_id"),
    ],
)
@pytest.mark.django_db
def test_bad_enrolments_name_the_field_and_write_nothing(system, make_person, kwargs, field):
    person = make_person()
    args = {
        "person_id": person.pk,
        "benefit": "pension",
        "monthly_fen": 100_00,
        "from_period": 202601,
        "bank_code": "ICBC",
        "account_number": "6222020200112233",
    }
    with pytest.raises(PayrollError) as exc:
        services.payee_enrol(actor=system, **{**args, **kwargs})
    assert exc.value.field == field
    assert exc.value.message_zh and exc.value.message_en
    assert not Payee.objects.exists()


@pytest.mark.django_db
def test_enrolling_twice_is_refused_and_account_is_stored_encrypted(system, enrol, make_person):
    from django.db import connection

    person = make_person()
    p = enrol(person=person)
    with pytest.raises(PayrollError) as exc:
        enrol(person=person)
    assert exc.value.field == "benefit"
    with connection.cursor() as c:
        c.execute("SELECT account FROM payroll_payee WHERE id = %s", [p.pk])
        stored = c.fetchone()[0]
    assert p.account not in stored and p.account_last4 == p.account[-4:]


@pytest.mark.django_db
def test_bad_periods_and_permissions(system, staff, divisions, audit_ctx):
    with pytest.raises(PayrollError) as exc:
        payroll.payroll_start(actor=system, period="202613")
    assert exc.value.field == "period"
    front = staff(Post.FRONT_DESK, "110000")
    with pytest.raises(AccessDenied):
        payroll.payroll_start(actor=front, period="202601")


@pytest.mark.django_db
def test_the_command_runs_the_payroll(system, enrol, capsys):
    enrol(monthly_fen=123_456)
    call_command("payroll", "--period", "202601")
    out = capsys.readouterr().out
    assert "发放完成" in out and "1,234.56" in out
    assert BankBatch.objects.get().total_fen == 123_456
    assert Payment.objects.aggregate(s=Sum("amount_fen"))["s"] == 123_456


@pytest.mark.django_db
def test_death_holds_back_pay_not_yet_paid_for_review(system, enrol):
    p = enrol(monthly_fen=300_000)
    _pay(system, 202601)
    services.payee_suspend(actor=system, payee_id=p.pk, from_period=202602, reason="未认证")
    services.payee_resume(actor=system, payee_id=p.pk, from_period=202604)  # 202602-202603 owed
    services.payee_stop_on_death(actor=system, person_id=p.person_id, death_date=dt.date(2026, 2, 20))
    _pay(system, 202604)
    assert not Payment.objects.filter(period=202604, payee_id=p.pk).exists()
    (held,) = selectors.adjustments(payee_id=p.pk)
    assert held.held and held.amount_fen == 600_000
    # Staff decide February was owed: release it (here the whole amount, for the test).
    services.adjustment_release(actor=system, adjustment_id=held.pk, due_period=202605)
    _pay(system, 202605)
    assert Payment.objects.get(period=202605, payee_id=p.pk).kind == "backpay"
