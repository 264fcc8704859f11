"""社保卡挂失 / 解挂 / 补换 through the register's card services. A loss report takes
effect at submission, before any review (``on_submit``)."""

from __future__ import annotations

from shebao.hall.errors import CaseError
from shebao.hall.items import register
from shebao.hall.items.base import FieldSpec, GuideText, ItemDefinition, MaterialSpec, Subject
from shebao.register import access as register_access
from shebao.register import services as register_services
from shebao.register.access import SYSTEM_ACTOR
from shebao.register.rules.codes import CardStatus

_CARD_ZH = {"none": "未制卡", "normal": "正常", "lost": "挂失", "replacing": "补换中", "cancelled": "注销"}


def _lost_by_this_case(earlier: dict, person) -> bool:
    """Whether the card is still lost as this case's earlier submission left it."""
    return (
        earlier.get("card_status") == CardStatus.LOST.value
        and person.card_status == CardStatus.LOST
        and earlier.get("card_number", person.card_number) == person.card_number
    )


def _require_card(subject: Subject, allowed: tuple[str, ...], *, what_zh: str, what_en: str) -> None:
    status = subject.record.card_status
    if status not in allowed:
        raise CaseError(
            field="card_number",
            zh=f"社保卡当前状态为“{_CARD_ZH.get(status, status)}”，不能{what_zh}",
            en=f"the card is {status}; cannot {what_en}",
        )


class _CardItem(ItemDefinition):
    audience = "person"
    mandate_code = "card_loss"  # the register's item code for mandates (挂失 / 解挂)
    category = "社保卡"
    life_event = "证件遗失"
    online_level = "full"
    time_limit_days = 5
    fields = (
        FieldSpec("name", "姓名", "Name", readonly=True),
        FieldSpec("card_number", "社保卡卡号", "Card number", readonly=True),
        FieldSpec("card_status", "卡状态", "Card status", readonly=True),
    )

    def prefill(self, subject: Subject) -> dict:
        person = subject.record
        return {
            "name": person.name,
            "card_number": person.card_number,
            "card_status": _CARD_ZH.get(person.card_status, person.card_status),
        }


@register
class CardReportLost(_CardItem):
    code = "card_report_lost"
    name_zh = "社保卡挂失"
    name_en = "Report a lost social-security card"
    keywords = "挂失 丢失 卡 遗失 被盗"
    sort_order = 60
    time_limit_days = 1
    fields = (*_CardItem.fields, FieldSpec("reason", "挂失原因", "Reason", required=False, max_length=100))
    guide = GuideText(
        conditions="社保卡遗失或被盗的持卡人本人。",
        steps=("在线提交挂失，提交即生效（卡片立即停用）", "经办机构确认", "如需新卡请办理“社保卡补换”"),
        legal_basis="《社会保障卡管理办法》（人社部发〔2011〕47号）",
        notes="挂失提交后立即生效，无需等待审核。撤回挂失申请即解除挂失，卡片恢复使用。",
    )

    def validate(self, data: dict, subject: Subject) -> dict:
        if _lost_by_this_case(subject.earlier_submit, subject.record):
            return data  # resubmitted after 退回补正: the card is lost since the first submission
        _require_card(subject, (CardStatus.NORMAL,), what_zh="挂失", what_en="report it lost")
        return data

    def on_submit(self, *, case, actor) -> dict | None:
        earlier = (case.effect_result or {}).get("on_submit") or {}
        if earlier:
            person = register_access.access_person(user=SYSTEM_ACTOR, person_id=case.person_id)
            if _lost_by_this_case(earlier, person):
                return earlier  # the correction does not report the loss a second time
        person = register_services.card_report_lost(
            actor=actor, person_id=case.person_id, reason=case.data.get("reason", "")
        )
        return {"card_status": CardStatus.LOST.value, "card_number": person.card_number}

    def effect(self, *, case, actor) -> dict:
        return {"confirmed": True}  # the loss took effect at submission

    def on_close(self, *, case, actor, outcome: str, comment: str = "") -> dict | None:
        """The loss took effect at submission. A loss report the person withdraws (they found
        the card) or that staff refuse or do not accept is released (解挂) with the reason in
        the card's audit trail, provided the card is still lost under the same number; a card
        released, replaced or cancelled since through its own case is left as it is."""
        earlier = (case.effect_result or {}).get("on_submit") or {}
        person = register_access.access_person(user=SYSTEM_ACTOR, person_id=case.person_id)
        if not earlier or not _lost_by_this_case(earlier, person):
            return {"card_status": person.card_status, "released": False}
        reason = "本人撤回挂失申请" if outcome == "withdrawn" else f"挂失申请未通过：{comment}".rstrip("：")
        person = register_services.card_cancel_loss(actor=actor, person_id=case.person_id, reason=reason)
        return {"card_status": person.card_status, "released": True}


@register
class CardCancelLoss(_CardItem):
    code = "card_cancel_loss"
    name_zh = "社保卡解挂"
    name_en = "Cancel a card loss report"
    keywords = "解挂 找回 卡"
    sort_order = 61
    time_limit_days = 1
    guide = GuideText(
        conditions="已挂失、卡片已找回的持卡人本人。",
        steps=("在线申请解挂", "经办机构审核", "办结，卡片恢复使用"),
        legal_basis="《社会保障卡管理办法》",
    )

    def validate(self, data: dict, subject: Subject) -> dict:
        _require_card(subject, (CardStatus.LOST,), what_zh="解挂", what_en="cancel the loss report")
        return data

    def effect(self, *, case, actor) -> dict:
        register_services.card_cancel_loss(actor=actor, person_id=case.person_id)
        return {"card_status": CardStatus.NORMAL.value}


@register
class CardReplace(_CardItem):
    code = "card_replace"
    mandate_code = "card_replace"
    name_zh = "社保卡补换"
    name_en = "Replace a social-security card"
    keywords = "补卡 换卡 补办 损坏 新卡"
    sort_order = 62
    time_limit_days = 10
    fields = (
        *_CardItem.fields,
        FieldSpec(
            "kind",
            "补换类型",
            "Kind",
            kind="choice",
            choices=(("lost", "挂失补卡", "after a loss"), ("damaged", "损坏换卡", "damaged card")),
        ),
    )
    materials = (
        MaterialSpec("photo", "本人近期免冠证件照", file_format="JPG/PNG", example="白色背景，358×441像素"),
    )
    guide = GuideText(
        conditions="社保卡已挂失或损坏的持卡人本人。",
        steps=("在线申请并上传照片", "经办机构审核", "制卡完成后到指定网点领取"),
        legal_basis="《社会保障卡管理办法》",
    )

    def validate(self, data: dict, subject: Subject) -> dict:
        allowed = (CardStatus.LOST,) if data.get("kind") == "lost" else (CardStatus.NORMAL, CardStatus.LOST)
        _require_card(subject, allowed, what_zh="补换", what_en="replace it")
        return data

    def effect(self, *, case, actor) -> dict:
        reason = {"lost": "挂失补卡", "damaged": "损坏换卡"}.get(case.data.get("kind", ""), "补换")
        register_services.card_replace_request(actor=actor, person_id=case.person_id, reason=reason)
        return {"card_status": CardStatus.REPLACING.value}
