"""The base of a declarative service item: form fields, materials, guide text, effects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from shebao.hall.errors import CaseError
from shebao.kernel.rules.periods import Period, PeriodError

CHANNELS_ALL = ("web", "app", "kiosk", "counter")
CLOSE_OUTCOMES = ("refused", "rejected", "withdrawn")  # ``ItemDefinition.on_close``


@dataclass(frozen=True)
class FieldSpec:
    """One form field. ``readonly`` fields come from the register and are never asked."""

    name: str
    label_zh: str
    label_en: str
    kind: str = "text"  # text | choice | multichoice | period | decimal | int | phone
    required: bool = True
    readonly: bool = False
    choices: tuple[tuple[str, str, str], ...] = ()  # (value, zh, en)
    help_zh: str = ""
    help_en: str = ""
    max_length: int = 200
    personal: bool = False  # an identifier: never kept in a draft; ``validate`` replaces it by a mask

    def label(self, english: bool = False) -> str:
        return self.label_en if english else self.label_zh


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    name: str
    file_format: str = "PDF/JPG/PNG"
    example: str = ""
    system_held: bool = False  # the system already holds it: never asked for
    required: bool = True


@dataclass(frozen=True)
class GuideText:
    conditions: str = ""
    steps: tuple[str, ...] = ()
    legal_basis: str = ""
    notes: str = ""


@dataclass
class Subject:
    """Whom the case is about: a person or an employer (plain ids, region for routing)."""

    person_id: int | None = None
    employer_id: int | None = None
    region_code: str = ""
    label: str = ""
    record: Any = field(default=None, repr=False)  # the loaded register record (read only)
    # the case being validated, once it exists: a resubmission (退回补正) may let ``validate``
    # ignore what this case's own earlier ``on_submit`` made
    case_reference: str = ""
    # what that case's earlier ``on_submit`` returned (``case.effect_result["on_submit"]``),
    # so a resubmission can recognise the effect it already applied; {} otherwise
    earlier_submit: dict = field(default_factory=dict, repr=False)


class ItemDefinition:
    """Subclass per item; class attributes declare it, methods add behaviour."""

    code: ClassVar[str]
    name_zh: ClassVar[str]
    name_en: ClassVar[str] = ""
    audience: ClassVar[str] = "person"  # person | employer (agents file person items under a mandate)
    category: ClassVar[str] = ""
    life_event: ClassVar[str] = ""
    online_level: ClassVar[str] = "full"  # full | book | counter
    channels: ClassVar[tuple[str, ...]] = CHANNELS_ALL
    time_limit_days: ClassVar[int] = 5
    sensitive: ClassVar[bool] = False
    instant: ClassVar[bool] = False
    mandate_code: ClassVar[str | None] = None  # the item code mandates name (default: ``code``)
    start_url_name: ClassVar[str | None] = None  # instant items start elsewhere (e.g. certificates:issue)
    keywords: ClassVar[str] = ""
    sort_order: ClassVar[int] = 100
    fields: ClassVar[tuple[FieldSpec, ...]] = ()
    materials: ClassVar[tuple[MaterialSpec, ...]] = ()
    guide: ClassVar[GuideText] = GuideText()

    # -- behaviour ---------------------------------------------------------------

    def prefill(self, subject: Subject) -> dict:
        """Values the register already holds (read-only fields) and sensible defaults."""
        return {}

    def validate(self, data: dict, subject: Subject) -> dict:
        """Item-specific checks after the generic cleaning; raise CaseError naming the field."""
        return data

    def is_sensitive(self, data: dict) -> bool:
        return self.sensitive

    def materials_required(self, data: dict) -> tuple[str, ...]:
        """Codes of the materials that must be uploaded before submission."""
        return tuple(m.code for m in self.asked_materials if m.required)

    def on_submit(self, *, case, actor) -> dict | None:
        """An effect that must happen at once at submission (社保卡挂失); same transaction."""
        return None

    def effect(self, *, case, actor) -> dict:
        """The business effect on approval, through the owning app's service (same transaction)."""
        raise NotImplementedError

    def on_close(self, *, case, actor, outcome: str, comment: str = "") -> dict | None:
        """The case ended without approval after it was submitted: close what ``on_submit``
        created, through the owning app's service, in the same transaction as the case's
        transition. ``outcome`` is one of ``CLOSE_OUTCOMES``: "refused" (审核/复核不通过),
        "rejected" (不予受理) or "withdrawn" (申请人撤回); ``comment`` is the staff's reason
        ("" for a withdrawal). Raise a FieldError (CaseError or the app's own error) to refuse
        the transition: the case then stays where it was and nothing is written. The result
        is kept in ``case.effect_result["on_close"]``. Default: nothing to close."""
        return None

    # -- engine helpers -----------------------------------------------------------

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def editable_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if not f.readonly)

    @property
    def asked_materials(self) -> tuple[MaterialSpec, ...]:
        return tuple(m for m in self.materials if not m.system_held)

    def clean(self, raw: dict, subject: Subject, *, partial: bool = False) -> dict:
        """Generic cleaning of the editable fields, then ``validate`` (not for drafts)."""
        cleaned: dict = {}
        for spec in self.editable_fields:
            if partial and spec.personal:
                continue
            value = raw.get(spec.name)
            cleaned_value = clean_value(spec, value, partial=partial)
            if cleaned_value not in (None, "", []):
                cleaned[spec.name] = cleaned_value
        if partial:
            return cleaned
        return self.validate(cleaned, subject)


