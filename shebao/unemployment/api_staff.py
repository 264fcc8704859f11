"""``/api/v1/staff/unemployment/``: claims in the post's region with their history and a
stop action, the parameter tables (read; add with 参数管理), the fund's medical batch
and its period totals."""

# No ``from __future__ import annotations``: ninja reads the annotations through api_errors.
from ninja import Router, Status

from shebao.accounts.access import require_kind
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import UserKind
from shebao.unemployment import access, batch, selectors, services
from shebao.unemployment.schemas import (
    ERRORS,
    ClaimOut,
    ParameterIn,
    ParameterOut,
    StopIn,
    TransferOut,
    api_errors,
    claim_out,
    parameter_out,
    transfer_out,
)

router = Router(auth=api_auth, tags=["staff: unemployment"])


def _staff(request):
    return require_kind(request.auth, UserKind.STAFF)


@router.get("claims", response={200: list[ClaimOut], **ERRORS}, summary="失业保险金领取人员 / Claims")
@api_errors
def claims(request, status: str = ""):
    return [claim_out(c) for c in selectors.claim_list(user=_staff(request), status=status)]


@router.get("claims/{claim_id}", response={200: ClaimOut, **ERRORS}, summary="失业保险金详情 / A claim")
@api_errors
def claim(request, claim_id: int):
    return claim_out(access.access_claim(user=_staff(request), claim_id=claim_id), detail=True)


@router.post("claims/{claim_id}/stop", response={200: ClaimOut, **ERRORS}, summary="停发 / Stop a claim")
@api_errors
def claim_stop(request, claim_id: int, payload: StopIn):
    row = services.claim_stop(actor=_staff(request), claim_id=claim_id, **payload.dict())
    return claim_out(row, detail=True)


@router.get("parameters", response={200: list[ParameterOut], **ERRORS}, summary="失业保险金标准 / Parameters")
@api_errors
def parameters(request):
    access.require_staff(_staff(request))
    return [parameter_out(r) for r in selectors.parameter_rows()]


@router.post("parameters", response={201: ParameterOut, **ERRORS}, summary="新增标准 / Add parameters")
@api_errors
def parameter_add(request, payload: ParameterIn):
    row = services.parameter_add(actor=_staff(request), **payload.dict())
    return Status(201, parameter_out(row))


@router.get("medical", response={200: list[TransferOut], **ERRORS}, summary="代缴医疗保险费划转 / Medical transfers")
@api_errors
def medical(request):
    return [transfer_out(r) for r in selectors.medical_transfers(user=_staff(request))]


@router.post("medical/{period}", response={200: TransferOut, **ERRORS}, summary="计算代缴医疗保险费 / Run a period")
@api_errors
def medical_run(request, period: str):
    return transfer_out(batch.unemployment_medical(actor=_staff(request), period=period))
