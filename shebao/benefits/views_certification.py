"""Survival certification pages (领取待遇资格认证): the staff list of due and missed
certifications in the post's regions with a record form, and the citizen's own page
with the next due date and self-certification. Thin: parse, call one service, render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from shebao.accounts.access import AccessDenied, regions_with_perm
from shebao.accounts.rules.permissions import Perm
from shebao.benefits import selectors, services
from shebao.benefits.errors import BenefitError
from shebao.register.views._common import citizen_required, done, form_error, staff_required

DUE_WITHIN_DAYS = 30


class RecordForm(forms.Form):
    person_id = forms.IntegerField(label=gettext_lazy("参保人编号"), min_value=1)
    method = forms.ChoiceField(
        label=gettext_lazy("认证方式"),
        choices=[("visit", gettext_lazy("上门/社区认证")), ("data_comparison", gettext_lazy("数据比对"))],
    )
    verified_on = forms.DateField(
        label=gettext_lazy("认证日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reference = forms.CharField(
        label=gettext_lazy("记录编号或说明"), max_length=200, required=False,
        help_text=gettext_lazy("上门/社区认证须填写"),
    )  # fmt: skip


class SelfForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("身份证号码"), max_length=18)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)


def _regions(user) -> list[str]:
    regions = sorted(
        set(regions_with_perm(user, Perm.CASE_ACCEPT)) | set(regions_with_perm(user, Perm.CASE_REVIEW))
    )
    if not regions:
        raise AccessDenied(zh="您的岗位无权办理资格认证", en="your post does not handle certification")
    return regions


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def staff_list(request: HttpRequest) -> HttpResponse:
    regions = _regions(request.user)
    today = timezone.localdate()
    status = 200
    form = RecordForm(request.POST or None, initial={"verified_on": today, "method": "visit"})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.certification_record(
                    actor=request.user, person_id=data["person_id"], method=data["method"],
                    verified_on=data["verified_on"], reference=data["reference"],
                )  # fmt: skip
            except (BenefitError, AccessDenied) as exc:
                form_error(request, form, exc)
            else:
                messages.success(request, _("认证已登记。"))
                return done(request, reverse("benefits:certification_staff"))
        status = 400
    rows = selectors.certification_schedule(today=today, regions=regions, within_days=DUE_WITHIN_DAYS)
    return render(
        request, "benefits/certification_staff.html",
        {"form": form, "rows": rows[:200], "today": today, "within": DUE_WITHIN_DAYS}, status=status,
    )  # fmt: skip


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def my_certification(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.person_id is None:
        return render(request, "register/citizen/no_record.html")
    today = timezone.localdate()
    form = SelfForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.certification_record(
                    actor=user, person_id=user.person_id, method="self_service", verified_on=today,
                    provider="register_match", id_number=form.cleaned_data["id_number"],
                    name=form.cleaned_data["name"],
                )  # fmt: skip
            except BenefitError as exc:
                form_error(request, form, exc)
            else:
                messages.success(request, _("认证成功，感谢您的配合。"))
                return done(request, reverse("benefits:certification_me"))
        status = 400
    info = selectors.person_certification(person_id=user.person_id, today=today)
    days_left = (info["due"] - today).days if info["due"] else None
    return render(
        request, "benefits/certification_me.html",
        {"form": form, "info": info, "days_left": days_left}, status=status,
    )  # fmt: skip
