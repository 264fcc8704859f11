"""``/api/v1/staff/certificates/``: find a certificate by code or number, revoke it."""

from ninja import Router

from shebao.accounts.access import AccessDenied
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import UserKind
from shebao.certificates import selectors, services
from shebao.certificates.schemas import (
    ERRORS,
    CertificateOut,
    NotFound,
    RevokeIn,
    api_errors,
    certificate_out,
)
from shebao.register.schemas import language

router = Router(auth=api_auth, tags=["staff: certificates"])


def _find(request, ref: str):
    if getattr(request.auth, "kind", None) != UserKind.STAFF:
        raise AccessDenied(zh="仅限经办人员", en="staff only")
    certificate = selectors.certificate_for_staff(user=request.auth, ref=ref)
    if certificate is None:
        raise NotFound(zh="证明不存在", en="no such certificate")
    return certificate


@router.get("{ref}", response={200: CertificateOut, **ERRORS}, summary="查询证明 / Find a certificate")
@api_errors
def certificate_find(request, ref: str):
    return certificate_out(_find(request, ref), language(request))


@router.post(
    "{ref}/revoke", response={200: CertificateOut, **ERRORS}, summary="作废证明 / Revoke a certificate"
)
@api_errors
def certificate_revoke(request, ref: str, payload: RevokeIn):
    certificate = _find(request, ref)
    revoked = services.certificate_revoke(
        actor=request.auth, certificate_id=certificate.pk, reason=payload.reason
    )
    return certificate_out(revoked, language(request))
