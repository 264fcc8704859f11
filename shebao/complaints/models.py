"""投诉举报: one row per complaint or report, routed to a post and region.

An anonymous complainant holds the tracking code and a secret (stored hashed); a named
one is the logged-in account. The client address is never stored: only a keyed hash of
it, for the anonymous rate limit.
"""

from __future__ import annotations

from django.db import models

from shebao.kernel.crypto import EncryptedTextField


class ComplaintStatus(models.TextChoices):
    SUBMITTED = "submitted", "已受理"
    REPLIED = "replied", "已答复"
    CLOSED = "closed", "已办结"


class Complaint(models.Model):
    tracking_code = models.CharField(max_length=20, unique=True)
    secret_hash = models.CharField(max_length=200, blank=True, default="")  # anonymous only
    category = models.CharField(max_length=12)
    handling_post = models.CharField(max_length=32)
    region_code = models.CharField(max_length=6)
    subject = models.CharField(max_length=100)
    body = models.TextField()
    contact = EncryptedTextField(aad="complaint.contact", blank=True, default="")  # often a phone number
    anonymous = models.BooleanField()
    user_id = models.BigIntegerField(null=True, blank=True)  # named complainant's account
    complainant_name = models.CharField(max_length=100, blank=True, default="")
    client_hash = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(
        max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField()
    reply = models.TextField(blank=True, default="")
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.CharField(max_length=150, blank=True, default="")
    closure_note = models.TextField(blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["handling_post", "region_code", "status"], name="complaint_queue"),
            models.Index(fields=["client_hash", "submitted_at"], name="complaint_client"),
            models.Index(fields=["user_id", "submitted_at"], name="complaint_user"),
        ]

    def __str__(self) -> str:
        return self.tracking_code
