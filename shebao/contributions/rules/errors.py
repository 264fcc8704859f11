"""One error type for the contribution rule kernels, and the input checks they share. Pure.

Every check raises :class:`ContributionRuleError` naming the offending field, in Chinese
and English, so a service can show it to the user as is (DEVELOPERS.md: "bad input gets a
clear error naming the field"). Money in the kernels is ``Decimal`` yuan or ``int`` fen;
``float`` is refused everywhere because it cannot hold a cent exactly.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from shebao.kernel.rules.money import CENT

# The SQL batch computes products such as ``base_fen * rate_ppm`` in PostgreSQL ``bigint``.
# Inputs whose intermediate products would overflow it are refused here, so the kernel and
# the batch can never disagree.
BIGINT_MAX = 2**63 - 1


class ContributionRuleError(ValueError):
    """Bad input to a contribution rule. Same shape as ``MoneyError``."""

    def __init__(self, *, field: str, zh: str, en: str) -> None:
        super().__init__(f"{field}: {en}")
        self.field = field
        self.message_zh = zh
        self.message_en = en


def check_fen(value: object, *, field: str, maximum: int | None = None) -> int:
    """A non-negative integer number of fen (not ``bool``, not ``float``)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContributionRuleError(
            field=field, zh=f"{field} 应为整数（分）", en=f"{field} must be an integer number of fen"
        )
    if value < 0:
        raise ContributionRuleError(
            field=field, zh=f"{field} 不能为负数：{value}", en=f"{field} must not be negative: {value}"
        )
    if maximum is not None and value > maximum:
        raise ContributionRuleError(
            field=field, zh=f"{field} 超出允许范围：{value}", en=f"{field} is out of range: {value}"
        )
    return value


def check_money(value: object, *, field: str, cents: bool = False) -> Decimal:
    """A finite, non-negative ``Decimal`` (or ``int``) amount in yuan.

    With ``cents=True`` the amount must also be a whole number of fen (ledger amounts).
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ContributionRuleError(
            field=field,
            zh=f"{field} 应为 Decimal 金额",
            en=f"{field} must be a Decimal amount, not {type(value).__name__}",
        )
    amount = Decimal(value)
    if not amount.is_finite():
        raise ContributionRuleError(
            field=field, zh=f"{field} 不是有限数字", en=f"{field} is not a finite number"
        )
    if amount < 0:
        raise ContributionRuleError(
            field=field, zh=f"{field} 不能为负数：{amount}", en=f"{field} must not be negative: {amount}"
        )
    if cents and amount != amount.quantize(CENT):
        raise ContributionRuleError(
            field=field,
            zh=f"{field} 精度超过分：{amount}",
            en=f"{field} has more precision than one fen: {amount}",
        )
    return amount


def check_date(value: object, *, field: str, earliest: dt.date | None = None) -> dt.date:
    """A calendar ``date`` (a ``datetime`` is refused: the rules count whole days)."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ContributionRuleError(
            field=field, zh=f"{field} 应为日期", en=f"{field} must be a date, not {type(value).__name__}"
        )
    if earliest is not None and value < earliest:
        raise ContributionRuleError(
            field=field,
            zh=f"{field} {value.isoformat()} 早于 {earliest.isoformat()}，不可信",
            en=f"{field} {value.isoformat()} is before {earliest.isoformat()}; not plausible",
        )
    return value


def check_fits_bigint(product: int, *, field: str) -> int:
    """Refuse an intermediate product the SQL batch could not hold in ``bigint``."""
    if product > BIGINT_MAX:
        raise ContributionRuleError(
            field=field,
            zh=f"{field} 过大，超出批处理整数范围",
            en=f"{field} is too large for the batch's 64-bit integer arithmetic",
        )
    return product
