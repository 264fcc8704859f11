"""API shapes for certificates, and the error mapping of their routers."""


from ninja import Schema

from shebao.certificates.display import employer_text, facts_rows
from shebao.certificates.errors import CertificateError
from shebao.certificates.models import Certificate
from shebao.certificates.rules.codes import grouped
from shebao.register.schemas import ERRORS, ErrorOut, NotFound, api_errors_for

__all__ = ["ERRORS", "ErrorOut", "NotFound", "api_errors"]


class InsuranceFactOut(Schema):
    insurance: str
    label: str
    status: str
    status_label: str
    first_period: int | None
    months_paid: int
    latest_paid: int | None


class CertificateOut(Schema):
    number: str
    verification_code: str
    verification_url: str
    status: str
    issued_at: str
    name: str
    id_masked: str
    as_of: str
    employer: str
    insurances: list[InsuranceFactOut]
    revoked_at: str | None = None


class VerificationOut(Schema):
    valid: bool
    status: str
    certificate: CertificateOut


class RevokeIn(Schema):
    reason: str


def certificate_out(certificate: Certificate, lang: str) -> dict:
    from shebao.certificates.pdf import verification_url

    english = lang.startswith("en")
    employer = employer_text(certificate.facts)
    return {
        "number": certificate.number,
        "verification_code": grouped(certificate.code),
        "verification_url": verification_url(certificate.code),
        "status": certificate.status,
        "issued_at": certificate.issued_at.isoformat(),
        "name": certificate.name,
        "id_masked": certificate.id_masked,
        "as_of": certificate.facts.get("as_of", ""),
        "employer": employer[1] if english else employer[0],
        "insurances": [
            {
                "insurance": r["insurance"],
                "label": r["label_en"] if english else r["label_zh"],
                "status": r["status"],
                "status_label": r["status_en"] if english else r["status_zh"],
                "first_period": r["first_period"],
                "months_paid": r["months_paid"],
                "latest_paid": r["latest_paid"],
            }
            for r in facts_rows(certificate.facts)
        ],
        "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
    }


api_errors = api_errors_for(CertificateError)
"""CertificateError → 400 naming the field, AccessDenied → 403, NotFound → 404."""
