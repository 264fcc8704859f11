"""Identifiers of persons and organisations (rules.md §1.1–1.2). Pure: no Django.

- ``parse_person_id`` validates and normalises a personal identifier of an explicit
  ``IdType`` (公民身份号码, 港澳台居民居住证, 外国人永久居留身份证), converting legacy
  15-digit citizen numbers, and derives birth date and sex.
- ``parse_uscc`` validates a 统一社会信用代码 including authorities A, N and Y.

Check digits come from python-stdnum's ``calc_check_digit``; its ``validate`` is not
used as a gate (it rejects real IDs of people born before their county code existed,
and USCCs whose first character is a letter; rules.md §1.5).

Every rejection raises ``IdentifierError`` naming the field, with a message in
Simplified Chinese and in English. Whether the address code ever existed is *not*
decided here (that needs the divisions table); callers add that as a warning.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from dataclasses import dataclass, field

from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc


class IdType(enum.StrEnum):
    """Kinds of personal identifier (``id_type``)."""

    RESIDENT = "resident"  # 居民身份证 / 公民身份号码
    HKMO_TW_PERMIT = "hkmotw"  # 港澳台居民居住证 (810000 / 820000 / 830000)
    FOREIGN_PR = "foreign_pr"  # 外国人永久居留身份证 (2023 layout, starts with 9)

    @property
    def label_zh(self) -> str:
        return {
            IdType.RESIDENT: "居民身份证",
            IdType.HKMO_TW_PERMIT: "港澳台居民居住证",
            IdType.FOREIGN_PR: "外国人永久居留身份证",
        }[self]

    @property
    def label_en(self) -> str:
        return {
            IdType.RESIDENT: "Resident identity card",
            IdType.HKMO_TW_PERMIT: "Residence permit for Hong Kong, Macao and Taiwan residents",
            IdType.FOREIGN_PR: "Foreigner's permanent residence ID card",
        }[self]


class Sex(enum.StrEnum):
    MALE = "M"
    FEMALE = "F"


class IdentifierError(ValueError):
    """A rejected identifier. ``code`` is stable for programs; messages are for people."""

    def __init__(self, *, field: str, code: str, zh: str, en: str) -> None:
        super().__init__(f"{field}: {en}")
        self.field = field
        self.code = code
        self.message_zh = zh
        self.message_en = en

    def message(self, language: str = "zh-hans") -> str:
        return self.message_en if language.startswith("en") else self.message_zh


@dataclass(frozen=True)
class PersonId:
    number: str  # normalised 18 characters
    id_type: IdType
    birth_date: dt.date
    sex: Sex
    address_code: str  # positions 1–6 (for FOREIGN_PR: "9" + province + nationality)
    converted_from_15: bool = False
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)


@dataclass(frozen=True)
class Uscc:
    code: str
    authority: str  # 登记管理部门代码, 1st character
    category: str  # 机构类别代码, 2nd character
    region_code: str  # 登记管理机关行政区划码, characters 3–8
    org_code: str  # 主体标识码 (GB 11714), characters 9–17
    warnings: tuple[str, ...] = field(default_factory=tuple)


_FULLWIDTH = re.compile(r"[０-９Ｘｘ]")
_SEPARATORS = re.compile(r"[\s\-‐‑–—]")
_HKMOTW_PREFIXES = {"810000": "香港", "820000": "澳门", "830000": "台湾"}
# 1st character of a USCC (registering authority) → allowed 2nd characters (category).
USCC_AUTHORITIES: dict[str, str] = {
    "1": "1239",
    "2": "19",
    "3": "123459",
    "4": "19",
    "5": "1239",
    "6": "129",
    "7": "129",
    "8": "19",
    "9": "123",
    "A": "19",
    "N": "1239",
    "Y": "1",
}
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _normalise(raw: object, *, field: str) -> str:
    if not isinstance(raw, str):
        if raw is None:
            raise IdentifierError(
                field=field, code="required", zh="证件号码不能为空", en="the number is required"
            )
        raw = str(raw)
    if _FULLWIDTH.search(raw):
        raw = unicodedata.normalize("NFKC", raw)
    value = _SEPARATORS.sub("", raw).upper()
    if not value:
        raise IdentifierError(
            field=field, code="required", zh="证件号码不能为空", en="the number is required"
        )
    return value


def id_check_character(body17: str) -> str:
    """ISO 7064 MOD 11-2 check character for 17 digits (via python-stdnum)."""
    return _ric.calc_check_digit(body17 + "0")


def convert_15_to_18(number15: str) -> str:
    """Legacy 15-digit citizen number → 18 digits: insert ``19`` before YYMMDD, append check."""
    if not re.fullmatch(r"\d{15}", number15):
        raise IdentifierError(
            field="id_number",
            code="format",
            zh="15位身份证号码必须全部为数字",
            en="a 15-digit ID number must be all digits",
        )
    body = number15[:6] + "19" + number15[6:]
    return body + id_check_character(body)


def _birth_date(digits: str, *, field: str, today: dt.date) -> dt.date:
    try:
        born = dt.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IdentifierError(
            field=field,
            code="birth_date",
            zh=f"出生日期码 {digits} 不是有效日期",
            en=f"the birth-date part {digits} is not a real calendar date",
        ) from None
    if born > today:
        raise IdentifierError(
            field=field,
            code="birth_date_future",
            zh=f"出生日期 {born.isoformat()} 晚于今天",
            en=f"the birth date {born.isoformat()} is in the future",
        )
    if born.year < 1870:
        raise IdentifierError(
            field=field,
            code="birth_date_range",
            zh=f"出生日期 {born.isoformat()} 早于1870年，不合理",
            en=f"the birth date {born.isoformat()} is before 1870",
        )
    return born


def parse_person_id(
    raw: object,
    id_type: IdType | str | None = None,
    *,
    today: dt.date | None = None,
    field: str = "id_number",
) -> PersonId:
    """Validate and normalise a personal identifier.

    ``id_type`` may be omitted: it is then inferred (9… → foreign PR, 81/82/83 0000 →
    residence permit, otherwise resident). A given type that contradicts the number
    is an error, because the type is a declared fact of the record.
    """
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar date, zone irrelevant at day precision
    value = _normalise(raw, field=field)
    declared = IdType(id_type) if id_type else None
    converted = False

    if len(value) == 15:
        if declared not in (None, IdType.RESIDENT):
            raise IdentifierError(
                field=field,
                code="length",
                zh="只有居民身份证存在15位旧号码",
                en="only resident ID numbers have a legacy 15-digit form",
            )
        value = convert_15_to_18(value)
        converted = True
    if len(value) != 18:
        raise IdentifierError(
            field=field,
            code="length",
            zh=f"证件号码应为18位，实际为{len(value)}位",
            en=f"the number must have 18 characters, it has {len(value)}",
        )
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise IdentifierError(
            field=field,
            code="format",
            zh="前17位必须是数字，最后一位是数字或X",
            en="the first 17 characters must be digits and the last a digit or X",
        )
    inferred = (
        IdType.FOREIGN_PR
        if value[0] == "9"
        else IdType.HKMO_TW_PERMIT
        if value[:6] in _HKMOTW_PREFIXES
        else IdType.RESIDENT
    )
    if declared and declared != inferred:
        raise IdentifierError(
            field=field,
            code="id_type_mismatch",
            zh=f"号码不符合所选证件类型“{declared.label_zh}”（看起来是“{inferred.label_zh}”）",
            en=f"the number does not fit the chosen type “{declared.label_en}” (it looks like “{inferred.label_en}”)",
        )
    expected = id_check_character(value[:17])
    if value[17] != expected:
        raise IdentifierError(
            field=field,
            code="checksum",
            zh=f"校验码错误：最后一位应为 {expected}，实际为 {value[17]}",
            en=f"wrong check character: the last character should be {expected}, not {value[17]}",
        )
    born = _birth_date(value[6:14], field=field, today=today)
    sex = Sex.MALE if int(value[16]) % 2 == 1 else Sex.FEMALE
    return PersonId(
        number=value,
        id_type=inferred,
        birth_date=born,
        sex=sex,
        address_code=value[:6],
        converted_from_15=converted,
    )


def mask_id_number(number: str) -> str:
    """``110105********002X``: keep the address code and the last four characters."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def org_code_check_character(body8: str) -> str:
    """GB 11714 check character of the 8-character organisation-code body."""
    total = 0
    for char, weight in zip(body8, _ORG_WEIGHTS, strict=True):
        total += (int(char) if char.isdigit() else ord(char) - 55) * weight
    r = 11 - total % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


