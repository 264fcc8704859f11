"""Service-hall pages: the catalogue and guides, the one-time notification, applying
(draft, uploads with preview, e-signature confirmation), my applications, and the staff
workbench. Thin: authorise, call one selector or service, render."""

from __future__ import annotations

import json
import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shebao.accounts import selectors as account_selectors
from shebao.accounts.access import AccessDenied, grant_for
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.hall import selectors, services, storage
from shebao.hall.errors import CaseError
from shebao.hall.items import get_item
from shebao.hall.rules.workflow import CaseStatus
from shebao.kernel.divisions import division_get
from shebao.register.views._common import forbidden, is_english, message_for, pick, staff_required

APPLICANT_KINDS = (UserKind.CITIZEN, UserKind.EMPLOYER, UserKind.AGENT)


def _applicant(view):
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if user.kind not in APPLICANT_KINDS or not user.is_active:
            return forbidden(request)
        try:
            return view(request, *args, **kwargs)
        except AccessDenied as exc:
            return forbidden(request, exc)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _audiences(user) -> tuple[str, ...]:
    if getattr(user, "kind", None) == UserKind.EMPLOYER:
        return ("employer",)
    if getattr(user, "kind", None) in (UserKind.CITIZEN, UserKind.AGENT):
        return ("person", "agent")
    return ("person", "employer", "agent")


def _name(item, request) -> str:
    return item.name_en if is_english(request) and item.name_en else item.name_zh


# ---------------------------------------------------------------------------------- catalogue


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """事项目录: search by text, category (业务类别) or life event (人生事件). Open to everyone."""
    q = request.GET.get("q", "")
    category = request.GET.get("category", "")
    life_event = request.GET.get("life_event", "")
    audiences = _audiences(request.user) if request.user.is_authenticated else ("person", "employer", "agent")
    items = [
        i
        for i in selectors.catalogue_search(q=q, category=category, life_event=life_event)
        if i.audience in audiences
    ]
    rows = [{"item": i, "name": _name(i, request), "start_url": selectors.item_start_url(i)} for i in items]
    context = {
        "rows": rows,
        "q": q,
        "category": category,
        "life_event": life_event,
        **selectors.catalogue_facets(),
    }
    template = (
        "hall/_catalogue_results.html"
        if request.headers.get("HX-Request") == "true"
        else "hall/catalogue.html"
    )
    return render(request, template, context)


def _item_context(request, code: str) -> dict:
    item = selectors.item_get(code=code)
    if item is None:
        raise Http404
    definition = get_item(code)
    return {
        "item": item,
        "name": _name(item, request),
        "guide": getattr(item, "guide", None),
        "materials": list(item.materials.all()),
        "fields": definition.fields if definition else (),
        "start_url": selectors.item_start_url(item),
        "english": is_english(request),
    }


@require_GET
def item(request: HttpRequest, code: str) -> HttpResponse:
    """办事指南."""
    return render(request, "hall/item.html", _item_context(request, code))


@require_GET
def notice(request: HttpRequest, code: str) -> HttpResponse:
    """一次性告知: everything needed on one printable page."""
    return render(request, "hall/notice.html", _item_context(request, code))


# ---------------------------------------------------------------------------------- applying


@never_cache
@_applicant
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, code: str) -> HttpResponse:
    """开始申请: a POST with the form's idempotency key opens (or reopens) the draft."""
    context = _item_context(request, code)
    mandates = []
    if request.user.kind == UserKind.AGENT:
        mandates = [m for m in account_selectors.mandates_for_agent(request.user.pk) if m.revoked_at is None]
    error = None
    if request.method == "POST":
        person_id = request.POST.get("person_id") or None
        try:
            case = services.case_start(
                actor=request.user,
                item_code=code,
                idempotency_key=request.POST.get("idempotency_key", ""),
                person_id=int(person_id) if person_id and person_id.isdigit() else None,
            )
            return redirect("hall:case", case.pk)
        except CaseError as exc:
            error = message_for(request, exc)
        except AccessDenied as exc:
            error = message_for(request, exc)
    context.update({"idempotency_key": uuid.uuid4().hex, "mandates": mandates, "error": error})
    return render(request, "hall/start.html", context, status=400 if error else 200)


def _month(value) -> str:
    """A stored period (202701) as the form shows and asks it (2027-01)."""
    text = str(value)
    return f"{text[:4]}-{text[4:]}" if len(text) == 6 and text.isdigit() else text


