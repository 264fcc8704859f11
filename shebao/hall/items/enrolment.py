"""暂停缴费 and 续保 (恢复缴费): enrolment transitions through the register services."""

from __future__ import annotations

from django.utils import timezone

from shebao.hall.errors import CaseError
from shebao.hall.items import register
from shebao.hall.items.base import FieldSpec, GuideText, ItemDefinition, MaterialSpec, Subject
from shebao.kernel.rules.periods import Period
from shebao.register import selectors as register_selectors
from shebao.register import services as register_services
from shebao.register.rules.codes import EnrolmentStatus, Insurance

INSURANCE_CHOICES = tuple((i.value, i.label_zh, i.value) for i in Insurance)
_STATUS_ZH = {"active": "参保缴费", "suspended": "暂停缴费", "terminated": "终止"}


def _status_text(person_id: int) -> str:
    parts = []
    for insurance, row in register_selectors.person_current_status(person_id=person_id).items():
        parts.append(f"{insurance.label_zh}：{_STATUS_ZH.get(row.status, row.status) if row else '未参保'}")
    return "；".join(parts)


def _open_in(person_id: int, status: EnrolmentStatus) -> set[str]:
    return {
        insurance.value
        for insurance, row in register_selectors.person_current_status(person_id=person_id).items()
        if row is not None and row.status == status
    }


class _EnrolmentItem(ItemDefinition):
    audience = "person"
    category = "参保缴费"
    online_level = "full"
    time_limit_days = 5
    required_status: EnrolmentStatus
    fields = (
        FieldSpec("name", "姓名", "Name", readonly=True),
        FieldSpec("id_masked", "公民身份号码", "ID number", readonly=True),
        FieldSpec("current_status", "当前参保状态", "Current enrolment", readonly=True),
        FieldSpec("insurances", "险种", "Insurances", kind="multichoice", choices=INSURANCE_CHOICES),
        FieldSpec(
            "from_period",
            "生效所属期",
            "Effective from (month)",
            kind="period",
            help_zh="格式 2026-01",
            help_en="e.g. 2026-01",
        ),
        FieldSpec("reason", "原因", "Reason", max_length=100),
    )

    def prefill(self, subject: Subject) -> dict:
        person = subject.record
        return {
            "name": person.name,
            "id_masked": person.id_masked,
            "current_status": _status_text(person.pk),
            # The register takes no future period: the default is the current month.
            "from_period": str(Period.of(timezone.localdate())),
            "insurances": sorted(_open_in(person.pk, self.required_status)),
        }

    def validate(self, data: dict, subject: Subject) -> dict:
        latest = Period.of(timezone.localdate())
        if Period.parse(data["from_period"]) > latest:
            raise CaseError(
                field="from_period",
                zh=f"生效所属期不能晚于本月（{latest}）",
                en=f"the effective month cannot be later than the current month ({latest})",
            )
        open_ = _open_in(subject.person_id, self.required_status)
        wrong = [i for i in data["insurances"] if i not in open_]
        if wrong:
            label = Insurance(wrong[0]).label_zh
            state_zh = "参保缴费" if self.required_status == EnrolmentStatus.ACTIVE else "暂停缴费"
            raise CaseError(
                field="insurances",
                zh=f"{label}当前不是“{state_zh}”状态，不能办理{self.name_zh}",
                en=f"{wrong[0]} is not {self.required_status.value}; cannot {self.name_en.lower()}",
            )
        return data


@register
class Suspend(_EnrolmentItem):
    code = "enrolment_suspend"
    name_zh = "暂停缴费"
    name_en = "Suspend contributions"
    life_event = "失业·出国"
    keywords = "停保 暂停 中断 停缴"
    sort_order = 30
    required_status = EnrolmentStatus.ACTIVE
    materials = (MaterialSpec("proof", "暂停缴费原因证明（如出国（境）证明）", required=False),)
    guide = GuideText(
        conditions="处于参保缴费状态的参保人员，因出国（境）定居、失业等原因需暂停缴费。",
        steps=("在线填写险种、生效所属期和原因", "经办机构受理、审核", "办结，自生效所属期起暂停缴费"),
        legal_basis="《社会保险法》第十条、第二十三条；《社会保险费征缴暂行条例》",
        notes="暂停期间不计缴费年限；恢复缴费请办理“续保”。",
    )

    def effect(self, *, case, actor) -> dict:
        rows = [
            register_services.enrolment_suspend(
                actor=actor,
                person_id=case.person_id,
                insurance=insurance,
                from_period=case.data["from_period"],
                reason=case.data["reason"],
            )
            for insurance in case.data["insurances"]
        ]
        return {"enrolments": [r.pk for r in rows], "from_period": case.data["from_period"]}


@register
class Resume(_EnrolmentItem):
    code = "enrolment_resume"
    name_zh = "续保（恢复缴费）"
    name_en = "Resume contributions"
    life_event = "再就业·回国"
    keywords = "续保 恢复 复缴"
    sort_order = 31
    required_status = EnrolmentStatus.SUSPENDED
    materials = ()
    guide = GuideText(
        conditions="处于暂停缴费状态、现有在职或灵活就业登记的参保人员。",
        steps=("在线填写险种和生效所属期", "经办机构受理、审核", "办结，自生效所属期起恢复缴费"),
        legal_basis="《社会保险法》第十条、第二十三条",
    )

    def effect(self, *, case, actor) -> dict:
        rows = [
            register_services.enrolment_resume(
                actor=actor,
                person_id=case.person_id,
                insurance=insurance,
                from_period=case.data["from_period"],
                reason=case.data["reason"],
            )
            for insurance in case.data["insurances"]
        ]
        return {"enrolments": [r.pk for r in rows], "from_period": case.data["from_period"]}
