"""Pension history (养老金待遇记录): one row per award or adjustment, never overwritten.

The latest row of a person is their current pension; an adjustment adds a row with the
new total and its own breakdown. Money in integer fen; the full breakdown and the inputs
used are kept as JSON (Decimal strings) so the award can be explained years later.
"""

from __future__ import annotations

from django.db import models


class PensionKind(models.TextChoices):
    AWARD = "award", "待遇核定"
    ADJUSTMENT = "adjustment", "待遇调整"


class PensionHistory(models.Model):
    person_id = models.BigIntegerField()
    seq = models.IntegerField()  # 1 for the award, then one per adjustment
    kind = models.CharField(max_length=12, choices=PensionKind.choices)
    region_code = models.CharField(max_length=6)
    category = models.CharField(max_length=10)
    retire_period = models.IntegerField()  # YYYYMM the pension starts
    effective_period = models.IntegerField()  # YYYYMM this row applies from
    rule = models.CharField(max_length=20)
    basic_fen = models.BigIntegerField()
    account_fen = models.BigIntegerField()
    transitional_fen = models.BigIntegerField()
    adjustment_fen = models.BigIntegerField(default=0)  # sum of adjustments so far
    total_fen = models.BigIntegerField()
    contribution_months = models.IntegerField()
    breakdown = models.JSONField(default=dict)  # every component and the inputs used
    case_id = models.BigIntegerField(null=True)
    actor_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person_id", "seq"], name="pension_history_seq"),
            models.UniqueConstraint(
                fields=["person_id"], condition=models.Q(kind="award"), name="one_pension_award"
            ),
        ]

    def __str__(self) -> str:
        return f"pension person={self.person_id} #{self.seq} {self.kind} {self.total_fen}"


# --- survival certification (领取待遇资格认证, rules.md §8) ---------------------------------


class CertificationMethod(models.TextChoices):
    DATA_COMPARISON = "data_comparison", "数据比对"
    SELF_SERVICE = "self_service", "自助认证"
    VISIT = "visit", "上门/社区认证"


class Certification(models.Model):
    """One successful certification; the latest one starts the next cycle."""

    person_id = models.BigIntegerField()
    region_code = models.CharField(max_length=6)
    method = models.CharField(max_length=16, choices=CertificationMethod.choices)
    verified_on = models.DateField()
    recorded_by = models.CharField(max_length=150)  # username, or "system"
    reference = models.CharField(max_length=200, blank=True, default="")  # evidence / source ref
    provider = models.CharField(max_length=40, blank=True, default="")  # identity provider (self-service)
    provider_result = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["person_id", "verified_on"], name="cert_person_day")]

    def __str__(self) -> str:
        return f"certification person={self.person_id} {self.method} {self.verified_on}"


class CertificationSuspension(models.Model):
    """A payee suspended because the cycle ending ``due_on`` was missed. One per payee and
    due date (the sweep is idempotent); ``resumed_at`` is set when a certification resumes it."""

    person_id = models.BigIntegerField()
    payee_id = models.BigIntegerField()
    due_on = models.DateField()
    from_period = models.IntegerField()
    resumed_period = models.IntegerField(null=True, blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["payee_id", "due_on"], name="cert_suspension_once"),
        ]

    def __str__(self) -> str:
        return f"certification suspension payee={self.payee_id} from {self.from_period}"


class DeathRecord(models.Model):
    """A death learnt from a data-comparison source (民政/殡葬/公安 file)."""

    person_id = models.BigIntegerField(unique=True)
    region_code = models.CharField(max_length=6)
    death_date = models.DateField()
    source = models.CharField(max_length=200, blank=True, default="")
    receivable_fen = models.BigIntegerField(default=0)  # paid after death, to recover
    actor_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"death person={self.person_id} {self.death_date}"


class SurvivorBenefitKind(models.TextChoices):
    FUNERAL_GRANT = "funeral_grant", "丧葬补助金"
    SURVIVOR_PAYMENT = "survivor_payment", "抚恤金"
    ACCOUNT_INHERITANCE = "account_inheritance", "个人账户余额继承"


class SurvivorEntitlement(models.Model):
    """A survivor benefit owed on a death: recorded now, paid later."""

    person_id = models.BigIntegerField()
    kind = models.CharField(max_length=20, choices=SurvivorBenefitKind.choices)
    amount_fen = models.BigIntegerField()
    status = models.CharField(max_length=10, default="recorded")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person_id", "kind"], name="survivor_once")]

    def __str__(self) -> str:
        return f"survivor {self.kind} person={self.person_id} {self.amount_fen}"