def _missing(spec: FieldSpec) -> CaseError:
    return CaseError(field=spec.name, zh=f"请填写“{spec.label_zh}”", en=f"{spec.label_en} is required")


def clean_value(spec: FieldSpec, value: object, *, partial: bool = False):
    if isinstance(value, str):
        value = value.strip()
    empty = value in (None, "", [], ())
    if empty:
        if spec.required and not partial:
            raise _missing(spec)
        return None
    if spec.kind == "multichoice":
        values = [value] if isinstance(value, str) else list(value)  # type: ignore[arg-type]
        allowed = {c[0] for c in spec.choices}
        bad = [v for v in values if v not in allowed]
        if bad:
            raise CaseError(
                field=spec.name,
                zh=f"“{spec.label_zh}”的选项“{str(bad[0])[:20]}”无效",
                en=f"{spec.label_en}: invalid choice {str(bad[0])[:20]!r}",
            )
        return sorted(set(values), key=[c[0] for c in spec.choices].index)
    text = str(value)
    if len(text) > spec.max_length:
        raise CaseError(
            field=spec.name,
            zh=f"“{spec.label_zh}”不能超过{spec.max_length}个字",
            en=f"{spec.label_en} is longer than {spec.max_length} characters",
        )
    if spec.kind == "choice":
        if text not in {c[0] for c in spec.choices}:
            raise CaseError(
                field=spec.name,
                zh=f"“{spec.label_zh}”的选项无效",
                en=f"{spec.label_en}: invalid choice",
            )
        return text
    if spec.kind == "period":
        try:
            return str(Period.parse(text, field=spec.name))
        except PeriodError:
            raise CaseError(
                field=spec.name,
                zh=f"“{spec.label_zh}”应为年月，如 2026-01",
                en=f"{spec.label_en} must be a month such as 2026-01",
            ) from None
    if spec.kind == "decimal":
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = Decimal(-1)
        if not amount.is_finite() or amount <= 0:
            raise CaseError(
                field=spec.name,
                zh=f"“{spec.label_zh}”应为正数（元）",
                en=f"{spec.label_en} must be a positive amount",
            )
        return str(amount.quantize(Decimal("0.01")))
    if spec.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise CaseError(
                field=spec.name, zh=f"“{spec.label_zh}”应为整数", en=f"{spec.label_en} must be a whole number"
            ) from None
    if spec.kind == "phone":
        if not (len(text) == 11 and text.isdigit() and text.startswith("1")):
            raise CaseError(
                field=spec.name, zh="手机号码应为11位数字", en="the mobile number must be 11 digits"
            )
        return text
    return text


def next_period(today: dt.date) -> str:
    return str(Period.of(today) + 1)
