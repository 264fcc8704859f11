"""Service items of the medical app, registered into the hall's catalogue through the
hall's ``<app>.hall_items`` extension point (ADR 0010).

- 异地就医备案: a temporary category (转诊 / 急诊 / 其他临时) takes effect at submission
  (承诺制, ``on_submit``); a long-term category is reviewed and created on approval.
- 异地就医备案变更: reviewed; on approval the old row becomes 已变更 and a new row is made.
- 异地就医备案取消: the person applies, effective at submission (after the lock period).

A case that ends unapproved (``on_close``): a temporary registration made at submission is
cancelled with it; a cancellation made at submission stands (its withdrawal is refused). A
temporary registration resubmitted after 退回补正 keeps its row when the correction left it
unchanged, else the row gives way to the corrected one.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shebao.hall.errors import CaseError, from_error
from shebao.hall.items import register
from shebao.hall.items.base import FieldSpec, GuideText, ItemDefinition, MaterialSpec, Subject
from shebao.medical import selectors, services
from shebao.medical.errors import MedicalError
from shebao.medical.models import Status
from shebao.medical.rules.registration import (
    CATEGORIES,
    Category,
    Kind,
    category_of,
    check_not_locked,
    validity,
)

CATEGORY_CHOICES = tuple((c.value, i.name_zh, i.name_en) for c, i in CATEGORIES.items())
_LEGAL = "《关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知》（医保发〔2022〕22号）"


def _is_temporary(category: str) -> bool:
    try:
        return CATEGORIES[Category(category)].kind is Kind.TEMPORARY
    except ValueError:
        return False


def _active_options(person_id: int) -> str:
    rows = selectors.active_registrations(person_id=person_id)
    return "；".join(
        f"{r.reference}（{CATEGORIES[Category(r.category)].name_zh}，{r.destination_code}）" for r in rows
    )


_REG_FIELDS = (
    FieldSpec("category", "备案类别", "Category", kind="choice", choices=CATEGORY_CHOICES),
    FieldSpec("destination_code", "就医地行政区划代码", "Destination region code", max_length=6,
              help_zh="6位代码，如 310104（上海市徐汇区）", help_en="6 digits, e.g. 310104"),
    FieldSpec("valid_from", "备案开始日期", "Start date", max_length=10, help_zh="格式 YYYY-MM-DD",
              help_en="YYYY-MM-DD"),
    FieldSpec("months", "有效期（月，临时外出就医）", "Validity in months (temporary)", kind="int", required=False,
              help_zh="临时外出就医 6 至 12 个月，默认 6 个月；长期备案不填", help_en="6 … 12; empty for long-term"),
)  # fmt: skip


def _clean_registration(data: dict, subject: Subject, *, exclude_reference: str = "") -> dict:
    try:
        out = services.registration_validate(
            person_id=subject.person_id, region_code=subject.region_code or subject.record.region_code,
            category=data.get("category"), destination_code=data.get("destination_code"),
            valid_from=data.get("valid_from"), months=data.get("months"), exclude_reference=exclude_reference,
        )  # fmt: skip
    except MedicalError as exc:
        raise from_error(exc) from None
    return {**data, "valid_from": out["valid_from"].isoformat(), "destination_code": out["destination_code"]}


def _registration_of(data: dict, subject: Subject):
    reference = str(data.get("registration") or "").strip()
    row = next(
        (r for r in selectors.active_registrations(person_id=subject.person_id) if r.reference == reference),
        None,
    )
    if row is None:
        raise CaseError(
            field="registration",
            zh="请填写本人有效备案的编号",
            en="enter the number of an active registration of yours",
        )
    try:
        check_not_locked(row.locked_until, timezone.localdate(), row.reference)
    except MedicalError as exc:
        raise from_error(exc) from None
    return row


def _made_at_submission(case) -> str | None:
    """The reference of the 承诺制 registration this case's submission made, if any."""
    return ((case.effect_result or {}).get("on_submit") or {}).get("registration") or None


def _made_by(subject: Subject):
    """The active registration the case being validated made at an earlier submission."""
    if not subject.case_reference:
        return None
    return next(
        (
            r
            for r in selectors.active_registrations(person_id=subject.person_id)
            if r.case_reference == subject.case_reference
        ),
        None,
    )


