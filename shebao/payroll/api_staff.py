"""``/api/v1/staff/payroll/``: the monthly pension payroll for agency staff: runs with
progress and totals, bank batches and files, bank returns, payees, receivables.

Thin: parse, authorise, call one service or selector, serialise.
"""

# No ``from __future__ import annotations``: ninja reads the annotations through the wrapper.
from decimal import Decimal, InvalidOperation

from django.http import FileResponse
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from shebao.accounts.api_auth import api_auth
from shebao.payroll import access, selectors, services, tasks
from shebao.payroll import run as payroll
from shebao.payroll.schemas import (
    ERRORS,
    AmountIn,
    BatchOut,
    DeathIn,
    NotFound,
    OffsetIn,
    PayeeDetailOut,
    PayeeIn,
    PayeeOut,
    ReceivableOut,
    RepayIn,
    ResumeIn,
    RunDetailOut,
    RunIn,
    RunOut,
    SuspendIn,
    api_errors,
    batch_out,
    change_out,
    payee_out,
    payment_out,
    receivable_out,
    run_out,
)
from shebao.payroll.services import PayrollError

router = Router(auth=api_auth, tags=["staff: payroll"])


def _fen(text: str, field: str) -> int:
    return services._fen(text, field=field)


@router.get("runs", response={200: list[RunOut], **ERRORS}, summary="发放批次 / Payroll runs")
@api_errors
def runs(request):
    access.reader_regions(request.auth)
    return [run_out(r) for r in selectors.payroll_runs()]


@router.post("runs", response={202: RunOut, **ERRORS}, summary="开始月度发放 / Start the monthly payroll")
@api_errors
def run_start(request, payload: RunIn):
    run = payroll.payroll_start(actor=request.auth, period=payload.period)
    tasks.payroll_task.enqueue(run.pk)
    run.refresh_from_db()
    return Status(202, run_out(run))


@router.get(
    "runs/{run_id}", response={200: RunDetailOut, **ERRORS}, summary="发放进度与合计 / Progress and totals"
)
@api_errors
def run_detail(request, run_id: int):
    access.reader_regions(request.auth)
    run = selectors.payroll_run(run_id=run_id)
    if run is None:
        raise NotFound(zh="发放批次不存在", en="no such payroll run")
    return {**run_out(run), "batches": [batch_out(b) for b in selectors.bank_batches(run_id=run.pk)]}


def _batch(request, batch_id: int):
    access.reader_regions(request.auth)
    batch = selectors.bank_batch(batch_id=batch_id)
    if batch is None:
        raise NotFound(zh="银行批次不存在", en="no such bank batch")
    return batch


@router.get("batches/{batch_id}", response={200: BatchOut, **ERRORS}, summary="银行批次 / Bank batch")
@api_errors
def batch_detail(request, batch_id: int):
    return batch_out(_batch(request, batch_id))


@router.get(
    "batches/{batch_id}/file", response={200: None, **ERRORS}, summary="下载银行文件 / Download the bank file"
)
@api_errors
def batch_file(request, batch_id: int):
    batch, handle = services.bank_batch_download(actor=request.auth, batch_id=batch_id)
    return FileResponse(
        handle, as_attachment=True, filename=batch.file_name, content_type="text/csv; charset=utf-8"
    )


@router.post(
    "batches/{batch_id}/returns", response={200: BatchOut, **ERRORS}, summary="导入银行回盘 / Bank returns"
)
@api_errors
def batch_returns(request, batch_id: int, file: File[UploadedFile], hold: Form[bool] = False):
    batch = services.bank_returns_apply(actor=request.auth, batch_id=batch_id, data=file.read(), hold=hold)
    return batch_out(batch)


@router.get("payees", response={200: list[PayeeOut], **ERRORS}, summary="发放对象 / Payees")
@api_errors
def payees(request, status: str = "", person_id: int | None = None):
    regions = access.reader_regions(request.auth)
    return [payee_out(p) for p in selectors.payees(regions=regions, status=status, person_id=person_id)]


