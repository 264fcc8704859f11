"""Where bank files live: ``<default storage>/payroll/`` (var/media/payroll by default)."""

from __future__ import annotations

from pathlib import Path

from django.core.files.storage import storages


def bank_dir() -> Path:
    return Path(storages["default"].path("payroll"))
