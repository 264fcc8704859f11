"""Page forms: they parse and type the input, nothing more.

Business rules (checksums, dates that may not lie in the future, allowed
transitions) live in the services; their ``RegisterError`` is put back on the
field it names by ``_common.form_error``.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from shebao.kernel.rules.money import MoneyError, to_decimal
from shebao.register.rules.codes import (
    CardStatus,
    EmployerType,
    HukouType,
    Insurance,
    LifeStatus,
)
from shebao.register.views._common import message_for

INSURANCE_LABELS = {
    Insurance.PENSION: _("养老保险"),
    Insurance.MEDICAL: _("医疗保险"),
    Insurance.UNEMPLOYMENT: _("失业保险"),
    Insurance.INJURY: _("工伤保险"),
    Insurance.MATERNITY: _("生育保险"),
}
INSURANCE_CHOICES = [(i.value, INSURANCE_LABELS[i]) for i in Insurance]
FLEXIBLE_CHOICES = [(i.value, INSURANCE_LABELS[i]) for i in (Insurance.PENSION, Insurance.MEDICAL)]
ID_TYPE_CHOICES = [
    ("", _("自动识别")),
    ("resident", _("居民身份证")),
    ("hkmotw", _("港澳台居民居住证")),
    ("foreign_pr", _("外国人永久居留身份证")),
]
HUKOU_CHOICES = [
    (HukouType.URBAN.value, _("城镇")),
    (HukouType.RURAL.value, _("农村")),
    (HukouType.NONE.value, _("无")),
]
EMPLOYER_TYPE_CHOICES = [
    (EmployerType.ENTERPRISE.value, _("企业")),
    (EmployerType.INSTITUTION.value, _("机关事业单位")),
    (EmployerType.SOCIAL_ORG.value, _("社会组织")),
    (EmployerType.INDIVIDUAL_BUSINESS.value, _("个体工商户")),
    (EmployerType.OTHER.value, _("其他")),
]
CARD_STATUS_CHOICES = [
    (CardStatus.NONE.value, _("未制卡")),
    (CardStatus.NORMAL.value, _("正常")),
    (CardStatus.LOST.value, _("挂失")),
    (CardStatus.REPLACING.value, _("补换中")),
    (CardStatus.CANCELLED.value, _("注销")),
]
LIFE_STATUS_CHOICES = [
    (LifeStatus.EMPLOYED.value, _("在职")),
    (LifeStatus.UNEMPLOYED.value, _("失业")),
    (LifeStatus.RETIRED.value, _("退休")),
    (LifeStatus.DECEASED.value, _("死亡")),
]
ENROLMENT_ACTIONS = [("suspend", _("暂停缴费")), ("resume", _("恢复缴费")), ("terminate", _("终止参保"))]
BATCH_KINDS = [("hire", _("批量增员")), ("separate", _("批量减员"))]
RISK_CLASS_CHOICES = [(n, str(n)) for n in range(1, 9)]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _date(label, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput(), help_text=help_text)


class MoneyField(forms.CharField):
    """Yuan as ``Decimal`` (never float); the kernel's parser, its bilingual message."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def to_python(self, value) -> Decimal | None:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return to_decimal(text, field="monthly_wage")
        except MoneyError as exc:
            raise forms.ValidationError(message_for(None, exc), code="money") from None


class TypedForm(forms.Form):
    """Adds the field's id to ``aria-describedby`` so screen readers read its error."""

    template_name = "register/_form_fields.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("aria-describedby", f"err_{self.add_prefix(name)}")


class SearchForm(TypedForm):
    q = forms.CharField(
        label=_("证件号码、姓名、单位名称或统一社会信用代码"),
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "autofocus": True}),
    )


class PersonRegisterForm(TypedForm):
    id_number = forms.CharField(label=_("证件号码"), max_length=30)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=ID_TYPE_CHOICES, required=False)
    name = forms.CharField(label=_("姓名"), max_length=100)
    hukou_region = forms.CharField(label=_("户籍区划代码"), max_length=6, min_length=6)
    hukou_type = forms.ChoiceField(label=_("户口性质"), choices=HUKOU_CHOICES)
    region_code = forms.CharField(
        label=_("参保管辖区划代码"),
        max_length=6,
        min_length=6,
        required=False,
        help_text=_("不填则按户籍区划"),
    )
    phone = forms.CharField(label=_("手机号码"), max_length=20, required=False)
    address = forms.CharField(label=_("居住地址"), max_length=200, required=False)
    bank_name = forms.CharField(label=_("待遇发放银行"), max_length=100, required=False)
    bank_account = forms.CharField(label=_("待遇发放账号"), max_length=40, required=False)
    registered_on = _date(_("登记日期"), required=False, help_text=_("不填则为今天"))


