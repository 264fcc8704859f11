"""``/api/v1/staff/contributions/``: contributions for agency staff (经办人员): parameter
tables, rate sheets, assessment runs with progress and totals, bills and lines.

Thin: parse, authorise (the services and ``selectors.authorise_*``; list endpoints check
``require_staff_perm``), call one service or selector, serialise. No ID number in a URL.
"""

# No ``from __future__ import annotations`` here: ninja reads the views' annotations
# through the ``api_errors`` wrapper, whose module globals would not resolve them.
from ninja import Router, Status

from shebao.accounts.access import AccessDenied, grant_for
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import Perm
from shebao.contributions import assessment, selectors, services, tasks
from shebao.contributions.codes import PayerType, RunStatus
from shebao.contributions.models import AssessmentRun
from shebao.contributions.schemas import (
    ERRORS,
    BillOut,
    LineOut,
    NotFound,
    ParameterIn,
    ParameterOut,
    RateSheetOut,
    RunIn,
    RunOut,
    RunStartedOut,
    api_errors,
    bill_out,
    line_out,
    parameter_out,
    parse_period,
    period_text,
    periods_between,
    rate_sheet_out,
    run_out,
)
from shebao.contributions.services import ContributionError
from shebao.contributions.sheet import SheetError
from shebao.register.access import is_system, require_staff_perm

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
    run = AssessmentRun.objects.filter(pk=run_id).first()
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
