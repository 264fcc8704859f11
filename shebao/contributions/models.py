"""Contribution tables. Money is integer fen, rates integer ppm (millionths).

Persons and employers are referenced by id without foreign keys: the register owns
those tables, and the bulk tables here (lines, bills, ledgers) carry only the indexes
that pay their way (ADR 0009).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from shebao.contributions.codes import (
    BackPayKind,
    BillStatus,
    ChargeStatus,
    CreditSource,
    LineKind,
    ParamKind,
    PayerType,
    PaymentKind,
    PaymentSource,
    RunStatus,
    WageSource,
)


def _choices(enum_cls) -> list[tuple[str, str]]:
    return [(m.value, m.value) for m in enum_cls]


class Parameter(models.Model):
    """One effective-dated parameter value for a jurisdiction (统筹区 or above).

    Valid for contribution periods ``valid_from`` … ``valid_to`` (YYYYMM, inclusive;
    open-ended when null). The most specific jurisdiction covering a region wins.
    """

    kind = models.CharField(max_length=32, choices=_choices(ParamKind))
    key = models.CharField(max_length=16, blank=True, default="")
    jurisdiction = models.CharField(max_length=6)
    valid_from = models.IntegerField()
    valid_to = models.IntegerField(null=True, blank=True)
    value = models.BigIntegerField()
    source_doc = models.CharField(max_length=120)  # 文号 of the notice that published it
    note = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["kind", "jurisdiction", "key", "valid_from"], name="param_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "jurisdiction", "key", "valid_from"], name="param_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="param_validity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}[{self.key}]@{self.jurisdiction} {self.valid_from}–{self.valid_to or ''} = {self.value}"


class WageDeclaration(models.Model):
    """年度缴费工资申报: an employee's previous-year monthly average wage for a base year.

    ``base_year`` Y covers the periods of the 社保年度 starting in Y (July → June in
    Beijing). ``base_fen`` is the wage clamped to that year's floor and ceiling.
    """

    person_id = models.BigIntegerField()
    employer_id = models.BigIntegerField()
    base_year = models.IntegerField()
    wage_fen = models.BigIntegerField()
    base_fen = models.BigIntegerField()
    source = models.CharField(max_length=10, choices=_choices(WageSource), default=WageSource.DECLARED)
    declared_at = models.DateTimeField()
    declared_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person_id", "employer_id", "base_year"], name="one_wage_declaration_per_year"
            ),
            models.CheckConstraint(condition=Q(wage_fen__gte=0) & Q(base_fen__gte=0), name="wage_non_negative"),
        ]

    def __str__(self) -> str:
        return f"wage person={self.person_id} employer={self.employer_id} {self.base_year}: {self.base_fen}"


class MonthlyDeclaration(models.Model):
    """月度申报: the employer confirmed its roster for a period. Without it (and with a
    bill for the month before) the period is assessed provisionally at 110 %."""

    employer_id = models.BigIntegerField()
    period = models.IntegerField()
    headcount = models.IntegerField(default=0)
    declared_at = models.DateTimeField()
    declared_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["employer_id", "period"], name="one_monthly_declaration")]

    def __str__(self) -> str:
        return f"declared employer={self.employer_id} {self.period}"


class FlexibleGrade(models.Model):
    """缴费档次: a flexible worker's chosen grade (percent of S), from a period on."""

    person_id = models.BigIntegerField()
    grade_pct = models.PositiveSmallIntegerField()
    effective_period = models.IntegerField()
    chosen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person_id", "effective_period"], name="one_grade_per_period")
        ]

    def __str__(self) -> str:
        return f"grade person={self.person_id} {self.grade_pct}% from {self.effective_period}"


class AssessmentRun(models.Model):
    """One 核定 run of a period for a region (a city, or a district of it)."""

    period = models.IntegerField()
    region_code = models.CharField(max_length=6)
    status = models.CharField(max_length=10, choices=_choices(RunStatus), default=RunStatus.QUEUED)
    chunk_size = models.IntegerField()
    chunks_total = models.IntegerField(default=0)
    chunks_done = models.IntegerField(default=0)
    lines = models.BigIntegerField(default=0)
    bills = models.IntegerField(default=0)
    employer_fen = models.BigIntegerField(default=0)
    individual_fen = models.BigIntegerField(default=0)
    sheet = models.TextField(blank=True, default="")  # canonical JSON of the parameters used
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    requested_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["period", "region_code"], name="run_period_region")]

    def __str__(self) -> str:
        return f"run {self.pk} {self.period} {self.region_code} {self.status}"


