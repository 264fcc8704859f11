"""异地就医备案 rows. History is never overwritten: a change closes the old row (status
changed, ``replaced_by``) and creates a new one; a cancellation closes the row."""

from __future__ import annotations

from django.db import models

from shebao.medical.rules.registration import CATEGORIES


class Status(models.TextChoices):
    ACTIVE = "active", "有效"
    CHANGED = "changed", "已变更"
    CANCELLED = "cancelled", "已取消"


class Registration(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    person_id = models.BigIntegerField(db_index=True)
    region_code = models.CharField(max_length=6)  # the person's insuring region (staff scope)
    category = models.CharField(max_length=20, choices=[(c.value, i.name_zh) for c, i in CATEGORIES.items()])
    destination_code = models.CharField(max_length=6)  # GB/T 2260
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)  # inclusive; null: open-ended
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    locked_until = models.DateField(null=True, blank=True)
    commitment = models.BooleanField(default=False)  # 承诺制
    case_reference = models.CharField(max_length=40, blank=True, default="")
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)  # last valid day after cancellation/change

    class Meta:
        ordering = ["-valid_from", "-id"]
        indexes = [models.Index(fields=["person_id", "status"])]

    def __str__(self) -> str:
        return self.reference


class PersonLock(models.Model):
    """One row per person, locked (select_for_update) by every write, so two concurrent
    filings for the same person are serialised and the overlap check cannot be raced."""

    person_id = models.BigIntegerField(primary_key=True)

    def __str__(self) -> str:
        return str(self.person_id)
