"""``/api/v1/staff/contributions/``: contributions for agency staff (经办人员): parameter
tables, rate sheets, assessment runs with progress and totals, bills and lines.

Thin: parse, authorise (the services and ``selectors.authorise_*``; list endpoints check
``require_staff_perm``), call one service or selector, serialise. No ID number in a URL.
"""

# No ``from __future__ import annotations`` here: ninja reads the views' annotations
# through the ``api_errors`` wrapper, whose module globals would not resolve them.
from django.utils import timezone
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from shebao.accounts.access import AccessDenied, grant_for
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import Perm
from shebao.contributions import (
    arrears,
    assessment,
    backpay,
    collection,
    history,
    ledger_tasks,
    selectors,
    services,
    tasks,
)
from shebao.contributions.codes import PayerType, RunStatus
from shebao.contributions.schemas import (
    ERRORS,
    BackPayEmployerIn,
    BackPayFlexibleIn,
    BillOut,
    CreditsIn,
    ErrorOut,
    FineIn,
    InterestIn,
    LineOut,
    NotFound,
    ParameterIn,
    ParameterOut,
    PaymentIn,
    RateSheetOut,
    ReversalIn,
    RunIn,
    RunOut,
    RunStartedOut,
    api_errors,
    bill_out,
    error_dict,
    line_out,
    parameter_out,
    parse_date,
    parse_period,
    payment_out,
    period_text,
    periods_between,
    plain,
    rate_sheet_out,
    run_out,
    yuan,
)
from shebao.contributions.services import ContributionError
from shebao.contributions.sheet import SheetError
from shebao.register.access import is_system, require_staff_perm
from shebao.register.schemas import language

router = Router(auth=api_auth, tags=["staff: contributions"])


def _staff_any(user, *perms: Perm):
    """Staff holding any of ``perms`` somewhere (parameter tables serve several posts)."""
    denied = None
    for perm in perms:
        try:
            return require_staff_perm(user=user, perm=perm)
        except AccessDenied as exc:
            denied = exc
    raise denied


# --- parameters ------------------------------------------------------------------------------


@router.get(
    "parameters",
    response={200: list[ParameterOut], **ERRORS},
    summary="参数表 / Parameter tables",
)
@api_errors
def parameter_list(request, jurisdiction: str = "", kind: str = ""):
    _staff_any(request.auth, Perm.CONTRIBUTION_VIEW, Perm.PARAMETER_ADMIN)
    return [parameter_out(row) for row in selectors.parameter_list(jurisdiction=jurisdiction, kind=kind)]


@router.post(
    "parameters",
    response={201: ParameterOut, **ERRORS},
    summary="新增参数（自某所属期起） / Add a parameter value from a period",
)
@api_errors
def parameter_add(request, payload: ParameterIn):
    row = services.parameter_add(actor=request.auth, **payload.dict())
    return Status(201, parameter_out(row))


@router.get(
    "rate-sheet",
    response={200: RateSheetOut, **ERRORS},
    summary="某区划某所属期适用的费率表 / Rate sheet for a region and period",
)
@api_errors
def rate_sheet(request, region_code: str, period: str):
    _staff_any(request.auth, Perm.CONTRIBUTION_VIEW, Perm.PARAMETER_ADMIN)
    p = parse_period(period)
    region = region_code.strip()
    if len(region) != 6 or not region.isdigit():
        raise ContributionError(field="region_code", zh="区划代码应为6位数字", en="the region must be a 6-digit code")
    try:
        sheet = selectors.rate_sheet(region_code=region, period=p)
    except SheetError as exc:
        raise services._err(exc) from None
    return rate_sheet_out(sheet)


# --- assessment runs -------------------------------------------------------------------------


@router.post(
    "runs",
    response={202: RunStartedOut, **ERRORS},
    summary="启动核定（后台执行） / Start an assessment run (in the background)",
)
@api_errors
def run_start(request, payload: RunIn):
    options = {"chunk_size": payload.chunk_size} if payload.chunk_size is not None else {}
    run = assessment.assessment_start(
        actor=request.auth, period=payload.period, region_code=payload.region_code, **options
    )
    # A run already RUNNING has a worker on it: a second task would work the same chunks.
    if run.status in (RunStatus.QUEUED, RunStatus.FAILED):
        tasks.assessment_task.enqueue(run.pk)
    return Status(
        202,
        {
            "id": run.pk,
            "status": run.status,
            "period": period_text(run.period),
            "region_code": run.region_code,
            "chunks_total": run.chunks_total,
        },
    )


def _visible(user, region_code: str) -> bool:
    return is_system(user) or grant_for(user, Perm.CONTRIBUTION_VIEW, region_code) is not None


@router.get("runs", response={200: list[RunOut], **ERRORS}, summary="核定批次 / Assessment runs")
@api_errors
def run_list(request, limit: int = 20):
    user = request.auth
    require_staff_perm(user=user, perm=Perm.CONTRIBUTION_VIEW)
    limit = max(1, min(int(limit), 200))
    runs = [run for run in selectors.runs_recent(limit=limit * 5) if _visible(user, run.region_code)]
    return [run_out(run) for run in runs[:limit]]


