"""The demo payroll seed runs through the real services."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from shebao.payroll.models import BankBatch, Payee, Payment, PayrollRun, Receivable


@pytest.mark.django_db
def test_seed_payroll_writes_runs_bank_files_and_receivables(make_person, media, audit_ctx):
    for _ in range(8):
        make_person()
    call_command("seed_payroll", "--payees", "8", "--months", "3")
    assert Payee.objects.count() == 8
    assert PayrollRun.objects.filter(status="done").count() == 3
    assert BankBatch.objects.exists() and all(
        (media / "payroll" / b.file_name).exists() for b in BankBatch.objects.all()
    )
    assert Payment.objects.filter(kind="backpay").exists()
    assert Receivable.objects.filter(status="open", recovered_fen__gt=0).exists()
    assert Receivable.objects.filter(status="offsetting").exists()
    call_command("seed_payroll", "--if-empty")
    assert PayrollRun.objects.count() == 3
