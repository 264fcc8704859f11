"""Certificate writes: issue (instant, no review) and revoke, each one audited transaction.

``certificate_issue(*, actor, person_id, kind="insured", today=None) -> Certificate``
    A 参保证明 for the person: the citizen themself (portal) or staff with PERSON_VIEW in
    the person's region (counter), or the platform. The facts (masked ID number, name,
    per-insurance summary, current employer) are read and frozen on the row with a fresh
    number and an unguessable verification code; the PDF is rendered from them
    (``certificates.pdf.certificate_pdf``).

``certificate_revoke(*, actor, certificate_id, reason) -> Certificate``
    Staff with PERSON_WRITE in the certificate's region mark it 已作废 (with a reason); the
    public verification then says so. Compare-and-set on the status: of two concurrent
    revocations exactly one happens, the other is told it is already revoked.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.accounts.access import AccessDenied, Grant, grant_for
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.certificates import selectors
from shebao.certificates.errors import CertificateError
from shebao.certificates.models import Certificate, CertificateStatus
from shebao.certificates.rules.codes import new_code, new_number
from shebao.kernel.audit import audit_record
from shebao.register.access import access_person, is_system

KINDS = {"insured": ("参保证明", "certificate of insurance")}
MAX_REASON = 200


def _post(grant: Grant | None) -> str:
    return str(grant.post) if grant is not None else ""


def _issuer_grant(actor, person) -> Grant | None:
    """Who may issue: the person themself, staff with PERSON_VIEW there, the platform."""
    if is_system(actor):
        return None
    if getattr(actor, "kind", None) == UserKind.CITIZEN:
        return None  # access_person already checked it is their own record
    if getattr(actor, "kind", None) == UserKind.STAFF:
        grant = grant_for(actor, Perm.PERSON_VIEW, person.region_code)
        if grant is not None:
            return grant
    raise AccessDenied(zh="无权为该人员开具参保证明", en="you may not issue a certificate for this person")


def certificate_issue(
    *, actor, person_id: int, kind: str = "insured", today: dt.date | None = None
) -> Certificate:
    if kind not in KINDS:
        raise CertificateError(
            field="kind", zh="不支持的证明类型", en=f"unknown certificate kind {str(kind)[:20]!r}"
        )
    if getattr(actor, "kind", None) not in (UserKind.CITIZEN, UserKind.STAFF) and not is_system(actor):
        raise AccessDenied(zh="无权开具参保证明", en="you may not issue certificates")
    person = access_person(user=actor, person_id=person_id)
    grant = _issuer_grant(actor, person)
    now = timezone.now()
    today = today or timezone.localdate(now)
    facts = selectors.person_insured_facts(user=actor, person_id=person.pk, today=today)
    if all(row["status"] == selectors.NOT_ENROLLED for row in facts["insurances"]):
        raise CertificateError(
            field="person_id",
            zh="该人员尚无参保记录，无法开具参保证明",
            en="this person has never been insured: there is nothing to certify",
        )
    with transaction.atomic():
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    certificate = Certificate.objects.create(
                        number=new_number(today.strftime("%Y%m%d")),
                        code=new_code(),
                        kind=kind,
                        person_id=person.pk,
                        region_code=person.region_code,
                        name=person.name,
                        id_masked=person.id_masked,
                        facts=facts,
                        issued_at=now,
                        issued_by=actor.get_username(),
                    )
                break
            except IntegrityError:  # a number or code collision: astronomically rare, draw again
                continue
        else:  # pragma: no cover - five collisions in a row
            raise CertificateError(
                field="number", zh="证明编号生成失败，请重试", en="could not draw a number"
            )
        audit_record(
            action="certificate.issue",
            object_type="certificate",
            object_id=certificate.pk,
            after={
                "number": certificate.number,
                "kind": kind,
                "person_id": person.pk,
                "id_masked": person.id_masked,
            },
            actor=actor,
            post=_post(grant),
        )
    return certificate


def certificate_revoke(*, actor, certificate_id: int, reason: str) -> Certificate:
    why = " ".join(str(reason or "").split())
    if not why:
        raise CertificateError(field="reason", zh="请填写作废原因", en="a reason is required")
    if len(why) > MAX_REASON:
        raise CertificateError(
            field="reason", zh=f"作废原因不能超过{MAX_REASON}字", en=f"the reason is longer than {MAX_REASON}"
        )
    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is None:
        raise CertificateError(field="certificate_id", zh="证明不存在", en="no such certificate")
    grant = None
    if not is_system(actor):
        if getattr(actor, "kind", None) != UserKind.STAFF:
            raise AccessDenied(zh="无权作废证明", en="you may not revoke certificates")
        grant = grant_for(actor, Perm.PERSON_WRITE, certificate.region_code)
        if grant is None:
            raise AccessDenied(
                zh="您的岗位无权作废此辖区的证明", en="your post may not revoke certificates there"
            )
    now = timezone.now()
    with transaction.atomic():
        changed = Certificate.objects.filter(pk=certificate.pk, status=CertificateStatus.VALID).update(
            status=CertificateStatus.REVOKED,
            revoked_at=now,
            revoked_by=actor.get_username(),
            revoke_reason=why,
        )
        if not changed:
            raise CertificateError(
                field="certificate_id", zh="该证明已作废", en="the certificate is already revoked"
            )
        audit_record(
            action="certificate.revoke",
            object_type="certificate",
            object_id=certificate.pk,
            before={"status": CertificateStatus.VALID},
            after={"status": CertificateStatus.REVOKED, "reason": why},
            actor=actor,
            post=_post(grant),
        )
    certificate.refresh_from_db()
    return certificate
