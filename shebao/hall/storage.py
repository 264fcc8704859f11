"""Uploaded materials: content sniffing and storage outside the web root.

The type is decided by the bytes, never by the name: ``filetype`` sniffs the magic
number; images must also open and verify with Pillow; PDFs must start with ``%PDF``
and parse with pypdf. Files live under ``SHEBAO_UPLOAD_ROOT`` (default
``<var>/uploads``; a setting or the environment variable) and are served only by the
access-checked view.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import filetype
from django.conf import settings
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from shebao.hall.errors import CaseError

ALLOWED = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_FILES = 20


def upload_root() -> Path:
    configured = getattr(settings, "SHEBAO_UPLOAD_ROOT", None) or os.environ.get("SHEBAO_UPLOAD_ROOT")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "uploads"


def max_file_bytes() -> int:
    return int(getattr(settings, "SHEBAO_HALL_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))


def max_files() -> int:
    return int(getattr(settings, "SHEBAO_HALL_MAX_FILES", DEFAULT_MAX_FILES))


@dataclass(frozen=True)
class Checked:
    content_type: str
    size: int
    sha256: str


def _bad(zh: str, en: str) -> CaseError:
    return CaseError(field="file", zh=zh, en=en)


def check_content(data: bytes) -> Checked:
    """Sniff and verify; raise CaseError(field="file") for anything but a sound JPEG, PNG or PDF."""
    limit = max_file_bytes()
    if not data:
        raise _bad("文件为空", "the file is empty")
    if len(data) > limit:
        raise _bad(
            f"文件超过 {limit // (1024 * 1024)} MB 上限",
            f"the file is larger than {limit // (1024 * 1024)} MB",
        )
    kind = filetype.guess(data)
    mime = kind.mime if kind is not None else ""
    if mime not in ALLOWED:
        raise _bad(
            "文件类型不支持：只接受 PDF、JPG、PNG（按文件内容识别，不看扩展名）",
            "unsupported file type: only PDF, JPG and PNG are accepted (judged by content, not by name)",
        )
    if mime == "application/pdf":
        if not data.startswith(b"%PDF"):
            raise _bad("PDF 文件头无效", "the PDF header is invalid")
        try:
            reader = PdfReader(io.BytesIO(data))
            if len(reader.pages) < 1:
                raise _bad("PDF 文件没有页面", "the PDF has no pages")
        except (PdfReadError, ValueError, KeyError, TypeError, OSError):
            raise _bad("PDF 文件已损坏，无法打开", "the PDF is damaged and cannot be read") from None
    else:
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise _bad("图片已损坏，无法打开", "the image is damaged and cannot be read") from None
    return Checked(content_type=mime, size=len(data), sha256=hashlib.sha256(data).hexdigest())


def store(data: bytes, content_type: str) -> str:
    """Write the bytes under a random name; return that name (relative to the root)."""
    name = f"{secrets.token_hex(16)}.{ALLOWED[content_type]}"
    path = upload_root() / name[:2] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as handle:
        handle.write(data)
    return name


def read(storage_name: str) -> bytes:
    if "/" in storage_name or "\\" in storage_name or storage_name.startswith("."):
        raise FileNotFoundError(storage_name)
    return (upload_root() / storage_name[:2] / storage_name).read_bytes()


def remove(storage_name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        (upload_root() / storage_name[:2] / storage_name).unlink()
