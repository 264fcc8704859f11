"""单位信息变更 (by the employer's operator): address, contact, bank account."""

from __future__ import annotations

from shebao.hall.errors import CaseError
from shebao.hall.items import register
from shebao.hall.items.base import FieldSpec, GuideText, ItemDefinition, MaterialSpec, Subject
from shebao.register import services as register_services
from shebao.register.rules.validation import mask_account, mask_phone

CHANGEABLE = ("address", "contact_name", "contact_phone", "bank_name", "bank_account")


@register
class EmployerChange(ItemDefinition):
    code = "employer_change"
    name_zh = "单位基本信息变更"
    name_en = "Change of employer details"
    audience = "employer"
    category = "单位参保"
    life_event = "单位变更"
    online_level = "full"
    time_limit_days = 5
    sensitive = True  # a bank-account change only
    keywords = "单位 地址 联系人 电话 银行 账户 变更"
    sort_order = 20
    fields = (
        FieldSpec("name", "单位名称", "Employer", readonly=True),
        FieldSpec("uscc", "统一社会信用代码", "USCC", readonly=True),
        FieldSpec("current_contact", "现联系人", "Current contact", readonly=True),
        FieldSpec("current_bank", "现缴费账户", "Current bank account", readonly=True),
        FieldSpec("address", "新地址", "New address", required=False),
        FieldSpec("contact_name", "新联系人", "New contact", required=False, max_length=60),
        FieldSpec("contact_phone", "新联系电话", "New contact phone", kind="phone", required=False),
        FieldSpec("bank_name", "新开户银行", "New bank", required=False, max_length=100),
        FieldSpec("bank_account", "新银行账号", "New bank account", required=False, max_length=30),
    )
    materials = (
        MaterialSpec("licence", "营业执照", system_held=True, example="已通过市场监管部门共享获取"),
        MaterialSpec("bank_permit", "开户许可证或银行开户证明", required=False, example="加盖银行印章"),
    )
    guide = GuideText(
        conditions="已在本市办理社会保险登记的用人单位。",
        steps=("单位经办人在线填写", "上传材料（变更账户时）", "经办机构审核（账户须复核）", "办结"),
        legal_basis="《社会保险法》第五十七条；《社会保险登记管理暂行办法》",
        notes="单位名称、类型变更请先到市场监管部门办理，信息共享后自动更新。",
    )

    def prefill(self, subject: Subject) -> dict:
        e = subject.record
        return {
            "name": e.name,
            "uscc": e.uscc,
            "current_contact": f"{e.contact_name} {mask_phone(e.contact_phone)}".strip(),
            "current_bank": f"{e.bank_name} {mask_account(e.bank_account)}".strip(),
            "address": e.address,
        }

    def validate(self, data: dict, subject: Subject) -> dict:
        e = subject.record
        changes = {k: v for k, v in data.items() if k in CHANGEABLE and v != getattr(e, k)}
        if not changes:
            raise CaseError(
                field="address", zh="请至少填写一项需要变更的信息", en="fill in at least one new value"
            )
        return changes

    def is_sensitive(self, data: dict) -> bool:
        return "bank_account" in data

    def materials_required(self, data: dict) -> tuple[str, ...]:
        return ("bank_permit",) if "bank_account" in data else ()

    def effect(self, *, case, actor) -> dict:
        changes = {k: case.data[k] for k in CHANGEABLE if k in case.data}
        register_services.employer_change(actor=actor, employer_id=case.employer_id, changes=changes)
        return {"changed": sorted(changes)}
