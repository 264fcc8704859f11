"""The appointments app's one error type: a refused input naming the field."""

from __future__ import annotations


class AppointmentError(ValueError):
    def __init__(self, *, field: str, zh: str, en: str) -> None:
        super().__init__(f"{field}: {en}")
        self.field = field
        self.message_zh = zh
        self.message_en = en

    def message(self, language: str = "zh-hans") -> str:
        return self.message_en if (language or "").startswith("en") else self.message_zh
