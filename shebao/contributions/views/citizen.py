"""Citizen portal (我的社保) contribution pages: 缴费记录 by month and insurance, 缴费档次变更.

No identifier comes from the URL: the person is the one linked to the logged-in account,
checked with ``contributions.selectors.authorise_person_view`` (and the service's
``authorise_person_write`` for the grade change).
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

from shebao.contributions import selectors, services
from shebao.contributions.sheet import SheetError
from shebao.contributions.views import forms
from shebao.contributions.views._common import SERVICE_ERRORS, parse_period, service_error
from shebao.contributions.views._display import (
    INSURANCES,
    current_period,
    history_months,
    insurance_label,
    period_label,
)
from shebao.kernel.rules.periods import period_range
from shebao.register import sources
from shebao.register.access import access_person
from shebao.register.views._common import citizen_required, done, message_for, pick

MAX_MONTHS = 60  # one index probe per period: five years at most per page


def _person(request: HttpRequest):
    """The logged-in citizen's own person record (None when the account has none)."""
    user = request.user
    if user.person_id is None:
        return None
    person = access_person(user=user, person_id=user.person_id)
    selectors.authorise_person_view(user=user, person_id=person.id)
    return person


@never_cache
@citizen_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    """缴费记录: assessed amounts per month and insurance (last 12 months by default)."""
    person = _person(request)
    if person is None:
        return render(request, "register/citizen/no_record.html")
    now = current_period()
    data = request.GET if request.GET else {"from_period": str(now - 11), "to_period": str(now)}
    form = forms.PeriodRangeForm(data)
    months, start, end = [], None, None
    if form.is_valid():
        start, end = parse_period(request, form, "from_period"), parse_period(request, form, "to_period")
        if start is not None and end is not None:
            if end < start:
                form.add_error(
                    "to_period", pick(request, "截止所属期早于起始所属期", "the end is before the start")
                )
            elif start.months_until(end) > MAX_MONTHS:
                form.add_error(
                    "from_period",
                    pick(
                        request, f"一次最多查询 {MAX_MONTHS} 个月", f"at most {MAX_MONTHS} months at a time"
                    ),
                )
            else:
                periods = [int(p) for p in period_range(start, end)]
                months = history_months(selectors.person_lines(person_id=person.id, periods=periods), periods)
    context = {
        "person": person,
        "form": form,
        "months": months,
        "insurances": [insurance_label(i.value) for i in INSURANCES],
        "range_label": f"{period_label(int(start))} – {period_label(int(end))}" if start and end else "",
        "is_flexible": sources.is_flexible_worker(person.id),
    }
    return render(request, "contributions/citizen/history.html", context)


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def grade(request: HttpRequest) -> HttpResponse:
    """缴费档次变更 for a flexible worker: effective from next month."""
    person = _person(request)
    if person is None:
        return render(request, "register/citizen/no_record.html")
    if not sources.is_flexible_worker(person.id):
        return render(request, "contributions/citizen/not_flexible.html", {"person": person}, status=200)
    effective = current_period(timezone.localdate()) + 1
    try:
        sheet = selectors.rate_sheet(region_code=selectors.person_region(person.id), period=int(effective))
        grades, sheet_error = sheet.grades, ""
    except SheetError as exc:
        grades, sheet_error = (), message_for(request, exc)
    form = forms.GradeForm(request.POST or None, grades=grades)
    if request.method == "POST" and form.is_valid():
        try:
            services.flexible_grade_change(
                actor=request.user, person_id=person.id, grade_pct=form.cleaned_data["grade_pct"]
            )
        except SERVICE_ERRORS as exc:
            service_error(request, form, exc)
        else:
            messages.success(
                request,
                _("缴费档次已变更为 %(grade)s%%，自 %(period)s 起生效")
                % {"grade": form.cleaned_data["grade_pct"], "period": period_label(int(effective))},
            )
            return done(request, reverse("contributions:citizen_grade"))
    history_rows = [
        {"grade": g.grade_pct, "from": period_label(g.effective_period), "at": g.chosen_at}
        for g in selectors.flexible_grades(person_id=person.id)
    ]
    current = next(
        (
            g
            for g in selectors.flexible_grades(person_id=person.id)
            if g.effective_period <= int(current_period())
        ),
        None,
    )
    context = {
        "person": person,
        "form": form,
        "sheet_error": sheet_error,
        "effective_label": period_label(int(effective)),
        "current": current,
        "history": history_rows,
    }
    return render(request, "contributions/citizen/grade.html", context)
