"""Service items of the unemployment app, registered into the hall's catalogue through the
hall's ``<app>.hall_items`` extension point (ADR 0010): the hall never imports this app.

失业保险金申领: the register and the contribution history give the facts (months of
unemployment-insurance contributions, the last employment and how it ended); the applicant
states the separation reason, confirms the 失业登记 with its date and chooses the bank.
Eligibility refusals carry the kernel's reason naming the field (T33, T35). Sensitive
(复核); on approval ``services.claim_award`` writes the claim and enrols the payee.
"""

from __future__ import annotations

from django.utils import timezone

from shebao.benefits.rules.unemployment import Separation
from shebao.hall.errors import CaseError, from_error
from shebao.hall.items import register
from shebao.hall.items.base import FieldSpec, GuideText, ItemDefinition, MaterialSpec, Subject
from shebao.payroll.codes import BANKS
from shebao.register.rules.validation import mask_account
from shebao.unemployment import selectors, services
from shebao.unemployment.errors import UnemploymentError
from shebao.unemployment.models import ClaimStatus

SEPARATION_CHOICES = tuple((s.value, *services.SEPARATION_LABELS[s]) for s in Separation)
REGISTERED_CHOICES = (("yes", "已办理失业登记", "Registered as unemployed"), ("no", "尚未办理", "Not yet"))


@register
class UnemploymentClaimItem(ItemDefinition):
    code = "unemployment_claim"
    name_zh = "失业保险金申领"
    name_en = "Unemployment benefit claim"
    audience = "person"
    category = "失业保险"
    life_event = "失业"
    online_level = "full"
    time_limit_days = 10
    sensitive = True
    keywords = "失业 失业保险金 失业金 申领 失业登记 离职 解除劳动合同"
    sort_order = 80
    fields = (
        FieldSpec("name", "姓名", "Name", readonly=True),
        FieldSpec("id_masked", "公民身份号码", "ID number", readonly=True),
        FieldSpec("contribution_months", "失业保险累计缴费月数", "Months of unemployment contributions", readonly=True),
        FieldSpec("last_employer", "最后就业单位", "Last employer", readonly=True),
        FieldSpec("employment_end", "劳动关系终止日期", "End of employment", readonly=True),
        FieldSpec("end_reason", "单位申报的减员原因", "Reason declared by the employer", readonly=True),
        FieldSpec("carried_months", "上次未领完的月数", "Months left from an earlier claim", readonly=True),
        FieldSpec("current_bank", "待遇发放账户", "Payment account", readonly=True),
        FieldSpec("separation", "中断就业原因", "Why the employment ended", kind="choice", choices=SEPARATION_CHOICES,
                  help_zh="非因本人意愿中断就业的才可领取", help_en="only an involuntary end is covered"),
        FieldSpec("registered", "失业登记", "Registered as unemployed", kind="choice", choices=REGISTERED_CHOICES,
                  help_zh="须先在公共就业服务机构办理失业登记", help_en="register at the public employment service first"),
        FieldSpec("registered_on", "失业登记日期", "Date of registration", max_length=10, required=False,
                  help_zh="格式 YYYY-MM-DD；从登记当月起发放", help_en="YYYY-MM-DD; paid from that month"),
        FieldSpec("bank_code", "发放银行", "Paying bank", kind="choice",
                  choices=tuple((code, name, code) for code, name in BANKS.items())),
    )  # fmt: skip
    materials = (
        MaterialSpec("id_card", "居民身份证或社会保障卡", system_held=True, example="登录即已核验"),
        MaterialSpec("separation_proof", "解除或终止劳动关系证明", required=False),
    )
    guide = GuideText(
        conditions="失业前用人单位和本人已经缴纳失业保险费满1年、非因本人意愿中断就业、已经进行失业登记并有求职要求的本市参保人员。",
        steps=(
            "办理失业登记",
            "在线选择中断就业原因、确认失业登记并选择发放银行",
            "经办机构审核、复核",
            "从失业登记当月起按月发放；领取期间的基本医疗保险费由失业保险基金缴纳",
        ),
        legal_basis="《社会保险法》第四十五条至第五十一条；《失业保险条例》（国务院令第258号）第十四条至第十九条",
        notes="累计缴费满1年不足5年的最长领取12个月，满5年不足10年的最长18个月，10年以上的最长24个月；"
        "重新就业后再次失业的，缴费时间重新计算，可与前次未领完的期限合并，最长不超过24个月。"
        "重新就业、应征服兵役、移居境外、享受基本养老保险待遇或无正当理由拒不接受介绍的工作的，停止领取。",
    )

    def prefill(self, subject: Subject) -> dict:
        person = subject.record
        previous = selectors.latest_claim(person_id=person.pk)
        after = previous.first_period if previous is not None else None
        job = selectors.last_employment(person_id=person.pk)
        return {
            "name": person.name,
            "id_masked": person.id_masked,
            "contribution_months": selectors.contribution_months(person_id=person.pk, after_period=after),
            "last_employer": job.employer_name if job else "",
            "employment_end": job.end_date.isoformat() if job and job.end_date else ("在职" if job else ""),
            "end_reason": job.end_reason if job else "",
            "carried_months": previous.unused_months
            if previous is not None and previous.status == ClaimStatus.STOPPED
            else 0,
            "current_bank": f"{person.bank_name} {mask_account(person.bank_account)}".strip(),
            "registered": "yes",
            "registered_on": timezone.localdate().isoformat(),
        }

    def validate(self, data: dict, subject: Subject) -> dict:
        try:
            a = services.claim_assess(
                person_id=subject.person_id, separation=data.get("separation"), registered=data.get("registered"),
                registered_on=data.get("registered_on"),
            )  # fmt: skip
        except UnemploymentError as exc:
            raise from_error(exc) from None
        if not subject.record.bank_account:
            raise CaseError(
                field="bank_code",
                zh="请先通过“个人基本信息变更”登记本人银行账户",
                en="register your bank account first (change of personal details)",
            )
        return {**data, "registered_on": a.registered_on.isoformat()}

    def effect(self, *, case, actor) -> dict:
        claim = services.claim_award(
            actor=actor, person_id=case.person_id, separation=case.data["separation"],
            registered=case.data.get("registered"), registered_on=case.data.get("registered_on"),
            bank_code=case.data.get("bank_code", ""), case_id=case.pk,
        )  # fmt: skip
        return {"claim": claim.reference, "entitlement_months": claim.entitlement_months,
                "first_period": claim.first_period, "last_period": claim.last_period}  # fmt: skip
