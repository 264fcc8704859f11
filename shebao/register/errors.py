"""The one error type of the register: a refused input, naming the field (and row).

Pure (no Django): the rule kernels in ``shebao/register/rules/`` raise it too.
Kernel errors (``IdentifierError``, ``MoneyError``, ``PeriodError``) are turned into
``RegisterError`` by ``from_kernel`` with the same field and texts.
"""

from __future__ import annotations

from shebao.kernel.rules.errors import FieldError


class RegisterError(FieldError):
    """Bad input for a register service. ``row`` is the spreadsheet row (1-based), if any."""

    def at_row(self, row: int, *, field: str | None = None) -> RegisterError:
        """The same error, located in a spreadsheet row (and column, when given)."""
        return RegisterError(field=field or self.field, zh=self.message_zh, en=self.message_en, row=row)


def from_kernel(exc: Exception, *, field: str | None = None, row: int | None = None) -> RegisterError:
    """Convert a kernel ``IdentifierError`` / ``MoneyError`` / ``PeriodError``."""
    return RegisterError(
        field=field or getattr(exc, "field", "value"),
        zh=getattr(exc, "message_zh", str(exc)),
        en=getattr(exc, "message_en", str(exc)),
        row=row,
    )
