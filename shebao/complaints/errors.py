"""The complaints app's one error type: a refused input naming the field."""

from __future__ import annotations

from shebao.kernel.rules.errors import FieldError


class ComplaintError(FieldError):
    """A refused input of this app, naming the field (zh/en)."""
