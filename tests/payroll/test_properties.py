"""Properties of the payroll over generated payee registers: the run's total is the sum
of its payments, each bank batch's total is the sum of its payments (and of its file's
lines), and a rerun (with other chunk sizes) changes nothing."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.payroll import run as payroll
from shebao.payroll import services
from shebao.payroll.codes import BANKS
from shebao.payroll.models import (
    Adjustment,
    BankBatch,
    Payee,
    PayeeChange,
    Payment,
    PayrollRun,
    Receivable,
    Recovery,
)

payee_st = st.fixed_dictionaries(
    {
        "monthly_fen": st.integers(min_value=1, max_value=2_000_000),
        "bank": st.sampled_from(sorted(BANKS)),
        "from_period": st.sampled_from([202511, 202512, 202601, 202602]),
        "suspend": st.booleans(),
        "offset_ppm": st.one_of(st.none(), st.integers(min_value=1, max_value=1_000_000)),
    }
)


def _clear():
    for model in (Payment, Recovery, Receivable, Adjustment, BankBatch, PayrollRun, PayeeChange, Payee):
        model.objects.all().delete()


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(payee_st, min_size=1, max_size=6), chunk=st.integers(min_value=1, max_value=7))
def test_totals_equal_the_sums_and_a_rerun_changes_nothing(system, persons, media, specs, chunk):
    _clear()
    payees = []
    for i, spec in enumerate(specs):
        p = services.payee_enrol(
            actor=system,
            person_id=persons[i].pk,
            benefit="pension",
            monthly_fen=spec["monthly_fen"],
            from_period=spec["from_period"],
            bank_code=spec["bank"],
            account_number=f"6222{i:012d}",
        )
        payees.append(p)
    payroll.payroll_run(actor=system, period=202512)
    for p, spec in zip(payees, specs, strict=True):
        if spec["suspend"] and p.from_period <= 202601:
            services.payee_suspend(actor=system, payee_id=p.pk, from_period=202601, reason="x")
        if spec["offset_ppm"]:
            r = Receivable.objects.create(
                person_id=p.person_id,
                payee_id=p.pk,
                amount_fen=spec["monthly_fen"] // 2 + 1,
                reason="t",
                created_at=p.created_at,
                updated_at=p.created_at,
            )
            services.receivable_offset(actor=system, receivable_id=r.pk, share_ppm=spec["offset_ppm"])
    for p, spec in zip(payees, specs, strict=True):
        if spec["suspend"] and p.from_period <= 202601:
            services.payee_resume(actor=system, payee_id=p.pk, from_period=202602)
    for period in (202601, 202602):
        run = payroll.payroll_run(actor=system, period=period, chunk_size=chunk)
        rows = list(
            Payment.objects.filter(period=period).values_list("payee_id", "kind", "amount_fen", "bank_code")
        )
        assert run.total_fen == sum(r[2] for r in rows)
        assert run.payments == len(rows)
        assert all(r[2] > 0 for r in rows if r[1] != "recovery")
        for batch in BankBatch.objects.filter(run=run):
            assert batch.total_fen == sum(r[2] for r in rows if r[3] == batch.bank_code)
            text = (media / "payroll" / batch.file_name).read_text("utf-8")
            lines = list(csv.reader(io.StringIO(text)))[1:-2]
            assert (
                sum(int(x[2].replace(".", "")) for x in lines)
                == batch.total_fen
                == int(text.splitlines()[-2].split(",")[2].replace(".", ""))
            )
            assert len(lines) == batch.count
        assert sum(b.total_fen for b in BankBatch.objects.filter(run=run)) == run.total_fen
        again = payroll.payroll_run(actor=system, period=period, chunk_size=chunk + 3)
        assert sorted(
            Payment.objects.filter(period=period).values_list("payee_id", "kind", "amount_fen", "bank_code")
        ) == sorted(rows)
        assert again.total_fen == run.total_fen
    # Recovered amounts never exceed the receivables; back-pay equals the months missed.
    for r in Receivable.objects.all():
        assert 0 <= r.recovered_fen <= r.amount_fen
    for p, spec in zip(payees, specs, strict=True):
        paid = Payment.objects.filter(payee_id=p.pk, period__in=[202512, 202601, 202602]).exclude(
            kind="recovery"
        )
        months = len([m for m in (202512, 202601, 202602) if m >= spec["from_period"]])
        assert sum(paid.values_list("amount_fen", flat=True)) == months * spec["monthly_fen"]


@pytest.fixture
def persons(make_person):
    return [make_person() for _ in range(6)]
