"""Citizen pages: 养老金测算 (estimate from the own record with stated assumptions) and
我的养老金 (the approved breakdown and its history). The person is always the one linked
to the logged-in account; nothing identifies a person in the URL."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shebao.benefits import selectors
from shebao.benefits.errors import BenefitError
from shebao.benefits.forms import EstimateForm
from shebao.benefits.schemas import assumptions_from, pension_row_out
from shebao.register.views._common import citizen_required, message_for

FIELD_OF = {"wage_growth": "wage_growth_pct", "interest_rate": "interest_rate_pct"}


def _fmt(period: int) -> str:
    return f"{period // 100}-{period % 100:02d}"


@never_cache
@citizen_required
@require_GET
def estimate(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.person_id is None:
        return render(request, "register/citizen/no_record.html")
    form = EstimateForm(request.GET or None)
    result, error = None, None
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        try:
            assumptions = assumptions_from(
                wage_growth_pct=data.get("wage_growth_pct"), future_index=data.get("future_index"),
                interest_rate_pct=data.get("interest_rate_pct"), retire_period=data.get("retire_period"),
            )  # fmt: skip
            est = selectors.pension_estimate_for_person(
                user=user,
                person_id=user.person_id,
                assumptions=assumptions,
                category=data.get("category") or None,
                deemed_months=data.get("deemed_months") or 0,
            )
            result = {"est": est, "data": selectors.estimate_dict(est), "statutory": _fmt(est.retirement.period),
                      "earliest": _fmt(est.retirement.earliest_period), "latest": _fmt(est.retirement.latest_period),
                      "retire": _fmt(est.retire_period)}  # fmt: skip
        except BenefitError as exc:
            name = FIELD_OF.get(exc.field, exc.field)
            if name in form.fields and request.GET:
                form.add_error(name, message_for(request, exc))
            else:
                error = message_for(request, exc)
    rows = [pension_row_out(r) for r in selectors.pension_history(user=user, person_id=user.person_id)]
    template = (
        "benefits/_estimate_result.html"
        if request.headers.get("HX-Request") == "true"
        else "benefits/estimate.html"
    )
    return render(request, template, {"form": form, "result": result, "error": error, "rows": rows,
                                      "current": rows[-1] if rows else None})  # fmt: skip
