"""Cross-region medical treatment registration (异地就医备案), rules.md §7 (医保发〔2022〕22号).

Pure: no Django. Categories, their validity, the optional lock period of a long-term
registration, overlap detection and the documents each category needs.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from shebao.kernel.rules.errors import FieldError


class MedicalRuleError(FieldError):
    """The one error of this app: it names the field, in Chinese and English."""


class Kind(StrEnum):
    LONG_TERM = "long_term"  # 跨省异地长期居住人员: open-ended
    TEMPORARY = "temporary"  # 跨省临时外出就医人员: fixed months


class Category(StrEnum):
    RESETTLED_RETIREE = "resettled_retiree"  # 异地安置退休
    LONG_RESIDENCE = "long_residence"  # 异地长期居住
    STATIONED_WORK = "stationed_work"  # 常驻异地工作
    REFERRAL = "referral"  # 异地转诊就医
    EMERGENCY = "emergency"  # 异地急诊抢救
    OTHER_TEMPORARY = "other_temporary"  # 其他临时外出就医


@dataclass(frozen=True)
class CategoryInfo:
    name_zh: str
    name_en: str
    kind: Kind
    documents: tuple[tuple[str, str], ...]  # (code, zh)


_ID = ("id_card", "居民身份证或社会保障卡")
_FORM = ("form", "异地就医备案表")
_PROMISE = ("commitment", "个人承诺书（可代替户口簿、居住证或工作证明）")

CATEGORIES: dict[Category, CategoryInfo] = {
    Category.RESETTLED_RETIREE: CategoryInfo("异地安置退休", "Retiree resettled elsewhere", Kind.LONG_TERM,
                                             (_ID, _FORM, _PROMISE)),
    Category.LONG_RESIDENCE: CategoryInfo("异地长期居住", "Long-term residence elsewhere", Kind.LONG_TERM,
                                          (_ID, _FORM, _PROMISE)),
    Category.STATIONED_WORK: CategoryInfo("常驻异地工作", "Stationed elsewhere for work", Kind.LONG_TERM,
                                          (_ID, _FORM, _PROMISE)),
    Category.REFERRAL: CategoryInfo("异地转诊就医", "Referral for treatment elsewhere", Kind.TEMPORARY,
                                    (_ID, _FORM, ("referral", "参保地定点医疗机构开具的转诊证明"))),
    Category.EMERGENCY: CategoryInfo("异地急诊抢救", "Emergency treatment elsewhere", Kind.TEMPORARY, (_ID, _FORM)),
    Category.OTHER_TEMPORARY: CategoryInfo("其他临时外出就医", "Other temporary treatment elsewhere", Kind.TEMPORARY,
                                           (_ID, _FORM)),
}  # fmt: skip

TEMPORARY_MONTHS = 6  # "≥ 6 months in principle" (T50): valid through the day before start + 6 months
MAX_LOCK_MONTHS = 6  # the insuring place may lock a long-term registration for at most 6 months
DEFAULT_LOCK_MONTHS = 6
MAX_BACKDATE_DAYS = 0  # only 急诊抢救 may be filed after the fact (补办)
EMERGENCY_BACKDATE_DAYS = 90


def category_of(value: object) -> Category:
    try:
        return Category(str(value))
    except ValueError:
        raise MedicalRuleError(
            field="category", zh="备案类别不正确", en="unknown registration category"
        ) from None


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def validity(category: Category, valid_from: dt.date, months: int | None = None) -> dt.date | None:
    """The last valid day: None (open-ended) for long-term, else start + months − 1 day (≥ 6 months)."""
    if CATEGORIES[category].kind is Kind.LONG_TERM:
        return None
    months = TEMPORARY_MONTHS if months is None else months
    if months < TEMPORARY_MONTHS or months > 12:
        raise MedicalRuleError(
            field="months",
            zh="临时外出就医备案有效期应为 6 至 12 个月",
            en="temporary validity is 6 … 12 months",
        )
    return add_months(valid_from, months) - dt.timedelta(days=1)


def lock_until(
    category: Category, valid_from: dt.date, lock_months: int = DEFAULT_LOCK_MONTHS
) -> dt.date | None:
    """Day before which a long-term registration may not be changed or cancelled (None: no lock)."""
    if not 0 <= lock_months <= MAX_LOCK_MONTHS:
        raise MedicalRuleError(
            field="lock_months", zh="锁定期不得超过 6 个月", en="the lock period is at most 6 months"
        )
    if CATEGORIES[category].kind is not Kind.LONG_TERM or lock_months == 0:
        return None
    return add_months(valid_from, lock_months)


def check_start(category: Category, valid_from: dt.date, today: dt.date) -> None:
    """No start in the past, except 急诊抢救 (补办 before discharge settlement, up to 90 days)."""
    allowed = EMERGENCY_BACKDATE_DAYS if category is Category.EMERGENCY else MAX_BACKDATE_DAYS
    if valid_from < today - dt.timedelta(days=allowed):
        raise MedicalRuleError(
            field="valid_from", zh="备案开始日期不能早于今天", en="the start date cannot be in the past"
        )
    if valid_from > add_months(today, 12):
        raise MedicalRuleError(
            field="valid_from",
            zh="备案开始日期最多可提前 12 个月",
            en="the start date is at most 12 months ahead",
        )


def check_not_locked(locked_until: dt.date | None, today: dt.date, reference: str) -> None:
    if locked_until is not None and today < locked_until:
        raise MedicalRuleError(
            field="registration",
            zh=f"备案 {reference} 在 {locked_until.isoformat()} 前不能变更或取消（锁定期）",
            en=f"registration {reference} cannot be changed or cancelled before {locked_until.isoformat()} (lock period)",
        )


@dataclass(frozen=True)
class Span:
    reference: str
    valid_from: dt.date
    valid_until: dt.date | None  # inclusive; None: open-ended


def overlaps(a_from: dt.date, a_until: dt.date | None, b_from: dt.date, b_until: dt.date | None) -> bool:
    """Inclusive date ranges, None = open-ended."""
    return (a_until is None or b_from <= a_until) and (b_until is None or a_from <= b_until)


def check_overlap(valid_from: dt.date, valid_until: dt.date | None, existing: list[Span]) -> None:
    """Refuse a registration overlapping an active one of the same person, naming it."""
    for span in existing:
        if overlaps(valid_from, valid_until, span.valid_from, span.valid_until):
            until = span.valid_until.isoformat() if span.valid_until else "长期"
            until_en = span.valid_until.isoformat() if span.valid_until else "open-ended"
            raise MedicalRuleError(
                field="valid_from",
                zh=f"与已有备案 {span.reference}（{span.valid_from.isoformat()} 至 {until}）有效期重叠，请先变更或取消该备案",
                en=f"overlaps registration {span.reference} ({span.valid_from.isoformat()} – {until_en}); "
                "change or cancel it first",
            )
