"""``/api/v1/me/certificates/``: a citizen issues, lists and downloads their own 参保证明."""

from django.http import HttpResponse
from ninja import Router, Status

from shebao.accounts.access import AccessDenied
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import UserKind
from shebao.certificates import pdf, selectors, services
from shebao.certificates.schemas import ERRORS, CertificateOut, NotFound, api_errors, certificate_out
from shebao.register.schemas import language

router = Router(auth=api_auth, tags=["citizen: certificates"])


def _person_id(request) -> int:
    user = request.auth
    if getattr(user, "kind", None) != UserKind.CITIZEN or user.person_id is None:
        raise AccessDenied(
            zh="此接口仅供已关联参保记录的个人用户使用", en="only for citizens linked to a register record"
        )
    return user.person_id


def _own(request, number: str):
    certificate = selectors.certificate_by_number(number=number)
    if certificate is None or certificate.person_id != _person_id(request):
        raise NotFound(zh="证明不存在", en="no such certificate")
    return certificate


@router.post(
    "", response={201: CertificateOut, **ERRORS}, summary="开具参保证明 / Issue a certificate of insurance"
)
@api_errors
def certificate_issue(request):
    certificate = services.certificate_issue(actor=request.auth, person_id=_person_id(request))
    return Status(201, certificate_out(certificate, language(request)))


@router.get("", response={200: list[CertificateOut], **ERRORS}, summary="我的参保证明 / My certificates")
@api_errors
def certificate_list(request):
    lang = language(request)
    return [certificate_out(c, lang) for c in selectors.certificates_of_person(person_id=_person_id(request))]


@router.get("{number}", response={200: CertificateOut, **ERRORS}, summary="证明详情 / One certificate")
@api_errors
def certificate_detail(request, number: str):
    return certificate_out(_own(request, number), language(request))


@router.get("{number}/pdf", response={200: None, **ERRORS}, summary="下载证明PDF / Download the PDF")
@api_errors
def certificate_download(request, number: str):
    certificate = _own(request, number)
    response = HttpResponse(pdf.certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.number}.pdf"'
    return response
