"""缴费档次变更, 灵活就业中断补缴 and 单位欠费补缴: effects through the contributions services."""

from __future__ import annotations

from django.utils import timezone

from shebao.contributions import backpay
from shebao.contributions import selectors as contribution_selectors
from shebao.contributions import services as contribution_services
from shebao.contributions.sheet import SheetError
from shebao.hall.errors import CaseError
from shebao.hall.items import register
from shebao.hall.items.base import FieldSpec, GuideText, ItemDefinition, MaterialSpec, Subject, next_period
from shebao.kernel.rules.periods import Period
from shebao.register import selectors as register_selectors
from shebao.register.rules.codes import EmploymentKind

GRADE_CHOICES = tuple((str(g), f"{g}%", f"{g}%") for g in (60, 70, 80, 90, 100, 150, 200, 250, 300))


def _require_flexible(person_id: int, *, field: str) -> None:
    employment = register_selectors.person_current_employment(person_id=person_id)
    if employment is None or employment.kind != EmploymentKind.FLEXIBLE:
        raise CaseError(
            field=field,
            zh="缴费档次只适用于以灵活就业人员身份个人缴费的参保人；您目前不是灵活就业参保人员",
            en="contribution grades apply only to flexible workers paying for themselves; you are not registered as one",
        )


def _grades(region: str, period: int) -> tuple[int, ...]:
    try:
        return contribution_selectors.rate_sheet(region_code=region, period=period).grades
    except SheetError as exc:
        raise CaseError(field="grade_pct", zh=exc.message_zh, en=exc.message_en) from None


def _check_grade(data: dict, subject: Subject, period: int) -> None:
    grades = _grades(subject.region_code, period)
    if int(data["grade_pct"]) not in grades:
        raise CaseError(
            field="grade_pct",
            zh=f"缴费档次应为以下之一：{'、'.join(f'{g}%' for g in grades)}",
            en=f"the grade must be one of {', '.join(f'{g}%' for g in grades)}",
        )


@register
class GradeChange(ItemDefinition):
    code = "flexible_grade_change"
    name_zh = "灵活就业缴费档次变更"
    name_en = "Change of contribution grade (flexible workers)"
    audience = "person"
    category = "参保缴费"
    life_event = "灵活就业"
    online_level = "full"
    time_limit_days = 3
    keywords = "档次 基数 灵活就业 个体"
    sort_order = 40
    fields = (
        FieldSpec("name", "姓名", "Name", readonly=True),
        FieldSpec("employment", "参保身份", "Enrolled as", readonly=True),
        FieldSpec(
            "grade_pct",
            "新缴费档次",
            "New grade",
            kind="choice",
            choices=GRADE_CHOICES,
            help_zh="缴费基数 = 上年度社会平均工资 × 档次，下月起生效",
            help_en="base = last year's average wage × grade, from next month",
        ),
    )
    guide = GuideText(
        conditions="以灵活就业人员身份参保、个人缴费的人员。",
        steps=("在线选择新档次", "经办机构审核", "办结，下个月起按新档次缴费"),
        legal_basis="《社会保险法》第十二条；本市灵活就业人员参保缴费办法",
    )

    def prefill(self, subject: Subject) -> dict:
        employment = register_selectors.person_current_employment(person_id=subject.person_id)
        flexible = employment is not None and employment.kind == EmploymentKind.FLEXIBLE
        return {
            "name": subject.record.name,
            "employment": "灵活就业人员" if flexible else "单位职工（不适用）",
        }

    def validate(self, data: dict, subject: Subject) -> dict:
        _require_flexible(subject.person_id, field="grade_pct")
        _check_grade(data, subject, int(Period.parse(next_period(timezone.localdate()))))
        return data

    def effect(self, *, case, actor) -> dict:
        _require_flexible(case.person_id, field="grade_pct")
        row = contribution_services.flexible_grade_change(
            actor=actor, person_id=case.person_id, grade_pct=int(case.data["grade_pct"])
        )
        return {"grade_pct": row.grade_pct, "effective_period": row.effective_period}


