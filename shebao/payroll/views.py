"""Staff pages of the payroll (养老金发放): runs with live progress and totals, bank
batches with file download and returns upload, payees with history, receivables.
Thin: parse a form, call one service or selector, render. Refusals (AccessDenied) become
the 403 page through ``staff_required``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from shebao.accounts.access import user_has_perm
from shebao.accounts.rules.permissions import Perm
from shebao.kernel.rules.money import fen_to_yuan
from shebao.payroll import access, selectors, services, tasks
from shebao.payroll import run as payroll
from shebao.payroll.codes import BANKS, RunStatus
from shebao.payroll.services import PayrollError
from shebao.register.schemas import NotFound
from shebao.register.views._common import done, form_error, staff_required

BENEFIT_LABELS = {
    "pension": gettext_lazy("基本养老金"),
    "unemployment": gettext_lazy("失业保险金"),
    "survivor": gettext_lazy("遗属待遇"),
    "funeral": gettext_lazy("丧葬补助金"),
}


class PeriodForm(forms.Form):
    period = forms.CharField(label=gettext_lazy("发放月份（YYYYMM）"), max_length=7)


class SuspendForm(forms.Form):
    from_period = forms.CharField(label=gettext_lazy("自何月起（YYYYMM）"), max_length=7)
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=200)


class ResumeForm(forms.Form):
    from_period = forms.CharField(label=gettext_lazy("自何月起恢复（YYYYMM）"), max_length=7)


class ReturnsForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("银行回盘文件（CSV）"))
    hold = forms.BooleanField(label=gettext_lazy("暂缓重发（待核实账户后再发）"), required=False)


class RepayForm(forms.Form):
    amount = forms.CharField(label=gettext_lazy("退还金额（元）"), max_length=20)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)


class OffsetForm(forms.Form):
    share_percent = forms.IntegerField(
        label=gettext_lazy("每月抵扣比例（%）"), min_value=1, max_value=100, initial=50
    )


def _yuan(fen) -> str:
    return "—" if fen is None else f"{fen_to_yuan(fen):,.2f}"


def _period(p) -> str:
    return "—" if p is None else f"{int(p) // 100}-{int(p) % 100:02d}"


def run_view(run) -> dict:
    percent = (
        int(run.chunks_done * 100 / run.chunks_total)
        if run.chunks_total
        else (100 if run.status != "queued" else 0)
    )
    labels = {
        "queued": _("排队中"),
        "running": _("进行中"),
        "done": _("已完成"),
        "failed": _("失败"),
        "closed": _("已关闭"),
    }
    return {
        "id": run.pk,
        "period": _period(run.period),
        "status": run.status,
        "status_label": labels.get(run.status),
        "finished": run.status in (RunStatus.DONE, RunStatus.FAILED, RunStatus.CLOSED),
        "percent": percent,
        "chunks_done": run.chunks_done,
        "chunks_total": run.chunks_total,
        "payments": run.payments,
        "payees": run.payees,
        "total": _yuan(run.total_fen),
        "backpay": _yuan(run.backpay_fen),
        "recovered": _yuan(run.recovered_fen),
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "created_at": run.created_at,
        "error": run.error,
    }


def _can_run(user) -> bool:
    return user_has_perm(user, Perm.PAYROLL_RUN)


@never_cache
@staff_required
@require_GET
def runs(request: HttpRequest) -> HttpResponse:
    access.reader_regions(request.user)
    form = PeriodForm() if _can_run(request.user) else None
    rows = [run_view(r) for r in selectors.payroll_runs()]
    return render(request, "payroll/runs.html", {"runs": rows, "form": form})


@staff_required
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.POST)
    if form.is_valid():
        try:
            run = payroll.payroll_start(actor=request.user, period=form.cleaned_data["period"])
        except PayrollError as exc:
            form_error(request, form, exc)
        else:
            tasks.payroll_task.enqueue(run.pk)  # payroll_start has committed
            messages.success(request, _("发放已开始：%(period)s") % {"period": _period(run.period)})
            return done(request, reverse("payroll:run", args=[run.pk]))
    rows = [run_view(r) for r in selectors.payroll_runs()]
    return render(request, "payroll/runs.html", {"runs": rows, "form": form}, status=400)


def _run(request, run_id: int):
    access.reader_regions(request.user)
    run = selectors.payroll_run(run_id=run_id)
    if run is None:
        raise Http404
    return run


def _batch_rows(run) -> list[dict]:
    return [
        {
            "id": b.pk,
            "bank": f"{BANKS.get(b.bank_code, b.bank_code)} ({b.bank_code})",
            "count": b.count,
            "total": _yuan(b.total_fen),
            "checksum": b.checksum,
            "failed_count": b.failed_count,
            "failed": _yuan(b.failed_fen),
            "returns_applied": b.returns_applied_at,
        }
        for b in selectors.bank_batches(run_id=run.pk)
    ]


@never_cache
@staff_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    return render(
        request,
        "payroll/run.html",
        {
            "run": run_view(run),
            "batches": _batch_rows(run),
            "returns_form": ReturnsForm() if _can_run(request.user) else None,
        },
    )


@never_cache
@staff_required
@require_GET
def run_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    return render(request, "payroll/_run_progress.html", {"run": run_view(_run(request, run_id))})


@staff_required
@require_GET
def batch_file(request: HttpRequest, batch_id: int) -> HttpResponse:
    try:
        batch, handle = services.bank_batch_download(actor=request.user, batch_id=batch_id)
    except PayrollError:
        raise Http404 from None
    return FileResponse(
        handle, as_attachment=True, filename=batch.file_name, content_type="text/csv; charset=utf-8"
    )


@staff_required
@require_POST
def batch_returns(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.bank_batch(batch_id=batch_id)
    if batch is None:
        raise Http404
    form = ReturnsForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            batch = services.bank_returns_apply(
                actor=request.user,
                batch_id=batch.pk,
                data=form.cleaned_data["file"].read(),
                hold=form.cleaned_data["hold"],
            )
        except PayrollError as exc:
            form_error(request, form, exc)
        else:
            messages.success(request, _("回盘已导入：%(n)s 笔失败") % {"n": batch.failed_count})
            return done(request, reverse("payroll:run", args=[batch.run_id]))
    run = _run(request, batch.run_id)
    return render(
        request,
        "payroll/run.html",
        {
            "run": run_view(run),
            "batches": _batch_rows(run),
            "returns_form": form,
            "returns_batch": batch.pk,
        },
        status=400,
    )


def payee_view(p) -> dict:
    labels = {"active": _("正常发放"), "suspended": _("暂停发放"), "stopped": _("终止发放")}
    return {
        "id": p.pk,
        "person_id": p.person_id,
        "benefit": BENEFIT_LABELS.get(p.benefit, p.benefit),
        "monthly": _yuan(p.monthly_fen),
        "from_period": _period(p.from_period),
        "to_period": _period(p.to_period),
        "status": p.status,
        "status_label": labels.get(p.status),
        "bank": BANKS.get(p.bank_code, p.bank_code),
        "account": p.account_masked,
        "stop_reason": p.stop_reason,
        "suspended_from": _period(p.suspended_from),
        "region_code": p.region_code,
    }


@never_cache
@staff_required
@require_GET
def payees(request: HttpRequest) -> HttpResponse:
    regions = access.reader_regions(request.user)
    status = request.GET.get("status", "")
    person = request.GET.get("person_id", "").strip()
    person_id = int(person) if person.isdigit() else None
    rows = [payee_view(p) for p in selectors.payees(regions=regions, status=status, person_id=person_id)]
    return render(request, "payroll/payees.html", {"payees": rows, "status": status, "person_id": person})


def _payee_page(request, payee, *, suspend_form=None, resume_form=None, status=200):
    changes = [
        {
            "action": c.action,
            "from_period": _period(c.from_period),
            "monthly": _yuan(c.monthly_fen),
            "status": c.status,
            "reason": c.reason,
            "actor": c.actor,
            "at": c.at,
        }
        for c in selectors.payee_history(payee_id=payee.pk)
    ]
    payments = [
        {"period": _period(m.period), "kind": m.kind, "amount": _yuan(m.amount_fen), "status": m.status}
        for m in selectors.payee_payments(payee=payee)
    ]
    can = _can_run(request.user)
    return render(
        request,
        "payroll/payee.html",
        {
            "payee": payee_view(payee),
            "changes": changes,
            "payments": payments,
            "adjustments": selectors.adjustments(payee_id=payee.pk),
            "suspend_form": (suspend_form or SuspendForm()) if can and payee.status == "active" else None,
            "resume_form": (resume_form or ResumeForm()) if can and payee.status == "suspended" else None,
        },
        status=status,
    )


def _payee(request, payee_id):
    try:
        return access.access_payee(user=request.user, payee_id=payee_id)
    except NotFound:
        raise Http404 from None


@never_cache
@staff_required
@require_GET
def payee_detail(request: HttpRequest, payee_id: int) -> HttpResponse:
    return _payee_page(request, _payee(request, payee_id))


@staff_required
@require_POST
def payee_suspend(request: HttpRequest, payee_id: int) -> HttpResponse:
    payee = _payee(request, payee_id)
    form = SuspendForm(request.POST)
    if form.is_valid():
        try:
            services.payee_suspend(actor=request.user, payee_id=payee.pk, **form.cleaned_data)
        except PayrollError as exc:
            form_error(request, form, exc)
        else:
            messages.success(request, _("已暂停发放"))
            return done(request, reverse("payroll:payee", args=[payee.pk]))
    return _payee_page(request, payee, suspend_form=form, status=400)


@staff_required
@require_POST
def payee_resume(request: HttpRequest, payee_id: int) -> HttpResponse:
    payee = _payee(request, payee_id)
    form = ResumeForm(request.POST)
    if form.is_valid():
        try:
            services.payee_resume(actor=request.user, payee_id=payee.pk, **form.cleaned_data)
        except PayrollError as exc:
            form_error(request, form, exc)
        else:
            messages.success(request, _("已恢复发放，暂停月份将在下次发放时补发"))
            return done(request, reverse("payroll:payee", args=[payee.pk]))
    return _payee_page(request, payee, resume_form=form, status=400)


def _receivable_rows(*, can: bool, failed: tuple[int, forms.Form] | None = None) -> list[dict]:
    """Rows with their own forms (prefixed by the receivable, so ids stay unique)."""
    labels = {"open": _("待追回"), "offsetting": _("抵扣中"), "recovered": _("已追回")}
    rows = []
    for r in selectors.receivables():
        row = {
            "id": r.pk,
            "person_id": r.person_id,
            "payee_id": r.payee_id,
            "amount": _yuan(r.amount_fen),
            "recovered": _yuan(r.recovered_fen),
            "outstanding": _yuan(r.amount_fen - r.recovered_fen),
            "reason": r.reason,
            "status": r.status,
            "status_label": labels.get(r.status),
            "offset": r.offset_ppm // 10_000,
            "repay_form": None,
            "offset_form": None,
        }
        if can and r.status != "recovered":
            row["repay_form"] = RepayForm(prefix=f"repay{r.pk}")
            row["offset_form"] = OffsetForm(prefix=f"offset{r.pk}")
            if failed is not None and failed[0] == r.pk:
                row["repay_form" if isinstance(failed[1], RepayForm) else "offset_form"] = failed[1]
                row["failed"] = failed[1]
        rows.append(row)
    return rows


@never_cache
@staff_required
@require_GET
def receivables(request: HttpRequest) -> HttpResponse:
    access.reader_regions(request.user)
    rows = _receivable_rows(can=_can_run(request.user))
    return render(request, "payroll/receivables.html", {"receivables": rows})


@staff_required
@require_POST
def receivable_action(request: HttpRequest, receivable_id: int, action: str) -> HttpResponse:
    access.reader_regions(request.user)
    if action == "repay":
        form: forms.Form = RepayForm(request.POST, prefix=f"repay{receivable_id}")
    elif action == "offset":
        form = OffsetForm(request.POST, prefix=f"offset{receivable_id}")
    else:
        raise Http404
    if form.is_valid():
        try:
            if action == "repay":
                services.receivable_repay(
                    actor=request.user, receivable_id=receivable_id, **form.cleaned_data
                )
            else:
                services.receivable_offset(
                    actor=request.user,
                    receivable_id=receivable_id,
                    share_ppm=form.cleaned_data["share_percent"] * 10_000,
                )
        except PayrollError as exc:
            form_error(request, form, exc)
        else:
            messages.success(request, _("已登记"))
            return done(request, reverse("payroll:receivables"))
    rows = _receivable_rows(can=True, failed=(receivable_id, form))
    return render(request, "payroll/receivables.html", {"receivables": rows}, status=400)
