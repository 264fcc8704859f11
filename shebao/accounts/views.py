"""Login, first-login password change, TOTP, and the 系统管理 pages. Thin: parse,
authorise, call one service, render."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shebao.accounts import selectors, services
from shebao.accounts.access import require_perm, user_has_perm
from shebao.accounts.api_auth import OTP_SESSION_KEY
from shebao.accounts.forms import (
    LoginForm,
    OtpForm,
    PasswordChangeForm,
    PostGrantFormSet,
    StaffForm,
    TokenForm,
    UserSearchForm,
    posts_from_formset,
)
from shebao.accounts.rules import totp as totp_rules
from shebao.accounts.rules.errors import AccountError
from shebao.accounts.rules.permissions import Perm, UserKind

TOTP_ISSUER = "Shebao"


def _next_url(request, default: str = "web:home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


# --- login and the steps that complete it ------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm

    def form_valid(self, form):
        # A second factor passed in an earlier login does not carry over.
        self.request.session.pop(OTP_SESSION_KEY, None)
        return super().form_valid(form)


@never_cache
@login_required
def password_change(request):
    user = request.user
    forced = user.must_change_password
    form = PasswordChangeForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_password(user=user, new_password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            form.add_error("new_password1", exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("密码已修改。"))
            return HttpResponseRedirect(_next_url(request))
    return render(
        request, "accounts/password_change.html", {"form": form, "forced": forced, "next": _next_url(request)}
    )


def _otp_done(request):
    request.session[OTP_SESSION_KEY] = True
    request.session.cycle_key()
    return HttpResponseRedirect(_next_url(request))


@never_cache
@login_required
def otp_verify(request):
    user = request.user
    if user.kind != UserKind.STAFF or request.session.get(OTP_SESSION_KEY):
        return HttpResponseRedirect(_next_url(request))
    if not user.totp_confirmed:
        return redirect("accounts:otp_enrol")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = services.user_totp_verify(user=user, code=form.cleaned_data["code"])
        if outcome == services.OtpOutcome.OK:
            return _otp_done(request)
        if outcome == services.OtpOutcome.LOCKED:
            logout(request)
            messages.error(request, _("动态口令错误次数过多，账户已锁定，请稍后再试或联系窗口。"))
            return redirect("accounts:login")
        if outcome == services.OtpOutcome.REPLAYED:
            form.add_error(
                "code",
                _("此动态口令已使用过，请等待下一个口令。This code was already used: wait for the next one."),
            )
        else:
            form.add_error("code", _("动态口令不正确。The code is wrong."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@login_required
def otp_enrol(request):
    user = request.user
    if user.kind != UserKind.STAFF or request.session.get(OTP_SESSION_KEY):
        return HttpResponseRedirect(_next_url(request))
    if user.totp_confirmed:
        return redirect("accounts:otp_verify")
    secret = services.user_totp_begin_enrolment(user=user)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.user_totp_confirm(user=user, code=form.cleaned_data["code"]):
            messages.success(request, _("动态口令已绑定。"))
            return _otp_done(request)
        form.add_error(
            "code", _("动态口令不正确，请核对手机时间后重试。The code is wrong: check the phone's clock.")
        )
    uri = totp_rules.provisioning_uri(secret, account=user.username, issuer=TOTP_ISSUER)
    qr_svg = segno.make(uri, error="m").svg_inline(scale=5, title=_("动态口令二维码"))
    context = {
        "form": form,
        "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": uri,
        "qr_svg": mark_safe(qr_svg),  # noqa: S308 - SVG generated by segno from our own URI
        "next": _next_url(request),
    }
    return render(request, "accounts/otp_enrol.html", context)


# --- 系统管理 pages ----------------------------------------------------------------------------


def _target(request, user_id: int, *, admin_only: bool = True):
    return selectors.access_user_account(actor=request.user, user_id=user_id, admin_only=admin_only)


def _slip_response(request, target, password: str):
    context = {
        "target": target,
        "login": selectors.user_login_display(target),
        "password": password,
        "password_groups": " ".join(password[i : i + 4] for i in range(0, len(password), 4)),
        "issued_at": timezone.localtime(),
        "issued_by": request.user,
        "back_url": reverse("accounts:user_detail", args=[target.pk])
        if user_has_perm(request.user, Perm.USER_ADMIN)
        else reverse("web:home"),
    }
    return render(request, "accounts/slip.html", context)


@login_required
def user_list(request):
    require_perm(request.user, Perm.USER_ADMIN)
    form = UserSearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    users = selectors.users_search(actor=request.user, q=q)
    rows = [{"user": u, "posts": selectors.user_posts_display(u)} for u in users]
    context = {"form": form, "rows": rows, "now": timezone.now()}
    return render(request, "accounts/admin/user_list.html", context)


@never_cache
@login_required
def staff_create(request):
    require_perm(request.user, Perm.USER_ADMIN)
    form = StaffForm(request.POST or None)
    formset = PostGrantFormSet(request.POST or None, prefix="posts")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            user, password = services.staff_create(
                actor=request.user,
                username=form.cleaned_data["username"],
                full_name=form.cleaned_data["full_name"],
                posts=posts_from_formset(formset),
            )
        except AccountError as exc:
            form.add_error(None, exc.bilingual())
        else:
            return _slip_response(request, user, password)
    return render(request, "accounts/admin/staff_create.html", {"form": form, "formset": formset})


@login_required
def user_detail(request, user_id: int):
    target = _target(request, user_id)
    posts = selectors.user_posts(target)
    formset = PostGrantFormSet(
        prefix="posts", initial=[{"post": p.value, "region_code": r} for p, r in posts]
    )
    context = {
        "target": target,
        "posts": selectors.user_posts_display(target),
        "formset": formset,
        "tokens": selectors.api_tokens_for_user(user_id=target.pk),
        "token_form": TokenForm(),
        "now": timezone.now(),
        "is_staff_target": target.kind == UserKind.STAFF,
    }
    return render(request, "accounts/admin/user_detail.html", context)


def _back_to_detail(user_id: int):
    return redirect("accounts:user_detail", user_id=user_id)


@never_cache
@login_required
@require_POST
def user_issue_slip(request, user_id: int):
    # Front desks issue slips to citizens too: the service decides who may.
    target = _target(request, user_id, admin_only=False)
    try:
        password = services.user_issue_password_slip(actor=request.user, user_id=target.pk)
    except AccountError as exc:
        messages.error(request, exc.bilingual())
        return _back_to_detail(target.pk)
    target.refresh_from_db()
    return _slip_response(request, target, password)


def _run(request, user_id: int, call, success: str):
    try:
        call()
    except AccountError as exc:
        messages.error(request, exc.bilingual())
    else:
        messages.success(request, success)
    return _back_to_detail(user_id)


@login_required
@require_POST
def user_reset_totp(request, user_id: int):
    target = _target(request, user_id)
    return _run(
        request,
        target.pk,
        lambda: services.user_reset_totp(actor=request.user, user_id=target.pk),
        _("动态口令已重置，该用户下次登录时重新绑定。"),
    )


@login_required
@require_POST
def user_deactivate(request, user_id: int):
    target = _target(request, user_id)
    return _run(
        request,
        target.pk,
        lambda: services.user_deactivate(actor=request.user, user_id=target.pk),
        _("账户已停用。"),
    )


@login_required
@require_POST
def user_reactivate(request, user_id: int):
    target = _target(request, user_id)
    return _run(
        request,
        target.pk,
        lambda: services.user_reactivate(actor=request.user, user_id=target.pk),
        _("账户已启用。"),
    )


@login_required
@require_POST
def user_set_posts(request, user_id: int):
    target = _target(request, user_id)
    formset = PostGrantFormSet(request.POST, prefix="posts")
    if not formset.is_valid():
        messages.error(request, _("岗位和区划代码要同时填写。Give both the post and the region code."))
        return _back_to_detail(target.pk)
    return _run(
        request,
        target.pk,
        lambda: services.staff_set_posts(
            actor=request.user, user_id=target.pk, posts=posts_from_formset(formset)
        ),
        _("岗位已更新。"),
    )


@never_cache
@login_required
@require_POST
def token_create(request, user_id: int):
    target = _target(request, user_id)
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写令牌名称和有效天数（1至366）。"))
        return _back_to_detail(target.pk)
    try:
        raw = services.api_token_create(
            actor=request.user,
            user_id=target.pk,
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
        )
    except AccountError as exc:
        messages.error(request, exc.bilingual())
        return _back_to_detail(target.pk)
    context = {"target": target, "token": raw, "name": form.cleaned_data["name"], "api_base": "/api/v1/"}
    return render(request, "accounts/admin/token_created.html", context)


@login_required
@require_POST
def token_revoke(request, user_id: int, token_id: int):
    target = _target(request, user_id)
    if not any(t.pk == token_id for t in selectors.api_tokens_for_user(user_id=target.pk)):
        raise Http404
    return _run(
        request,
        target.pk,
        lambda: services.api_token_revoke(actor=request.user, token_id=token_id),
        _("令牌已吊销。"),
    )