def _same(row, data: dict) -> bool:
    """Whether the (cleaned) form still describes ``row``."""
    category = category_of(data.get("category"))
    start = dt.date.fromisoformat(data["valid_from"])
    months = data.get("months")
    return (row.category, row.destination_code, row.valid_from, row.valid_until) == (
        category.value,
        data.get("destination_code"),
        start,
        validity(category, start, None if months in (None, "") else int(months)),
    )


class _MedicalItem(ItemDefinition):
    audience = "person"
    category = "医疗保险"
    life_event = "异地就医"
    online_level = "full"


@register
class MedicalRegistration(_MedicalItem):
    code = "medical_registration"
    name_zh = "异地就医备案"
    name_en = "Cross-region medical registration"
    time_limit_days = 5
    keywords = "异地就医 备案 转诊 长期居住 异地安置 常驻异地工作 急诊 跨省"
    sort_order = 70
    fields = _REG_FIELDS
    materials = (
        MaterialSpec("id_card", "居民身份证或社会保障卡", system_held=True, example="登录即已核验"),
        MaterialSpec("referral", "转诊证明（异地转诊就医时）", required=False),
    )
    guide = GuideText(
        conditions="本市基本医疗保险参保人员到省外长期居住、常驻工作或临时外出就医。",
        steps=(
            "在线选择备案类别、就医地和开始日期",
            "临时外出就医即时生效；长期备案经办机构审核后生效",
            "就医地定点医疗机构直接结算",
        ),
        legal_basis=_LEGAL,
        notes="长期备案长期有效，备案后6个月内不能变更或取消；临时外出就医备案有效期不少于6个月，有效期内可多次就诊。",
    )

    def materials_required(self, data: dict) -> tuple[str, ...]:
        return ("referral",) if data.get("category") == Category.REFERRAL.value else ()

    def validate(self, data: dict, subject: Subject) -> dict:
        own = _made_by(subject)  # resubmitted after 退回补正: its own earlier row does not overlap
        return _clean_registration(data, subject, exclude_reference=own.reference if own else "")

    def _create(self, case, actor):
        row = services.medical_registration_create(
            actor=actor, person_id=case.person_id, category=case.data["category"],
            destination_code=case.data["destination_code"], valid_from=case.data["valid_from"],
            months=case.data.get("months"), commitment=True, case_reference=case.reference,
        )  # fmt: skip
        return {
            "registration": row.reference,
            "valid_until": row.valid_until.isoformat() if row.valid_until else None,
        }

    def on_submit(self, *, case, actor) -> dict | None:
        previous = _made_at_submission(case)
        if previous is not None:  # resubmitted after 退回补正
            row = selectors.registration_get(user=actor, reference=previous)
            if row is not None and row.status == Status.ACTIVE and _same(row, case.data):
                return (case.effect_result or {})["on_submit"]  # the correction left it as it was
            try:  # the corrected application replaces the earlier registration
                services.medical_registration_withdraw(
                    actor=actor, reference=previous, case_reference=case.reference, reason="补正后重新提交"
                )
            except MedicalError as exc:
                raise from_error(exc) from None
        if _is_temporary(case.data.get("category", "")):
            return self._create(case, actor)  # 承诺制: effective at once
        return {"replaced": previous} if previous is not None else None

    def effect(self, *, case, actor) -> dict:
        done = (case.effect_result or {}).get("on_submit")
        if done and done.get("registration"):
            return {"confirmed": True, **done}
        return self._create(case, actor)

    def on_close(self, *, case, actor, outcome: str, comment: str = "") -> dict | None:
        """承诺制 means effective at submission subject to review: a temporary registration
        whose case is refused, not accepted or withdrawn is cancelled from today (the staff's
        reason, or "本人撤回"). A long-term one was never created (it waits for approval). A
        row changed or cancelled since through its own case is left as it is."""
        reference = _made_at_submission(case)
        if reference is None:
            return None
        reason = "本人撤回" if outcome == "withdrawn" else comment
        try:
            row = services.medical_registration_withdraw(
                actor=actor, reference=reference, case_reference=case.reference, reason=reason
            )
        except MedicalError as exc:
            raise from_error(exc) from None
        return {
            "registration": row.reference,
            "status": row.status,
            "closed_on": row.closed_on.isoformat() if row.closed_on else None,
        }


