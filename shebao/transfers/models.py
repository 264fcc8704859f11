"""Transfer cases (one per side: a transfer in at the receiving agency, a transfer out at
the sending one, joined by ``uid``) and their history, one row per transition."""

from __future__ import annotations

from django.db import models

from shebao.transfers.rules.states import LABELS, Status


class Direction(models.TextChoices):
    IN = "in", "转入"
    OUT = "out", "转出"


class Kind(models.TextChoices):
    NORMAL = "normal", "养老保险关系转移"
    TEMPORARY = "temporary", "临时缴费账户归集"


STATUS_CHOICES = [(s.value, LABELS[s][0]) for s in Status]


class Transfer(models.Model):
    uid = models.UUIDField()  # the same at both agencies: the exchange correlation id
    reference = models.CharField("业务编号", max_length=32, unique=True)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NORMAL)
    person_id = models.BigIntegerField(null=True, blank=True)  # null: a transfer out for an unknown person
    region_code = models.CharField(max_length=6)
    person_name = models.CharField(max_length=100, blank=True, default="")
    id_masked = models.CharField(max_length=18, blank=True, default="")
    counterpart_code = models.CharField("对方经办机构代码", max_length=32, blank=True, default="")
    counterpart_name = models.CharField("对方经办机构", max_length=100)
    counterpart_is_peer = models.BooleanField(default=False)  # a Shebao peer: documents by signed messages
    account_ref = models.CharField("原参保地个人编号", max_length=64, blank=True, default="")
    hall_case_id = models.BigIntegerField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)  # the timer of the current step
    due_date_source = models.CharField(max_length=20, blank=True, default="")
    reason = models.CharField(max_length=300, blank=True, default="")
    info_sheet = models.JSONField(default=dict, blank=True)  # 参保缴费信息表 as sent or received
    principal_fen = models.BigIntegerField(default=0)
    interest_fen = models.BigIntegerField(default=0)
    pooled_fen = models.BigIntegerField(default=0)
    temporary_fen = models.BigIntegerField(default=0)
    total_fen = models.BigIntegerField(default=0)
    fund_reference = models.CharField("基金划转凭证号", max_length=64, blank=True, default="")
    notice = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["uid", "direction"], name="one_transfer_per_side")]
        indexes = [
            models.Index(fields=["person_id"], name="transfer_person"),
            models.Index(fields=["direction", "status", "due_date"], name="transfer_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.direction} {self.status}"

    @property
    def status_label(self) -> str:
        return LABELS[Status(self.status)][0]


class TransferStep(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="steps")
    from_status = models.CharField(max_length=16, blank=True, default="")
    to_status = models.CharField(max_length=16)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150, blank=True, default="")
    note = models.CharField(max_length=300, blank=True, default="")
    due_date = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["transfer", "at"], name="transfer_step_at")]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"

    @property
    def label(self) -> str:
        return LABELS[Status(self.to_status)][0]
