"""Exchange tables: the registry of peer agencies, the outbox and the inbox (ADR 0015)."""

from __future__ import annotations

from django.db import models


class PeerStatus(models.TextChoices):
    ACTIVE = "active", "启用"
    SUSPENDED = "suspended", "停用"


class Peer(models.Model):
    """Another agency this installation exchanges signed messages with (交换对端)."""

    agency_code = models.CharField("经办机构代码", max_length=32, unique=True)
    name = models.CharField("经办机构名称", max_length=100)
    base_url = models.CharField("接口地址", max_length=200)  # http(s)://host:port, no trailing slash
    public_key = models.CharField("验签公钥", max_length=64)  # base64url of the 32 raw Ed25519 bytes
    status = models.CharField("状态", max_length=10, choices=PeerStatus.choices, default=PeerStatus.ACTIVE)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.agency_code} {self.name}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "发送失败"


class OutboxMessage(models.Model):
    """A message to send, written in the transaction of the state change that causes it."""

    message_id = models.UUIDField(unique=True)
    type = models.CharField(max_length=64)
    recipient = models.CharField(max_length=32)
    correlation_id = models.CharField(max_length=64, blank=True, default="")
    body = models.JSONField()
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    ack = models.JSONField(null=True, blank=True)  # the peer's signed acknowledgement

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.type} → {self.recipient} ({self.status})"


class InboxOutcome(models.TextChoices):
    APPLIED = "applied", "已处理"
    REFUSED = "refused", "业务拒绝"


class InboxMessage(models.Model):
    """A message received, applied once: unique on (sender, message id)."""

    sender = models.CharField(max_length=32)
    message_id = models.UUIDField()
    type = models.CharField(max_length=64)
    correlation_id = models.CharField(max_length=64, blank=True, default="")
    body = models.JSONField()
    document = models.JSONField()  # the signed wire document as received (non-repudiation)
    created_at = models.DateTimeField()  # the sender's time
    received_at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=InboxOutcome.choices)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sender", "message_id"], name="inbox_once")]
        indexes = [models.Index(fields=["received_at"], name="inbox_received")]

    def __str__(self) -> str:
        return f"{self.type} ← {self.sender} ({self.outcome})"
