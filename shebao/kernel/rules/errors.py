"""The shape every app's "refused input" error shares: the field it names (and the
spreadsheet row, when there is one) and the message in Chinese and English. Pure.

Each app keeps its own subclass (``AppointmentError``, ``CaseError`` …) so callers catch
exactly the errors of the service they called; pages and APIs read the same attributes.
"""

from __future__ import annotations


class FieldError(ValueError):
    def __init__(self, *, field: str, zh: str, en: str, row: int | None = None) -> None:
        super().__init__(f"{field}: {en}" if row is None else f"row {row}, {field}: {en}")
        self.field = field
        self.message_zh = zh
        self.message_en = en
        self.row = row

    def message(self, language: str = "zh-hans") -> str:
        return self.message_en if (language or "").startswith("en") else self.message_zh

    def as_dict(self, language: str = "zh-hans") -> dict:
        out: dict = {"field": self.field, "message": self.message(language), "message_en": self.message_en}
        if self.row is not None:
            out["row"] = self.row
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}(field={self.field!r}, row={self.row!r}, en={self.message_en!r})"
