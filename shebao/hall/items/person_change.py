"""个人信息变更: phone, address, bank account (the bank account needs 复核)."""

from __future__ import annotations

from shebao.hall.errors import CaseError
from shebao.hall.items import register
from shebao.hall.items.base import FieldSpec, GuideText, ItemDefinition, MaterialSpec, Subject
from shebao.register import services as register_services
from shebao.register.rules.validation import mask_account, mask_phone

CHANGEABLE = ("phone", "address", "bank_name", "bank_account")


@register
class PersonChange(ItemDefinition):
    code = "person_change"
    name_zh = "个人基本信息变更"
    name_en = "Change of personal details"
    audience = "person"
    category = "参保登记"
    life_event = "搬家·换号"
    online_level = "full"
    time_limit_days = 5
    sensitive = True  # a bank-account change; other changes go without 复核 (is_sensitive)
    keywords = "手机 电话 地址 银行卡 账号 信息 修改"
    sort_order = 10
    fields = (
        FieldSpec("name", "姓名", "Name", readonly=True),
        FieldSpec("id_masked", "公民身份号码", "ID number", readonly=True),
        FieldSpec("current_phone", "现手机号码", "Current mobile", readonly=True),
        FieldSpec("current_bank", "现待遇发放账户", "Current bank account", readonly=True),
        FieldSpec("phone", "新手机号码", "New mobile", kind="phone", required=False),
        FieldSpec("address", "新居住地址", "New address", required=False, max_length=200),
        FieldSpec("bank_name", "新开户银行", "New bank", required=False, max_length=100),
        FieldSpec(
            "bank_account",
            "新银行账号",
            "New bank account",
            required=False,
            max_length=30,
            help_zh="变更待遇发放账户须经复核",
            help_en="a new bank account is checked twice",
        ),
    )
    materials = (
        MaterialSpec("id_card", "居民身份证", system_held=True, example="系统已核验身份，无需上传"),
        MaterialSpec(
            "bank_card",
            "本人银行卡（存折）正面照片",
            file_format="JPG/PNG/PDF",
            example="卡号清晰可辨",
            required=False,
        ),
    )
    guide = GuideText(
        conditions="本市参保人员本人（或经授权的社区代办员）。",
        steps=(
            "在线填写新信息",
            "上传材料（变更银行账户时）",
            "经办机构审核（银行账户须复核）",
            "办结，信息即时生效",
        ),
        legal_basis="《社会保险法》第五十七条、第五十八条；《社会保险个人权益记录管理办法》第九条",
        notes="姓名、身份号码等身份信息变更请持户籍证明到窗口办理。",
    )

    def prefill(self, subject: Subject) -> dict:
        person = subject.record
        return {
            "name": person.name,
            "id_masked": person.id_masked,
            "current_phone": mask_phone(person.phone),
            "current_bank": f"{person.bank_name} {mask_account(person.bank_account)}".strip(),
            "address": person.address,
        }

    def validate(self, data: dict, subject: Subject) -> dict:
        person = subject.record
        changes = {k: v for k, v in data.items() if k in CHANGEABLE and v != getattr(person, k)}
        if not changes:
            raise CaseError(
                field="phone", zh="请至少填写一项需要变更的信息", en="fill in at least one new value"
            )
        if "bank_account" in changes and not data.get("bank_name") and not person.bank_name:
            raise CaseError(field="bank_name", zh="请填写开户银行", en="the bank is required")
        return changes

    def is_sensitive(self, data: dict) -> bool:
        return "bank_account" in data

    def materials_required(self, data: dict) -> tuple[str, ...]:
        return ("bank_card",) if "bank_account" in data else ()

    def effect(self, *, case, actor) -> dict:
        changes = {k: case.data[k] for k in CHANGEABLE if k in case.data}
        register_services.person_change(actor=actor, person_id=case.person_id, changes=changes)
        return {"changed": sorted(changes)}
