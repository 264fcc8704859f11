"""Staff back office (经办工作台) contribution pages: 核定 runs with live progress, 参数 tables,
a payer's bills.

Access: ``register.access.require_staff_perm`` for pages that list (a post with the
permission somewhere), the region grant for one run, and the contribution access
functions (``authorise_employer_view`` / ``authorise_person_view``) for a payer's bills.
Refusals raise ``AccessDenied``, which ``staff_required`` turns into the 403 page.
"""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shebao.accounts.access import AccessDenied, grant_for, user_has_perm
from shebao.accounts.rules.permissions import Perm
from shebao.contributions import arrears, assessment, selectors, services, tasks
from shebao.contributions.codes import ParamKind, PayerType, RunStatus
from shebao.contributions.views import forms
from shebao.contributions.views._common import SERVICE_ERRORS, parse_period, service_error
from shebao.contributions.views._display import (
    AGING_LABELS,
    KEY_LABELS,
    PARAM_KIND_LABELS,
    RUN_STATUS_LABELS,
    arrears_view,
    bill_rows,
    bill_totals,
    current_period,
    insurance_label,
    param_value_label,
    period_label,
    yuan,
)
from shebao.register.access import access_employer, access_person, require_staff_perm
from shebao.register.views._common import done, is_htmx, region_name, staff_required

RUN_LIST_LIMIT = 50


def _may_view_run(user, region_code: str) -> bool:
    return user_has_perm(user, Perm.CONTRIBUTION_VIEW, region_code) or user_has_perm(
        user, Perm.ASSESSMENT_RUN, region_code
    )


def _run_denied() -> AccessDenied:
    return AccessDenied(zh="核定批次不存在或无权查看", en="no such assessment run, or access denied")


def run_view(run) -> dict:
    """What the run page and its progress fragment show."""
    total = run.employer_fen + run.individual_fen
    percent = (
        int(run.chunks_done * 100 / run.chunks_total)
        if run.chunks_total
        else (100 if run.status == RunStatus.DONE else 0)
    )
    return {
        "id": run.pk,
        "period": run.period,
        "period_label": period_label(run.period),
        "region_code": run.region_code,
        "region_name": region_name(run.region_code),
        "status": run.status,
        "status_label": str(RUN_STATUS_LABELS.get(run.status, run.status)),
        "finished": run.status in (RunStatus.DONE, RunStatus.FAILED),
        "chunks_done": run.chunks_done,
        "chunks_total": run.chunks_total,
        "percent": percent,
        "lines": run.lines,
        "bills": run.bills,
        "employer": yuan(run.employer_fen),
        "individual": yuan(run.individual_fen),
        "total": yuan(total),
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "requested_by": run.requested_by,
        "error": run.error,
    }


# ---------------------------------------------------------------- 核定


@never_cache
@staff_required
@require_GET
def runs(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user_has_perm(user, Perm.CONTRIBUTION_VIEW) or user_has_perm(user, Perm.ASSESSMENT_RUN)):
        raise AccessDenied(zh="您的岗位无权查看核定", en="your post does not allow viewing assessments")
    can_run = user_has_perm(user, Perm.ASSESSMENT_RUN)
    rows = [run_view(r) for r in selectors.runs_recent(RUN_LIST_LIMIT) if _may_view_run(user, r.region_code)]
    form = forms.RunStartForm(initial={"period": str(current_period() - 1)}) if can_run else None
    return render(request, "contributions/staff/runs.html", {"runs": rows, "form": form, "can_run": can_run})


@staff_required
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    """Start (or resume) a run → ``assessment.assessment_start``, then queue ``assessment_task``."""
    require_staff_perm(user=request.user, perm=Perm.ASSESSMENT_RUN)
    form = forms.RunStartForm(request.POST)
    period = parse_period(request, form, "period") if form.is_valid() else None
    if period is not None:
        try:
            run = assessment.assessment_start(
                actor=request.user, period=int(period), region_code=form.cleaned_data["region_code"]
            )
        except SERVICE_ERRORS as exc:
            service_error(request, form, exc, fields={"region": "region_code"})
        else:
            # assessment_start has committed: the task (by id) may start at once
            tasks.assessment_task.enqueue(run.pk)
            messages.success(request, _("核定已开始：%(period)s") % {"period": period_label(run.period)})
            return done(request, reverse("contributions:staff_run", args=[run.pk]))
    context = {
        "form": form,
        "title": _("开始核定"),
        "submit": _("开始核定"),
        "back_url": reverse("contributions:staff_runs"),
    }
    template = "register/_form.html" if is_htmx(request) else "register/form_page.html"
    return render(request, template, context)