@router.get(
    "runs/{int:run_id}",
    response={200: RunOut, **ERRORS},
    summary="核定批次进度与合计 / Run progress and totals",
)
@api_errors
def run_detail(request, run_id: int):
    user = request.auth
    require_staff_perm(user=user, perm=Perm.CONTRIBUTION_VIEW)
    run = selectors.run_by_id(run_id)
    if run is None:
        raise NotFound("没有这个核定批次", "no such assessment run")
    if not _visible(user, run.region_code):
        raise AccessDenied(zh="您的岗位无权查看此辖区的核定", en="your post does not cover that region")
    return run_out(run)


# --- bills and lines -------------------------------------------------------------------------


def _authorise_payer(user, payer_type: str, payer_id: int) -> None:
    require_staff_perm(user=user, perm=Perm.CONTRIBUTION_VIEW)
    if payer_type == PayerType.EMPLOYER:
        selectors.authorise_employer_view(user=user, employer_id=payer_id)
    elif payer_type == PayerType.PERSON:
        selectors.authorise_person_view(user=user, person_id=payer_id)
    else:
        raise ContributionError(
            field="payer_type", zh="缴费主体类型应为 employer 或 person", en="payer_type must be employer or person"
        )


@router.get(
    "bills",
    response={200: list[BillOut], **ERRORS},
    summary="单位或个人的核定账单 / Bills of an employer or a person",
)
@api_errors
def bill_list(request, payer_type: str, payer_id: int, limit: int = 60):
    _authorise_payer(request.auth, payer_type, payer_id)
    bills = selectors.bills_for_payer(payer_type=payer_type, payer_id=payer_id, limit=max(1, min(int(limit), 240)))
    return [bill_out(b) for b in bills]


@router.get(
    "persons/{int:person_id}/lines",
    response={200: list[LineOut], **ERRORS},
    summary="个人核定明细（按月、险种） / A person's assessed lines by month and insurance",
)
@api_errors
def person_lines(request, person_id: int, from_period: str, to_period: str):
    require_staff_perm(user=request.auth, perm=Perm.CONTRIBUTION_VIEW)
    selectors.authorise_person_view(user=request.auth, person_id=person_id)
    periods = periods_between(from_period, to_period)
    return [line_out(line) for line in selectors.person_lines(person_id=person_id, periods=periods)]


# --- collection, arrears, fines, back-payments (collection.py, arrears.py, backpay.py) -------


def _on(on: str):
    return parse_date(on, field="on") if on else timezone.localdate()


@router.get("arrears", response={200: dict, **ERRORS}, summary="欠费名单（账龄） / Payers in arrears, with aging")
@api_errors
def arrears_list(request, region_code: str, on: str = "", min_days: int = 1, limit: int = 50, offset: int = 0):
    page = arrears.arrears_list(
        user=request.auth, region_code=region_code, on=_on(on), min_days=min_days,
        limit=max(1, min(int(limit), 500)), offset=max(0, int(offset)),
    )
    return plain(page)


@router.get(
    "arrears/{payer_type}/{int:payer_id}",
    response={200: dict, **ERRORS},
    summary="缴费主体欠费对账单（含滞纳金、罚款） / A payer's arrears statement",
)
@api_errors
def payer_arrears(request, payer_type: str, payer_id: int, on: str = ""):
    _authorise_payer(request.auth, payer_type, payer_id)
    return plain(arrears.payer_arrears(user=request.auth, payer_type=payer_type, payer_id=payer_id, on=_on(on)))


@router.post("payments", response={201: dict, **ERRORS}, summary="登记到账 / Record a payment")
@api_errors
def payment_create(request, payload: PaymentIn):
    payment = collection.payment_record(actor=request.auth, **payload.dict())
    return Status(201, payment_out(payment))


@router.get("payments", response={200: list[dict], **ERRORS}, summary="缴款记录 / A payer's payments")
@api_errors
def payment_list(request, payer_type: str, payer_id: int, limit: int = 50):
    _authorise_payer(request.auth, payer_type, payer_id)
    rows = collection.payments_for_payer(payer_type=payer_type, payer_id=payer_id, limit=max(1, min(int(limit), 500)))
    return [payment_out(p) for p in rows]


@router.post(
    "payments/{int:payment_id}/reverse", response={201: dict, **ERRORS}, summary="冲正 / Reverse a payment"
)
@api_errors
def payment_reverse(request, payment_id: int, payload: ReversalIn):
    reversal = collection.payment_reverse(
        actor=request.auth, payment_id=payment_id, external_ref=payload.external_ref, reason=payload.reason
    )
    return Status(201, payment_out(reversal))


