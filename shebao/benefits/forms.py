"""The estimator form (养老金测算): assumptions the person states."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from shebao.benefits.rules.retirement import Category

CATEGORY_CHOICES = [
    ("", _("按性别默认（女职工按原55周岁）")),
    (Category.MALE.value, _("男职工")),
    (Category.FEMALE55.value, _("女职工（管理岗位，原55周岁）")),
    (Category.FEMALE50.value, _("女职工（生产岗位，原50周岁）")),
]


class EstimateForm(forms.Form):
    retire_period = forms.CharField(
        label=_("计划退休年月"), required=False, max_length=7,
        help_text=_("如 2031-11；不填按法定退休年月。须在弹性退休区间内。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "2031-11"}),
    )  # fmt: skip
    category = forms.ChoiceField(label=_("人员类别"), choices=CATEGORY_CHOICES, required=False)
    wage_growth_pct = forms.DecimalField(
        label=_("社平工资年增长率（%）"), initial=3, min_value=-10, max_value=30, decimal_places=2
    )
    future_index = forms.DecimalField(
        label=_("今后缴费指数"), initial="1.0", min_value=Decimal("0.6"), max_value=3, decimal_places=2,
        help_text=_("缴费基数 ÷ 社平工资，0.6 至 3"),
    )  # fmt: skip
    interest_rate_pct = forms.DecimalField(
        label=_("个人账户记账利率（%）"), initial="2.5", min_value=0, max_value=10, decimal_places=2
    )
    deemed_months = forms.IntegerField(
        label=_("视同缴费月数"),
        required=False,
        min_value=0,
        max_value=600,
        help_text=_("1992年10月前的连续工龄（按档案），没有则不填"),
    )