def _form_rows(definition, case, request, errors: dict) -> list[dict]:
    english = is_english(request)
    rows = []
    for f in definition.fields:
        value = case.prefill.get(f.name, "") if f.readonly else case.data.get(f.name, "")
        if f.kind == "period" and value:
            value = _month(value)
        values = value if isinstance(value, list) else [value]
        choices = [(c[0], c[2] if english else c[1]) for c in f.choices]
        labels = dict(choices)
        rows.append(
            {
                "spec": f,
                "label": f.label(english),
                "help": f.help_en if english else f.help_zh,
                "value": value,
                "values": values,
                # what a reader sees: choice labels, not their codes
                "display": "、".join(str(labels.get(v, v)) for v in values if v not in ("", None)),
                "choices": choices,
                "error": errors.get(f.name, ""),
                "returned": case.returned_fields.get(f.name, ""),
            }
        )
    return rows


def _materials(definition, case, request, errors: dict) -> list[dict]:
    uploads = selectors.case_uploads(case=case)
    rows = []
    for m in definition.materials:
        rows.append(
            {
                "spec": m,
                "uploads": [u for u in uploads if u.material_code == m.code],
                "error": errors.get(f"material:{m.code}", ""),
                "returned": case.returned_fields.get(f"material:{m.code}", ""),
            }
        )
    return rows


def _case_context(request, case, errors: dict | None = None) -> dict:
    definition = get_item(case.item.code)
    errors = errors or {}
    editable = (
        case.status in (CaseStatus.DRAFT, CaseStatus.RETURNED) and case.applicant_user_id == request.user.pk
    )
    office_zh, office_en = selectors.case_office(case)
    return {
        "case": case,
        "status": case.status_enum,
        "status_label": case.status_enum.label_en if is_english(request) else case.status_enum.label_zh,
        "name": _name(case.item, request),
        "rows": _form_rows(definition, case, request, errors),
        "materials": _materials(definition, case, request, errors),
        "errors": errors,
        "editable": editable,
        "events": selectors.case_events(case=case),
        "sla": selectors.case_sla(case),
        "office": office_en if is_english(request) else office_zh,
        "max_mb": storage.max_file_bytes() // (1024 * 1024),
    }


def _posted_data(definition, request) -> dict:
    data = {}
    for f in definition.editable_fields:
        if f.kind == "multichoice":
            data[f.name] = request.POST.getlist(f.name)
        elif f.name in request.POST:
            data[f.name] = request.POST.get(f.name, "")
    return data


@never_cache
@_applicant
@require_http_methods(["GET", "POST"])
def case(request: HttpRequest, case_id: int) -> HttpResponse:
    """One application: the form while a draft (or returned), then status and timeline."""
    row = selectors.case_for_applicant(user=request.user, case_id=case_id)
    errors: dict = {}
    if request.method == "POST":
        definition = get_item(row.item.code)
        data = _posted_data(definition, request)
        action = request.POST.get("action", "save")
        try:
            if action == "save":
                services.case_save_draft(actor=request.user, case_id=row.pk, data=data)
                messages.success(request, pick(request, "草稿已保存", "draft saved"))
            else:
                submit = services.case_resubmit if row.status == CaseStatus.RETURNED else services.case_submit
                submit(
                    actor=request.user, case_id=row.pk, data=data, confirm=request.POST.get("confirm") == "1"
                )
                messages.success(request, pick(request, "申请已提交", "application submitted"))
            return redirect("hall:case", row.pk)
        except CaseError as exc:
            errors[exc.field] = message_for(request, exc)
            row.data = {**row.data, **data}  # show what was typed (not saved)
    return render(
        request, "hall/case.html", _case_context(request, row, errors), status=400 if errors else 200
    )


@_applicant
@require_POST
def upload(request: HttpRequest, case_id: int) -> HttpResponse:
    row = selectors.case_for_applicant(user=request.user, case_id=case_id)
    file = request.FILES.get("file")
    errors = {}
    if file is None:
        errors[f"material:{request.POST.get('material_code', '')}"] = pick(
            request, "请选择文件", "choose a file"
        )
    else:
        if file.size > storage.max_file_bytes():
            errors[f"material:{request.POST.get('material_code', '')}"] = pick(
                request,
                f"文件超过 {storage.max_file_bytes() // (1024 * 1024)} MB 上限",
                "the file is too large",
            )
        else:
            try:
                services.case_upload(
                    actor=request.user,
                    case_id=row.pk,
                    material_code=request.POST.get("material_code", ""),
                    filename=file.name,
                    content=file.read(),
                )
                return redirect("hall:case", row.pk)
            except CaseError as exc:
                errors[f"material:{request.POST.get('material_code', '')}"] = message_for(request, exc)
    return render(request, "hall/case.html", _case_context(request, row, errors), status=400)


