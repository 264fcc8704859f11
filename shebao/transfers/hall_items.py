"""The transfer-in application (养老保险关系转移接续 · 转入) as a service-hall item (ADR 0010,
0015): the hall never imports this app. The person names the sending agency (a registered
Shebao peer, or "other agency" handled by staff by hand) and their account there. On
submission the transfer is APPLIED; on approval (受理) the 联系函 is sent; when the case is
refused, not accepted or withdrawn, the transfer is closed (REJECTED) with it."""

from __future__ import annotations

from shebao.hall.errors import CaseError, from_error
from shebao.hall.items import register
from shebao.hall.items.base import FieldSpec, GuideText, ItemDefinition, MaterialSpec, Subject
from shebao.transfers import selectors, services
from shebao.transfers.errors import TransferError

_FIXED = (
    FieldSpec("name", "姓名", "Name", readonly=True),
    FieldSpec("id_masked", "公民身份号码", "ID number", readonly=True),
)
_TAIL = (
    FieldSpec("sending_name", "转出地经办机构名称（选择“其他”时填写）", "Sending agency (when other)", required=False,
              max_length=100),
    FieldSpec("account_ref", "原参保地个人编号或社会保障号码", "Your number at the sending agency", max_length=64),
)  # fmt: skip


@register
class PensionTransferIn(ItemDefinition):
    code = "pension_transfer_in"
    name_zh = "养老保险关系转移接续（转入）"
    name_en = "Transfer of the pension relationship (in)"
    audience = "person"
    category = "养老保险"
    life_event = "跨省就业"
    online_level = "full"
    time_limit_days = 15
    keywords = "转移 转入 接续 跨省 养老保险关系 联系函"
    sort_order = 60
    materials = (MaterialSpec("id_card", "居民身份证", system_held=True, example="登录即已核验"),)
    guide = GuideText(
        conditions="已在本市参保缴费、此前在其他地区参加企业职工基本养老保险且尚未领取养老金的人员。",
        steps=("在线选择原参保地经办机构并提交申请", "本机构15个工作日内审核，同意的向转出地发出联系函",
               "转出地15个工作日内转出信息表和基金", "本机构15个工作日内核对基金、合并记录并通知本人"),
        legal_basis="国办发〔2009〕66号；人社部发〔2009〕187号；人社部规〔2016〕5号",
        notes="男性年满50周岁、女性年满40周岁到非户籍地参保的，关系保留在原参保地，在本地建立临时缴费账户。",
    )  # fmt: skip

    @property
    def fields(self) -> tuple[FieldSpec, ...]:  # the peers are registered at run time
        choices = tuple((code, name, code) for code, name in selectors.sending_agencies())
        agency = FieldSpec("sending_code", "转出地经办机构", "Sending agency", kind="choice",
                           choices=(*choices, (services.OTHER, "其他经办机构（人工办理）", "Other agency (by hand)")))  # fmt: skip
        return (*_FIXED, agency, *_TAIL)

    def prefill(self, subject: Subject) -> dict:
        person = subject.record
        return {"name": person.name, "id_masked": person.id_masked}

    def validate(self, data: dict, subject: Subject) -> dict:
        if data.get("sending_code") == services.OTHER and not data.get("sending_name"):
            raise CaseError(field="sending_name", zh="请填写转出地经办机构名称", en="name the sending agency")
        return data

    def on_submit(self, *, case, actor) -> dict:
        previous = _transfer_id(case)
        values = {"sending_code": case.data["sending_code"], "sending_name": case.data.get("sending_name", ""),
                  "account_ref": case.data.get("account_ref", ""), "hall_case_id": case.pk}  # fmt: skip
        try:
            if previous is None:
                transfer = services.transfer_apply(actor=actor, person_id=case.person_id, **values)
            else:  # resubmitted after 退回补正: the same transfer, or a new one if the correction changed it
                transfer = services.transfer_application_resubmit(actor=actor, transfer_id=previous, **values)
        except TransferError as exc:
            raise from_error(exc) from None
        return {"transfer_id": transfer.pk, "reference": transfer.reference}

    def effect(self, *, case, actor) -> dict:
        transfer = services.transfer_accept(actor=actor, transfer_id=_transfer_id(case), hall_case_id=case.pk)
        return {"transfer_id": transfer.pk, "status": transfer.status}

    def on_close(self, *, case, actor, outcome: str, comment: str = "") -> dict | None:
        """Refused (审核/复核不通过), not accepted (不予受理) or withdrawn (本人撤回): the transfer
        still at APPLIED becomes REJECTED with the reason (the staff's comment; "本人撤回" for
        a withdrawal) and its timer stops. Nothing has gone to the sending agency at APPLIED,
        so nothing is sent. Once the 联系函 has gone out (accepted at the transfers desk) the
        withdrawal or refusal is refused with the reason, and the case stays open: the
        transfer follows its own steps and approving the case completes the application
        (``transfers.services.transfer_application_close``)."""
        transfer_id = _transfer_id(case)
        if transfer_id is None:
            return None
        withdrawn = outcome == "withdrawn"
        try:
            transfer = services.transfer_application_close(
                actor=actor, transfer_id=transfer_id, hall_case_id=case.pk,
                reason="本人撤回" if withdrawn else comment, withdrawn=withdrawn,
            )  # fmt: skip
        except TransferError as exc:
            raise from_error(exc) from None
        return {"transfer_id": transfer.pk, "status": transfer.status, "reason": transfer.reason}


def _transfer_id(case) -> int | None:
    """The transfer the case's submission applied for (``on_submit``'s result)."""
    return ((case.effect_result or {}).get("on_submit") or {}).get("transfer_id")
