"""Shared-kernel tables: administrative divisions, the working-day calendar, the audit chain."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DivisionLevel(models.IntegerChoices):
    PROVINCE = 1, _("省级")
    PREFECTURE = 2, _("地级")
    COUNTY = 3, _("县级")


class Division(models.Model):
    """A GB/T 2260 code, current or historical (see data/divisions/ and ADR 0004)."""

    code = models.CharField(primary_key=True, max_length=6)
    name = models.CharField(max_length=80)
    level = models.PositiveSmallIntegerField(choices=DivisionLevel.choices)
    parent_code = models.CharField(max_length=6, blank=True, default="", db_index=True)
    is_current = models.BooleanField(default=True)
    valid_from = models.PositiveSmallIntegerField(null=True, blank=True)  # year, when known
    valid_to = models.PositiveSmallIntegerField(null=True, blank=True)  # year abolished
    data_version = models.CharField(max_length=32)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CalendarDay(models.Model):
    """One day of the official working-day calendar (seeded from chinesecalendar).

    Administrators extend it for years the package does not cover yet.
    """

    day = models.DateField(primary_key=True)
    is_workday = models.BooleanField()
    holiday_name = models.CharField(max_length=40, blank=True, default="")
    source = models.CharField(max_length=40, default="chinesecalendar")

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'workday' if self.is_workday else 'rest'}"


class AuditEntry(models.Model):
    """操作留痕: one append-only, hash-chained record per business write.

    ``hash = sha256(prev_hash ‖ canonical JSON of the entry)``; ``seq`` is dense
    from 1, so a deleted, edited, inserted or reordered row breaks the chain. On
    PostgreSQL (and SQLite) triggers refuse UPDATE and DELETE (migration 0002).
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=150, blank=True, default="")
    post = models.CharField(max_length=32, blank=True, default="")
    region_code = models.CharField(max_length=6, blank=True, default="")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    before = models.TextField(blank=True, default="")  # canonical JSON
    after = models.TextField(blank=True, default="")  # canonical JSON
    request_id = models.CharField(max_length=64, blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The single row that serialises chain appends (locked FOR UPDATE)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.seq}"


class DataAccess(models.Model):
    """Read log of personal data (who looked at whose record, which fields, why).

    Separate from the audit chain on purpose: reads are frequent and must not
    serialise on the chain head. Append-only by convention and by privileges;
    revealing a full identifier is a write to the audit chain as well.
    """

    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=150, blank=True, default="")
    post = models.CharField(max_length=32, blank=True, default="")
    subject_type = models.CharField(max_length=32, default="person")
    subject_id = models.BigIntegerField()
    fields = models.CharField(max_length=200, blank=True, default="")
    purpose = models.CharField(max_length=100, blank=True, default="")
    channel = models.CharField(max_length=16, blank=True, default="")  # web, api, ...
    request_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"], name="dataaccess_subject_idx")]

    def __str__(self) -> str:
        return f"{self.actor_label} read {self.subject_type}:{self.subject_id} ({self.fields})"


class SigningKey(models.Model):
    """A public key that has signed receipts (电子签名确认), kept for as long as the
    receipts it signed must verify. Recorded the first time a key signs, so that a
    rotation that forgets to list the old key in SHEBAO_SIGNING_PUBLIC_KEYS still
    publishes it. Private keys are never stored here (see ``shebao.kernel.signing``)."""

    key_id = models.CharField(max_length=16, primary_key=True)  # first 16 hex of SHA-256(raw public key)
    alg = models.CharField(max_length=16, default="Ed25519")
    public_key = models.CharField(max_length=64)  # base64url of the 32-byte raw public key
    first_used_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.alg}:{self.key_id}"