@_applicant
@require_POST
def remove_upload(request: HttpRequest, case_id: int, upload_id: int) -> HttpResponse:
    row = selectors.case_for_applicant(user=request.user, case_id=case_id)
    try:
        services.case_remove_upload(actor=request.user, case_id=row.pk, upload_id=upload_id)
    except CaseError as exc:
        messages.error(request, message_for(request, exc))
    return redirect("hall:case", row.pk)


@never_cache
@require_GET
def file(request: HttpRequest, upload_id: int) -> HttpResponse:
    """A material, inline, to its applicant or to staff of the case's region only."""
    if not request.user.is_authenticated:
        return forbidden(request)
    try:
        upload = selectors.upload_for_reader(user=request.user, upload_id=upload_id)
        data = storage.read(upload.storage_name)
    except AccessDenied as exc:
        return forbidden(request, exc)
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(data, content_type=upload.content_type)
    response["Content-Disposition"] = (
        f'inline; filename="material-{upload.pk}.{storage.ALLOWED[upload.content_type]}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; object-src 'self'"
    return response


@never_cache
@require_GET
def receipt(request: HttpRequest, case_id: int) -> HttpResponse:
    """The signed receipt (电子签名确认) as a JSON download."""
    if not request.user.is_authenticated:
        return forbidden(request)
    try:
        row = selectors.case_for_reader(user=request.user, case_id=case_id)
    except AccessDenied as exc:
        return forbidden(request, exc)
    if row.receipt is None:
        raise Http404
    response = HttpResponse(
        json.dumps(row.receipt, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="receipt-{row.reference}.json"'
    return response


@never_cache
@_applicant
@require_GET
def my_cases(request: HttpRequest) -> HttpResponse:
    rows = [
        {"case": c, "status": c.status_enum, "sla": selectors.case_sla(c), "name": _name(c.item, request)}
        for c in selectors.cases_for_applicant(user=request.user)
    ]
    return render(request, "hall/my_cases.html", {"rows": rows})


# ---------------------------------------------------------------------------------- staff

QUEUES = (
    ("intake", "待受理", "intake"),
    ("review", "待审核", "review"),
    ("recheck", "待复核", "second check"),
    ("returned", "退回补正中", "returned"),
    ("done", "已办结", "completed"),
)


@never_cache
@staff_required
@require_GET
def workbench(request: HttpRequest) -> HttpResponse:
    """工作台: queues by post and region, SLA colours, claim."""
    if not grant_for(request.user, Perm.CASE_VIEW):
        return forbidden(request)
    queue = request.GET.get("queue", "intake")
    mine = request.GET.get("mine") == "1"
    counts = selectors.queue_counts(user=request.user)
    cases = selectors.staff_queue(user=request.user, queue=queue, mine=mine)
    english = is_english(request)
    regions = {code: division_get(code) for code in {c.region_code for c in cases}}
    rows = [
        {
            "case": c,
            "status": c.status_enum,
            "status_label": c.status_enum.label_en if english else c.status_enum.label_zh,
            "region": regions[c.region_code].name if regions[c.region_code] else c.region_code,
            "sla": selectors.case_sla(c),
            "name": _name(c.item, request),
        }
        for c in cases
    ]
    tabs = [
        {"key": k, "label": en if is_english(request) else zh, "count": counts.get(k, 0)}
        for k, zh, en in QUEUES
    ]
    return render(request, "hall/workbench.html", {"rows": rows, "tabs": tabs, "queue": queue, "mine": mine})


STAFF_ACTIONS = {
    "claim": lambda u, c, p: services.case_claim(actor=u, case_id=c),
    "accept": lambda u, c, p: services.case_accept(actor=u, case_id=c, comment=p.get("comment", "")),
    "reject": lambda u, c, p: services.case_reject_intake(actor=u, case_id=c, comment=p.get("comment", "")),
    "review": lambda u, c, p: services.case_review(actor=u, case_id=c, comment=p.get("comment", "")),
    "approve": lambda u, c, p: services.case_approve(actor=u, case_id=c, comment=p.get("comment", "")),
    "refuse": lambda u, c, p: services.case_refuse(actor=u, case_id=c, comment=p.get("comment", "")),
    "recheck_approve": lambda u, c, p: services.case_recheck(
        actor=u, case_id=c, approve=True, comment=p.get("comment", "")
    ),
    "recheck_refuse": lambda u, c, p: services.case_recheck(
        actor=u, case_id=c, approve=False, comment=p.get("comment", "")
    ),
    "return": lambda u, c, p: services.case_return(
        actor=u,
        case_id=c,
        comment=p.get("comment", ""),
        fields={k[len("mark:") :]: v for k, v in p.items() if k.startswith("mark:")},
    ),
}


ACTION_DONE = {
    "claim": ("已认领", "claimed"),
    "accept": ("已受理", "accepted"),
    "reject": ("已不予受理", "not accepted"),
    "review": ("审核通过，已转复核", "reviewed; sent for second check"),
    "approve": ("已办结（准予）", "completed (approved)"),
    "refuse": ("已办结（不予批准）", "completed (refused)"),
    "recheck_approve": ("复核通过，已办结", "second check passed; completed"),
    "recheck_refuse": ("复核不通过，已办结", "second check failed; completed (refused)"),
    "return": ("已退回补正", "returned for correction"),
}


def _staff_context(request, row, error: str = "", error_field: str = "") -> dict:
    context = _case_context(request, row)
    user = request.user
    region = row.region_code
    context.update(
        {
            "error": error,
            "error_field": error_field,
            "can_accept": grant_for(user, Perm.CASE_ACCEPT, region) is not None,
            "can_review": grant_for(user, Perm.CASE_REVIEW, region) is not None,
            "can_recheck": grant_for(user, Perm.CASE_RECHECK, region) is not None
            and row.reviewed_by_id != user.pk,
            "assignee": account_selectors.user_get(user_id=row.assignee_id) if row.assignee_id else None,
            "staff": True,
        }
    )
    return context


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def staff_case(request: HttpRequest, case_id: int) -> HttpResponse:
    """案件办理: materials with preview, history, transition buttons with a comment."""
    row = selectors.case_for_staff(user=request.user, case_id=case_id)
    if request.method == "POST":
        action = STAFF_ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            return render(
                request,
                "hall/staff_case.html",
                _staff_context(request, row, pick(request, "未知操作", "unknown action")),
                status=400,
            )
        try:
            action(request.user, row.pk, request.POST)
            done_zh, done_en = ACTION_DONE.get(request.POST["action"], ("已办理", "done"))
            messages.success(request, pick(request, done_zh, done_en))
            return redirect("hall:staff_case", row.pk)
        except CaseError as exc:
            row = selectors.case_for_staff(user=request.user, case_id=case_id)
            return render(
                request,
                "hall/staff_case.html",
                _staff_context(request, row, message_for(request, exc), exc.field),
                status=400,
            )
        except AccessDenied as exc:
            return forbidden(request, exc)
    return render(request, "hall/staff_case.html", _staff_context(request, row))


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def admin_item(request: HttpRequest, code: str) -> HttpResponse:
    """事项与指南维护 (CATALOGUE_ADMIN), audited."""
    if not grant_for(request.user, Perm.CATALOGUE_ADMIN):
        return forbidden(request)
    row = selectors.item_get(code=code, include_inactive=True)
    if row is None:
        raise Http404
    error, error_field = "", ""
    if request.method == "POST":
        p = request.POST
        try:
            services.catalogue_change(
                actor=request.user,
                code=code,
                item={
                    "name_zh": p.get("name_zh", ""),
                    "time_limit_days": p.get("time_limit_days", ""),
                    "online_level": p.get("online_level", ""),
                    "active": p.get("active") == "1",
                },
                guide={k: p.get(k, "") for k in ("conditions", "steps", "legal_basis", "notes")},
            )
            messages.success(request, pick(request, "已保存", "saved"))
            return redirect(reverse("hall:admin_item", args=[code]))
        except CaseError as exc:
            error, error_field = message_for(request, exc), exc.field
    return render(
        request,
        "hall/admin_item.html",
        {"item": row, "guide": row.guide, "error": error, "error_field": error_field},
        status=400 if error else 200,
    )