class AssessmentChunk(models.Model):
    """Progress of a run: person-id range [lo, hi) whose lines are written (resumability)."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="chunks")
    lo = models.BigIntegerField()
    hi = models.BigIntegerField()
    lines = models.IntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "lo"], name="one_chunk_per_start")]

    def __str__(self) -> str:
        return f"chunk run={self.run_id} [{self.lo}, {self.hi})"


class ContributionLine(models.Model):
    """One assessed amount: a person, an insurance, a period (provisional lines are per
    employer and insurance, with no person). Bulk table: one index, no foreign keys."""

    period = models.IntegerField()
    person_id = models.BigIntegerField(null=True)
    insurance = models.CharField(max_length=14)
    employer_id = models.BigIntegerField(null=True)  # null: a flexible worker pays
    region_code = models.CharField(max_length=6)
    kind = models.CharField(max_length=12, choices=_choices(LineKind), default=LineKind.NORMAL)
    base_fen = models.BigIntegerField(null=True)
    employer_ppm = models.IntegerField()
    individual_ppm = models.IntegerField()
    employer_fen = models.BigIntegerField()
    individual_fen = models.BigIntegerField()
    run_id = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["period", "person_id"], name="line_period_person"),
            # The few lines that are not the assessment's own (back-payment, provisional…):
            # an assessment chunk sums them without reading its own lines (ADR 0009 §8).
            # Empty for ordinary periods, so it costs the bulk insert next to nothing.
            models.Index(fields=["period", "person_id"], condition=~Q(kind=LineKind.NORMAL), name="line_other_kinds"),
        ]

    def __str__(self) -> str:
        return f"line {self.period} person={self.person_id} {self.insurance}"


class BillPart(models.Model):
    """The sums of one assessment chunk's lines per payer and kind, written in the chunk's
    transaction, so that the run's bills add up a few hundred thousand partial sums rather
    than re-reading every line of the period. Removed when the run's bills are written.
    Bulk table: one index, no foreign keys."""

    chunk_id = models.BigIntegerField()
    payer_type = models.CharField(max_length=10, choices=_choices(PayerType))
    payer_id = models.BigIntegerField()
    kind = models.CharField(max_length=12, choices=_choices(LineKind), default=LineKind.NORMAL)
    region_code = models.CharField(max_length=6)
    employer_fen = models.BigIntegerField()
    individual_fen = models.BigIntegerField()
    lines = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["chunk_id"], name="billpart_chunk")]

    def __str__(self) -> str:
        return f"bill part chunk={self.chunk_id} {self.payer_type}={self.payer_id} {self.kind}"


class Bill(models.Model):
    """One bill per payer (employer or flexible worker), period and kind: the sums of its
    lines, what was paid against it, and when it falls due."""

    period = models.IntegerField()
    payer_type = models.CharField(max_length=10, choices=_choices(PayerType))
    payer_id = models.BigIntegerField()
    kind = models.CharField(max_length=12, choices=_choices(LineKind), default=LineKind.NORMAL)
    region_code = models.CharField(max_length=6)
    employer_fen = models.BigIntegerField()
    individual_fen = models.BigIntegerField()
    total_fen = models.BigIntegerField()
    paid_fen = models.BigIntegerField(default=0)
    lines = models.IntegerField()
    status = models.CharField(max_length=10, choices=_choices(BillStatus), default=BillStatus.OPEN)
    due_date = models.DateField()
    run_id = models.BigIntegerField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "payer_type", "payer_id", "kind"], name="one_bill_per_payer")
        ]
        indexes = [models.Index(fields=["payer_type", "payer_id", "period"], name="bill_payer")]

    def __str__(self) -> str:
        return f"bill {self.period} {self.payer_type}={self.payer_id} {self.kind} {self.status}"


class ProvisionalEmployer(models.Model):
    """Employers a run assesses provisionally (no monthly declaration, a bill last month),
    frozen when the run starts so that a resumed run decides the same way."""

    run_id = models.BigIntegerField()
    employer_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run_id", "employer_id"], name="one_provisional_per_run")]

    def __str__(self) -> str:
        return f"provisional run={self.run_id} employer={self.employer_id}"



class Payment(models.Model):
    """A collection record (到账): from a bank or tax result file, the API or the counter.

    ``(source, external_ref)`` is unique, so the same record imported twice is refused.
    A reversal (冲正) is its own record pointing at the payment it undoes. What is not
    allocated to bills is the payer's credit (over-payment held for later bills).
    """

    source = models.CharField(max_length=10, choices=_choices(PaymentSource))
    external_ref = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=_choices(PaymentKind), default=PaymentKind.PAYMENT)
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals")
    payer_type = models.CharField(max_length=10, choices=_choices(PayerType))
    payer_id = models.BigIntegerField()
    amount_fen = models.BigIntegerField()  # positive for payments; a reversal carries the amount undone
    paid_on = models.DateField()
    period = models.IntegerField(null=True, blank=True)  # the period the payer named, if any
    allocated_fen = models.BigIntegerField(default=0)
    import_batch = models.CharField(max_length=64, blank=True, default="")
    received_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_ref"], name="one_payment_per_reference"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payment_positive"),
        ]
        indexes = [models.Index(fields=["payer_type", "payer_id", "paid_on"], name="payment_payer")]

    def __str__(self) -> str:
        return f"payment {self.source}:{self.external_ref} {self.payer_type}={self.payer_id} {self.amount_fen}"


class LateFee(models.Model):
    """滞纳金 on a bill's principal paid (or still unpaid) after its due date.

    Charged when a payment settles principal late (``payment`` set), at 0.05 %/day simple
    by default (parameters: rate, day count, optional cap). Kept apart from fines.
    """

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="late_fees")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="late_fees")
    principal_fen = models.BigIntegerField()
    due_date = models.DateField()
    paid_on = models.DateField()
    days = models.IntegerField()
    daily_ppm = models.IntegerField()
    fee_fen = models.BigIntegerField()
    paid_fen = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=_choices(ChargeStatus), default=ChargeStatus.OPEN)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"late fee bill={self.bill_id} {self.fee_fen}"


class Allocation(models.Model):
    """A part of a payment settling a bill's principal or a late fee (never both)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    bill = models.ForeignKey(Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations")
    late_fee = models.ForeignKey(LateFee, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations")
    amount_fen = models.BigIntegerField()  # negative for the parts of a reversal
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(bill__isnull=False, late_fee__isnull=True) | Q(bill__isnull=True, late_fee__isnull=False)),
                name="allocation_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"allocation payment={self.payment_id} bill={self.bill_id} fee={self.late_fee_id} {self.amount_fen}"


