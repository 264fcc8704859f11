"""失业保险金: the local parameters, the claims with their state history, and the medical
contributions the unemployment fund pays for the recipients (rules.md §5).

Money is integer fen, periods YYYYMM. A claim is never overwritten: its facts (the
entitlement, the schedule, the amounts) are written once at approval; a stop changes
only its status columns (compare-and-set) and appends a ``ClaimChange``."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Parameter(models.Model):
    """The unemployment-benefit parameters of a jurisdiction (统筹区 or above), valid for
    the periods ``valid_from`` … ``valid_to`` (inclusive; open-ended when null). The most
    specific jurisdiction covering a region wins."""

    jurisdiction = models.CharField(max_length=6)
    valid_from = models.IntegerField()
    valid_to = models.IntegerField(null=True, blank=True)
    minimum_wage_fen = models.BigIntegerField()  # 最低工资标准 (monthly)
    dibao_fen = models.BigIntegerField()  # 城市居民最低生活保障标准 (monthly)
    first_fen = models.BigIntegerField()  # 失业保险金, months 1–12
    later_fen = models.BigIntegerField()  # months 13–24
    extension_fen = models.BigIntegerField()  # the near-retirement extension
    medical_base_fen = models.BigIntegerField()  # medical contribution base paid by the fund
    medical_rate_ppm = models.IntegerField()  # medical contribution rate paid by the fund
    source_doc = models.CharField(max_length=120)  # 文号 of the notice that published them
    note = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "valid_from"], name="unemployment_param_start"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="unemployment_param_validity",
            ),
        ]

    def __str__(self) -> str:
        return f"unemployment parameters {self.jurisdiction} {self.valid_from}–{self.valid_to or ''}"


class ClaimStatus(models.TextChoices):
    ACTIVE = "active", "领取中"
    STOPPED = "stopped", "已停发"
    ENDED = "ended", "期满"


class Claim(models.Model):
    """One approved claim (失业保险金申领)."""

    reference = models.CharField(max_length=20, unique=True)
    person_id = models.BigIntegerField()
    region_code = models.CharField(max_length=6)
    case_id = models.BigIntegerField(null=True)
    separation = models.CharField(max_length=20)  # rules.unemployment.Separation
    employment_end = models.DateField(null=True)
    registered_on = models.DateField()  # 失业登记
    contribution_months = models.IntegerField()  # since the contribution time restarted
    new_months = models.IntegerField()  # this spell's own entitlement
    carried_months = models.IntegerField()  # unused remainder of the previous claim
    entitlement_months = models.IntegerField()  # new + carried, at most 24
    first_period = models.IntegerField()
    normal_last_period = models.IntegerField()
    last_period = models.IntegerField()  # with the near-retirement extension
    extension_months = models.IntegerField(default=0)
    retirement_period = models.IntegerField(null=True)  # statutory retirement month
    first_fen = models.BigIntegerField()
    later_fen = models.BigIntegerField()
    extension_fen = models.BigIntegerField()
    steps = models.JSONField(default=list)  # [[from period, fen], …]
    steps_applied = models.IntegerField(default=1)  # steps passed to the payroll so far
    next_step_period = models.IntegerField(null=True)  # from period of the next step not yet passed
    parameter_id = models.BigIntegerField()
    payee_id = models.BigIntegerField(null=True)
    previous = models.ForeignKey("self", null=True, on_delete=models.PROTECT, related_name="+")
    # state (changed by compare-and-set only)
    status = models.CharField(max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.ACTIVE)
    paid_to = models.IntegerField()  # last payable month: last_period, or the month before a stop
    stop_reason = models.CharField(max_length=20, blank=True, default="")
    stopped_from = models.IntegerField(null=True)
    unused_months = models.IntegerField(default=0)  # kept for a later carry-over
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["person_id", "id"], name="unemployment_claim_person")]
        constraints = [
            models.UniqueConstraint(
                fields=["person_id"], condition=Q(status="active"), name="one_active_unemployment_claim"
            ),
        ]

    def __str__(self) -> str:
        return f"unemployment claim {self.reference} person={self.person_id} {self.status}"


class ClaimChange(models.Model):
    """Every state change of a claim, appended, never overwritten."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="changes")
    action = models.CharField(max_length=16)  # award, amount, stop, end
    status = models.CharField(max_length=10)
    from_period = models.IntegerField(null=True)
    reason = models.CharField(max_length=200, blank=True, default="")
    actor = models.CharField(max_length=150, blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"claim change {self.pk} {self.action}"


class MedicalContribution(models.Model):
    """The medical contribution the unemployment fund pays for one recipient in one period
    (bulk table, rewritten per period by ``unemployment_medical``)."""

    period = models.IntegerField()
    person_id = models.BigIntegerField()
    claim_id = models.BigIntegerField()
    region_code = models.CharField(max_length=6)
    base_fen = models.BigIntegerField()
    rate_ppm = models.IntegerField()
    amount_fen = models.BigIntegerField()
    fund = models.CharField(max_length=16, default="unemployment")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "person_id"], name="unemployment_medical_once"),
        ]

    def __str__(self) -> str:
        return f"medical {self.period} person={self.person_id} {self.amount_fen}"


class MedicalTransfer(models.Model):
    """A period's total: what the unemployment fund transfers to the medical fund."""

    period = models.IntegerField(unique=True)
    recipients = models.IntegerField()
    total_fen = models.BigIntegerField()
    computed_at = models.DateTimeField()
    computed_by = models.CharField(max_length=150, blank=True, default="")

    def __str__(self) -> str:
        return f"medical transfer {self.period} {self.total_fen}"