def _run_for(request: HttpRequest, run_id: int):
    run = selectors.run_by_id(run_id)
    if run is None or not _may_view_run(request.user, run.region_code):
        raise _run_denied()
    return run


@never_cache
@staff_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run_for(request, run_id)
    return render(request, "contributions/staff/run.html", {"run": run_view(run)})


@never_cache
@staff_required
@require_GET
def run_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    """The progress fragment; it polls itself every 2 s until the run is done or failed."""
    run = _run_for(request, run_id)
    return render(request, "contributions/staff/_run_progress.html", {"run": run_view(run)})


# ---------------------------------------------------------------- 参数


def _require_parameter_view(user) -> None:
    if not (user_has_perm(user, Perm.CONTRIBUTION_VIEW) or user_has_perm(user, Perm.PARAMETER_ADMIN)):
        raise AccessDenied(zh="您的岗位无权查看参数", en="your post does not allow viewing parameters")


def _key_label(kind: ParamKind, key: str) -> str:
    if kind.keyed_by == "insurance":
        return insurance_label(key)
    return key


@never_cache
@staff_required
@require_GET
def parameters(request: HttpRequest) -> HttpResponse:
    """Parameter tables grouped by kind, with effective periods and source documents."""
    _require_parameter_view(request.user)
    groups: dict[str, list] = {}
    for row in selectors.parameter_list():
        groups.setdefault(row.kind, []).append(row)
    tables = []
    for kind in ParamKind:
        rows = groups.get(kind.value, [])
        tables.append(
            {
                "kind": kind.value,
                "label": str(PARAM_KIND_LABELS[kind]),
                "key_label": str(KEY_LABELS.get(kind.keyed_by, "")) if kind.keyed_by else "",
                "rows": [
                    {
                        "key": _key_label(kind, r.key),
                        "jurisdiction": region_name(r.jurisdiction)
                        if r.jurisdiction != "000000"
                        else _("全国"),
                        "valid_from": period_label(r.valid_from),
                        "valid_to": period_label(r.valid_to) if r.valid_to else "",
                        "value": param_value_label(kind.value, r.value),
                        "source_doc": r.source_doc,
                        "note": r.note,
                    }
                    for r in rows
                ],
            }
        )
    context = {"tables": tables, "can_admin": user_has_perm(request.user, Perm.PARAMETER_ADMIN)}
    return render(request, "contributions/staff/parameters.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def parameter_add(request: HttpRequest) -> HttpResponse:
    """Add an effective-dated value → ``services.parameter_add`` (administrators)."""
    require_staff_perm(user=request.user, perm=Perm.PARAMETER_ADMIN)
    form = forms.ParameterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = services.parameter_add(
                actor=request.user,
                kind=data["kind"],
                key=data["key"],
                jurisdiction=data["jurisdiction"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"] or None,
                value=data["value"],
                source_doc=data["source_doc"],
                note=data["note"],
            )
        except SERVICE_ERRORS as exc:
            service_error(request, form, exc)
        else:
            messages.success(
                request,
                _("参数已添加：%(kind)s，自 %(period)s 起")
                % {"kind": PARAM_KIND_LABELS[ParamKind(row.kind)], "period": period_label(row.valid_from)},
            )
            return done(request, reverse("contributions:staff_parameters") + f"#kind-{row.kind}")
    context = {
        "form": form,
        "title": _("添加参数"),
        "submit": _("添加"),
        "back_url": reverse("contributions:staff_parameters"),
    }
    template = "register/_form.html" if is_htmx(request) else "register/form_page.html"
    return render(request, template, context)


# ---------------------------------------------------------------- a payer's bills


@never_cache
@staff_required
@require_GET
def employer_bills(request: HttpRequest, employer_id: int) -> HttpResponse:
    selectors.authorise_employer_view(user=request.user, employer_id=employer_id)
    employer = access_employer(user=request.user, employer_id=employer_id)
    rows = bill_rows(selectors.bills_for_payer(payer_type=PayerType.EMPLOYER, payer_id=employer.id))
    statement = arrears.payer_arrears(
        user=request.user, payer_type=PayerType.EMPLOYER, payer_id=employer.id, on=timezone.localdate()
    )
    context = {
        "statement": arrears_view(statement),
        "payer_label": employer.name,
        "payer_detail": employer.uscc,
        "payer_url": reverse("register:staff_employer", args=[employer.id]),
        "bills": rows,
        "totals": bill_totals(rows),
    }
    return render(request, "contributions/staff/payer_bills.html", context)


@never_cache
@staff_required
@require_GET
def person_bills(request: HttpRequest, person_id: int) -> HttpResponse:
    """A flexible worker's own bills (staff without PERSON_VIEW see the number, not the name)."""
    selectors.authorise_person_view(user=request.user, person_id=person_id)
    label, detail, url = _("人员编号 %(id)s") % {"id": person_id}, "", ""
    if user_has_perm(request.user, Perm.PERSON_VIEW, selectors.person_region(person_id)):
        person = access_person(user=request.user, person_id=person_id)
        label, detail, url = person.name, person.id_masked, reverse("register:staff_person", args=[person.id])
    rows = bill_rows(selectors.bills_for_payer(payer_type=PayerType.PERSON, payer_id=person_id))
    statement = arrears.payer_arrears(
        user=request.user, payer_type=PayerType.PERSON, payer_id=person_id, on=timezone.localdate()
    )
    context = {
        "statement": arrears_view(statement),
        "payer_label": label,
        "payer_detail": detail,
        "payer_url": url,
        "bills": rows,
        "totals": bill_totals(rows),
    }
    return render(request, "contributions/staff/payer_bills.html", context)


# ---------------------------------------------------------------- 欠费


ARREARS_PAGE = 50


def _payer_link(user, row) -> dict:
    """Name and page of a payer in the arrears list (the name only where the post may see it)."""
    if row.payer_type == PayerType.EMPLOYER:
        url = reverse("contributions:staff_employer_bills", args=[row.payer_id])
        try:
            name = access_employer(user=user, employer_id=row.payer_id).name
        except AccessDenied:
            name = _("单位编号 %(id)s") % {"id": row.payer_id}
        return {"label": name, "kind": _("单位"), "url": url}
    url = reverse("contributions:staff_person_bills", args=[row.payer_id])
    name = _("人员编号 %(id)s") % {"id": row.payer_id}
    if user_has_perm(user, Perm.PERSON_VIEW, row.region_code):
        with contextlib.suppress(AccessDenied):
            name = access_person(user=user, person_id=row.payer_id).name
    return {"label": name, "kind": _("灵活就业"), "url": url}


@never_cache
@staff_required
@require_GET
def arrears_list(request: HttpRequest) -> HttpResponse:
    """欠费: payers in arrears in a region today, largest first, with aging buckets."""
    grant = grant_for(request.user, Perm.CONTRIBUTION_VIEW)
    if grant is None:
        raise AccessDenied(zh="您的岗位无权查看欠费", en="your post does not allow viewing arrears")
    form = forms.ArrearsFilterForm(request.GET or {"region_code": grant.region_code, "min_days": 1})
    page, context = None, {"form": form, "rows": [], "aging": [], "page": None}
    if form.is_valid():
        number = form.cleaned_data.get("page") or 1
        try:
            page = arrears.arrears_list(
                user=request.user,
                region_code=form.cleaned_data["region_code"],
                on=timezone.localdate(),
                min_days=form.cleaned_data["min_days"],
                limit=ARREARS_PAGE,
                offset=(number - 1) * ARREARS_PAGE,
            )
        except SERVICE_ERRORS as exc:
            service_error(request, form, exc)
        else:
            query = request.GET.copy()
            query["region_code"], query["min_days"] = (
                form.cleaned_data["region_code"],
                form.cleaned_data["min_days"],
            )
            query.pop("page", None)
            context.update(
                page=page,
                on=page.on,
                region_name=region_name(form.cleaned_data["region_code"]),
                total=yuan(page.outstanding_fen),
                aging=[{"label": str(AGING_LABELS[k]), "amount": yuan(v)} for k, v in page.buckets.items()],
                rows=[
                    {
                        **_payer_link(request.user, r),
                        "bills": r.bills,
                        "outstanding": yuan(r.outstanding_fen),
                        "buckets": [yuan(r.buckets.get(k, 0)) for k in AGING_LABELS],
                        "oldest_due": r.oldest_due,
                    }
                    for r in page.rows
                ],
                bucket_labels=[str(v) for v in AGING_LABELS.values()],
                number=number,
                previous=f"?{query.urlencode()}&page={number - 1}" if number > 1 else "",
                next=f"?{query.urlencode()}&page={number + 1}" if number * ARREARS_PAGE < page.payers else "",
            )
    return render(request, "contributions/staff/arrears.html", context)
