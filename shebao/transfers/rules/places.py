"""Where the pension is paid (待遇领取地, rules.md §6.3, art. 6) and the temporary
account (§6.2, art. 5). Places are compared by province: the first two digits of a
GB/T 2260 code ("41" Henan, "31" Shanghai, "44" Guangdong)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from shebao.transfers.rules.errors import TransferRuleError

TEN_YEARS = 120  # months; "≥ 10 years" as an exact month count (local practice ❓)
TEMP_AGE_MEN, TEMP_AGE_WOMEN = 50, 40


def province(code: str) -> str:
    text = str(code or "")
    if len(text) < 2 or not text[:2].isdigit():
        raise TransferRuleError(field="region", zh="区划代码无效", en=f"invalid division code {text!r}")
    return text[:2]


@dataclass(frozen=True)
class Place:
    code: str  # a division code inside the place (province compared)
    months: int  # cumulative contribution months there


@dataclass(frozen=True)
class PayingPlace:
    code: str
    rule: int  # 1 … 4, the §6.3 branch that decided
    reason_zh: str
    reason_en: str


def paying_place(*, hukou: str, places: Sequence[Place]) -> PayingPlace:
    """§6.3 in order; ``places`` chronological, the last is the current relationship place."""
    if not places:
        raise TransferRuleError(field="places", zh="没有参保地记录", en="no place of insurance")
    home = province(hukou)
    current = places[-1]
    if province(current.code) == home:
        return PayingPlace(current.code, 1, "养老保险关系在户籍地，由户籍地发放", "the relationship is in the hukou place")
    if current.months >= TEN_YEARS:
        return PayingPlace(current.code, 2, "在现参保地累计缴费满10年，由现参保地发放",
                           "10 years or more at the current place")  # fmt: skip
    for place in reversed(places[:-1]):
        if province(place.code) != home and place.months >= TEN_YEARS:
            return PayingPlace(place.code, 3, "现参保地不满10年，转回最后一个缴费满10年的参保地发放",
                               "under 10 years here: back to the last place with 10 years")  # fmt: skip
    return PayingPlace(hukou, 4, "各参保地均不满10年，归集到户籍地发放", "under 10 years everywhere: the hukou place")


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def needs_temporary_account(*, sex: str, birth: dt.date, on: dt.date, hukou: str, new_place: str) -> bool:
    """Men ≥ 50, women ≥ 40 moving to a province that is not their hukou place: the
    relationship stays; a temporary account opens at the new place. Back home: none."""
    if province(new_place) == province(hukou):
        return False
    if sex not in ("M", "F"):
        raise TransferRuleError(field="sex", zh="性别无效", en="invalid sex")
    return age_on(birth, on) >= (TEMP_AGE_MEN if sex == "M" else TEMP_AGE_WOMEN)
