"""Errors raised by account services: one clear, bilingual message naming the field. Pure."""

from __future__ import annotations

import datetime as dt


class AccountError(ValueError):
    """A refused account operation. ``code`` is stable for programs; messages are for people."""

    def __init__(self, *, field: str, code: str, zh: str, en: str) -> None:
        super().__init__(f"{field}: {en}")
        self.field = field
        self.code = code
        self.message_zh = zh
        self.message_en = en

    def message(self, language: str = "zh-hans") -> str:
        return self.message_en if language.startswith("en") else self.message_zh

    def bilingual(self) -> str:
        return f"{self.message_zh} {self.message_en}"


def locked_message(locked_until_local: dt.datetime, *, today: dt.date) -> tuple[str, str]:
    """Chinese and English text for a locked account; the time is already local."""
    when = (
        locked_until_local.strftime("%H:%M")
        if locked_until_local.date() == today
        else locked_until_local.strftime("%m-%d %H:%M")
    )
    return (
        f"账户已锁定，请于 {when} 后再试或联系窗口。",
        f"This account is locked: try again after {when} or ask at a service desk.",
    )
