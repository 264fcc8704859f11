"""``/api/v1/employer/contributions/``: an employer operator's declarations and bills
(单位网上申报). The employer is always the operator's own (``User.employer_id``); the
services and selectors authorise every call again."""

# No ``from __future__ import annotations`` here: ninja reads the views' annotations
# through the ``api_errors`` wrapper, whose module globals would not resolve them.
from django.http import HttpResponse
from django.utils import timezone
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from shebao.accounts.access import AccessDenied
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import UserKind
from shebao.contributions import arrears, collection, excel, history, selectors, services
from shebao.contributions.codes import PayerType
from shebao.contributions.schemas import (
    ERRORS,
    BillOut,
    DeclarationIn,
    DeclarationOut,
    DeclarationUploadOut,
    ErrorOut,
    MonthlyIn,
    MonthlyOut,
    api_errors,
    bill_out,
    declaration_out,
    error_dict,
    monthly_out,
    parse_date,
    payment_out,
    plain,
)
from shebao.contributions.services import ContributionError
from shebao.register.schemas import language

router = Router(auth=api_auth, tags=["employer: contributions"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _employer_id(request) -> int:
    user = request.auth
    if getattr(user, "kind", None) != UserKind.EMPLOYER or user.employer_id is None:
        raise AccessDenied(zh="此接口仅供单位经办人使用", en="only for employer operators")
    return user.employer_id


@router.post(
    "declarations",
    response={201: DeclarationOut, **ERRORS},
    summary="年度缴费工资申报 / Annual wage declaration",
)
@api_errors
def declaration_create(request, payload: DeclarationIn):
    rows = [excel.IdNumberRow(id_number=r.id_number, wage=r.wage) for r in payload.rows]
    out = excel.wage_declare_by_id_number(
        actor=request.auth, employer_id=_employer_id(request), base_year=payload.base_year, rows=rows
    )
    return Status(201, declaration_out(payload.base_year, out))


@router.post(
    "declarations/excel",
    response={200: DeclarationUploadOut, 400: DeclarationUploadOut, 403: ErrorOut, 404: ErrorOut},
    summary="年度缴费工资申报（.xlsx），有任何错误则全部不导入 / Wage declaration from Excel, all or nothing",
)
@api_errors
def declaration_upload(request, base_year: Form[str], file: File[UploadedFile]):
    employer_id = _employer_id(request)
    try:
        result = excel.wage_declare_excel(actor=request.auth, employer_id=employer_id, base_year=base_year, file=file)
    except ContributionError as exc:
        result = excel.DeclarationResult(ok=False, processed=0, errors=[exc])
    lang = language(request)
    body = {"ok": result.ok, "processed": result.processed, "errors": [error_dict(e, lang) for e in result.errors]}
    return Status(200 if result.ok else 400, body)


@router.get(
    "declarations/template",
    summary="年度缴费工资申报模板（.xlsx） / Blank declaration workbook",
    response={200: None, **ERRORS},
)
@api_errors
def declaration_template(request):
    _employer_id(request)
    response = HttpResponse(excel.declaration_template(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="wage-declaration.xlsx"'
    return response


@router.post(
    "monthly-declarations",
    response={201: MonthlyOut, **ERRORS},
    summary="月度申报（确认本月人员） / Monthly declaration",
)
@api_errors
def monthly_declaration(request, payload: MonthlyIn):
    obj = services.monthly_declare(actor=request.auth, employer_id=_employer_id(request), period=payload.period)
    return Status(201, monthly_out(obj))


@router.get("bills", response={200: list[BillOut], **ERRORS}, summary="本单位核定账单 / My bills")
@api_errors
def bill_list(request, limit: int = 60):
    employer_id = _employer_id(request)
    selectors.authorise_employer_view(user=request.auth, employer_id=employer_id)
    bills = selectors.bills_for_payer(
        payer_type=PayerType.EMPLOYER, payer_id=employer_id, limit=max(1, min(int(limit), 240))
    )
    return [bill_out(b) for b in bills]


@router.get(
    "bills/{period}/lines",
    response={200: list[dict], **ERRORS},
    summary="某月账单的职工明细 / Employees' lines behind a month's bill",
)
@api_errors
def bill_lines(request, period: str):
    return plain(history.employer_period_lines(user=request.auth, employer_id=_employer_id(request), period=period))


@router.get("arrears", response={200: dict, **ERRORS}, summary="欠费与滞纳金 / My arrears and late fees")
@api_errors
def my_arrears(request, on: str = ""):
    employer_id = _employer_id(request)
    day = parse_date(on, field="on") if on else timezone.localdate()
    return plain(arrears.payer_arrears(user=request.auth, payer_type=PayerType.EMPLOYER, payer_id=employer_id, on=day))


@router.get("payments", response={200: list[dict], **ERRORS}, summary="缴款记录 / My payments")
@api_errors
def my_payments(request, limit: int = 50):
    employer_id = _employer_id(request)
    selectors.authorise_employer_view(user=request.auth, employer_id=employer_id)
    rows = collection.payments_for_payer(
        payer_type=PayerType.EMPLOYER, payer_id=employer_id, limit=max(1, min(int(limit), 500))
    )
    return [payment_out(p) for p in rows]
