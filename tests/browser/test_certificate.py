"""Browser: a citizen issues a 参保证明, downloads the PDF, and the page the PDF's QR code
points to says it is authentic. Screenshots: docs/screenshots/certificate-*.png."""

from __future__ import annotations

import io
import re

import segno
from PIL import Image
from pypdf import PdfReader

from shebao.accounts.rules.permissions import UserKind
from shebao.certificates import pdf
from shebao.certificates.models import Certificate
from tests.browser.conftest import browser_login


def _qr_matches(image_bytes: bytes, url: str) -> bool:
    printed = Image.open(io.BytesIO(image_bytes)).convert("L")
    expected = io.BytesIO()
    segno.make(url, error="m").save(expected, kind="png", scale=pdf.QR_SCALE, border=pdf.QR_BORDER)
    return printed.tobytes() == Image.open(io.BytesIO(expected.getvalue())).convert("L").tobytes()


def test_certificate_download_and_qr_verification(
    page, shot, browser_user, insured, public_base_url, tmp_path
):
    citizen = browser_user(kind=UserKind.CITIZEN, person_id=insured.pk, full_name=insured.name)
    browser_login(page, citizen)
    page.goto("/me/certificates/")
    shot("certificate-1-portal")
    page.get_by_role("button", name="立即开具").click()
    page.wait_for_url(re.compile(r"/me/certificates/SB\d+/$"))
    assert page.locator("#verification-code").is_visible()
    shot("certificate-2-issued")
    certificate = Certificate.objects.get(person_id=insured.pk)

    with page.expect_download() as info:
        page.get_by_role("link", name="下载PDF").click()
    path = tmp_path / "certificate.pdf"
    info.value.save_as(path)
    reader = PdfReader(path)
    text = reader.pages[0].extract_text()
    assert "王芳" in text and insured.id_masked in text
    match = re.search(r"(https?://\S+/verify/[A-Z2-7]{16})", text)
    assert match, text
    url = match.group(1)
    assert url == f"{public_base_url}/verify/{certificate.code}"
    (qr,) = reader.pages[0].images
    assert _qr_matches(qr.data, url)  # the QR code encodes exactly this URL

    # Someone scans the QR code: a fresh visitor, not logged in.
    visitor = page.context.new_page()
    visitor.context.clear_cookies()
    visitor.goto(url)
    result = visitor.locator("#verify-result")
    assert result.get_attribute("data-result") == "valid"
    assert "证明真实有效" in result.inner_text()
    body = visitor.content()
    assert insured.id_masked in body and "王芳" in body
    shot("certificate-3-verified", visitor)

    visitor.goto("/verify/AAAAAAAAAAAAAAAA")
    assert visitor.locator("#verify-result").get_attribute("data-result") == "unknown"
    shot("certificate-4-unknown-code", visitor)
