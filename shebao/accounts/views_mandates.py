"""委托代办 pages: the citizen sees who may act for them and revokes with one click,
the agent sees whom they may act for, front desk records a paper mandate. Thin:
parse, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shebao.accounts import selectors, services
from shebao.accounts.access import AccessDenied, user_has_perm
from shebao.accounts.mandate_forms import (
    FIELD_MAP,
    MandateForm,
    PersonLookupForm,
    RevokeForm,
    StaffMandateForm,
)
from shebao.accounts.mandate_schemas import mandate_out
from shebao.accounts.rules.errors import AccountError
from shebao.accounts.rules.permissions import Perm, UserKind


def _message(exc) -> str:
    english = (get_language() or "").startswith("en")
    return exc.message_en if english else exc.message_zh


def _attach(form, exc: AccountError) -> None:
    field = FIELD_MAP.get(exc.field, exc.field)
    form.add_error(field if field in form.fields else None, _message(exc))


def _denied(request, exc: AccessDenied, status: int = 403):
    return render(request, "accounts/denied.html", {"error": exc}, status=status)


def _rows(mandates) -> list[dict]:
    return [mandate_out(m) for m in mandates]


@login_required
@require_http_methods(["GET", "POST"])
def mandates(request):
    user = request.user
    if user.kind == UserKind.CITIZEN and user.person_id is not None:
        return _citizen(request)
    if user.kind == UserKind.AGENT:
        return render(
            request,
            "accounts/mandates/agent.html",
            {"rows": _rows(selectors.mandates_for_agent(user.pk)), "today": timezone.localdate()},
        )
    if user.kind == UserKind.STAFF and user_has_perm(user, Perm.PERSON_WRITE):
        return _staff(request)
    return _denied(request, AccessDenied(zh="此页面不适用于您的账户", en="this page is not for your account"))


def _citizen(request):
    user = request.user
    form = MandateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        agent = selectors.agent_by_username(form.cleaned_data["agent_username"])
        if agent is None:
            form.add_error("agent_username", _("找不到该社区代办员，请核对登录名"))
        else:
            try:
                services.mandate_grant(
                    actor=user,
                    agent_id=agent.pk,
                    person_id=user.person_id,
                    item_codes=form.item_list(),
                    valid_until=form.cleaned_data["valid_until"],
                    evidence="",
                )
            except AccountError as exc:
                _attach(form, exc)
            except AccessDenied as exc:
                return _denied(request, exc)
            else:
                messages.success(
                    request, _("已授权 %(name)s 代为办理。") % {"name": agent.full_name or agent.username}
                )
                return redirect("accounts:mandates")
    return render(
        request,
        "accounts/mandates/citizen.html",
        {"form": form, "rows": _rows(selectors.mandates_for_person(user.person_id))},
        status=400 if form.errors else 200,
    )


def _staff(request):
    user = request.user
    lookup = PersonLookupForm(request.GET or None)
    person = None
    rows = []
    if lookup.is_valid() and lookup.cleaned_data["id_number"].strip():
        person = selectors.person_directory(id_number=lookup.cleaned_data["id_number"])
        if person is None:
            lookup.add_error("id_number", _("未找到该证件号码的参保人"))
        else:
            rows = _rows(selectors.mandates_in_regions(actor=user, person_id=person.id))
    else:
        rows = _rows(selectors.mandates_in_regions(actor=user, limit=30))
    form = StaffMandateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = selectors.person_directory(id_number=form.cleaned_data["id_number"])
        agent = selectors.agent_by_username(form.cleaned_data["agent_username"])
        if target is None:
            form.add_error("id_number", _("未找到该证件号码的参保人"))
        if agent is None:
            form.add_error("agent_username", _("找不到该社区代办员，请核对登录名"))
        if not form.errors:
            try:
                services.mandate_grant(
                    actor=user,
                    agent_id=agent.pk,
                    person_id=target.id,
                    item_codes=form.item_list(),
                    valid_until=form.cleaned_data["valid_until"],
                    evidence=form.cleaned_data["evidence"],
                )
            except AccountError as exc:
                _attach(form, exc)
            except AccessDenied as exc:
                form.add_error(None, _message(exc))
            else:
                messages.success(request, _("书面委托已登记。"))
                return redirect("accounts:mandates")
    return render(
        request,
        "accounts/mandates/staff.html",
        {"form": form, "lookup": lookup, "person": person, "rows": rows, "revoke_form": RevokeForm()},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def mandate_revoke(request, mandate_id: int):
    form = RevokeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.mandate_revoke(actor=request.user, mandate_id=mandate_id, reason=reason)
    except AccessDenied as exc:
        return _denied(request, exc)
    except AccountError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("委托已撤销，代办员从此不能再代您办理。"))
    return redirect("accounts:mandates")
