"""Payroll tables. Bulk tables (Payment, Recovery) carry no foreign keys and one index
each, ``(period, person_id)``: a chunk deletes and rewrites its range of one period, and a
person's history is one probe per period. Persons are referenced by id (the register
owns them)."""

from __future__ import annotations

from django.db import models

from shebao.kernel.crypto import EncryptedTextField
from shebao.payroll.codes import (
    AdjustmentKind,
    Benefit,
    PayeeStatus,
    PaymentKind,
    PaymentStatus,
    ReceivableStatus,
    RecoveryKind,
    RunStatus,
)


def _choices(enum_cls) -> list[tuple[str, str]]:
    return [(m.value, m.value) for m in enum_cls]


class Payee(models.Model):
    """Who is paid what, each month, into which account (发放名册)."""

    person_id = models.BigIntegerField()
    region_code = models.CharField(max_length=6)
    benefit = models.CharField(max_length=16, choices=_choices(Benefit))
    monthly_fen = models.BigIntegerField()
    # Before ``amount_from`` the previous amount applied (one level of history is enough
    # for the payroll; PayeeChange keeps all of it).
    prev_monthly_fen = models.BigIntegerField(default=0)
    amount_from = models.IntegerField()
    from_period = models.IntegerField()
    to_period = models.IntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=_choices(PayeeStatus), default=PayeeStatus.ACTIVE)
    # The last suspension: months in [suspended_from, resumed_from) are not paid by the
    # monthly run (resumption back-pays the ones that were not paid before).
    suspended_from = models.IntegerField(null=True, blank=True)
    resumed_from = models.IntegerField(null=True, blank=True)
    stop_reason = models.CharField(max_length=200, blank=True, default="")
    bank_code = models.CharField(max_length=8)
    account = EncryptedTextField(aad="payee.account")
    account_last4 = models.CharField(max_length=4)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person_id", "benefit"], name="one_payee_per_benefit")]

    def __str__(self) -> str:
        return f"payee {self.pk} person={self.person_id} {self.benefit} {self.status}"

    @property
    def account_masked(self) -> str:
        return "****" + self.account_last4


class PayeeChange(models.Model):
    """Every change of a payee, appended, never overwritten."""

    payee = models.ForeignKey(Payee, on_delete=models.PROTECT, related_name="changes")
    action = models.CharField(max_length=16)  # enrol, amount, suspend, resume, stop
    from_period = models.IntegerField(null=True, blank=True)
    monthly_fen = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10)
    reason = models.CharField(max_length=200, blank=True, default="")
    actor = models.CharField(max_length=150, blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"change {self.pk} payee={self.payee_id} {self.action}"


class Adjustment(models.Model):
    """A one-off amount owed to a payee, paid by the first payroll of ``due_period`` or
    later (``settled_period`` is that payroll's period; a rerun of it settles it again)."""

    payee_id = models.BigIntegerField()
    person_id = models.BigIntegerField()
    kind = models.CharField(max_length=10, choices=_choices(AdjustmentKind))
    amount_fen = models.BigIntegerField()
    due_period = models.IntegerField()
    settled_period = models.IntegerField(null=True, blank=True)
    held = models.BooleanField(default=False)
    reason = models.CharField(max_length=200, blank=True, default="")
    source_payment_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["person_id"], name="adjustment_person")]

    def __str__(self) -> str:
        return f"adjustment {self.pk} {self.kind} {self.amount_fen}"


class PayrollRun(models.Model):
    """One monthly payroll (养老金社会化发放) of a period."""

    period = models.IntegerField()
    region_code = models.CharField(max_length=6)
    status = models.CharField(max_length=10, choices=_choices(RunStatus), default=RunStatus.QUEUED)
    chunk_size = models.IntegerField()
    chunks_total = models.IntegerField(default=0)
    chunks_done = models.IntegerField(default=0)
    payments = models.BigIntegerField(default=0)
    payees = models.BigIntegerField(default=0)
    total_fen = models.BigIntegerField(default=0)
    backpay_fen = models.BigIntegerField(default=0)
    recovered_fen = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    requested_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["period"], name="payrollrun_period")]

    def __str__(self) -> str:
        return f"payroll {self.pk} {self.period} {self.status}"


class PayrollChunk(models.Model):
    """Progress of a run: person-id range [lo, hi) whose payments are written."""

    run = models.ForeignKey(PayrollRun, on_delete=models.CASCADE, related_name="chunks")
    lo = models.BigIntegerField()
    hi = models.BigIntegerField()
    payments = models.IntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "lo"], name="one_payroll_chunk_per_start")]

    def __str__(self) -> str:
        return f"chunk run={self.run_id} [{self.lo}, {self.hi})"


class Payment(models.Model):
    """One amount of one payee in one period's payroll (bulk table)."""

    run_id = models.BigIntegerField()
    period = models.IntegerField()
    person_id = models.BigIntegerField()
    payee_id = models.BigIntegerField()
    kind = models.CharField(max_length=10, choices=_choices(PaymentKind))
    amount_fen = models.BigIntegerField()
    bank_code = models.CharField(max_length=8)
    status = models.CharField(max_length=8, choices=_choices(PaymentStatus), default=PaymentStatus.SENT)
    ref_id = models.BigIntegerField(null=True, blank=True)  # the adjustment or receivable behind it

    class Meta:
        indexes = [models.Index(fields=["period", "person_id"], name="payment_period_person")]

    def __str__(self) -> str:
        return f"payment {self.pk} {self.period} payee={self.payee_id} {self.kind} {self.amount_fen}"


class BankBatch(models.Model):
    """The payroll's payments for one bank, and the file sent to it."""

    run = models.ForeignKey(PayrollRun, on_delete=models.CASCADE, related_name="batches")
    period = models.IntegerField()
    bank_code = models.CharField(max_length=8)
    count = models.IntegerField(default=0)  # lines in the file (one per account)
    total_fen = models.BigIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True, default="")
    checksum = models.CharField(max_length=64, blank=True, default="")
    failed_count = models.IntegerField(default=0)
    failed_fen = models.BigIntegerField(default=0)
    returns_applied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "bank_code"], name="one_batch_per_bank")]

    def __str__(self) -> str:
        return f"batch {self.pk} {self.period} {self.bank_code}"


class Receivable(models.Model):
    """An overpayment to recover (应收追回): months paid after death, decreases…"""

    person_id = models.BigIntegerField()
    payee_id = models.BigIntegerField()
    amount_fen = models.BigIntegerField()
    recovered_fen = models.BigIntegerField(default=0)
    reason = models.CharField(max_length=200)
    status = models.CharField(
        max_length=12, choices=_choices(ReceivableStatus), default=ReceivableStatus.OPEN
    )
    offset_ppm = models.IntegerField(default=0)  # share of each later payment offset
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["person_id"], name="receivable_person")]

    def __str__(self) -> str:
        return f"receivable {self.pk} person={self.person_id} {self.amount_fen} {self.status}"


class Recovery(models.Model):
    """Money recovered on a receivable: an offset in a payroll period, or a repayment."""

    receivable_id = models.BigIntegerField()
    person_id = models.BigIntegerField()
    kind = models.CharField(max_length=8, choices=_choices(RecoveryKind))
    period = models.IntegerField(null=True, blank=True)  # the payroll period of an offset
    amount_fen = models.BigIntegerField()
    note = models.CharField(max_length=200, blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["receivable_id"], name="recovery_receivable")]

    def __str__(self) -> str:
        return f"recovery {self.pk} receivable={self.receivable_id} {self.kind} {self.amount_fen}"