@register
class MedicalRegistrationChange(_MedicalItem):
    code = "medical_registration_change"
    name_zh = "异地就医备案变更"
    name_en = "Change a cross-region medical registration"
    time_limit_days = 5
    keywords = "异地就医 备案 变更 就医地"
    sort_order = 71
    fields = (
        FieldSpec("active", "本人有效备案", "Active registrations", readonly=True),
        FieldSpec("registration", "要变更的备案编号", "Registration number", max_length=20),
        *_REG_FIELDS,
    )
    materials = (MaterialSpec("id_card", "居民身份证或社会保障卡", system_held=True, example="登录即已核验"),)
    guide = GuideText(
        conditions="已办理异地就医备案、需要变更就医地或类别的人员（长期备案须过锁定期）。",
        steps=("在线填写新的就医地、类别和开始日期", "经办机构审核", "原备案标记为已变更，新备案生效"),
        legal_basis=_LEGAL,
    )

    def prefill(self, subject: Subject) -> dict:
        return {"active": _active_options(subject.person_id)}

    def validate(self, data: dict, subject: Subject) -> dict:
        row = _registration_of(data, subject)
        return {
            **_clean_registration(data, subject, exclude_reference=row.reference),
            "registration": row.reference,
        }

    def effect(self, *, case, actor) -> dict:
        row = services.medical_registration_change(
            actor=actor, reference=case.data["registration"], category=case.data["category"],
            destination_code=case.data["destination_code"], valid_from=case.data["valid_from"],
            months=case.data.get("months"), case_reference=case.reference,
        )  # fmt: skip
        return {"registration": row.reference, "replaces": case.data["registration"]}


@register
class MedicalRegistrationCancel(_MedicalItem):
    code = "medical_registration_cancel"
    name_zh = "异地就医备案取消"
    name_en = "Cancel a cross-region medical registration"
    time_limit_days = 1
    keywords = "异地就医 备案 取消 回参保地"
    sort_order = 72
    fields = (
        FieldSpec("active", "本人有效备案", "Active registrations", readonly=True),
        FieldSpec("registration", "要取消的备案编号", "Registration number", max_length=20),
    )
    materials = (MaterialSpec("id_card", "居民身份证或社会保障卡", system_held=True, example="登录即已核验"),)
    guide = GuideText(
        conditions="已办理异地就医备案、不再需要的人员（长期备案须过锁定期）。",
        steps=("在线选择要取消的备案", "提交后即时取消", "经办机构确认办结"),
        legal_basis=_LEGAL,
    )

    def prefill(self, subject: Subject) -> dict:
        return {"active": _active_options(subject.person_id)}

    def validate(self, data: dict, subject: Subject) -> dict:
        done = subject.earlier_submit.get("registration")
        if done:  # resubmitted after 退回补正: the cancellation took effect at the first submission
            if str(data.get("registration") or "").strip() not in ("", done):
                raise CaseError(
                    field="registration",
                    zh=f"本申请已于提交时取消备案{done}，补正时不能改为其他备案；如需取消其他备案请另行申请",
                    en=f"this application cancelled registration {done} when submitted; a correction "
                    "cannot switch to another one: file a new application for that",
                )
            return {**data, "registration": done}
        return {**data, "registration": _registration_of(data, subject).reference}

    def on_submit(self, *, case, actor) -> dict | None:
        earlier = (case.effect_result or {}).get("on_submit") or {}
        if earlier.get("registration") == case.data["registration"]:
            return earlier  # the correction does not cancel it a second time
        row = services.medical_registration_cancel(
            actor=actor, reference=case.data["registration"], case_reference=case.reference
        )
        return {"registration": row.reference, "status": row.status}

    def effect(self, *, case, actor) -> dict:
        return {"confirmed": True}  # the cancellation took effect at submission

    def on_close(self, *, case, actor, outcome: str, comment: str = "") -> dict | None:
        """The cancellation took effect at submission and is not undone: no service restores
        a closed row (history is never overwritten), and a new registration is the way back.
        So a withdrawal, which the person would read as "keep my registration", is refused
        with that explanation; a refusal or 不予受理 by staff ends the case and records that
        the cancellation stands."""
        done = (case.effect_result or {}).get("on_submit") or {}
        if outcome == "withdrawn":
            raise CaseError(
                field="registration",
                zh=f"备案{done.get('registration', '')}已于提交时取消，撤回申请不能恢复备案；如需继续异地就医，请重新办理备案",
                en="the registration was cancelled when you submitted; withdrawing cannot restore it: "
                "file a new registration if you still need one",
            )
        return {**done, "kept": True} if done else None
