"""The one error type of the register: a refused input, naming the field (and row).

Pure (no Django): the rule kernels in ``shebao/register/rules/`` raise it too.
Kernel errors (``IdentifierError``, ``MoneyError``, ``PeriodError``) are turned into
``RegisterError`` by ``from_kernel`` with the same field and texts.
"""

from __future__ import annotations


class RegisterError(ValueError):
    """Bad input for a register service. ``row`` is the spreadsheet row (1-based), if any."""

    def __init__(self, *, field: str, zh: str, en: str, row: int | None = None) -> None:
        super().__init__(f"{field}: {en}" if row is None else f"row {row}, {field}: {en}")
        self.field = field
        self.message_zh = zh
        self.message_en = en
        self.row = row

    def message(self, language: str = "zh-hans") -> str:
        return self.message_en if (language or "").startswith("en") else self.message_zh

    def at_row(self, row: int, *, field: str | None = None) -> RegisterError:
        """The same error, located in a spreadsheet row (and column, when given)."""
        return RegisterError(field=field or self.field, zh=self.message_zh, en=self.message_en, row=row)

    def as_dict(self, language: str = "zh-hans") -> dict:
        out: dict = {"field": self.field, "message": self.message(language), "message_en": self.message_en}
        if self.row is not None:
            out["row"] = self.row
        return out

    def __repr__(self) -> str:
        return f"RegisterError(field={self.field!r}, row={self.row!r}, en={self.message_en!r})"


def from_kernel(exc: Exception, *, field: str | None = None, row: int | None = None) -> RegisterError:
    """Convert a kernel ``IdentifierError`` / ``MoneyError`` / ``PeriodError``."""
    return RegisterError(
        field=field or getattr(exc, "field", "value"),
        zh=getattr(exc, "message_zh", str(exc)),
        en=getattr(exc, "message_en", str(exc)),
        row=row,
    )
