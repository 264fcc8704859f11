"""Field rules of the register: each cleans one value or raises ``RegisterError``
naming the field, in Chinese and English. Pure: no Django, no database.

Whether a region code *exists* needs the divisions table and is checked by the
services; here only its shape.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from decimal import Decimal

from shebao.kernel.rules.identifiers import convert_15_to_18
from shebao.kernel.rules.money import MoneyError, to_decimal
from shebao.register.errors import RegisterError, from_kernel

# Wages: strictly positive and below ten million yuan a month (stored in fen).
WAGE_MAX = Decimal("10000000")

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "id_number": ("证件号码", "ID number"),
    "id_type": ("证件类型", "ID type"),
    "name": ("姓名", "name"),
    "hukou_region": ("户籍区划", "household-registration region"),
    "hukou_type": ("户口性质", "household-registration type"),
    "region_code": ("所属区划", "region"),
    "phone": ("手机号码", "phone number"),
    "contact_phone": ("联系电话", "contact phone"),
    "contact_name": ("联系人", "contact name"),
    "address": ("地址", "address"),
    "bank_name": ("开户银行", "bank"),
    "bank_account": ("银行账号", "bank account"),
    "card_number": ("社会保障卡卡号", "social security card number"),
    "card_status": ("社保卡状态", "card status"),
    "life_status": ("人员状态", "life status"),
    "death_date": ("死亡日期", "date of death"),
    "registered_on": ("登记日期", "registration date"),
    "cancelled_on": ("注销日期", "cancellation date"),
    "start_date": ("开始日期", "start date"),
    "end_date": ("结束日期", "end date"),
    "monthly_wage": ("月工资", "monthly wage"),
    "reason": ("原因", "reason"),
    "uscc": ("统一社会信用代码", "unified social credit code"),
    "employer_type": ("单位类型", "employer type"),
    "industry": ("行业", "industry"),
    "risk_class": ("工伤风险类别", "work-injury risk class"),
    "from_period": ("起始所属期", "from period"),
    "insurance": ("险种", "insurance"),
    "insurances": ("险种", "insurances"),
}


def label(field: str) -> tuple[str, str]:
    return FIELD_LABELS.get(field, (field, field))


def _text(value: object) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return unicodedata.normalize("NFKC", text).strip()


def clean_text(value: object, *, field: str, max_length: int, required: bool = False) -> str:
    text = _text(value)
    zh, en = label(field)
    if required and not text:
        raise RegisterError(field=field, zh=f"{zh}不能为空", en=f"the {en} is required")
    if len(text) > max_length:
        raise RegisterError(
            field=field,
            zh=f"{zh}过长（最多{max_length}个字）",
            en=f"the {en} is too long (at most {max_length} characters)",
        )
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in text):
        raise RegisterError(field=field, zh=f"{zh}含有控制字符", en=f"the {en} contains control characters")
    return text


def clean_name(
    value: object, *, field: str = "name", max_length: int = 100, allow_digits: bool = False
) -> str:
    text = clean_text(value, field=field, max_length=max_length, required=True)
    if not allow_digits and any(c.isdigit() for c in text):
        raise RegisterError(field=field, zh="姓名不能包含数字", en="a name must not contain digits")
    return text


_PHONE = re.compile(r"^\+?\d{7,20}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def clean_phone(value: object, *, field: str = "phone") -> str:
    """A mobile (11 digits, 1[3-9]…) or a landline/international number; "" allowed."""
    text = re.sub(r"[\s\-()（）]", "", _text(value))
    if not text:
        return ""
    zh, en = label(field)
    if not _PHONE.match(text):
        raise RegisterError(
            field=field,
            zh=f"{zh}格式不正确（只能包含数字，7至20位）",
            en=f"the {en} is not valid (digits only, 7 to 20 of them)",
        )
    if len(text) == 11 and text.startswith("1") and not _MOBILE.match(text):
        raise RegisterError(
            field=field, zh=f"{zh}不是有效的手机号码", en=f"the {en} is not a valid mobile number"
        )
    return text


def clean_bank_account(value: object, *, field: str = "bank_account") -> str:
    text = re.sub(r"[\s\-]", "", _text(value))
    if not text:
        return ""
    zh, en = label(field)
    if not re.fullmatch(r"\d{8,32}", text):
        raise RegisterError(
            field=field,
            zh=f"{zh}格式不正确（应为8至32位数字）",
            en=f"the {en} is not valid (8 to 32 digits)",
        )
    return text


def clean_card_number(value: object, *, field: str = "card_number") -> str:
    text = _text(value).upper()
    if not text:
        return ""
    if not re.fullmatch(r"[0-9A-Z]{9}", text):
        raise RegisterError(
            field=field,
            zh="社会保障卡卡号应为9位数字或大写字母",
            en="the social security card number must be 9 digits or capital letters",
        )
    return text


def clean_region_format(value: object, *, field: str) -> str:
    text = _text(value)
    zh, en = label(field)
    if not re.fullmatch(r"\d{6}", text):
        raise RegisterError(
            field=field,
            zh=f"{zh}代码应为6位数字，实际为“{text[:20]}”",
            en=f"the {en} code must be 6 digits, got {text[:20]!r}",
        )
    return text


def clean_choice(value: object, enum_cls: type[enum.StrEnum], *, field: str):
    text = _text(value)
    try:
        return enum_cls(text)
    except ValueError:
        zh, en = label(field)
        allowed = "、".join(m.value for m in enum_cls)
        raise RegisterError(
            field=field,
            zh=f"{zh}“{text[:20]}”无效，可选值：{allowed}",
            en=f"the {en} {text[:20]!r} is not valid; allowed: {', '.join(m.value for m in enum_cls)}",
        ) from None


def clean_risk_class(value: object, *, field: str = "risk_class") -> int:
    text = _text(value)
    if not re.fullmatch(r"[1-8]", text):
        raise RegisterError(
            field=field,
            zh=f"工伤风险类别应为1至8之间的整数，实际为“{text[:10]}”",
            en=f"the work-injury risk class must be a whole number from 1 to 8, got {text[:10]!r}",
        )
    return int(text)


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def parse_date(value: object, *, field: str) -> dt.date:
    """A date from a form, JSON or spreadsheet cell (date, datetime or text)."""
    zh, en = label(field)
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0, 0):
            raise RegisterError(
                field=field, zh=f"{zh}应为日期，不含时间", en=f"the {en} must be a date without a time"
            )
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        raise RegisterError(field=field, zh=f"{zh}不能为空", en=f"the {en} is required")
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no zone
        except ValueError:
            continue
    raise RegisterError(
        field=field,
        zh=f"{zh}“{text[:20]}”不是有效日期（格式 YYYY-MM-DD）",
        en=f"the {en} {text[:20]!r} is not a valid date (use YYYY-MM-DD)",
    )


def check_not_future(day: dt.date, *, today: dt.date, field: str) -> dt.date:
    if day > today:
        zh, en = label(field)
        raise RegisterError(
            field=field,
            zh=f"{zh} {day.isoformat()} 晚于今天，不能登记将来的日期",
            en=f"the {en} {day.isoformat()} is in the future",
        )
    return day


def check_not_before(day: dt.date, earliest: dt.date, *, field: str, what_zh: str, what_en: str) -> dt.date:
    if day < earliest:
        zh, en = label(field)
        raise RegisterError(
            field=field,
            zh=f"{zh} {day.isoformat()} 早于{what_zh} {earliest.isoformat()}",
            en=f"the {en} {day.isoformat()} is before the {what_en} {earliest.isoformat()}",
        )
    return day


def clean_wage(value: object, *, field: str = "monthly_wage") -> Decimal:
    """Monthly wage in yuan: > 0, < 10,000,000, at most two decimals."""
    try:
        amount = to_decimal(value, field=field)
    except MoneyError as exc:
        raise from_kernel(exc, field=field) from None
    if amount <= 0:
        raise RegisterError(field=field, zh="月工资必须大于0", en="the monthly wage must be greater than 0")
    if amount >= WAGE_MAX:
        raise RegisterError(
            field=field, zh="月工资必须小于10,000,000元", en="the monthly wage must be below 10,000,000 yuan"
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise RegisterError(
            field=field,
            zh="月工资最多保留两位小数（分）",
            en="the monthly wage may have at most two decimals",
        )
    return amount


def mask_phone(value: str) -> str:
    """``138****1234`` (mobile) / keep the last four otherwise."""
    if not value:
        return ""
    if len(value) == 11:
        return value[:3] + "****" + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_account(value: str) -> str:
    """``****1234``."""
    if not value:
        return ""
    return "****" + value[-4:] if len(value) > 4 else "*" * len(value)


_LOOKUP_FULLWIDTH = re.compile(r"[０-９Ｘｘ]")
_LOOKUP_SEPARATORS = re.compile(r"[\s\-‐‑–—]")


def normalise_id_for_lookup(raw: object) -> str | None:
    """The stored (18-character, upper-case) form of an ID number typed for a search,
    or None when it cannot be one. No checksum gate: a wrong number is simply not found."""
    if raw is None:
        return None
    text = raw if isinstance(raw, str) else str(raw)
    if len(text) > 40:
        return None
    if _LOOKUP_FULLWIDTH.search(text):
        text = unicodedata.normalize("NFKC", text)
    text = _LOOKUP_SEPARATORS.sub("", text).upper()
    if re.fullmatch(r"\d{15}", text):
        return convert_15_to_18(text)
    if re.fullmatch(r"\d{17}[\dX]", text):
        return text
    return None
