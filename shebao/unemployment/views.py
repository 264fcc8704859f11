"""失业保险金 pages: the citizen's own claims (/me/unemployment/) and the staff pages —
claims of the post's region with a stop action, the parameter tables with the add form
(参数管理), and the fund's medical transfer totals. Thin: parse, call one service or
selector, render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from shebao.accounts.access import AccessDenied, user_has_perm
from shebao.accounts.rules.permissions import Perm
from shebao.benefits.rules.unemployment import StopReason
from shebao.register.schemas import NotFound
from shebao.register.views._common import citizen_required, done, forbidden, form_error, staff_required
from shebao.unemployment import access, selectors, services
from shebao.unemployment.errors import UnemploymentError
from shebao.unemployment.schemas import claim_out, medical_out, parameter_out, transfer_out

STOP_CHOICES = [(r.value, services.STOP_LABELS[r][0]) for r in StopReason]


class StopForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("停发原因"), choices=STOP_CHOICES)
    from_period = forms.CharField(label=gettext_lazy("自何月起停发（YYYYMM）"), max_length=7)


class ParameterForm(forms.Form):
    jurisdiction = forms.CharField(label=gettext_lazy("统筹区代码"), max_length=6, initial="110000")
    valid_from = forms.CharField(label=gettext_lazy("起始月份（YYYYMM）"), max_length=7)
    valid_to = forms.CharField(label=gettext_lazy("截止月份（可空）"), max_length=7, required=False)
    minimum_wage = forms.CharField(label=gettext_lazy("最低工资标准（元/月）"), max_length=12)
    dibao = forms.CharField(label=gettext_lazy("城市低保标准（元/月）"), max_length=12)
    first = forms.CharField(label=gettext_lazy("失业保险金第1至12个月（元/月）"), max_length=12)
    later = forms.CharField(label=gettext_lazy("失业保险金第13至24个月（元/月）"), max_length=12)
    extension = forms.CharField(label=gettext_lazy("延长领取期间（元/月）"), max_length=12)
    medical_base = forms.CharField(label=gettext_lazy("代缴医疗保险费基数（元/月）"), max_length=12)
    medical_rate = forms.CharField(label=gettext_lazy("代缴医疗保险费率（如 0.098）"), max_length=10)
    source_doc = forms.CharField(label=gettext_lazy("发布文号"), max_length=120)


@never_cache
@citizen_required
@require_GET
def my_unemployment(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.person_id is None:
        return render(request, "register/citizen/no_record.html")
    claims = [claim_out(c, detail=True) for c in selectors.claims_of(user=user, person_id=user.person_id)]
    medical = [medical_out(m) for m in selectors.medical_months(person_id=user.person_id)]
    return render(request, "unemployment/me.html", {"claims": claims, "medical": medical})


def _staff_page(request, *, stop_form=None, stop_claim=None, status=200) -> HttpResponse:
    rows = [claim_out(c) for c in selectors.claim_list(user=request.user, status=request.GET.get("status", ""))]
    return render(request, "unemployment/staff.html", {
        "claims": rows, "stop_form": stop_form or StopForm(), "stop_claim": stop_claim,
        "status": request.GET.get("status", ""),
    }, status=status)  # fmt: skip


@never_cache
@staff_required
@require_GET
def staff_claims(request: HttpRequest) -> HttpResponse:
    try:
        return _staff_page(request)
    except AccessDenied as exc:
        return forbidden(request, exc)


@never_cache
@staff_required
@require_GET
def staff_claim(request: HttpRequest, claim_id: int) -> HttpResponse:
    try:
        claim = access.access_claim(user=request.user, claim_id=claim_id)
    except NotFound:
        raise Http404 from None
    return render(request, "unemployment/claim.html", {"claim": claim_out(claim, detail=True), "form": StopForm(),
                                                       "medical": [medical_out(m) for m in selectors.medical_months(person_id=claim.person_id)]})  # fmt: skip


@staff_required
@require_POST
def staff_claim_stop(request: HttpRequest, claim_id: int) -> HttpResponse:
    try:
        claim = access.access_claim(user=request.user, claim_id=claim_id)
    except NotFound:
        raise Http404 from None
    form = StopForm(request.POST)
    if form.is_valid():
        try:
            services.claim_stop(actor=request.user, claim_id=claim.pk, **form.cleaned_data)
        except AccessDenied as exc:
            return forbidden(request, exc)
        except UnemploymentError as exc:
            form_error(request, form, exc)
        else:
            messages.success(request, _("已停发"))
            return done(request, reverse("unemployment:staff_claim", args=[claim.pk]))
    return render(request, "unemployment/claim.html", {"claim": claim_out(claim, detail=True), "form": form,
                                                       "medical": []}, status=400)  # fmt: skip


def _parameters_page(request, form=None, status=200) -> HttpResponse:
    rows = [parameter_out(r) for r in selectors.parameter_rows()]
    can_admin = user_has_perm(request.user, Perm.PARAMETER_ADMIN)
    return render(request, "unemployment/parameters.html", {
        "rows": rows, "can_admin": can_admin, "form": form or (ParameterForm() if can_admin else None),
    }, status=status)  # fmt: skip


@never_cache
@staff_required
@require_GET
def staff_parameters(request: HttpRequest) -> HttpResponse:
    return _parameters_page(request)


@staff_required
@require_POST
def staff_parameter_add(request: HttpRequest) -> HttpResponse:
    form = ParameterForm(request.POST)
    if form.is_valid():
        try:
            services.parameter_add(actor=request.user, **form.cleaned_data)
        except AccessDenied as exc:
            return forbidden(request, exc)
        except UnemploymentError as exc:
            form_error(request, form, exc)
        else:
            messages.success(request, _("失业保险金标准已新增"))
            return done(request, reverse("unemployment:staff_parameters"))
    return _parameters_page(request, form, status=400)


@never_cache
@staff_required
@require_GET
def staff_medical(request: HttpRequest) -> HttpResponse:
    try:
        rows = [transfer_out(r) for r in selectors.medical_transfers(user=request.user)]
    except AccessDenied as exc:
        return forbidden(request, exc)
    return render(request, "unemployment/medical.html", {"rows": rows})
