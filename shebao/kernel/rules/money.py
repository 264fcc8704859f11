"""Money: ``Decimal`` yuan in code, integer fen (分) in the database. Pure: no Django.

Rounding happens only where a rule names it, through the helpers here, so that a
grep for ``round_yuan`` finds every rounding point.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
JIAO = Decimal("0.1")
YUAN = Decimal("1")


class MoneyError(ValueError):
    def __init__(self, *, field: str, zh: str, en: str) -> None:
        super().__init__(f"{field}: {en}")
        self.field = field
        self.message_zh = zh
        self.message_en = en


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """Parse user or file input into ``Decimal`` without passing through float."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise MoneyError(field=field, zh="金额不是数字", en="the amount is not a number")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "").replace("¥", "").replace("元", "")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise MoneyError(
                field=field, zh=f"金额“{value}”不是数字", en=f"the amount {value!r} is not a number"
            ) from None
    else:
        raise MoneyError(field=field, zh="金额不是数字", en="the amount is not a number")
    if not result.is_finite():
        raise MoneyError(field=field, zh="金额不是有限数字", en="the amount is not a finite number")
    return result


def round_yuan(amount: Decimal, places: Decimal = CENT, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Named rounding point: to 0.01 yuan, ROUND_HALF_UP unless a rule says otherwise."""
    return amount.quantize(places, rounding=rounding)


def round_whole_yuan(amount: Decimal) -> Decimal:
    return amount.quantize(YUAN, rounding=ROUND_HALF_UP)


def truncate_yuan(amount: Decimal, places: Decimal = CENT) -> Decimal:
    return amount.quantize(places, rounding=ROUND_DOWN)


def yuan_to_fen(amount: Decimal) -> int:
    """Yuan → integer fen for storage. Refuses sub-fen values: round first, explicitly."""
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise MoneyError(
            field="amount",
            zh=f"金额 {amount} 精度超过分，请先按规则舍入",
            en=f"the amount {amount} has more precision than one fen; round it first",
        )
    return int(fen)


def fen_to_yuan(fen: int | None) -> Decimal | None:
    if fen is None:
        return None
    return (Decimal(int(fen)) / 100).quantize(CENT)


def require_non_negative(amount: Decimal, *, field: str = "amount") -> Decimal:
    if amount < 0:
        raise MoneyError(
            field=field, zh=f"金额不能为负数：{amount}", en=f"the amount must not be negative: {amount}"
        )
    return amount


def format_yuan(amount: Decimal) -> str:
    """``12,345.60`` (for display)."""
    return f"{round_yuan(amount):,.2f}"
