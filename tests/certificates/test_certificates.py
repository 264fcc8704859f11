"""参保证明 through the services: the facts come from the register and the paid bills, the
PDF is real (text, embedded CJK font, the QR code made from the verification URL), the
verification code is unguessable and normalised, revocation is audited and exclusive."""

from __future__ import annotations

import io
import re

import pytest
import segno
from django.test import override_settings
from PIL import Image
from pypdf import PdfReader

from shebao.accounts.access import AccessDenied
from shebao.certificates import pdf, selectors, services
from shebao.certificates.errors import CertificateError
from shebao.certificates.rules.codes import grouped, new_code, normalise_code
from shebao.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db


def _facts(certificate) -> dict:
    return {row["insurance"]: row for row in certificate.facts["insurances"]}


def test_issue_freezes_the_facts_from_register_and_paid_bills(citizen, insured, employer):
    certificate = services.certificate_issue(actor=citizen, person_id=insured.pk)
    assert certificate.name == "王芳"
    assert certificate.id_masked == insured.id_masked and "*" in certificate.id_masked
    facts = _facts(certificate)
    assert set(facts) == {"pension", "medical", "unemployment", "injury", "maternity"}
    pension = facts["pension"]
    assert pension["status"] == "active"
    assert pension["first_period"] == 202507
    assert pension["months_paid"] == 1  # 2026-01 paid; 2026-02 assessed but owed
    assert pension["latest_paid"] == 202601
    assert certificate.facts["employer"] == {"kind": "employee", "name": employer.name}
    assert re.fullmatch(r"SB\d{16}", certificate.number)
    assert normalise_code(certificate.code) == certificate.code
    entry = AuditEntry.objects.get(action="certificate.issue", object_id=str(certificate.pk))
    assert insured.id_masked in entry.after and "王芳" not in entry.after


def test_pdf_is_real_with_name_code_font_and_the_qr_of_the_verification_url(citizen, insured):
    certificate = services.certificate_issue(actor=citizen, person_id=insured.pk)
    with override_settings(SHEBAO_PUBLIC_BASE_URL="https://si.example.gov.cn"):
        data = pdf.certificate_pdf(certificate)
        url = pdf.verification_url(certificate.code)
    assert url == f"https://si.example.gov.cn/verify/{certificate.code}"
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    text = page.extract_text()
    assert "参保证明" in text and "王芳" in text
    assert grouped(certificate.code) in text
    assert certificate.number in text and insured.id_masked in text
    assert "养老保险" in text and "2026年01月" in text
    # a CJK font is embedded (subset), not merely referenced
    fonts = page["/Resources"]["/Font"]
    embedded = []
    for ref in fonts.values():
        font = ref.get_object()
        for desc in (font, *(d.get_object() for d in font.get("/DescendantFonts", []))):
            descriptor = desc.get("/FontDescriptor")
            if descriptor is not None:
                descriptor = descriptor.get_object()
                if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    embedded.append(str(descriptor["/FontName"]))
    assert any("CJK" in name or "WenQuanYi" in name or "MicroHei" in name for name in embedded), embedded
    # the one image is the QR code segno makes from the verification URL, pixel for pixel
    (image,) = page.images
    printed = Image.open(io.BytesIO(image.data)).convert("L")
    expected_png = io.BytesIO()
    segno.make(url, error="m").save(expected_png, kind="png", scale=pdf.QR_SCALE, border=pdf.QR_BORDER)
    expected = Image.open(io.BytesIO(expected_png.getvalue())).convert("L")
    assert printed.size == expected.size
    assert printed.tobytes() == expected.tobytes()
    other = io.BytesIO()
    segno.make(url + "X", error="m").save(other, kind="png", scale=pdf.QR_SCALE, border=pdf.QR_BORDER)
    assert Image.open(io.BytesIO(other.getvalue())).convert("L").tobytes() != printed.tobytes()


def test_codes_are_random_base32_and_typed_forms_normalise():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(re.fullmatch(r"[A-Z2-7]{16}", c) for c in codes)
    code = "ABCDEFGHIJKLMNOP"
    assert normalise_code("abcd-efgh ijkl-mnop") == code
    assert normalise_code("ABCDEFGH1JKLMN0P") == code  # 1→I, 0→O
    assert normalise_code("ABCD") is None and normalise_code("ABCDEFGHIJKLMNO9") is None
    assert normalise_code(None) is None


def test_lookup_by_code(citizen, insured):
    certificate = services.certificate_issue(actor=citizen, person_id=insured.pk)
    assert selectors.certificate_by_code(code=grouped(certificate.code).lower()) == certificate
    assert selectors.certificate_by_code(code="A" * 16) is None
    assert selectors.certificate_by_code(code="<script>") is None


def test_who_may_issue(citizen, insured, desk, desk_elsewhere, make_user, make_person, employer):
    from shebao.accounts.rules.permissions import UserKind

    assert services.certificate_issue(actor=desk, person_id=insured.pk).person_id == insured.pk
    with pytest.raises(AccessDenied):
        services.certificate_issue(actor=desk_elsewhere, person_id=insured.pk)
    other = make_person(name="路人")
    with pytest.raises(AccessDenied):
        services.certificate_issue(actor=citizen, person_id=other.pk)
    operator = make_user(kind=UserKind.EMPLOYER, employer_id=employer.pk)
    with pytest.raises(AccessDenied):
        services.certificate_issue(actor=operator, person_id=insured.pk)


def test_never_insured_person_gets_a_clear_refusal(system, make_person):
    person = make_person(name="未参保")
    with pytest.raises(CertificateError) as exc:
        services.certificate_issue(actor=system, person_id=person.pk)
    assert exc.value.field == "person_id" and "无法开具" in exc.value.message_zh


def test_revoke_is_audited_once_and_region_scoped(citizen, insured, desk, desk_elsewhere):
    certificate = services.certificate_issue(actor=citizen, person_id=insured.pk)
    with pytest.raises(AccessDenied):
        services.certificate_revoke(actor=desk_elsewhere, certificate_id=certificate.pk, reason="错误")
    with pytest.raises(AccessDenied):
        services.certificate_revoke(actor=citizen, certificate_id=certificate.pk, reason="不要了")
    with pytest.raises(CertificateError) as exc:
        services.certificate_revoke(actor=desk, certificate_id=certificate.pk, reason="   ")
    assert exc.value.field == "reason"
    revoked = services.certificate_revoke(actor=desk, certificate_id=certificate.pk, reason="信息有误")
    assert revoked.status == "revoked" and revoked.revoke_reason == "信息有误" and revoked.revoked_at
    with pytest.raises(CertificateError) as exc:
        services.certificate_revoke(actor=desk, certificate_id=certificate.pk, reason="再次")
    assert "已作废" in exc.value.message_zh
    entries = AuditEntry.objects.filter(action="certificate.revoke", object_id=str(certificate.pk))
    assert entries.count() == 1 and entries.get().post == "front_desk"