@router.post(
    "payments/import",
    response={200: dict, 400: dict, 403: ErrorOut, 404: ErrorOut},
    summary="导入银行或税务缴款结果文件（CSV），有任何错误则全部不导入 / Import a collection-result file",
)
@api_errors
def payments_import(request, source: Form[str], file: File[UploadedFile]):
    require_staff_perm(user=request.auth, perm=Perm.CONTRIBUTION_WRITE)
    limit = 20 * 1024 * 1024
    data = file.read(limit + 1)
    result = collection.payments_import_csv(actor=request.auth, data=data, source=source, filename=file.name or "")
    lang = language(request)
    body = {
        "ok": result.ok,
        "processed": result.processed,
        "errors": [error_dict(e, lang) for e in result.errors],
        "batch": result.batch,
        "total": yuan(result.total_fen),
        "allocated": yuan(result.allocated_fen),
    }
    return Status(200 if result.ok else 400, body)


@router.post("fines", response={201: dict, **ERRORS}, summary="罚款决定 / Record a fine")
@api_errors
def fine_create(request, payload: FineIn):
    data = payload.dict()
    data["decided_on"] = parse_date(data["decided_on"], field="decided_on")
    fine = arrears.fine_record(actor=request.auth, **data)
    return Status(
        201,
        {"id": fine.pk, "payer_type": fine.payer_type, "payer_id": fine.payer_id, "amount": yuan(fine.amount_fen),
         "reason": fine.reason, "decision_ref": fine.decision_ref, "decided_on": fine.decided_on.isoformat(),
         "status": fine.status},
    )


def _backpay_out(case) -> dict:
    return {
        "id": case.pk, "kind": case.kind, "person_id": case.person_id, "employer_id": case.employer_id,
        "first_period": period_text(case.first_period), "last_period": period_text(case.last_period),
        "total": yuan(case.total_fen), "evidence": case.evidence,
    }


@router.post("backpayments/employer", response={201: dict, **ERRORS}, summary="单位补缴 / Employer back-payment")
@api_errors
def backpay_employer(request, payload: BackPayEmployerIn):
    return Status(201, _backpay_out(backpay.backpay_employer(actor=request.auth, **payload.dict())))


@router.post(
    "backpayments/flexible", response={201: dict, **ERRORS}, summary="灵活就业中断补缴 / Flexible back-payment"
)
@api_errors
def backpay_flexible(request, payload: BackPayFlexibleIn):
    data = payload.dict()
    try:
        data["grade_pct"] = int(data["grade_pct"])
    except (TypeError, ValueError):
        raise ContributionError(field="grade_pct", zh="缴费档次应为整数", en="the grade must be a whole number") from None
    return Status(201, _backpay_out(backpay.backpay_flexible(actor=request.auth, **data)))


# --- personal accounts and history (ledger.py, history.py) ----------------------------------


def _region_arg(value: object) -> str:
    region = str(value or "").strip()
    if len(region) != 6 or not region.isdigit():
        raise ContributionError(field="region_code", zh="区划代码应为6位数字", en="the region must be a 6-digit code")
    return region


@router.post(
    "account/credits",
    response={202: dict, **ERRORS},
    summary="个人账户记账（已实缴的所属期，后台执行） / Post account credits for a paid period",
)
@api_errors
def account_credits(request, payload: CreditsIn):
    region = _region_arg(payload.region_code)
    period = parse_period(payload.period)
    services._staff_grant(request.auth, Perm.ASSESSMENT_RUN, region)  # the task runs as the platform
    result = ledger_tasks.account_post_credits_task.enqueue(str(period), region)
    return Status(202, {"task_id": str(result.id), "status": str(result.status), "period": period_text(period)})


@router.post(
    "account/interest",
    response={202: dict, **ERRORS},
    summary="年度记账利息（后台执行） / Credit a year's account interest",
)
@api_errors
def account_interest(request, payload: InterestIn):
    region = _region_arg(payload.region_code)
    try:
        year = int(payload.year)
    except (TypeError, ValueError):
        raise ContributionError(field="year", zh="年度应为四位年份", en="the year must be a year") from None
    services._staff_grant(request.auth, Perm.ASSESSMENT_RUN, region)
    result = ledger_tasks.account_credit_interest_task.enqueue(year, region)
    return Status(202, {"task_id": str(result.id), "status": str(result.status), "year": year})


@router.get(
    "persons/{int:person_id}/history",
    response={200: list[dict], **ERRORS},
    summary="个人缴费记录（按月、险种，含缴费状态） / A person's contribution history",
)
@api_errors
def person_history(request, person_id: int, from_period: str, to_period: str):
    require_staff_perm(user=request.auth, perm=Perm.CONTRIBUTION_VIEW)
    months = history.person_contribution_history(
        user=request.auth, person_id=person_id, first_period=from_period, last_period=to_period
    )
    return plain(months)


@router.get(
    "persons/{int:person_id}/account",
    response={200: dict, **ERRORS},
    summary="个人账户对账单 / A person's account statement",
)
@api_errors
def person_account(request, person_id: int):
    require_staff_perm(user=request.auth, perm=Perm.CONTRIBUTION_VIEW)
    return plain(history.person_account_statement(user=request.auth, person_id=person_id))
