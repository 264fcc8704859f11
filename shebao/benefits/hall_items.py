"""Service items of the benefits app, registered into the hall's catalogue through the
hall's ``<app>.hall_items`` extension point (ADR 0010): the hall never imports benefits.

退休申请（网上办理）: the person states their category (the female line is a job
attribute), the retirement month within the elastic window and the bank; staff enter
the deemed years (视同缴费) from the archive when there are any. Sensitive (复核). On
approval ``services.pension_award`` writes the pension history row and enrols the payee.
"""

from __future__ import annotations

import contextlib

from django.utils import timezone

from shebao.benefits import selectors, services
from shebao.benefits.errors import BenefitError
from shebao.benefits.rules.retirement import (
    Category,
    check_within_window,
    month_index,
    period_of,
    required_months,
    statutory_retirement,
)
from shebao.hall.errors import CaseError, from_error
from shebao.hall.items import register
from shebao.hall.items.base import FieldSpec, GuideText, ItemDefinition, MaterialSpec, Subject
from shebao.kernel.rules.periods import Period
from shebao.payroll.codes import BANKS
from shebao.register.access import SYSTEM_ACTOR
from shebao.register.rules.validation import mask_account

CATEGORY_CHOICES = (
    (Category.MALE.value, "男职工", "Man"),
    (Category.FEMALE55.value, "女职工（管理岗位，原55周岁）", "Woman, management post (formerly 55)"),
    (Category.FEMALE50.value, "女职工（生产岗位，原50周岁）", "Woman, worker post (formerly 50)"),
)


def _fmt(period: int) -> str:
    return f"{period // 100}-{period % 100:02d}"


@register
class RetirementOnline(ItemDefinition):
    code = "retirement_online"
    name_zh = "退休申请（网上办理）"
    name_en = "Retirement application (online)"
    audience = "person"
    category = "养老待遇"
    life_event = "退休"
    online_level = "full"
    time_limit_days = 20
    sensitive = True
    keywords = "退休 养老金 待遇 核定 领取 弹性退休"
    sort_order = 89
    fields = (
        FieldSpec("name", "姓名", "Name", readonly=True),
        FieldSpec("id_masked", "公民身份号码", "ID number", readonly=True),
        FieldSpec("statutory", "法定退休年月", "Statutory retirement month", readonly=True),
        FieldSpec("window", "弹性退休可选区间", "Elastic retirement window", readonly=True),
        FieldSpec("months_so_far", "累计实际缴费月数", "Months contributed", readonly=True),
        FieldSpec("current_bank", "待遇发放账户", "Payment account", readonly=True),
        FieldSpec("category", "人员类别", "Category", kind="choice", choices=CATEGORY_CHOICES,
                  help_zh="女职工按退休时所在岗位选择", help_en="women: by the post held at retirement"),
        FieldSpec("retire_period", "申请退休年月", "Retirement month", kind="period",
                  help_zh="须在弹性退休区间内，最早提前3个月申请", help_en="within the elastic window"),
        FieldSpec("deemed_months", "视同缴费月数（档案认定）", "Deemed months (from the archive)", kind="int",
                  required=False, help_zh="1992年10月前的连续工龄，无则不填", help_en="service before 1992-10, if any"),
        FieldSpec("bank_code", "发放银行", "Paying bank", kind="choice",
                  choices=tuple((code, name, code) for code, name in BANKS.items())),
    )  # fmt: skip
    materials = (
        MaterialSpec("id_card", "居民身份证", system_held=True, example="登录即已核验"),
        MaterialSpec("archive", "本人档案中工龄认定材料（有视同缴费年限时）", required=False),
        MaterialSpec("bank_card", "社保卡或银行卡正面照片", file_format="JPG/PNG/PDF", required=False),
    )
    guide = GuideText(
        conditions="达到法定退休年龄（可在弹性区间内提前或推迟，最多3年）、累计缴费满最低年限（2030年起逐年提高）的本市参保人员。",
        steps=(
            "在线选择人员类别、退休年月和发放银行",
            "经办机构审核",
            "复核后核定基本养老金（基础养老金、个人账户养老金、过渡性养老金）",
            "次月起按月发放，可在“我的养老金”查看核定明细",
        ),
        legal_basis="《社会保险法》第十六条；国发〔2005〕38号；全国人大常委会关于实施渐进式延迟法定退休年龄的决定（2024）",
        notes="也可网上预约后到窗口办理（退休申请（网上预约，窗口办理））。",
    )

    def prefill(self, subject: Subject) -> dict:
        person = subject.record
        cat = selectors.default_category(person.sex)
        ret = statutory_retirement(person.birth_date.year, person.birth_date.month, cat)
        out = {
            "name": person.name,
            "id_masked": person.id_masked,
            "statutory": _fmt(ret.period),
            "window": f"{_fmt(ret.earliest_period)} 至 {_fmt(ret.latest_period)}",
            "current_bank": f"{person.bank_name} {mask_account(person.bank_account)}".strip(),
            "category": str(cat),
            "retire_period": _fmt(ret.period),
        }
        with contextlib.suppress(BenefitError):
            out["months_so_far"] = selectors.pension_record(user=SYSTEM_ACTOR, person_id=person.pk).months
        return out

    def validate(self, data: dict, subject: Subject) -> dict:
        person = subject.record
        try:
            cat = selectors.check_category(person.sex, data.get("category"))
            ret = statutory_retirement(person.birth_date.year, person.birth_date.month, cat)
            retire = int(Period.parse(data["retire_period"], field="retire_period"))
            check_within_window(ret, retire)
        except BenefitError as exc:
            raise from_error(exc) from None
        latest = period_of(month_index(int(Period.of(timezone.localdate()))) + services.APPLY_AHEAD_MONTHS)
        if retire > latest:
            raise CaseError(
                field="retire_period", zh="最早可提前3个月申请退休", en="apply at most 3 months ahead"
            )
        deemed = int(data.get("deemed_months") or 0)
        if not 0 <= deemed <= services.MAX_DEEMED_MONTHS:
            raise CaseError(
                field="deemed_months", zh="视同缴费月数应为 0 至 600", en="deemed months must be 0 … 600"
            )
        if not person.bank_account:
            raise CaseError(
                field="bank_code",
                zh="请先通过“个人基本信息变更”登记本人银行账户",
                en="register your bank account first (change of personal details)",
            )
        try:
            months = selectors.pension_record(user=SYSTEM_ACTOR, person_id=person.pk).months + deemed
        except BenefitError as exc:
            raise from_error(exc) from None
        need = required_months(ret, retire)
        if months < need:
            raise CaseError(
                field="retire_period",
                zh=f"累计缴费 {months} 个月，不足 {need} 个月，暂不能办理退休（可延长缴费）",
                en=f"{months} months of contributions; {need} are needed",
            )
        return {**data, "category": str(cat), "deemed_months": deemed}

    def effect(self, *, case, actor) -> dict:
        row = services.pension_award(
            actor=actor,
            person_id=case.person_id,
            retire_period=case.data["retire_period"],
            category=case.data.get("category"),
            deemed_months=case.data.get("deemed_months") or 0,
            bank_code=case.data.get("bank_code", ""),
            case_id=case.pk,
        )
        return {"pension_history_id": row.pk, "total_fen": row.total_fen, "retire_period": row.retire_period}