class Fine(models.Model):
    """罚款 (社会保险法 art. 86: 1–3 × the arrears after the deadline given): a decision,
    kept apart from late fees."""

    payer_type = models.CharField(max_length=10, choices=_choices(PayerType))
    payer_id = models.BigIntegerField()
    amount_fen = models.BigIntegerField()
    reason = models.CharField(max_length=200)
    decision_ref = models.CharField(max_length=64)  # 处罚决定书文号
    decided_on = models.DateField()
    status = models.CharField(max_length=10, choices=_choices(ChargeStatus), default=ChargeStatus.OPEN)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="fine_positive")]

    def __str__(self) -> str:
        return f"fine {self.payer_type}={self.payer_id} {self.amount_fen}"


class BackPayment(models.Model):
    """补缴: a case for periods that were interrupted or under-declared, assessed with each
    original period's bases and rates; its lines and bills have kind ``backpay``."""

    kind = models.CharField(max_length=10, choices=_choices(BackPayKind))
    person_id = models.BigIntegerField()
    employer_id = models.BigIntegerField(null=True, blank=True)
    first_period = models.IntegerField()
    last_period = models.IntegerField()
    wage_fen = models.BigIntegerField(null=True, blank=True)  # the established wage (employer cases)
    evidence = models.CharField(max_length=200, blank=True, default="")  # 劳动监察/仲裁/法院 document
    total_fen = models.BigIntegerField(default=0)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150, blank=True, default="")

    def __str__(self) -> str:
        return f"backpay {self.kind} person={self.person_id} {self.first_period}–{self.last_period}"


class AccountCredit(models.Model):
    """个人账户 monthly credit, posted when the period's contribution is actually paid (实缴).
    Bulk table: one row per person, period and source; one index."""

    person_id = models.BigIntegerField()
    period = models.IntegerField()
    source = models.CharField(max_length=12, choices=_choices(CreditSource), default=CreditSource.NORMAL)
    base_fen = models.BigIntegerField()
    credit_ppm = models.IntegerField()
    amount_fen = models.BigIntegerField()
    posted_on = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["person_id", "period"], name="credit_person_period")]

    def __str__(self) -> str:
        return f"credit person={self.person_id} {self.period} {self.amount_fen}"


class AccountYear(models.Model):
    """One person-year of the personal account: opening, credits, interest, closing, with
    principal (本金) and interest (利息) kept apart (transfers and inheritance need it)."""

    person_id = models.BigIntegerField()
    year = models.IntegerField()
    opening_principal_fen = models.BigIntegerField()
    opening_interest_fen = models.BigIntegerField()
    credits_fen = models.BigIntegerField()
    interest_on_opening_fen = models.BigIntegerField()
    interest_on_credits_fen = models.BigIntegerField()
    closing_principal_fen = models.BigIntegerField()
    closing_interest_fen = models.BigIntegerField()
    rate_ppm = models.IntegerField()
    method = models.CharField(max_length=20)
    months = models.IntegerField(default=12)  # < 12: a broken year (retirement, transfer, death)
    credited_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person_id", "year"], name="one_account_year")]

    def __str__(self) -> str:
        return f"account person={self.person_id} {self.year}"


class ExternalMonth(models.Model):
    """A contribution month recorded elsewhere (转入 from another agency, or a historical
    loader): counted by the person's history like a paid month. One row per person,
    period, insurance and source (the agency code or the loader's name)."""

    person_id = models.BigIntegerField()
    period = models.IntegerField()
    insurance = models.CharField(max_length=14)
    base_fen = models.BigIntegerField()
    employer_fen = models.BigIntegerField(default=0)
    individual_fen = models.BigIntegerField(default=0)
    source = models.CharField(max_length=32)
    reference = models.CharField(max_length=64)
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person_id", "period", "insurance", "source"], name="one_external_month"),
            models.CheckConstraint(condition=Q(base_fen__gte=0), name="external_base_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.period} {self.insurance} from {self.source}"

