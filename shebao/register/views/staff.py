"""Staff back office (经办工作台): search, person and employer records, service forms.

Every protected object is loaded through ``access_person`` / ``access_employer``
and every write goes through one service; refusals become the 403 page (see
``_common.staff_required``) and ``RegisterError`` a form error on its field.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shebao.accounts.access import grant_for, user_has_perm
from shebao.accounts.rules.permissions import Perm
from shebao.kernel.audit import data_access_record
from shebao.kernel.rules.identifiers import IdentifierError
from shebao.register import selectors, services
from shebao.register.access import access_employer, access_person
from shebao.register.errors import RegisterError
from shebao.register.rules.codes import EmployerStatus, EmploymentKind, Insurance
from shebao.register.views import forms
from shebao.register.views._common import (
    done,
    form_error,
    is_htmx,
    message_for,
    pick,
    region_name,
    staff_required,
)
from shebao.register.views._display import (
    REVEAL_FIELD_LABELS,
    VIEW_PURPOSE,
    access_rows,
    history_rows,
    period_label,
    status_rows,
    yuan,
)

SERVICE_ERRORS = (RegisterError, IdentifierError)


def _form_page(
    request: HttpRequest, form, *, title: str, submit: str, intro: dict | None = None, danger=False
):
    """A page with one form; for htmx the form alone (errors included) is returned."""
    context = {"form": form, "title": title, "submit": submit, "intro": intro or {}, "danger": danger}
    template = "register/_form.html" if is_htmx(request) else "register/form_page.html"
    return render(request, template, context)


# ---------------------------------------------------------------- search


def _search(request: HttpRequest, *, scope: str) -> HttpResponse:
    """Search persons and/or employers. Queries are POSTed: an ID number never goes in a URL."""
    user = request.user
    typing_cleared = is_htmx(request) and not request.POST.get("q", "").strip()
    form = forms.SearchForm(None if typing_cleared else (request.POST or None))
    persons, employers, searched = [], [], False
    if request.method == "POST" and form.is_valid():
        query = form.cleaned_data["q"].strip()
        searched = True
        if scope in ("all", "persons") and user_has_perm(user, Perm.PERSON_VIEW):
            persons = selectors.person_search(user=user, query=query)
        if scope in ("all", "employers") and user_has_perm(user, Perm.EMPLOYER_VIEW):
            employers = selectors.employer_search(user=user, query=query)
    context = {
        "form": form,
        "scope": scope,
        "persons": persons,
        "employers": employers,
        "searched": searched,
        "can_register_person": user_has_perm(user, Perm.PERSON_WRITE),
        "can_register_employer": user_has_perm(user, Perm.EMPLOYER_WRITE),
    }
    if is_htmx(request):
        return render(request, "register/staff/_results.html", context)
    return render(request, "register/staff/search.html", context)


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def dashboard(request: HttpRequest) -> HttpResponse:
    return _search(request, scope="all")


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def person_list(request: HttpRequest) -> HttpResponse:
    return _search(request, scope="persons")


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def employer_list(request: HttpRequest) -> HttpResponse:
    return _search(request, scope="employers")


# ---------------------------------------------------------------- person record


def _enrolment_context(person, form=None, notice: str = "") -> dict:
    enrolments = selectors.person_enrolments(person_id=person.id)
    return {
        "person": person,
        "status_rows": status_rows(selectors.person_current_status(person_id=person.id)),
        "enrolment_history": [
            {
                "e": e,
                "insurance": str(forms.INSURANCE_LABELS.get(Insurance(e.insurance), e.insurance)),
                "start": period_label(e.start_period),
                "end": period_label(e.end_period),
            }
            for e in enrolments
        ],
        "enrolment_form": form if form is not None else forms.EnrolmentActionForm(),
        "enrolment_notice": notice,
    }


@never_cache
@staff_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    user = request.user
    person = access_person(user=user, person_id=person_id)
    grant = grant_for(user, Perm.PERSON_VIEW, person.region_code)
    data_access_record(
        subject_id=person.id,
        fields="masked",
        purpose=VIEW_PURPOSE,
        channel="web",
        actor=user,
        post=grant.post.value if grant else "",
    )
    employments = [
        {"e": e, "wage": yuan(e.monthly_wage_fen), "open": e.end_date is None}
        for e in selectors.person_employments(person_id=person.id)
    ]
    region = person.region_code
    context = {
        "person": person,
        "id_type_label": dict(forms.ID_TYPE_CHOICES).get(person.id_type, person.id_type),
        "hukou_region_name": region_name(person.hukou_region),
        "region_name": region_name(region),
        "employments": employments,
        "history": history_rows(selectors.record_history(object_type="person", object_id=person.id)),
        "access_log": access_rows(selectors.person_access_log(person_id=person.id)),
        "can_reveal": user_has_perm(user, Perm.PERSON_REVEAL, region),
        "can_write_person": user_has_perm(user, Perm.PERSON_WRITE, region),
        "can_write_employment": user_has_perm(user, Perm.EMPLOYMENT_WRITE, region),
        "can_write_enrolment": user_has_perm(user, Perm.ENROLMENT_WRITE, region),
        "reveal_fields": [(k, str(v)) for k, v in REVEAL_FIELD_LABELS.items()],
        **_enrolment_context(person),
    }
    return render(request, "register/staff/person_detail.html", context)


@never_cache
@staff_required
@require_POST
def person_reveal(request: HttpRequest, person_id: int) -> HttpResponse:
    """Show one full identifier once (audited by the service); never cached."""
    field = request.POST.get("field", "")
    if field not in REVEAL_FIELD_LABELS:
        raise Http404
    person = access_person(user=request.user, person_id=person_id, perm=Perm.PERSON_REVEAL)
    try:
        value = services.person_reveal(actor=request.user, person_id=person.id, field=field)
        error = ""
    except RegisterError as exc:
        value, error = "", message_for(request, exc)
    context = {
        "person": person,
        "field": field,
        "label": REVEAL_FIELD_LABELS[field],
        "value": value,
        "error": error,
    }
    template = "register/staff/_revealed.html" if is_htmx(request) else "register/staff/reveal.html"
    return render(request, template, context)


@staff_required
@require_http_methods(["GET", "POST"])
def person_register(request: HttpRequest) -> HttpResponse:
    form = forms.PersonRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.person_register(
                actor=request.user,
                id_number=data["id_number"],
                id_type=data["id_type"] or None,
                name=data["name"],
                hukou_region=data["hukou_region"],
                hukou_type=data["hukou_type"],
                region_code=data["region_code"] or None,
                phone=data["phone"],
                address=data["address"],
                bank_name=data["bank_name"],
                bank_account=data["bank_account"],
                registered_on=data["registered_on"],
            )
        except SERVICE_ERRORS as exc:
            form_error(request, form, exc)
        else:
            for warning in result.warnings:
                messages.warning(request, warning)
            messages.success(request, _("个人参保登记已完成"))
            return done(request, reverse("register:staff_person", args=[result.person.id]))
    return _form_page(request, form, title=_("个人参保登记"), submit=_("登记"))


@staff_required
@require_http_methods(["GET", "POST"])
def person_change(request: HttpRequest, person_id: int) -> HttpResponse:
    person = access_person(user=request.user, person_id=person_id, perm=Perm.PERSON_WRITE)
    initial = {
        name: getattr(person, name)
        for name in forms.PersonChangeForm.base_fields
        if name not in forms.PersonChangeForm.SENSITIVE
    }
    form = forms.PersonChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            form.add_error(None, pick(request, "没有任何修改", "nothing was changed"))
        else:
            try:
                services.person_change(actor=request.user, person_id=person.id, changes=changes)
            except SERVICE_ERRORS as exc:
                form_error(request, form, exc)
            else:
                messages.success(request, _("个人信息已变更"))
                return done(request, reverse("register:staff_person", args=[person.id]))
    return _form_page(request, form, title=_("个人信息变更"), submit=_("保存变更"), intro={"person": person})


@staff_required
@require_http_methods(["GET", "POST"])
def person_hire(request: HttpRequest, person_id: int) -> HttpResponse:
    person = access_person(user=request.user, person_id=person_id, perm=Perm.EMPLOYMENT_WRITE)
    form = forms.HireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        uscc = data["uscc"].strip().upper()
        matches = [e for e in selectors.employer_search(user=request.user, query=uscc) if e.uscc == uscc]
        if not matches:
            form.add_error(
                "uscc",
                pick(
                    request,
                    "未找到该统一社会信用代码的单位（或不在您的辖区）",
                    "no employer with this credit code (or not in your region)",
                ),
            )
        else:
            try:
                services.employment_hire(
                    actor=request.user,
                    employer_id=matches[0].id,
                    person_id=person.id,
                    start_date=data["start_date"],
                    monthly_wage=data["monthly_wage"],
                    insurances=[Insurance(i) for i in data["insurances"]],
                )
            except SERVICE_ERRORS as exc:
                form_error(request, form, exc)
            else:
                messages.success(request, _("增员已完成"))
                return done(request, reverse("register:staff_person", args=[person.id]))
    return _form_page(
        request, form, title=_("增员：参加单位职工社会保险"), submit=_("增员"), intro={"person": person}
    )


@staff_required
@require_http_methods(["GET", "POST"])
def person_separate(request: HttpRequest, person_id: int, employment_id: int) -> HttpResponse:
    person = access_person(user=request.user, person_id=person_id, perm=Perm.EMPLOYMENT_WRITE)
    employment = next(
        (e for e in selectors.person_employments(person_id=person.id) if e.id == employment_id), None
    )
    if employment is None or employment.end_date is not None:
        raise Http404
    form = forms.SeparateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.employment_separate(
                actor=request.user,
                employment_id=employment.id,
                end_date=form.cleaned_data["end_date"],
                reason=form.cleaned_data["reason"],
            )
        except SERVICE_ERRORS as exc:
            form_error(request, form, exc)
        else:
            messages.success(request, _("减员已完成"))
            return done(request, reverse("register:staff_person", args=[person.id]))
    title = _("减员") if employment.kind == EmploymentKind.EMPLOYEE else _("停止灵活就业参保")
    return _form_page(
        request,
        form,
        title=title,
        submit=_("确认减员"),
        intro={"person": person, "employment": employment},
        danger=True,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def person_flexible(request: HttpRequest, person_id: int) -> HttpResponse:
    person = access_person(user=request.user, person_id=person_id, perm=Perm.EMPLOYMENT_WRITE)
    form = forms.FlexibleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flexible_register(
                actor=request.user,
                person_id=person.id,
                start_date=form.cleaned_data["start_date"],
                insurances=[Insurance(i) for i in form.cleaned_data["insurances"]],
            )
        except SERVICE_ERRORS as exc:
            form_error(request, form, exc)
        else:
            messages.success(request, _("灵活就业参保登记已完成"))
            return done(request, reverse("register:staff_person", args=[person.id]))
    return _form_page(
        request, form, title=_("灵活就业人员参保登记"), submit=_("登记"), intro={"person": person}
    )


ENROLMENT_SERVICES = {
    "suspend": "enrolment_suspend",
    "resume": "enrolment_resume",
    "terminate": "enrolment_terminate",
}


@staff_required
@require_http_methods(["GET", "POST"])
def person_enrolment(request: HttpRequest, person_id: int) -> HttpResponse:
    """Suspend / resume / terminate one insurance. With htmx, the enrolment section is swapped."""
    person = access_person(user=request.user, person_id=person_id, perm=Perm.ENROLMENT_WRITE)
    if request.method == "POST":
        form = forms.EnrolmentActionForm(request.POST)
    else:
        form = forms.EnrolmentActionForm(
            initial={k: request.GET[k] for k in ("action", "insurance") if request.GET.get(k)}
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        service = getattr(services, ENROLMENT_SERVICES[data["action"]])
        try:
            service(
                actor=request.user,
                person_id=person.id,
                insurance=Insurance(data["insurance"]),
                from_period=data["from_period"],
                reason=data["reason"],
            )
        except SERVICE_ERRORS as exc:
            form_error(request, form, exc)
        else:
            notice = _("已办理：%(action)s") % {"action": dict(forms.ENROLMENT_ACTIONS)[data["action"]]}
            if is_htmx(request):
                return render(
                    request,
                    "register/staff/_enrolments.html",
                    {**_enrolment_context(person, notice=notice), "can_write_enrolment": True},
                )
            messages.success(request, notice)
            return done(request, reverse("register:staff_person", args=[person.id]) + "#enrolments")
    if is_htmx(request) and request.method == "POST":
        return render(
            request,
            "register/staff/_enrolments.html",
            {**_enrolment_context(person, form=form), "can_write_enrolment": True},
        )
    return _form_page(
        request, form, title=_("暂停、恢复或终止参保"), submit=_("办理"), intro={"person": person}
    )


# ---------------------------------------------------------------- employers


@never_cache
@staff_required
def employer_detail(request: HttpRequest, employer_id: int) -> HttpResponse:
    user = request.user
    employer = access_employer(user=user, employer_id=employer_id)
    roster = [
        {"employment": emp, "person": person, "wage": yuan(emp.monthly_wage_fen)}
        for emp, person in selectors.employer_roster(employer_id=employer.id, active_only=False)
    ]
    context = {
        "employer": employer,
        "region_name": region_name(employer.region_code),
        "current": [r for r in roster if r["employment"].end_date is None],
        "past": [r for r in roster if r["employment"].end_date is not None],
        "history": history_rows(selectors.record_history(object_type="employer", object_id=employer.id)),
        "can_write": user_has_perm(user, Perm.EMPLOYER_WRITE, employer.region_code)
        and employer.status == EmployerStatus.ACTIVE,
        "can_view_persons": user_has_perm(user, Perm.PERSON_VIEW),
    }
    return render(request, "register/staff/employer_detail.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def employer_register(request: HttpRequest) -> HttpResponse:
    form = forms.EmployerRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            employer = services.employer_register(actor=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as exc:
            form_error(request, form, exc)
        else:
            messages.success(request, _("单位参保登记已完成"))
            return done(request, reverse("register:staff_employer", args=[employer.id]))
    return _form_page(request, form, title=_("单位参保登记"), submit=_("登记"))


@staff_required
@require_http_methods(["GET", "POST"])
def employer_change(request: HttpRequest, employer_id: int) -> HttpResponse:
    employer = access_employer(user=request.user, employer_id=employer_id, perm=Perm.EMPLOYER_WRITE)
    initial = {
        name: getattr(employer, name)
        for name in forms.EmployerChangeForm.base_fields
        if name not in forms.EmployerChangeForm.SENSITIVE
    }
    form = forms.EmployerChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            form.add_error(None, pick(request, "没有任何修改", "nothing was changed"))
        else:
            try:
                services.employer_change(actor=request.user, employer_id=employer.id, changes=changes)
            except SERVICE_ERRORS as exc:
                form_error(request, form, exc)
            else:
                messages.success(request, _("单位信息已变更"))
                return done(request, reverse("register:staff_employer", args=[employer.id]))
    return _form_page(
        request, form, title=_("单位信息变更"), submit=_("保存变更"), intro={"employer": employer}
    )


@staff_required
@require_http_methods(["GET", "POST"])
def employer_cancel(request: HttpRequest, employer_id: int) -> HttpResponse:
    employer = access_employer(user=request.user, employer_id=employer_id, perm=Perm.EMPLOYER_WRITE)
    form = forms.EmployerCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.employer_cancel(
                actor=request.user,
                employer_id=employer.id,
                cancelled_on=form.cleaned_data["cancelled_on"],
                reason=form.cleaned_data["reason"],
            )
        except SERVICE_ERRORS as exc:
            form_error(request, form, exc)
        else:
            messages.success(request, _("单位已注销"))
            return done(request, reverse("register:staff_employer", args=[employer.id]))
    return _form_page(
        request,
        form,
        title=_("单位注销登记"),
        submit=_("确认注销"),
        intro={"employer": employer},
        danger=True,
    )
