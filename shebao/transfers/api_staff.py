"""``/api/v1/staff/transfers/``: staff list transfers in and out of their regions with the
timers, and act on them: accept, reject, process out, merge (CASE_REVIEW)."""

# No ``from __future__ import annotations``: ninja reads the annotations.
from ninja import Router, Status

from shebao.accounts.access import require_kind
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import UserKind
from shebao.transfers import selectors, services
from shebao.transfers.schemas import (
    ERRORS,
    ApplyIn,
    ProcessIn,
    ReasonIn,
    TransferOut,
    api_errors,
    transfer_out,
)

router = Router(auth=api_auth, tags=["staff: transfers"])


def _staff(request):
    return require_kind(request.auth, UserKind.STAFF)


def _out(user, transfer) -> dict:
    return transfer_out(selectors.transfer_detail(user=user, transfer_id=transfer.pk))


@router.get("", response={200: list[TransferOut], **ERRORS}, summary="转移业务列表 / Transfers")
@api_errors
def transfers(request, direction: str = "", open_only: bool = True):
    user = _staff(request)
    return [transfer_out(v) for v in selectors.staff_transfers(user=user, direction=direction, open_only=open_only)]


@router.get("{transfer_id}", response={200: TransferOut, **ERRORS}, summary="转移业务 / One transfer")
@api_errors
def transfer(request, transfer_id: int):
    return transfer_out(selectors.transfer_detail(user=_staff(request), transfer_id=transfer_id))


@router.post("", response={201: TransferOut, **ERRORS}, summary="窗口受理转入申请 / Apply at the counter")
@api_errors
def apply(request, payload: ApplyIn):
    user = _staff(request)
    transfer = services.transfer_apply(actor=user, **payload.dict())
    return Status(201, _out(user, transfer))


@router.post("{transfer_id}/accept", response={200: TransferOut, **ERRORS}, summary="受理，发出联系函 / Accept")
@api_errors
def accept(request, transfer_id: int):
    user = _staff(request)
    selectors.transfer_detail(user=user, transfer_id=transfer_id)
    return _out(user, services.transfer_accept(actor=user, transfer_id=transfer_id))


@router.post("{transfer_id}/reject", response={200: TransferOut, **ERRORS}, summary="不予受理 / Reject")
@api_errors
def reject(request, transfer_id: int, payload: ReasonIn):
    user = _staff(request)
    selectors.transfer_detail(user=user, transfer_id=transfer_id)
    return _out(user, services.transfer_reject(actor=user, transfer_id=transfer_id, reason=payload.reason))


@router.post("{transfer_id}/process", response={200: TransferOut, **ERRORS}, summary="转出办结 / Process out")
@api_errors
def process(request, transfer_id: int, payload: ProcessIn):
    user = _staff(request)
    selectors.transfer_detail(user=user, transfer_id=transfer_id)
    return _out(user, services.transfer_out_process(actor=user, transfer_id=transfer_id,
                                                    fund_reference=payload.fund_reference))  # fmt: skip


@router.post("{transfer_id}/merge", response={200: TransferOut, **ERRORS}, summary="合并并通知 / Merge")
@api_errors
def merge(request, transfer_id: int):
    user = _staff(request)
    selectors.transfer_detail(user=user, transfer_id=transfer_id)
    return _out(user, services.transfer_merge(actor=user, transfer_id=transfer_id))
