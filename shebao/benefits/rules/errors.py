"""The one error the benefit kernels raise: it names the field, in Chinese and English."""

from __future__ import annotations


class BenefitRuleError(ValueError):
    def __init__(self, *, field: str, zh: str, en: str) -> None:
        super().__init__(f"{field}: {en}")
        self.field = field
        self.message_zh = zh
        self.message_en = en