def parse_uscc(raw: object, *, field: str = "uscc") -> Uscc:
    value = _normalise(raw, field=field)
    if len(value) != 18:
        raise IdentifierError(
            field=field,
            code="length",
            zh=f"统一社会信用代码应为18位，实际为{len(value)}位",
            en=f"the unified social credit code must have 18 characters, it has {len(value)}",
        )
    bad = sorted({c for c in value if c not in _USCC_ALPHABET})
    if bad:
        raise IdentifierError(
            field=field,
            code="alphabet",
            zh=f"含有不允许的字符：{''.join(bad)}（不使用 I、O、Z、S、V）",
            en=f"contains characters that are not allowed: {''.join(bad)} (I, O, Z, S and V are never used)",
        )
    authority, category = value[0], value[1]
    if authority not in USCC_AUTHORITIES:
        raise IdentifierError(
            field=field,
            code="authority",
            zh=f"第1位登记管理部门代码“{authority}”不存在",
            en=f"the registering-authority code “{authority}” (1st character) does not exist",
        )
    if category not in USCC_AUTHORITIES[authority]:
        raise IdentifierError(
            field=field,
            code="category",
            zh=f"第2位机构类别代码“{category}”不属于登记管理部门“{authority}”",
            en=f"the category code “{category}” (2nd character) is not used by authority “{authority}”",
        )
    if not value[2:8].isdigit():
        raise IdentifierError(
            field=field,
            code="region",
            zh="第3至8位登记管理机关行政区划码必须是数字",
            en="characters 3–8 (registering office's division code) must be digits",
        )
    expected = _uscc.calc_check_digit(value[:17])
    if value[17] != expected:
        raise IdentifierError(
            field=field,
            code="checksum",
            zh=f"校验码错误：最后一位应为 {expected}，实际为 {value[17]}",
            en=f"wrong check character: the last character should be {expected}, not {value[17]}",
        )
    warnings: list[str] = []
    org = value[8:17]
    if org[:8].isalnum() and org_code_check_character(org[:8]) != org[8]:
        warnings.append("org_code_checksum")
    return Uscc(
        code=value,
        authority=authority,
        category=category,
        region_code=value[2:8],
        org_code=org,
        warnings=tuple(warnings),
    )


def make_uscc(prefix17: str) -> str:
    """Append the MOD 31-3 check character (used by the demo generator and tests)."""
    return prefix17 + _uscc.calc_check_digit(prefix17)


def make_person_id(address_code: str, birth: dt.date, sequence: int) -> str:
    """Build a valid 18-digit number from parts (demo generator and tests)."""
    body = f"{address_code}{birth:%Y%m%d}{sequence:03d}"
    return body + id_check_character(body)
