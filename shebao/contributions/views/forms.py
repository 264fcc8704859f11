"""Contribution page forms: they parse and type the input, nothing more.

Rules (which persons may be declared, plausible wages, overlapping parameters, allowed
grades) live in the services; their ``ContributionError`` is put back on the field or
row it names by the views.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shebao.contributions.codes import ParamKind
from shebao.contributions.rules.errors import ContributionRuleError
from shebao.contributions.rules.rates import rate_to_ppm
from shebao.contributions.views._display import PARAM_KIND_LABELS
from shebao.kernel.rules.money import MoneyError, to_decimal, yuan_to_fen
from shebao.register.views._common import message_for
from shebao.register.views.forms import MoneyField, TypedForm

PERIOD_WIDGET = {"inputmode": "numeric", "placeholder": "202601", "autocomplete": "off"}


PERIOD_HELP = _("格式 YYYYMM，例如 202601")


def _period_field(label, *, required: bool = True, help_text=PERIOD_HELP) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=7,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs=PERIOD_WIDGET),
    )


def _region_field(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("6位行政区划代码，例如 110000（全市）或 110105（区）"),
    )


class BaseYearForm(TypedForm):
    base_year = forms.IntegerField(
        label=_("申报年度（社保年度起始年份）"),
        min_value=1990,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class WageDeclarationForm(TypedForm):
    """One wage input per employee (``wage_<person_id>``); blank means "not declared now"."""

    def __init__(self, *args, employees: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.employees = employees
        for emp in employees:
            name = self.field_name(emp["person_id"])
            self.fields[name] = MoneyField(label=emp["name"], required=False)
            self.fields[name].widget.attrs.update(
                {"aria-describedby": f"err_{self.add_prefix(name)}", "autocomplete": "off"}
            )

    @staticmethod
    def field_name(person_id: int) -> str:
        return f"wage_{person_id}"

    def rows(self) -> list[tuple[int, object]]:
        """(person_id, wage) for every row the clerk filled in, in the listed order."""
        out = []
        for emp in self.employees:
            value = self.cleaned_data.get(self.field_name(emp["person_id"]))
            if value is not None:
                out.append((emp["person_id"], value))
        return out


class WageUploadForm(TypedForm):
    base_year = BaseYearForm.base_fields["base_year"]
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )


class MonthlyDeclarationForm(TypedForm):
    period = _period_field(_("费款所属期"))


class PeriodRangeForm(TypedForm):
    from_period = _period_field(_("起始所属期"))
    to_period = _period_field(_("截止所属期"))


class GradeForm(TypedForm):
    grade_pct = forms.TypedChoiceField(label=_("新的缴费档次"), coerce=int, choices=())

    def __init__(self, *args, grades: tuple[int, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade_pct"].choices = [(g, f"{g}%") for g in grades]


class RunStartForm(TypedForm):
    period = _period_field(_("费款所属期"))
    region_code = _region_field(_("核定区划"))


KIND_CHOICES = [(k.value, PARAM_KIND_LABELS[k]) for k in ParamKind]
UNIT_HELP = _("金额类填元（如 7162.00），比例类填百分数（如 9.8 表示 9.8%），其余填整数")


class ParameterForm(TypedForm):
    kind = forms.ChoiceField(label=_("参数类型"), choices=KIND_CHOICES)
    key = forms.CharField(
        label=_("键"),
        max_length=16,
        required=False,
        help_text=_("险种（pension、medical…）、风险类别、档次或年度；无键的参数留空"),
    )
    jurisdiction = _region_field(_("统筹区代码"))
    valid_from = _period_field(_("起始所属期"))
    valid_to = _period_field(_("截止所属期"), required=False, help_text=_("不填为长期有效"))
    value = forms.CharField(label=_("参数值"), max_length=30, help_text=UNIT_HELP)
    source_doc = forms.CharField(label=_("发布文号"), max_length=120)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        kind, text = data.get("kind"), (data.get("value") or "").strip()
        if not kind or not text:
            return data
        unit = ParamKind(kind).unit
        try:
            if unit == "fen":
                data["value"] = yuan_to_fen(to_decimal(text, field="value"))
            elif unit == "ppm":
                data["value"] = rate_to_ppm(text.rstrip("%").strip() + "%")
            else:
                data["value"] = int(text)
        except (MoneyError, ContributionRuleError) as exc:
            self.add_error("value", message_for(None, exc))
        except ValueError:
            self.add_error("value", _("参数值应为整数"))
        return data


class ArrearsFilterForm(TypedForm):
    region_code = _region_field(_("区划"))
    min_days = forms.IntegerField(
        label=_("逾期天数至少"),
        min_value=1,
        max_value=10000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    page = forms.IntegerField(min_value=1, max_value=100000, required=False, widget=forms.HiddenInput)
