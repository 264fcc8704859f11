"""The one error of the service hall: a refused input, naming the field, in both languages."""

from __future__ import annotations


class CaseError(ValueError):
    def __init__(self, *, field: str, zh: str, en: str) -> None:
        super().__init__(f"{field}: {en}")
        self.field = field
        self.message_zh = zh
        self.message_en = en

    def message(self, language: str = "zh-hans") -> str:
        return self.message_en if (language or "").startswith("en") else self.message_zh

    def as_dict(self, language: str = "zh-hans") -> dict:
        return {"field": self.field, "message": self.message(language), "message_en": self.message_en}


def from_error(exc: Exception, *, field: str | None = None) -> CaseError:
    """Any bilingual error of a lower app (RegisterError, ContributionError …) as a CaseError."""
    return CaseError(
        field=field or getattr(exc, "field", "form"),
        zh=getattr(exc, "message_zh", str(exc)),
        en=getattr(exc, "message_en", str(exc)),
    )
