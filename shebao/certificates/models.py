"""参保证明: one row per certificate issued, with the facts it states frozen at issue.

The PDF is rendered from these facts on every download, so a certificate reads the same
forever, and the public verification page shows exactly what the paper says. Persons
are referenced by id (the register owns them), never by foreign key.
"""

from __future__ import annotations

from django.db import models


class CertificateStatus(models.TextChoices):
    VALID = "valid", "有效"
    REVOKED = "revoked", "已作废"


class Certificate(models.Model):
    number = models.CharField(max_length=24, unique=True)  # printed 证明编号
    code = models.CharField(max_length=16, unique=True)  # verification code (base32, 80 bits)
    kind = models.CharField(max_length=20, default="insured")  # 参保证明
    person_id = models.BigIntegerField()
    region_code = models.CharField(max_length=6)  # the person's jurisdiction at issue (staff scope)
    name = models.CharField(max_length=100)
    id_masked = models.CharField(max_length=32)
    facts = models.JSONField()  # what the certificate states (see services.certificate_issue)
    issued_at = models.DateTimeField()
    issued_by = models.CharField(max_length=150)
    status = models.CharField(
        max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=150, blank=True, default="")
    revoke_reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["person_id", "-issued_at"], name="cert_person_issued")]

    def __str__(self) -> str:
        return self.number
