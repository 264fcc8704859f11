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
