"""Employer portal (单位网厅): roster, 增员, 减员, batch Excel, employer information.

An employer operator is bound to one employer (``user.employer_id``); every page
loads it through ``access_employer``, so an operator never reaches another
employer's data, whatever the URL says.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shebao.kernel.rules.identifiers import IdentifierError
from shebao.register import excel, selectors, services
from shebao.register.access import access_employer
from shebao.register.errors import RegisterError
from shebao.register.rules.validation import label as field_label
from shebao.register.views import forms
from shebao.register.views._common import (
    done,
    employer_required,
    form_error,
    is_htmx,
    message_for,
    pick,
    region_name,
)
from shebao.register.views._display import yuan

SERVICE_ERRORS = (RegisterError, IdentifierError)


def column_label(request: HttpRequest, field: str) -> str:
    zh, en = ("整个文件", "whole file") if field == "file" else field_label(field)
    return pick(request, zh, en)


def _employer(request: HttpRequest):
    return access_employer(user=request.user, employer_id=request.user.employer_id)


def _roster(employer) -> list[dict]:
    return [
        {
            "employment": emp,
            "person": person,
            "wage": yuan(emp.monthly_wage_fen),
            "form": forms.SeparateForm(prefix=f"e{emp.id}"),
        }
        for emp, person in selectors.employer_roster(employer_id=employer.id)
    ]


@never_cache
@employer_required
def roster(request: HttpRequest) -> HttpResponse:
    employer = _employer(request)
    return render(
        request, "register/employer/roster.html", {"employer": employer, "roster": _roster(employer)}
    )


@employer_required
@require_http_methods(["GET", "POST"])
def hire(request: HttpRequest) -> HttpResponse:
    """增员 by ID number; a person not yet registered is registered by the same service."""
    employer = _employer(request)
    form = forms.EmployerHireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            employment = services.employment_hire_by_id_number(
                actor=request.user,
                employer_id=employer.id,
                id_number=data["id_number"],
                name=data["name"],
                start_date=data["start_date"],
                monthly_wage=data["monthly_wage"],
                hukou_region=data["hukou_region"] or None,
                hukou_type=data["hukou_type"] or None,
                phone=data["phone"],
            )
        except SERVICE_ERRORS as exc:
            form_error(request, form, exc)
        else:
            messages.success(request, _("增员已完成：%(name)s") % {"name": employment.person.name})
            return done(request, reverse("register:employer_roster"))
    template = "register/_form.html" if is_htmx(request) else "register/employer/hire.html"
    context = {
        "employer": employer,
        "form": form,
        "title": _("增员"),
        "submit": _("增员"),
        "back_url": reverse("register:employer_roster"),
    }
    return render(request, template, context)


@never_cache
@employer_required
@require_GET
def separate_list(request: HttpRequest) -> HttpResponse:
    employer = _employer(request)
    return render(
        request, "register/employer/separate.html", {"employer": employer, "roster": _roster(employer)}
    )


@employer_required
@require_POST
def separate(request: HttpRequest, employment_id: int) -> HttpResponse:
    """减员 of one employee of this employer. With htmx, the roster section is swapped."""
    employer = _employer(request)
    rows = _roster(employer)
    row = next((r for r in rows if r["employment"].id == employment_id), None)
    if row is None:  # not one of ours (or already gone): same answer either way
        raise Http404
    form = forms.SeparateForm(request.POST, prefix=f"e{employment_id}")
    if form.is_valid():
        try:
            services.employment_separate(
                actor=request.user,
                employment_id=employment_id,
                end_date=form.cleaned_data["end_date"],
                reason=form.cleaned_data["reason"],
            )
        except SERVICE_ERRORS as exc:
            form_error(request, form, exc)
        else:
            notice = _("减员已完成：%(name)s") % {"name": row["person"].name}
            if not is_htmx(request):
                messages.success(request, notice)
                return done(request, reverse("register:employer_separate_list"))
            context = {"employer": employer, "roster": _roster(employer), "notice": notice}
            return render(request, "register/employer/_separate_rows.html", context)
    row["form"] = form  # bound, with its errors, shown on that row
    context = {"employer": employer, "roster": rows}
    if is_htmx(request):
        return render(request, "register/employer/_separate_rows.html", context)
    return render(request, "register/employer/separate.html", context)


@employer_required
@require_http_methods(["GET", "POST"])
def batch(request: HttpRequest) -> HttpResponse:
    employer = _employer(request)
    form = forms.BatchUploadForm(request.POST or None, request.FILES or None)
    result = None
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            result = services.employment_batch_import(
                actor=request.user,
                employer_id=employer.id,
                kind=form.cleaned_data["kind"],
                file=form.cleaned_data["file"],
            )
        except SERVICE_ERRORS as exc:
            form_error(request, form, exc)
        else:
            errors = [
                {"row": e.row, "column": column_label(request, e.field), "message": message_for(request, e)}
                for e in result.errors
            ]
            if result.ok:
                for warning in result.warnings:
                    messages.warning(request, warning)
                messages.success(request, _("导入成功，共办理 %(n)s 人") % {"n": result.processed})
                return done(request, reverse("register:employer_roster"))
    context = {"employer": employer, "form": form, "result": result, "errors": errors}
    template = "register/employer/_batch_result.html" if is_htmx(request) else "register/employer/batch.html"
    return render(request, template, context)


@employer_required
@require_GET
def batch_template(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in dict(forms.BATCH_KINDS):
        raise Http404
    _employer(request)
    content = excel.employment_batch_template(kind)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.xlsx"'
    return response


@never_cache
@employer_required
def info(request: HttpRequest) -> HttpResponse:
    employer = _employer(request)
    context = {
        "employer": employer,
        "region_name": region_name(employer.region_code),
        "headcount": len(selectors.employer_roster(employer_id=employer.id)),
    }
    return render(request, "register/employer/info.html", context)