@register
class FlexibleBackpay(ItemDefinition):
    code = "backpay_flexible"
    name_zh = "灵活就业中断补缴"
    name_en = "Back-payment of interrupted months (flexible workers)"
    audience = "person"
    category = "参保缴费"
    life_event = "灵活就业"
    online_level = "full"
    time_limit_days = 10
    keywords = "补缴 中断 断缴 灵活就业"
    sort_order = 41
    fields = (
        FieldSpec("name", "姓名", "Name", readonly=True),
        FieldSpec("first_period", "补缴起始所属期", "First month", kind="period"),
        FieldSpec("last_period", "补缴截止所属期", "Last month", kind="period"),
        FieldSpec("grade_pct", "补缴档次", "Grade", kind="choice", choices=GRADE_CHOICES),
    )
    guide = GuideText(
        conditions="灵活就业登记期间因故中断缴费、且在本市规定补缴期限内的月份。",
        steps=("在线填写补缴月份和档次", "经办机构审核", "办结，生成补缴账单，按账单缴费"),
        legal_basis="《社会保险法》第六十三条；国办发〔2019〕13号（禁止违规一次性补缴）",
        notes="无灵活就业登记的月份不能补缴。",
    )

    def prefill(self, subject: Subject) -> dict:
        return {"name": subject.record.name}

    def validate(self, data: dict, subject: Subject) -> dict:
        _require_flexible(subject.person_id, field="first_period")
        if Period.parse(data["last_period"]) < Period.parse(data["first_period"]):
            raise CaseError(
                field="last_period",
                zh="截止所属期不能早于起始所属期",
                en="the last month is before the first",
            )
        return data

    def effect(self, *, case, actor) -> dict:
        row = backpay.backpay_flexible(
            actor=actor,
            person_id=case.person_id,
            first_period=case.data["first_period"],
            last_period=case.data["last_period"],
            grade_pct=int(case.data["grade_pct"]),
        )
        return {"backpay_id": row.pk}


@register
class EmployerBackpay(ItemDefinition):
    code = "backpay_employer"
    name_zh = "单位欠费补缴（职工补缴）"
    name_en = "Employer back-payment for an employee"
    audience = "employer"
    category = "单位缴费"
    life_event = "劳动监察·仲裁"
    online_level = "full"
    time_limit_days = 10
    sensitive = True
    keywords = "补缴 欠费 劳动关系 仲裁 监察"
    sort_order = 50
    fields = (
        FieldSpec("employer_name", "单位名称", "Employer", readonly=True),
        FieldSpec("id_number", "职工公民身份号码", "Employee's ID number", max_length=18, personal=True),
        FieldSpec("first_period", "补缴起始所属期", "First month", kind="period"),
        FieldSpec("last_period", "补缴截止所属期", "Last month", kind="period"),
        FieldSpec("wage", "月工资（元）", "Monthly wage (yuan)", kind="decimal"),
        FieldSpec(
            "evidence",
            "劳动监察/仲裁/法院文书号",
            "Inspection, arbitration or court reference",
            max_length=60,
        ),
    )
    materials = (
        MaterialSpec("finding", "劳动保障监察责令书、仲裁裁决书或法院判决书", example="加盖公章的扫描件"),
        MaterialSpec("payroll", "补缴期间工资发放记录", required=True, example="银行代发明细或工资表"),
    )
    guide = GuideText(
        conditions="经劳动保障监察、劳动人事争议仲裁或法院确认存在劳动关系而未足额缴费的月份。",
        steps=(
            "单位在线填写并上传文书",
            "经办机构受理、审核、复核",
            "办结，生成补缴账单（滞纳金自原应缴之日起计算）",
        ),
        legal_basis="《社会保险法》第六十三条、第八十六条；国办发〔2019〕13号",
    )

    def prefill(self, subject: Subject) -> dict:
        return {"employer_name": subject.record.name}

    def validate(self, data: dict, subject: Subject) -> dict:
        person = register_selectors.person_by_id_number(id_number=data["id_number"])
        if person is None or not any(
            e.employer_id == subject.employer_id
            for e in register_selectors.person_employments(person_id=person.pk)
        ):
            raise CaseError(
                field="id_number",
                zh="未找到该职工在本单位的就业登记",
                en="no employment of this person at your employer is registered",
            )
        if Period.parse(data["last_period"]) < Period.parse(data["first_period"]):
            raise CaseError(
                field="last_period",
                zh="截止所属期不能早于起始所属期",
                en="the last month is before the first",
            )
        data = {**data, "person_id": person.pk, "id_number": person.id_masked}
        return data

    def effect(self, *, case, actor) -> dict:
        row = backpay.backpay_employer(
            actor=actor,
            employer_id=case.employer_id,
            person_id=int(case.data["person_id"]),
            first_period=case.data["first_period"],
            last_period=case.data["last_period"],
            wage=case.data["wage"],
            evidence=case.data["evidence"],
        )
        return {"backpay_id": row.pk}
