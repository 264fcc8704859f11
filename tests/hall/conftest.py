"""Fixtures for the service hall: the catalogue synced from the registry, a citizen (张三,
employed in 朝阳区), staff posts, real files to upload."""

from __future__ import annotations

import io
import itertools
import uuid

import pytest
from PIL import Image
from pypdf import PdfWriter

from shebao.accounts.rules.permissions import Post, UserKind
from shebao.hall import services
from tests.pages.conftest import (  # noqa: F401 - fixtures re-exported
    CHAOYANG,
    DONGCHENG,
    citizen_of,
    divisions,
    employer,
    front_desk,
    li,
    login,
    make_user,
    operator_of,
    other_employer,
    register_person,
    reviewer,
    system,
    zhang,
    zhang_id,
)
from tests.register.conftest import token_client  # noqa: F401 - fixture re-exported

_keys = itertools.count(1)


def key() -> str:
    return f"test-{next(_keys)}-{uuid.uuid4().hex[:8]}"


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.SHEBAO_UPLOAD_ROOT = str(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def catalogue(system):
    services.catalogue_sync(actor=system)


@pytest.fixture
def citizen(zhang, citizen_of, catalogue):
    return citizen_of(zhang)


@pytest.fixture
def rechecker(make_user, divisions):
    """A second 审核 post holder (复核 must be someone else)."""
    return make_user(kind=UserKind.STAFF, posts=((Post.REVIEWER, CHAOYANG),), full_name="钱复核")


@pytest.fixture
def auditor(make_user, divisions):
    return make_user(kind=UserKind.STAFF, posts=((Post.AUDITOR, CHAOYANG),), full_name="孙稽核")


@pytest.fixture
def far_reviewer(make_user, divisions):
    """A reviewer in 东城区: the wrong region for 张三."""
    return make_user(kind=UserKind.STAFF, posts=((Post.REVIEWER, DONGCHENG),), full_name="东城审核")


@pytest.fixture
def far_reviewer_page(far_reviewer):
    return far_reviewer


@pytest.fixture
def file_case(citizen):
    """``file_case(item_code, data, user=citizen, uploads=...)`` → a submitted case."""

    def _file(code: str, data: dict, *, user=None, uploads: dict | None = None, now=None):
        user = user or citizen
        case = services.case_start(actor=user, item_code=code, idempotency_key=key())
        for material, content in (uploads or {}).items():
            services.case_upload(
                actor=user,
                case_id=case.pk,
                material_code=material,
                filename=f"{material}.png",
                content=content,
            )
        return services.case_submit(actor=user, case_id=case.pk, data=data, confirm=True, now=now)

    return _file
