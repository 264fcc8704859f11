"""``/api/v1/public/certificates/``: verify a certificate by its code. No login; the answer
holds only what the paper shows (masked ID number)."""

from ninja import Router

from shebao.certificates import selectors
from shebao.certificates.schemas import ERRORS, NotFound, VerificationOut, api_errors, certificate_out
from shebao.register.schemas import language

router = Router(auth=None, tags=["public: certificates"])


@router.get(
    "verify/{code}", response={200: VerificationOut, **ERRORS}, summary="核验参保证明 / Verify a certificate"
)
@api_errors
def certificate_verify(request, code: str):
    certificate = selectors.certificate_by_code(code=code)
    if certificate is None:
        raise NotFound(zh="验证码不对应任何已开具的证明", en="no certificate has this verification code")
    return {
        "valid": certificate.status == "valid",
        "status": certificate.status,
        "certificate": certificate_out(certificate, language(request)),
    }
