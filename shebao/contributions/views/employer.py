"""Employer portal (单位网厅) contribution pages: 缴费工资申报 (form and Excel), 月度申报, 缴费账单.

The operator is bound to one employer (``user.employer_id``): every page loads it through
``register.access.access_employer`` and checks the contribution access functions
(``authorise_employer_view`` / the services' ``authorise_employer_write``), so no URL
reaches another employer's data.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from shebao.contributions import arrears, collection, excel, selectors, services
from shebao.contributions.codes import PayerType
from shebao.contributions.sheet import SheetError
from shebao.contributions.views import forms
from shebao.contributions.views._common import SERVICE_ERRORS, parse_period, service_error
from shebao.contributions.views._display import (
    arrears_view,
    bill_rows,
    bill_totals,
    current_period,
    payment_rows,
    period_label,
    yuan,
)
from shebao.kernel.rules.money import fen_to_yuan
from shebao.register import selectors as register_selectors
from shebao.register.access import access_employer
from shebao.register.views._common import done, employer_required, is_htmx, message_for, pick


def _employer(request: HttpRequest):
    employer = access_employer(user=request.user, employer_id=request.user.employer_id)
    selectors.authorise_employer_view(user=request.user, employer_id=employer.id)
    return employer


def _base_year_start(region_code: str, period: int) -> int:
    try:
        return selectors.rate_sheet(region_code=region_code, period=period).base_year_start
    except SheetError:
        return 1


def _default_base_year(region_code: str) -> int:
    period = current_period()
    start = _base_year_start(region_code, int(period))
    return period.year if period.month >= start else period.year - 1


def _employees(employer, *, first_period: int) -> list[dict]:
    """Employees of the employer on or after the first day of ``first_period``, by name."""
    ids = selectors.employees_in_year(employer_id=employer.id, first=first_period)
    seen, out = set(), []
    for employment, person in register_selectors.employer_roster(employer_id=employer.id, active_only=False):
        if person.id in ids and person.id not in seen:
            seen.add(person.id)
            out.append(
                {
                    "person_id": person.id,
                    "name": person.name,
                    "id_masked": person.id_masked,
                    "start_date": employment.start_date,
                    "end_date": employment.end_date,
                    "hire_wage": yuan(employment.monthly_wage_fen),
                }
            )
    return out


# ---------------------------------------------------------------- 缴费工资申报


@never_cache
@employer_required
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    """年度缴费工资申报: one wage per employee for a base year → ``services.wage_declare``."""
    employer = _employer(request)
    year_form = forms.BaseYearForm(request.GET or {"base_year": _default_base_year(employer.region_code)})
    base_year = year_form.cleaned_data["base_year"] if year_form.is_valid() else None
    if base_year is None:
        return render(
            request,
            "contributions/employer/declare.html",
            {"employer": employer, "year_form": year_form, "form": None, "rows": []},
        )
    first = base_year * 100 + _base_year_start(employer.region_code, base_year * 100 + 7)
    employees = _employees(employer, first_period=first)
    declared = selectors.wage_declarations(employer_id=employer.id, base_year=base_year)
    initial = {
        forms.WageDeclarationForm.field_name(pid): str(fen_to_yuan(d.wage_fen)) for pid, d in declared.items()
    }
    form = forms.WageDeclarationForm(
        request.POST if request.method == "POST" else None, employees=employees, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        rows = form.rows()
        if not rows:
            form.add_error(
                None, pick(request, "请至少填写一名职工的工资", "enter the wage of at least one employee")
            )
        else:
            try:
                saved = services.wage_declare(
                    actor=request.user,
                    employer_id=employer.id,
                    base_year=base_year,
                    rows=[services.DeclarationRow(person_id=pid, wage=wage) for pid, wage in rows],
                )
            except SERVICE_ERRORS as exc:
                row = getattr(exc, "row", None)
                if row and 1 <= row <= len(rows):
                    form.add_error(form.field_name(rows[row - 1][0]), message_for(request, exc))
                else:
                    service_error(request, form, exc)
            else:
                messages.success(
                    request,
                    _("%(year)s 年度缴费工资已申报，共 %(n)s 人") % {"year": base_year, "n": len(saved)},
                )
                return done(request, reverse("contributions:employer_declare") + f"?base_year={base_year}")
    table = [
        {
            **emp,
            "field": form[forms.WageDeclarationForm.field_name(emp["person_id"])],
            "base": yuan(declared[emp["person_id"]].base_fen) if emp["person_id"] in declared else "",
        }
        for emp in employees
    ]
    context = {
        "employer": employer,
        "year_form": year_form,
        "base_year": base_year,
        "form": form,
        "rows": table,
        "declared_count": len(declared),
    }
    template = (
        "contributions/employer/_declare_form.html"
        if is_htmx(request)
        else "contributions/employer/declare.html"
    )
    return render(request, template, context)


# ---------------------------------------------------------------- 月度申报


@never_cache
@employer_required
@require_http_methods(["GET", "POST"])
def monthly(request: HttpRequest) -> HttpResponse:
    """月度申报: choose a period, check the roster for it, confirm → ``services.monthly_declare``."""
    employer = _employer(request)
    data = request.POST if request.method == "POST" else (request.GET or {"period": str(current_period())})
    form = forms.MonthlyDeclarationForm(data)
    period = parse_period(request, form, "period") if form.is_valid() else None
    if request.method == "POST" and period is not None:
        already = selectors.monthly_declaration(employer_id=employer.id, period=int(period))
        try:
            declaration = services.monthly_declare(
                actor=request.user, employer_id=employer.id, period=int(period)
            )
        except SERVICE_ERRORS as exc:
            service_error(request, form, exc)
        else:
            if already is not None:
                messages.info(
                    request, _("%(period)s 已申报，无需重复申报") % {"period": period_label(int(period))}
                )
            else:
                messages.success(
                    request,
                    _("%(period)s 月度申报已确认，职工 %(n)s 人")
                    % {"period": period_label(declaration.period), "n": declaration.headcount},
                )
            return done(request, reverse("contributions:employer_monthly") + f"?period={period}")
    employees = _employees(employer, first_period=int(period)) if period is not None else []
    context = {
        "employer": employer,
        "form": form,
        "period": int(period) if period is not None else None,
        "period_label": period_label(int(period)) if period is not None else "",
        "employees": employees,
        "declared": selectors.monthly_declaration(employer_id=employer.id, period=int(period))
        if period
        else None,
        "history": [
            {"period": period_label(d.period), "headcount": d.headcount, "at": d.declared_at}
            for d in selectors.monthly_declarations(employer_id=employer.id)
        ],
    }
    return render(request, "contributions/employer/monthly.html", context)


# ---------------------------------------------------------------- 缴费账单


@never_cache
@employer_required
@require_GET
def bills(request: HttpRequest) -> HttpResponse:
    employer = _employer(request)
    rows = bill_rows(selectors.bills_for_payer(payer_type=PayerType.EMPLOYER, payer_id=employer.id))
    context = {"employer": employer, "bills": rows, "totals": bill_totals(rows)}
    return render(request, "contributions/employer/bills.html", context)


# ---------------------------------------------------------------- Excel 申报


def _report_message(request: HttpRequest, exc) -> str:
    """The row error without its "第N行“列”：" prefix (the report has its own columns)."""
    text = message_for(request, exc)
    if getattr(exc, "row", None):
        for sep in ("：", ": "):
            if sep in text:
                return text.split(sep, 1)[1]
    return text


@employer_required
@require_http_methods(["GET", "POST"])
def declare_upload(request: HttpRequest) -> HttpResponse:
    """年度缴费工资申报 from Excel → ``excel.wage_declare_excel``: every bad row is reported
    with its row number and column, and nothing is written unless every row is good."""
    employer = _employer(request)
    form = forms.WageUploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"base_year": _default_base_year(employer.region_code)},
    )
    result, errors = None, []
    if request.method == "POST" and form.is_valid():
        base_year = form.cleaned_data["base_year"]
        try:
            result = excel.wage_declare_excel(
                actor=request.user,
                employer_id=employer.id,
                base_year=base_year,
                file=form.cleaned_data["file"],
            )
        except SERVICE_ERRORS as exc:
            service_error(request, form, exc)
        else:
            errors = [
                {"row": e.row, "column": e.field, "message": _report_message(request, e)}
                for e in result.errors
            ]
            if result.ok:
                messages.success(
                    request,
                    _("%(year)s 年度缴费工资已申报，共 %(n)s 人")
                    % {"year": base_year, "n": result.processed},
                )
                return done(request, reverse("contributions:employer_declare") + f"?base_year={base_year}")
    context = {"employer": employer, "form": form, "result": result, "errors": errors}
    template = (
        "contributions/employer/_upload_result.html"
        if is_htmx(request)
        else "contributions/employer/upload.html"
    )
    return render(request, template, context)


@employer_required
@require_GET
def declare_template(request: HttpRequest) -> HttpResponse:
    _employer(request)
    response = HttpResponse(
        excel.declaration_template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="wage-declaration-template.xlsx"'
    return response


# ---------------------------------------------------------------- 缴费记录、欠费及滞纳金


@never_cache
@employer_required
@require_GET
def payments(request: HttpRequest) -> HttpResponse:
    """缴费记录: payments received (bank, tax, counter), what was allocated, the credit held."""
    employer = _employer(request)
    rows = payment_rows(collection.payments_for_payer(payer_type=PayerType.EMPLOYER, payer_id=employer.id))
    credit = collection.payer_credit_fen(payer_type=PayerType.EMPLOYER, payer_id=employer.id)
    context = {"employer": employer, "payments": rows, "credit": yuan(credit), "has_credit": credit > 0}
    return render(request, "contributions/employer/payments.html", context)


@never_cache
@employer_required
@require_GET
def arrears_statement(request: HttpRequest) -> HttpResponse:
    """欠费及滞纳金: every unpaid bill with the late fee accrued to today, charged late fees, fines."""
    employer = _employer(request)
    statement = arrears.payer_arrears(
        user=request.user, payer_type=PayerType.EMPLOYER, payer_id=employer.id, on=timezone.localdate()
    )
    return render(
        request,
        "contributions/employer/arrears.html",
        {"employer": employer, "statement": arrears_view(statement)},
    )
