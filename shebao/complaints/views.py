"""投诉举报 pages: thin views over ``complaints.services`` and ``selectors``."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import UserKind
from shebao.complaints import selectors, services
from shebao.complaints.errors import ComplaintError
from shebao.complaints.rules.routing import BODY_MAX, CATEGORY_LABELS, SUBJECT_MAX, Category
from shebao.kernel.divisions import division_children
from shebao.register.views._common import citizen_required, forbidden, form_error, is_english, staff_required

STATUS_LABELS = {
    "submitted": gettext_lazy("已受理"),
    "replied": gettext_lazy("已答复"),
    "closed": gettext_lazy("已办结"),
}


def _category_choices():
    return [(c.value, CATEGORY_LABELS[c][0]) for c in Category]


def _region_choices():
    city = settings.SHEBAO_CITY_CODE
    return [("", gettext_lazy("不确定（全市）"))] + [(d.code, d.name) for d in division_children(city)]


class SubmitForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("类型"), widget=forms.RadioSelect)
    region_code = forms.ChoiceField(label=gettext_lazy("发生地区"), required=False)
    subject = forms.CharField(label=gettext_lazy("标题"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=gettext_lazy("具体内容"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("请写明时间、地点、涉及的单位或人员和经过，最多2000字。"),
    )
    contact = forms.CharField(label=gettext_lazy("联系方式（选填）"), max_length=60, required=False)
    anonymous = forms.BooleanField(label=gettext_lazy("匿名提交（不留姓名）"), required=False)

    def __init__(self, *args, named_possible: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _category_choices()
        self.fields["region_code"].choices = _region_choices()
        if not named_possible:
            del self.fields["anonymous"]


class TrackForm(forms.Form):
    tracking_code = forms.CharField(label=gettext_lazy("查询码"), max_length=20)
    secret = forms.CharField(label=gettext_lazy("查询密码（匿名提交时获得）"), max_length=20, required=False)


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=gettext_lazy("答复内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("办结说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


def _citizen(user) -> bool:
    return user.is_authenticated and getattr(user, "kind", None) == UserKind.CITIZEN


def _view(request, complaint) -> dict:
    label = CATEGORY_LABELS[Category(complaint.category)]
    return {
        "c": complaint,
        "category": label[1] if is_english(request) else label[0],
        "status": STATUS_LABELS[complaint.status],
    }


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """投诉举报: anyone; a logged-in citizen may file named or anonymously."""
    named_possible = _citizen(request.user)
    form = SubmitForm(request.POST or None, named_possible=named_possible)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.complaint_submit(
                actor=request.user if named_possible else None,
                category=data["category"],
                subject=data["subject"],
                body=data["body"],
                region_code=data.get("region_code", ""),
                anonymous=data.get("anonymous", True) if named_possible else True,
                contact=data.get("contact", ""),
                client_address=request.META.get("REMOTE_ADDR", ""),
            )
        except ComplaintError as exc:
            form_error(request, form, exc)
        else:
            context = {"c": result.complaint, "secret": result.secret, **_view(request, result.complaint)}
            return render(request, "complaints/submitted.html", context, status=201)
    return render(
        request, "complaints/submit.html", {"form": form, "named_possible": named_possible},
        status=400 if form.errors else 200,
    )  # fmt: skip


@never_cache
@require_GET
def track(request: HttpRequest) -> HttpResponse:
    """查询办理进度: tracking code and (anonymous) secret; a named complainant logged in."""
    form = TrackForm(request.GET or None)
    context: dict = {"form": form}
    status = 200
    if form.is_valid():
        complaint = selectors.complaint_for_complainant(
            tracking_code=form.cleaned_data["tracking_code"],
            secret=form.cleaned_data["secret"],
            user=request.user,
        )
        if complaint is None:
            form.add_error(None, gettext_lazy("查询码或查询密码不正确（实名投诉请先登录）"))
            status = 404
        else:
            context.update(_view(request, complaint))
    return render(request, "complaints/track.html", context, status=status)


@never_cache
@citizen_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    rows = [_view(request, c) for c in selectors.complaints_of_user(user_id=request.user.pk)]
    return render(request, "complaints/mine.html", {"rows": rows})


@never_cache
@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    rows = [
        _view(request, c)
        for c in selectors.handler_queue(user=request.user, status=request.GET.get("status") or None)
    ]
    return render(request, "complaints/queue.html", {"rows": rows, "status": request.GET.get("status", "")})


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def handle(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = selectors.complaint_by_id(complaint_id=complaint_id)
    if complaint is None:
        raise Http404
    if services.handler_grant(request.user, complaint) is None:
        return forbidden(
            request, AccessDenied(zh="该投诉未分派给您的岗位和辖区", en="not routed to your post and region")
        )
    action = request.POST.get("action")
    reply_form = ReplyForm(request.POST if action == "reply" else None)
    close_form = CloseForm(request.POST if action == "close" else None)
    status = 200
    if request.method == "POST":
        form = reply_form if action == "reply" else close_form
        if form.is_valid():
            try:
                if action == "reply":
                    complaint = services.complaint_reply(
                        actor=request.user, complaint_id=complaint.pk, reply=form.cleaned_data["reply"]
                    )
                else:
                    complaint = services.complaint_close(
                        actor=request.user, complaint_id=complaint.pk, note=form.cleaned_data["note"]
                    )
            except ComplaintError as exc:
                form_error(request, form, exc)
                status = 400
            else:
                reply_form, close_form = ReplyForm(), CloseForm()
        else:
            status = 400
    context = {**_view(request, complaint), "reply_form": reply_form, "close_form": close_form}
    return render(request, "complaints/handle.html", context, status=status)
