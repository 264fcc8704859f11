"""The 参保证明 PDF: a Django template rendered by WeasyPrint, CJK font embedded, with a
segno QR code pointing to the public verification page.

The QR code is a PNG data URI (one image in the PDF, module-exact, no scaling blur);
``verification_url`` is the absolute link it encodes, from ``SHEBAO_PUBLIC_BASE_URL``.
"""

from __future__ import annotations

from pathlib import Path

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from shebao.certificates.display import employer_text, facts_rows
from shebao.certificates.models import Certificate
from shebao.certificates.rules.codes import grouped

# The CJK fonts `make browser-deps` installs (Debian packages), best first. WeasyPrint
# finds them through fontconfig by family as well; @font-face names the file so the
# certificate does not depend on what else fontconfig would pick.
CJK_FONT_FILES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)
QR_SCALE = 5  # pixels per module
QR_BORDER = 4  # quiet zone, modules


def verification_url(code: str) -> str:
    return settings.SHEBAO_PUBLIC_BASE_URL + reverse("certificates:verify", args=[code])


def qr_png_data_uri(url: str) -> str:
    return segno.make(url, error="m").png_data_uri(scale=QR_SCALE, border=QR_BORDER)


def cjk_font_uri() -> str | None:
    for path in CJK_FONT_FILES:
        if path.exists():
            return path.as_uri()
    return None


def certificate_context(certificate: Certificate) -> dict:
    url = verification_url(certificate.code)
    return {
        "c": certificate,
        "code_grouped": grouped(certificate.code),
        "url": url,
        "qr": qr_png_data_uri(url),
        "font_uri": cjk_font_uri(),
        "rows": facts_rows(certificate.facts),
        "facts": certificate.facts,
        "employer": employer_text(certificate.facts),
    }


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as PDF bytes (always in Chinese, English in small type beside)."""
    from weasyprint import HTML

    with translation.override("zh-hans"):
        html = render_to_string("certificates/pdf.html", certificate_context(certificate))
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