class PersonChangeForm(TypedForm):
    """Sensitive fields start blank: blank means "unchanged" (plaintext is never pre-filled)."""

    SENSITIVE = ("phone", "bank_account")

    name = forms.CharField(label=_("姓名"), max_length=100)
    hukou_region = forms.CharField(label=_("户籍区划代码"), max_length=6, min_length=6)
    hukou_type = forms.ChoiceField(label=_("户口性质"), choices=HUKOU_CHOICES)
    region_code = forms.CharField(label=_("参保管辖区划代码"), max_length=6, min_length=6)
    phone = forms.CharField(label=_("新手机号码"), max_length=20, required=False, help_text=_("不改请留空"))
    address = forms.CharField(label=_("居住地址"), max_length=200, required=False)
    bank_name = forms.CharField(label=_("待遇发放银行"), max_length=100, required=False)
    bank_account = forms.CharField(
        label=_("新待遇发放账号"), max_length=40, required=False, help_text=_("不改请留空")
    )
    card_number = forms.CharField(label=_("社会保障卡卡号"), max_length=9, required=False)
    card_status = forms.ChoiceField(label=_("社保卡状态"), choices=CARD_STATUS_CHOICES)
    life_status = forms.ChoiceField(label=_("人员状态"), choices=LIFE_STATUS_CHOICES)
    death_date = _date(_("死亡日期"), required=False)

    def changes(self) -> dict:
        """Only what the clerk changed: the service audits exactly these keys."""
        result = {}
        for name, value in self.cleaned_data.items():
            if name in self.SENSITIVE:
                if value:
                    result[name] = value
            elif value != self.initial.get(name):
                result[name] = value
        return result


class HireForm(TypedForm):
    uscc = forms.CharField(label=_("单位统一社会信用代码"), max_length=30)
    start_date = _date(_("参保开始日期（入职日期）"))
    monthly_wage = MoneyField(label=_("月工资（元）"), required=False)
    insurances = forms.MultipleChoiceField(
        label=_("参保险种"),
        choices=INSURANCE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=[i.value for i in Insurance],
    )


class SeparateForm(TypedForm):
    end_date = _date(_("减员日期（离职日期）"))
    reason = forms.CharField(label=_("减员原因"), max_length=100)


class FlexibleForm(TypedForm):
    start_date = _date(_("参保开始日期"))
    insurances = forms.MultipleChoiceField(
        label=_("参保险种"),
        choices=FLEXIBLE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=[c[0] for c in FLEXIBLE_CHOICES],
        help_text=_("灵活就业人员只能参加养老保险和医疗保险"),
    )


class EnrolmentActionForm(TypedForm):
    action = forms.ChoiceField(label=_("办理事项"), choices=ENROLMENT_ACTIONS)
    insurance = forms.ChoiceField(label=_("险种"), choices=INSURANCE_CHOICES)
    from_period = forms.CharField(
        label=_("起始所属期"),
        max_length=7,
        help_text=_("格式 YYYYMM，例如 202507"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "202507"}),
    )
    reason = forms.CharField(label=_("原因"), max_length=100)


class EmployerRegisterForm(TypedForm):
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=30)
    name = forms.CharField(label=_("单位名称"), max_length=200)
    employer_type = forms.ChoiceField(label=_("单位类型"), choices=EMPLOYER_TYPE_CHOICES)
    region_code = forms.CharField(label=_("所属区划代码"), max_length=6, min_length=6)
    risk_class = forms.TypedChoiceField(label=_("工伤风险类别"), choices=RISK_CLASS_CHOICES, coerce=int)
    industry = forms.CharField(label=_("行业"), max_length=60, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=60, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    bank_name = forms.CharField(label=_("开户银行"), max_length=100, required=False)
    bank_account = forms.CharField(label=_("银行账号"), max_length=40, required=False)
    registered_on = _date(_("登记日期"), required=False, help_text=_("不填则为今天"))


class EmployerChangeForm(TypedForm):
    SENSITIVE = ("contact_phone", "bank_account")

    name = forms.CharField(label=_("单位名称"), max_length=200)
    employer_type = forms.ChoiceField(label=_("单位类型"), choices=EMPLOYER_TYPE_CHOICES)
    region_code = forms.CharField(label=_("所属区划代码"), max_length=6, min_length=6)
    risk_class = forms.TypedChoiceField(label=_("工伤风险类别"), choices=RISK_CLASS_CHOICES, coerce=int)
    industry = forms.CharField(label=_("行业"), max_length=60, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=60, required=False)
    contact_phone = forms.CharField(
        label=_("新联系电话"), max_length=20, required=False, help_text=_("不改请留空")
    )
    bank_name = forms.CharField(label=_("开户银行"), max_length=100, required=False)
    bank_account = forms.CharField(
        label=_("新银行账号"), max_length=40, required=False, help_text=_("不改请留空")
    )

    changes = PersonChangeForm.changes


class EmployerCancelForm(TypedForm):
    cancelled_on = _date(_("注销日期"))
    reason = forms.CharField(label=_("注销原因"), max_length=100)


class EmployerHireForm(TypedForm):
    """增员 by the employer's own operator: the person is found (or registered) by ID number."""

    id_number = forms.CharField(label=_("证件号码"), max_length=30)
    name = forms.CharField(label=_("姓名"), max_length=100, help_text=_("须与证件一致"))
    start_date = _date(_("入职日期"))
    monthly_wage = MoneyField(label=_("月工资（元）"))
    hukou_region = forms.CharField(
        label=_("户籍区划代码"),
        max_length=6,
        required=False,
        help_text=_("仅首次参保的职工需要；不填则用本单位所在区划"),
    )
    hukou_type = forms.ChoiceField(
        label=_("户口性质"),
        choices=[("", _("不填（按城镇）")), *HUKOU_CHOICES],
        required=False,
        help_text=_("仅首次参保的职工需要"),
    )
    phone = forms.CharField(label=_("手机号码"), max_length=20, required=False)


class BatchUploadForm(TypedForm):
    kind = forms.ChoiceField(label=_("业务类型"), choices=BATCH_KINDS)
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
