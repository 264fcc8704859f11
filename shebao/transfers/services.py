"""Transfer write paths (养老保险关系转移接续, rules.md §6.4; ADR 0015). One function per
transition; each checks the source state, writes with compare-and-set, appends a
``TransferStep`` and the audit entry in the same transaction, and puts the document for
the other agency in the exchange outbox in that transaction too.

Receiving side (转入地): ``transfer_apply`` (APPLIED, from the hall item) →
``transfer_accept`` (ACCEPTED, 联系函 sent) | ``transfer_reject`` (REJECTED; or
``transfer_application_close`` when the hall case is refused or withdrawn) →
``info_sheet_receive`` (OUT_PROCESSED, then FUNDS_RECEIVED when the amounts check; from the
exchange handler, or by staff for a non-Shebao agency) → ``transfer_merge`` (MERGED: months
and account credited; then NOTIFIED).

Sending side (转出地): ``contact_letter_receive`` (the handler: a transfer out at ACCEPTED,
or REJECTED when the person cannot be transferred) → ``transfer_out_process``
(OUT_PROCESSED: relationship closed, 信息表 computed, account debited, 信息表 + funds notice sent).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shebao.accounts.access import Grant, require_perm
from shebao.accounts.rules.permissions import Perm
from shebao.benefits import selectors as benefit_selectors
from shebao.contributions import external as contribution_external
from shebao.contributions import history as contribution_history
from shebao.contributions import ledger as contribution_ledger
from shebao.exchange import services as exchange
from shebao.kernel.audit import audit_record
from shebao.kernel.calendar import add_working_days_info
from shebao.kernel.rules.money import fen_to_yuan, format_yuan, yuan_to_fen
from shebao.kernel.rules.periods import Period
from shebao.register import access as register_access
from shebao.register import selectors as register_selectors
from shebao.register import services as register_services
from shebao.register import sources as register_sources
from shebao.register.access import SYSTEM_ACTOR, is_system
from shebao.register.rules.codes import Insurance
from shebao.transfers.errors import TransferError
from shebao.transfers.models import Direction, Kind, Transfer, TransferStep
from shebao.transfers.rules import amounts, places
from shebao.transfers.rules.states import NEW_CLOCK, SAME_CLOCK, STEP_WORKING_DAYS, Status, plan

OTHER = "other"  # a non-Shebao agency: documents handled by staff by hand
CONTACT_LETTER = "pension_transfer.contact_letter"  # 联系函: receiving → sending
INFO_SHEET = "pension_transfer.info_sheet"  # 信息表 + funds notice: sending → receiving
REFUSAL = "pension_transfer.refusal"  # the sending side cannot transfer: sending → receiving
PENSION = Insurance.PENSION.value
HISTORY_MONTHS = 600


# --- helpers ----------------------------------------------------------------------------------


def _grant(actor, perm: Perm, region: str) -> Grant | None:
    return None if is_system(actor) else require_perm(actor, perm, region)


def _label(actor) -> str:
    return actor.get_username() if actor is not None and hasattr(actor, "get_username") else ""


def _reference(direction: str, now: dt.datetime) -> str:
    day = timezone.localtime(now).date()
    prefix = ("ZR" if direction == Direction.IN else "ZC") + day.strftime("%Y%m%d")
    n = Transfer.objects.filter(reference__startswith=prefix).count() + 1
    while Transfer.objects.filter(reference=f"{prefix}{n:05d}").exists():
        n += 1
    return f"{prefix}{n:05d}"


def _due(status: Status, current: Transfer | None, now: dt.datetime) -> tuple[dt.date | None, str]:
    if current is not None and current.direction == Direction.OUT and status == Status.OUT_PROCESSED:
        return None, ""  # the sending side's last step: the receiving side's clock runs now
    if status in NEW_CLOCK:
        return add_working_days_info(timezone.localtime(now).date(), STEP_WORKING_DAYS)
    if status in SAME_CLOCK and current is not None:
        return current.due_date, current.due_date_source
    return None, ""


def _step(transfer: Transfer, *, before: str, actor, note: str, now: dt.datetime, grant: Grant | None) -> None:
    TransferStep.objects.create(transfer=transfer, from_status=before, to_status=transfer.status, at=now,
                                actor=_label(actor), note=note[:300], due_date=transfer.due_date)  # fmt: skip
    audit_record(
        action=f"transfer.{transfer.status}", object_type="transfer", object_id=transfer.pk,
        before={"status": before} if before else None,
        after={"status": transfer.status, "reference": transfer.reference, "direction": transfer.direction,
               "due_date": transfer.due_date, "note": note[:300]},
        actor=actor, post=f"{grant.post}@{grant.region_code}" if grant else "",
    )  # fmt: skip


def _advance(transfer: Transfer, target: Status, *, actor, grant: Grant | None = None, note: str = "",
             fields: dict | None = None) -> Transfer:  # fmt: skip
    """One transition: check, compare-and-set, history row and audit (inside the caller's transaction)."""
    plan(transfer.status, target)
    now = timezone.now()
    due, source = _due(target, transfer, now)
    values = {"status": target.value, "due_date": due, "due_date_source": source, "updated_at": now, **(fields or {})}
    if Transfer.objects.filter(pk=transfer.pk, status=transfer.status).update(**values) != 1:
        raise TransferError(field="status", zh="转移业务状态已变化，请刷新", en="the transfer changed; reload it")
    before = transfer.status
    transfer.refresh_from_db()
    _step(transfer, before=before, actor=actor, note=note, now=now, grant=grant)
    return transfer


def _lock(transfer_id: int, direction: str) -> Transfer:
    transfer = Transfer.objects.select_for_update().filter(pk=transfer_id, direction=direction).first()
    if transfer is None:
        raise TransferError(field="transfer_id", zh="转移业务不存在", en="no such transfer")
    return transfer


def _person(person_id: int):
    return register_access.access_person(user=SYSTEM_ACTOR, person_id=person_id)


def _refuse_pensioner(person_id: int) -> None:
    if benefit_selectors.is_pensioner(person_id=person_id):
        raise TransferError(field="person_id", zh="已按月领取基本养老金的人员不办理养老保险关系转移接续",
                            en="a person already drawing a pension cannot transfer the pension relationship")  # fmt: skip


def _own_name() -> str:
    return settings.SHEBAO_EXCHANGE_AGENCY_NAME


# --- receiving side ---------------------------------------------------------------------------


@transaction.atomic
def transfer_apply(*, actor, person_id: int, sending_code: str, sending_name: str = "", account_ref: str = "",
                   hall_case_id: int | None = None, today: dt.date | None = None) -> Transfer:  # fmt: skip
    """转入申请 at this (receiving) agency: a transfer in at APPLIED."""
    person = register_access.access_person(user=actor, person_id=person_id)
    today = today or timezone.localdate()
    _refuse_pensioner(person.pk)
    if person.is_deceased:
        raise TransferError(field="person_id", zh="该人员已死亡", en="the person is deceased")
    if places.needs_temporary_account(sex=person.sex, birth=person.birth_date, on=today, hukou=person.hukou_region,
                                      new_place=settings.SHEBAO_CITY_CODE):  # fmt: skip
        raise TransferError(
            field="person_id",
            zh="男性年满50周岁、女性年满40周岁到非户籍地参保的，养老保险关系保留在原参保地，在本地建立临时缴费账户，暂不办理转入",
            en="men from 50 and women from 40 away from their hukou place keep the relationship where it is; "
            "a temporary account is kept here instead",
        )
    code = str(sending_code or "").strip()
    if code == OTHER:
        name = str(sending_name or "").strip()
        if not name:
            raise TransferError(field="sending_name", zh="请填写转出地经办机构名称", en="name the sending agency")
        peer_code, is_peer = "", False
    else:
        peer = exchange.peer_active(code)
        if peer is None:
            raise TransferError(field="sending_code", zh="转出地经办机构不在可选列表中", en="unknown sending agency")
        peer_code, name, is_peer = peer.agency_code, peer.name, True
    if Transfer.objects.filter(person_id=person.pk, direction=Direction.IN).exclude(
        status__in=[Status.REJECTED, Status.NOTIFIED]
    ).exists():
        raise TransferError(field="person_id", zh="已有正在办理的转入业务", en="a transfer in is already in progress")
    now = timezone.now()
    due, source = _due(Status.APPLIED, None, now)
    transfer = Transfer.objects.create(
        uid=uuid.uuid4(), reference=_reference(Direction.IN, now), direction=Direction.IN, status=Status.APPLIED,
        person_id=person.pk, region_code=person.region_code, person_name=person.name, id_masked=person.id_masked,
        counterpart_code=peer_code, counterpart_name=name[:100], counterpart_is_peer=is_peer,
        account_ref=str(account_ref or "").strip()[:64], hall_case_id=hall_case_id, due_date=due,
        due_date_source=source, created_at=now, updated_at=now,
    )  # fmt: skip
    _step(transfer, before="", actor=actor, note=f"转出地：{name}", now=now, grant=None)
    return transfer


@transaction.atomic
def transfer_application_resubmit(*, actor, transfer_id: int, hall_case_id: int, sending_code: str,
                                  sending_name: str = "", account_ref: str = "") -> Transfer:  # fmt: skip
    """The hall case was returned for correction (退回补正) and resubmitted. The transfer it
    applied for stays when it is still APPLIED for the same sending agency and number; when
    the correction changed them (or staff rejected it meanwhile) the old one closes
    ("补正后重新申请") and a new one is applied. A transfer past APPLIED is left as it is."""
    transfer = _lock(transfer_id, Direction.IN)
    _of_case(transfer, hall_case_id)
    if transfer.status not in (Status.APPLIED, Status.REJECTED):
        return transfer
    if transfer.status == Status.APPLIED:
        code = str(sending_code or "").strip()
        same = (
            code == (transfer.counterpart_code or OTHER)
            and (code != OTHER or transfer.counterpart_name == str(sending_name or "").strip()[:100])
            and transfer.account_ref == str(account_ref or "").strip()[:64]
        )
        if same:
            return transfer
        _reject(transfer, actor=actor, grant=None, reason="补正后重新申请")
    return transfer_apply(actor=actor, person_id=transfer.person_id, sending_code=sending_code,
                          sending_name=sending_name, account_ref=account_ref, hall_case_id=hall_case_id)  # fmt: skip


@transaction.atomic
def transfer_accept(*, actor, transfer_id: int, hall_case_id: int | None = None) -> Transfer:
    """受理: APPLIED → ACCEPTED; the 联系函 goes to a Shebao peer as a signed message.
    From the hall case that applied (``hall_case_id``), a transfer already accepted at the
    transfers desk is returned unchanged: approving the case completes the application."""
    transfer = _lock(transfer_id, Direction.IN)
    grant = _grant(actor, Perm.CASE_REVIEW, transfer.region_code)
    if hall_case_id is not None and transfer.hall_case_id == hall_case_id and transfer.status not in (
        Status.APPLIED, Status.REJECTED
    ):  # fmt: skip
        return transfer
    transfer = _advance(transfer, Status.ACCEPTED, actor=actor, grant=grant,
                        note="联系函已发出" if transfer.counterpart_is_peer else "联系函由经办人员另行寄送")  # fmt: skip
    if transfer.counterpart_is_peer:
        person = _person(transfer.person_id)
        id_number = register_services.person_reveal(actor=SYSTEM_ACTOR, person_id=person.pk, field="id_number")
        exchange.message_send(
            type=CONTACT_LETTER, recipient=transfer.counterpart_code, correlation_id=str(transfer.uid),
            body={"uid": str(transfer.uid), "reference": transfer.reference, "account_ref": transfer.account_ref,
                  "person": {"id_number": id_number, "name": person.name, "sex": person.sex,
                             "birth_date": person.birth_date.isoformat()},
                  "receiving": {"code": exchange.own_code(), "name": _own_name()},
                  "accepted_on": timezone.localdate().isoformat()},
        )  # fmt: skip
    return transfer


def _reason(value: object) -> str:
    text = str(value or "").strip()
    if not text:
        raise TransferError(field="reason", zh="请填写不予受理的理由", en="the reason is required")
    return text[:300]


@transaction.atomic
def transfer_reject(*, actor, transfer_id: int, reason: str) -> Transfer:
    """不予受理 with written reasons: a transfer in at APPLIED, or a transfer out at ACCEPTED
    (then the receiving peer is told by a refusal message)."""
    why = _reason(reason)
    transfer = Transfer.objects.select_for_update().filter(pk=transfer_id).first()
    if transfer is None:
        raise TransferError(field="transfer_id", zh="转移业务不存在", en="no such transfer")
    grant = _grant(actor, Perm.CASE_REVIEW, transfer.region_code)
    return _reject(transfer, actor=actor, grant=grant, reason=why)


@transaction.atomic
def transfer_application_close(*, actor, transfer_id: int, hall_case_id: int, reason: str,
                               withdrawn: bool = False) -> Transfer:  # fmt: skip
    """The hall case that applied for a transfer in ended unapproved (审核/复核不通过,
    不予受理, or 本人撤回): the transfer closes with it. The hall has already checked who may
    end the case (the applicant, or the staff post of that step), so no post is required here;
    the transfer must be the one that case applied for.

    - APPLIED (nothing has gone to the sending agency yet): → REJECTED with the reason,
      history row and audit; the step timer stops (a final state has no due date).
    - REJECTED already (staff rejected it in the transfers desk): unchanged.
    - Past APPLIED (the 联系函 has gone out; the sending agency is acting on it): refused.
      The state machine would allow ACCEPTED → REJECTED, but no message tells the sending
      side to stop, so its 信息表 and funds would arrive for a closed transfer; the case is
      completed by approval instead, and the transfer follows its own steps."""
    transfer = _lock(transfer_id, Direction.IN)
    _of_case(transfer, hall_case_id)
    if transfer.status == Status.REJECTED:
        return transfer
    if transfer.status != Status.APPLIED:
        now_zh = (
            f"转移业务{transfer.reference}当前为“{transfer.status_label}”，"
            f"转出地（{transfer.counterpart_name}）已在办理"
        )
        now_en = (
            f"transfer {transfer.reference} is already {transfer.status}: the sending agency is acting on it"
        )
        if withdrawn:
            raise TransferError(field="transfer_id", zh=f"{now_zh}，不能撤回申请；如需终止请联系经办机构",
                                en=f"{now_en}: the application can no longer be withdrawn")  # fmt: skip
        raise TransferError(field="transfer_id",
                            zh=f"{now_zh}，不能作不予批准或不予受理办结；请审核通过以办结本申请，转移按其自身流程继续办理",
                            en=f"{now_en}: approve the application instead of refusing it")  # fmt: skip
    why = str(reason or "").strip()[:300] or ("本人撤回" if withdrawn else "不予受理")
    return _reject(transfer, actor=actor, grant=None, reason=why)


def _of_case(transfer: Transfer, hall_case_id: int) -> None:
    """The transfer must be the one this hall case applied for."""
    if transfer.hall_case_id != hall_case_id:
        raise TransferError(
            field="transfer_id", zh="转移业务不属于该申请", en="the transfer is not this application's"
        )


def _reject(transfer: Transfer, *, actor, grant, reason: str) -> Transfer:
    transfer = _advance(transfer, Status.REJECTED, actor=actor, grant=grant, note=reason, fields={"reason": reason})
    if transfer.direction == Direction.OUT and transfer.counterpart_is_peer:
        exchange.message_send(type=REFUSAL, recipient=transfer.counterpart_code, correlation_id=str(transfer.uid),
                              body={"uid": str(transfer.uid), "reference": transfer.reference, "reason": reason})  # fmt: skip
    return transfer


def _sheet_rows(sheet: dict) -> list[amounts.MonthRow]:
    rows = sheet.get("months")
    if not isinstance(rows, list) or not rows:
        raise TransferError(field="months", zh="信息表没有缴费月份", en="the information form lists no months")
    out, seen = [], set()
    for row in rows:
        if not (isinstance(row, list) and len(row) == 4 and all(isinstance(v, int) and not isinstance(v, bool) for v in row)):
            raise TransferError(field="months", zh="信息表缴费月份格式错误", en="malformed month in the information form")
        period, base, employer, individual = row
        Period.parse(str(period), field="months")
        if period in seen or min(base, employer, individual) < 0:
            raise TransferError(field="months", zh=f"信息表 {period} 重复或金额为负", en=f"{period} repeats or is negative")
        seen.add(period)
        out.append(amounts.MonthRow(period, fen_to_yuan(base), fen_to_yuan(employer), fen_to_yuan(individual)))
    return out


def _fen_of(sheet: dict, *keys: str) -> int:
    value = sheet
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TransferError(field=".".join(keys), zh=f"信息表金额 {'.'.join(keys)} 无效", en=f"invalid amount {'.'.join(keys)}")
    return value


def info_sheet_check(sheet: dict) -> dict:
    """The amounts of a 信息表 checked against its months (refuses any mismatch)."""
    months = _sheet_rows(sheet)
    temporary = sheet.get("kind") == Kind.TEMPORARY
    principal, interest = _fen_of(sheet, "account", "principal_fen"), _fen_of(sheet, "account", "interest_fen")
    pooled, temp_fen, total = _fen_of(sheet, "pooled_fen"), _fen_of(sheet, "temporary_fen"), _fen_of(sheet, "total_fen")
    expected_pooled = yuan_to_fen(amounts.pooled_transfer(months))
    if not temporary and pooled != expected_pooled:
        raise TransferError(field="pooled_fen", zh=f"统筹基金转移额 {format_yuan(fen_to_yuan(pooled))} 元与信息表缴费基数不符（应为 "
                            f"{format_yuan(fen_to_yuan(expected_pooled))} 元）",
                            en=f"the pooled amount {pooled} fen does not match 12 % of the bases ({expected_pooled} fen)")  # fmt: skip
    expected_total = yuan_to_fen(amounts.funds_total(
        account_principal=fen_to_yuan(principal), account_interest=fen_to_yuan(interest), pooled=fen_to_yuan(pooled),
        temporary=fen_to_yuan(temp_fen), temporary_account=temporary))  # fmt: skip
    if total != expected_total:
        raise TransferError(field="total_fen", zh="转移基金总额与信息表各项之和不符",
                            en=f"the total {total} fen is not the sum of the parts ({expected_total} fen)")  # fmt: skip
    return {"months": months, "principal_fen": principal, "interest_fen": interest, "pooled_fen": pooled,
            "temporary_fen": temp_fen, "total_fen": total, "kind": Kind.TEMPORARY if temporary else Kind.NORMAL}  # fmt: skip


def info_sheet_receive(*, actor, transfer: Transfer, sheet: dict, fund_reference: str = "") -> Transfer:
    """信息表 received: ACCEPTED → OUT_PROCESSED, then FUNDS_RECEIVED when the amounts check.
    Runs in the caller's transaction (the exchange handler's, or ``transfer_info_sheet_record``)."""
    if transfer.status != Status.ACCEPTED and transfer.info_sheet == sheet:
        return transfer  # the same 信息表 again
    checked = info_sheet_check(sheet)
    grant = _grant(actor, Perm.CASE_REVIEW, transfer.region_code)
    ref = str(fund_reference or sheet.get("fund_reference") or "").strip()[:64]
    fields = {k: checked[k] for k in ("principal_fen", "interest_fen", "pooled_fen", "temporary_fen", "total_fen", "kind")}
    transfer = _advance(transfer, Status.OUT_PROCESSED, actor=actor, grant=grant, note="参保缴费信息表已收到",
                        fields={"info_sheet": sheet, "fund_reference": ref, **fields})  # fmt: skip
    return _advance(transfer, Status.FUNDS_RECEIVED, actor=actor, grant=grant,
                    note=f"转移基金 {format_yuan(fen_to_yuan(checked['total_fen']))} 元，凭证 {ref or '—'}")  # fmt: skip


@transaction.atomic
def transfer_info_sheet_record(*, actor, transfer_id: int, sheet: dict, fund_reference: str) -> Transfer:
    """Staff record the 信息表 of a non-Shebao sending agency by hand."""
    transfer = _lock(transfer_id, Direction.IN)
    if transfer.counterpart_is_peer:
        raise TransferError(field="transfer_id", zh="该转出地通过数据交换发送信息表", en="this agency sends the form by exchange")
    return info_sheet_receive(actor=actor, transfer=transfer, sheet=sheet, fund_reference=fund_reference)


@transaction.atomic
def transfer_merge(*, actor, transfer_id: int) -> Transfer:
    """合并: FUNDS_RECEIVED → MERGED (months recorded, account credited) → NOTIFIED."""
    transfer = _lock(transfer_id, Direction.IN)
    grant = _grant(actor, Perm.CASE_REVIEW, transfer.region_code)
    plan(transfer.status, Status.MERGED)
    months = _sheet_rows(transfer.info_sheet)
    source = transfer.counterpart_code or OTHER
    contribution_external.external_months_record(
        actor=actor, person_id=transfer.person_id, source=source,
        reference=transfer.reference,
        rows=[{"period": m.period, "insurance": PENSION, "base_fen": yuan_to_fen(m.base),
               "employer_fen": yuan_to_fen(m.employer), "individual_fen": yuan_to_fen(m.individual)} for m in months],
    )  # fmt: skip
    contribution_ledger.account_transfer_in(
        actor=actor, person_id=transfer.person_id,
        principal_fen=transfer.principal_fen, interest_fen=transfer.interest_fen, reference=transfer.reference,
    )  # fmt: skip
    transfer = _advance(transfer, Status.MERGED, actor=actor, grant=grant,
                        note=f"合并缴费月数 {len(months)} 个月，个人账户转入 "
                        f"{format_yuan(fen_to_yuan(transfer.principal_fen + transfer.interest_fen))} 元")  # fmt: skip
    notice = (f"您的养老保险关系已由{transfer.counterpart_name}转入{_own_name()}（业务编号 {transfer.reference}）："
              f"合并缴费 {len(months)} 个月，个人账户转入 "
              f"{format_yuan(fen_to_yuan(transfer.principal_fen + transfer.interest_fen))} 元。")  # fmt: skip
    return _advance(transfer, Status.NOTIFIED, actor=actor, grant=grant, note="已通知本人", fields={"notice": notice})


def refusal_receive(*, transfer: Transfer, reason: str) -> Transfer:
    if transfer.status == Status.REJECTED:
        return transfer
    why = f"转出地不予办理：{str(reason or '').strip()[:280]}"
    return _advance(transfer, Status.REJECTED, actor=SYSTEM_ACTOR, note=why, fields={"reason": why})


# --- sending side -----------------------------------------------------------------------------


def contact_letter_receive(*, sender: str, sender_name: str, body: dict) -> Transfer:
    """联系函 received (exchange handler): a transfer out at ACCEPTED, or REJECTED at once
    when the person is unknown here or draws a pension. Idempotent on the transfer uid."""
    try:
        uid = uuid.UUID(str(body.get("uid")))
    except ValueError:
        raise TransferError(field="uid", zh="联系函缺少业务标识", en="the contact letter has no transfer uid") from None
    existing = Transfer.objects.filter(uid=uid, direction=Direction.OUT).first()
    if existing is not None:
        return existing
    person_data = body.get("person") if isinstance(body.get("person"), dict) else {}
    person_id = register_sources.person_id_by_id_number(str(person_data.get("id_number") or ""))
    person = _person(person_id) if person_id is not None else None
    now = timezone.now()
    receiving = body.get("receiving") if isinstance(body.get("receiving"), dict) else {}
    transfer = Transfer.objects.create(
        uid=uid, reference=_reference(Direction.OUT, now), direction=Direction.OUT, status=Status.ACCEPTED,
        person_id=person.pk if person else None,
        region_code=person.region_code if person else settings.SHEBAO_CITY_CODE,
        person_name=str(person_data.get("name") or "")[:100], id_masked=person.id_masked if person else "",
        counterpart_code=sender, counterpart_name=str(receiving.get("name") or sender_name)[:100],
        counterpart_is_peer=True, account_ref=str(body.get("account_ref") or "")[:64],
        created_at=now, updated_at=now,
    )  # fmt: skip
    transfer.due_date, transfer.due_date_source = _due(Status.ACCEPTED, None, now)
    transfer.save(update_fields=["due_date", "due_date_source"])
    _step(transfer, before="", actor=SYSTEM_ACTOR, note=f"收到{transfer.counterpart_name}联系函（{body.get('reference', '')}）",
          now=now, grant=None)  # fmt: skip
    reason = ""
    if person is None or person.name != transfer.person_name:
        reason = "本机构没有该人员的参保记录（证件号码或姓名不符）"
    elif benefit_selectors.is_pensioner(person_id=person.pk):
        reason = "该人员已按月领取基本养老金，不办理转移"
    if reason:
        transfer = _reject(transfer, actor=SYSTEM_ACTOR, grant=None, reason=reason)
    return transfer


def _history_months(person_id: int, today: dt.date) -> list[tuple[amounts.MonthRow, bool]]:
    """(month, paid here) for every paid pension month of the person, oldest first."""
    last = Period.of(today)
    first = last + (2 - HISTORY_MONTHS)  # the selector counts both ends (as benefits.pension_record)
    rows = []
    for month in contribution_history.person_contribution_history(
        user=SYSTEM_ACTOR, person_id=person_id, first_period=str(first), last_period=str(last)
    ):
        for line in month.lines:
            if line.insurance == PENSION and line.base is not None and line.kind != "provisional":
                if line.status == contribution_history.PAID:
                    rows.append((amounts.MonthRow(month.period, line.base, line.employer_amount, line.individual_amount),
                                 line.kind != contribution_history.EXTERNAL))  # fmt: skip
                break
    return rows


@transaction.atomic
def transfer_out_process(*, actor, transfer_id: int, fund_reference: str = "", today: dt.date | None = None) -> Transfer:
    """转出办结: ACCEPTED → OUT_PROCESSED (see the module docstring)."""
    transfer = _lock(transfer_id, Direction.OUT)
    grant = _grant(actor, Perm.CASE_REVIEW, transfer.region_code)
    plan(transfer.status, Status.OUT_PROCESSED)
    today = today or timezone.localdate()
    person = _person(transfer.person_id)
    _refuse_pensioner(person.pk)
    employment = register_selectors.person_current_employment(person_id=person.pk)
    if employment is not None and employment.end_date is None:
        raise TransferError(field="person_id", zh="该人员在本地仍有在职或灵活就业登记，请先办理减员",
                            en="the person is still employed (or registered flexible) here: separate them first")  # fmt: skip
    history = _history_months(person.pk, today)
    if not history:
        raise TransferError(field="person_id", zh="该人员在本地没有已缴费的养老保险记录", en="no paid pension months here")
    local = [m for m, here in history if here]
    temporary = bool(local) and places.needs_temporary_account(
        sex=person.sex, birth=person.birth_date, on=Period.parse(str(local[0].period)).first_day(),
        hukou=person.hukou_region, new_place=settings.SHEBAO_CITY_CODE)  # fmt: skip
    enrolment = register_selectors.person_current_status(person_id=person.pk).get(Insurance.PENSION)
    if enrolment is not None and enrolment.status in ("active", "suspended"):
        if enrolment.start_period > int(Period.of(today)):
            raise TransferError(field="person_id", zh=f"养老保险自 {enrolment.start_period} 起暂停，请于该月起办理转出",
                                en=f"the pension enrolment is suspended from {enrolment.start_period}: process it then")  # fmt: skip
        register_services.enrolment_terminate(
            actor=actor, person_id=person.pk, insurance=PENSION,
            from_period=str(Period.of(today)), reason=f"转移接续转出：{transfer.counterpart_name}",
        )  # fmt: skip
    account = contribution_ledger.account_transfer_out(actor=actor, person_id=person.pk, reference=transfer.reference,
                                                        today=today)  # fmt: skip
    months = [m for m, _ in history]
    pooled = amounts.pooled_transfer(months)
    temp = amounts.temporary_account_total(local) if temporary else Decimal("0.00")
    total = amounts.funds_total(account_principal=fen_to_yuan(account["principal_fen"]),
                                account_interest=fen_to_yuan(account["interest_fen"]), pooled=pooled,
                                temporary=temp, temporary_account=temporary)  # fmt: skip
    by_year: dict[int, list[int]] = {}
    for m in months:
        by_year.setdefault(m.period // 100, []).append(yuan_to_fen(m.base))
    ref = str(fund_reference or "").strip()[:64] or f"{transfer.reference}-JJ"
    sheet = {
        "uid": str(transfer.uid), "reference": transfer.reference,
        "kind": Kind.TEMPORARY.value if temporary else Kind.NORMAL.value,
        "person": {"name": person.name, "id_masked": person.id_masked, "sex": person.sex,
                   "birth_date": person.birth_date.isoformat(), "hukou_region": person.hukou_region},
        "sending": {"code": exchange.own_code() if transfer.counterpart_is_peer else "", "name": _own_name(),
                    "region": settings.SHEBAO_CITY_CODE},
        "months": [[m.period, yuan_to_fen(m.base), yuan_to_fen(m.employer), yuan_to_fen(m.individual)] for m in months],
        "paid_months": len(months),
        "by_year": [{"year": y, "months": len(b), "base_fen": sum(b)} for y, b in sorted(by_year.items())],
        "pooled_base_fen": yuan_to_fen(amounts.pooled_base_sum(months)),
        "account": account, "pooled_fen": yuan_to_fen(pooled) if not temporary else 0,
        "temporary_fen": yuan_to_fen(temp), "total_fen": yuan_to_fen(total), "fund_reference": ref,
        "processed_on": today.isoformat(),
    }  # fmt: skip
    transfer = _advance(transfer, Status.OUT_PROCESSED, actor=actor, grant=grant,
                        note=f"关系已终止，信息表和转移基金 {format_yuan(total)} 元已发出（凭证 {ref}）",
                        fields={"info_sheet": sheet, "kind": sheet["kind"], "principal_fen": account["principal_fen"],
                                "interest_fen": account["interest_fen"], "pooled_fen": sheet["pooled_fen"],
                                "temporary_fen": sheet["temporary_fen"], "total_fen": sheet["total_fen"],
                                "fund_reference": ref})  # fmt: skip
    if transfer.counterpart_is_peer:
        exchange.message_send(type=INFO_SHEET, recipient=transfer.counterpart_code, correlation_id=str(transfer.uid),
                              body=sheet)  # fmt: skip
    return transfer


def transfers_out_process_clean(*, today: dt.date | None = None) -> dict:
    """The automatic check: process every transfer out at ACCEPTED whose record is clean;
    the others stay for staff with the reason in the result."""
    done, left = [], {}
    for pk in Transfer.objects.filter(direction=Direction.OUT, status=Status.ACCEPTED).values_list("pk", flat=True):
        try:
            done.append(transfer_out_process(actor=SYSTEM_ACTOR, transfer_id=pk, today=today).reference)
        except (TransferError, ValueError) as exc:
            left[pk] = getattr(exc, "message_zh", str(exc))
    return {"processed": done, "left": left}
