"""Uploads: type by content (forged names refused), size and count limits, access-checked reads."""

from __future__ import annotations

import pytest

from shebao.hall import services, storage
from shebao.hall.errors import CaseError
from shebao.hall.models import Upload
from tests.hall.conftest import key, pdf_bytes, png_bytes

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.fixture
def draft(citizen):
    return services.case_start(actor=citizen, item_code="card_replace", idempotency_key=key())


def _up(citizen, draft, content, name="photo.png"):
    return services.case_upload(
        actor=citizen, case_id=draft.pk, material_code="photo", filename=name, content=content
    )


def test_real_png_and_pdf_are_stored_outside_web_root(citizen, draft, upload_root):
    row = _up(citizen, draft, png_bytes())
    assert row.content_type == "image/png" and row.size > 0
    assert storage.read(row.storage_name) == png_bytes()
    assert str(upload_root) in str(storage.upload_root())
    pdf = _up(citizen, draft, pdf_bytes(), name="scan.pdf")
    assert pdf.content_type == "application/pdf"


@pytest.mark.parametrize(
    "content",
    [
        EXE,  # an .exe renamed .pdf
        b"%PDF-1.7\n this is not really a pdf",  # PDF header, unparsable body
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # PNG magic, broken image
        b"plain text pretending",
        b"",
    ],
)
def test_forged_or_broken_files_are_refused(citizen, draft, content):
    with pytest.raises(CaseError) as err:
        _up(citizen, draft, content, name="photo.pdf")
    assert err.value.field == "file"
    assert Upload.objects.count() == 0


def test_oversized_and_too_many_files(citizen, draft, settings):
    settings.SHEBAO_HALL_MAX_FILE_BYTES = 1000
    big = png_bytes() + b"\x00" * 2000
    with pytest.raises(CaseError) as err:
        _up(citizen, draft, big)
    assert "MB" in err.value.message_zh or "上限" in err.value.message_zh
    settings.SHEBAO_HALL_MAX_FILE_BYTES = 10 * 1024 * 1024
    settings.SHEBAO_HALL_MAX_FILES = 2
    _up(citizen, draft, png_bytes())
    _up(citizen, draft, png_bytes())
    with pytest.raises(CaseError) as err:
        _up(citizen, draft, png_bytes())
    assert err.value.field == "file"


def test_unknown_material_and_others_case(citizen, draft, li, citizen_of):
    with pytest.raises(CaseError) as err:
        services.case_upload(
            actor=citizen, case_id=draft.pk, material_code="passport", filename="x.png", content=png_bytes()
        )
    assert err.value.field == "material_code"
    from shebao.accounts.access import AccessDenied

    with pytest.raises(AccessDenied):
        _up(citizen_of(li), draft, png_bytes())