@router.post("payees", response={201: PayeeOut, **ERRORS}, summary="纳入发放 / Enrol a payee")
@api_errors
def payee_enrol(request, payload: PayeeIn):
    payee = services.payee_enrol(
        actor=request.auth,
        person_id=payload.person_id,
        benefit=payload.benefit,
        monthly_fen=_fen(payload.monthly_amount, "monthly_amount"),
        from_period=payload.from_period,
        bank_code=payload.bank_code,
        account_number=payload.account_number,
    )
    return Status(201, payee_out(payee))


@router.get("payees/{payee_id}", response={200: PayeeDetailOut, **ERRORS}, summary="发放对象详情 / Payee")
@api_errors
def payee_detail(request, payee_id: int):
    payee = access.access_payee(user=request.auth, payee_id=payee_id)
    return {
        **payee_out(payee),
        "history": [change_out(c) for c in selectors.payee_history(payee_id=payee.pk)],
        "payments": [payment_out(m) for m in selectors.payee_payments(payee=payee)],
    }


@router.post(
    "payees/{payee_id}/amount", response={200: PayeeOut, **ERRORS}, summary="调整金额 / Change amount"
)
@api_errors
def payee_amount(request, payee_id: int, payload: AmountIn):
    access.access_payee(user=request.auth, payee_id=payee_id)
    payee = services.payee_change_amount(
        actor=request.auth,
        payee_id=payee_id,
        monthly_fen=_fen(payload.monthly_amount, "monthly_amount"),
        from_period=payload.from_period,
        reason=payload.reason,
    )
    return payee_out(payee)


@router.post("payees/{payee_id}/suspend", response={200: PayeeOut, **ERRORS}, summary="暂停发放 / Suspend")
@api_errors
def payee_suspend(request, payee_id: int, payload: SuspendIn):
    access.access_payee(user=request.auth, payee_id=payee_id)
    return payee_out(
        services.payee_suspend(
            actor=request.auth, payee_id=payee_id, from_period=payload.from_period, reason=payload.reason
        )
    )


@router.post("payees/{payee_id}/resume", response={200: PayeeOut, **ERRORS}, summary="恢复发放 / Resume")
@api_errors
def payee_resume(request, payee_id: int, payload: ResumeIn):
    access.access_payee(user=request.auth, payee_id=payee_id)
    return payee_out(
        services.payee_resume(actor=request.auth, payee_id=payee_id, from_period=payload.from_period)
    )


@router.post("deaths", response={200: list[ReceivableOut], **ERRORS}, summary="死亡停发 / Stop on death")
@api_errors
def death(request, payload: DeathIn):
    rows = services.payee_stop_on_death(
        actor=request.auth, person_id=payload.person_id, death_date=payload.death_date
    )
    return [receivable_out(r) for r in rows]


@router.get("receivables", response={200: list[ReceivableOut], **ERRORS}, summary="应收追回 / Receivables")
@api_errors
def receivables(request, status: str = ""):
    access.reader_regions(request.auth)
    return [receivable_out(r) for r in selectors.receivables(status=status)]


@router.post(
    "receivables/{receivable_id}/offset", response={200: ReceivableOut, **ERRORS}, summary="抵扣 / Offset"
)
@api_errors
def receivable_offset(request, receivable_id: int, payload: OffsetIn):
    try:
        share = Decimal(str(payload.share_percent).strip().rstrip("%"))
    except InvalidOperation:
        raise PayrollError(
            field="share_percent", zh="抵扣比例格式不正确", en="the share is not a number"
        ) from None
    ppm = int(share * 10_000) if share == share.quantize(Decimal("0.0001")) else -1
    if ppm <= 0 or ppm > 1_000_000:
        raise PayrollError(
            field="share_percent", zh="抵扣比例应在0至100%之间", en="the share must be between 0 and 100 %"
        )
    return receivable_out(
        services.receivable_offset(actor=request.auth, receivable_id=receivable_id, share_ppm=ppm)
    )


@router.post(
    "receivables/{receivable_id}/repay", response={200: ReceivableOut, **ERRORS}, summary="退还 / Repayment"
)
@api_errors
def receivable_repay(request, receivable_id: int, payload: RepayIn):
    r = services.receivable_repay(
        actor=request.auth, receivable_id=receivable_id, amount=payload.amount, note=payload.note
    )
    return receivable_out(r)
