"""The one error of the service hall: a refused input, naming the field, in both languages."""

from __future__ import annotations

from shebao.kernel.rules.errors import FieldError


class CaseError(FieldError):
    """A refused input of this app, naming the field (zh/en)."""


def from_error(exc: Exception, *, field: str | None = None) -> CaseError:
    """Any bilingual error of a lower app (RegisterError, ContributionError …) as a CaseError."""
    return CaseError(
        field=field or getattr(exc, "field", "form"),
        zh=getattr(exc, "message_zh", str(exc)),
        en=getattr(exc, "message_en", str(exc)),
    )
