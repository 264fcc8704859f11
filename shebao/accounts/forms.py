"""Forms parse input only; the services decide."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shebao.accounts.models import StaffPost
from shebao.accounts.rules.errors import locked_message


class LoginForm(AuthenticationForm):
    """Login name or ID number + password; says until when a locked account is locked."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("登录名（或证件号码）或密码不正确。Wrong login name (or ID number) or password."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("登录名或证件号码")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            until = getattr(self.request, "shebao_locked_until", None)
            if until is not None:
                zh, en = locked_message(timezone.localtime(until), today=timezone.localdate())
                raise ValidationError(f"{zh} {en}", code="locked") from None
            raise


class PasswordChangeForm(forms.Form):
    """The current password is asked for a voluntary change only: after a slip login the
    one-time password has just been typed."""

    old_password = forms.CharField(
        label=_("当前密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=_("新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password2 = forms.CharField(
        label=_("再次输入新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.must_change_password:
            del self.fields["old_password"]

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise ValidationError(
                _("当前密码不正确。The current password is wrong."), code="password_incorrect"
            )
        return value

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。The two new passwords differ."))
        return data


class OtpForm(forms.Form):
    code = forms.CharField(
        label=_("6位动态口令"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": r"[0-9 ]*",
                "autofocus": True,
            }
        ),
    )


class UserSearchForm(forms.Form):
    q = forms.CharField(label=_("登录名、姓名或证件号码"), required=False, max_length=64)


class StaffForm(forms.Form):
    username = forms.CharField(label=_("登录名"), max_length=64)
    full_name = forms.CharField(label=_("姓名"), max_length=100)


class PostGrantForm(forms.Form):
    post = forms.ChoiceField(
        label=_("岗位"),
        choices=[("", "—"), *StaffPost.POST_CHOICES],
        required=False,
        widget=forms.Select(attrs={"aria-label": _("岗位")}),
    )
    region_code = forms.CharField(
        label=_("区划代码"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"aria-label": _("区划代码"), "inputmode": "numeric"}),
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("post")) != bool(data.get("region_code")):
            raise ValidationError(
                _("岗位和区划代码要同时填写。Give both the post and the region code."), code="incomplete"
            )
        return data


PostGrantFormSet = forms.formset_factory(PostGrantForm, extra=3, max_num=20)


def posts_from_formset(formset) -> list[tuple[str, str]]:
    return [
        (form.cleaned_data["post"], form.cleaned_data["region_code"])
        for form in formset.forms
        if form.cleaned_data.get("post")
    ]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=100)
    days = forms.IntegerField(label=_("有效天数"), min_value=1, max_value=366, initial=90)
