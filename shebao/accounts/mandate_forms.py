"""Forms of the 委托代办 pages (citizen, front desk)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# AccountError fields of the mandate services → the form field that shows them.
FIELD_MAP = {"agent_id": "agent_username", "person_id": "id_number", "mandate_id": None}


class MandateForm(forms.Form):
    agent_username = forms.CharField(
        label=_("代办员登录名"), max_length=64, help_text=_("请向社区代办员索取其登录名")
    )
    all_items = forms.BooleanField(label=_("委托全部事项"), required=False, initial=True)
    item_codes = forms.CharField(
        label=_("或只委托以下事项（事项编码，以逗号分隔）"),
        required=False,
        max_length=1000,
        help_text=_("例如：card_loss, card_replace"),
    )
    valid_until = forms.DateField(
        label=_("有效期至"), widget=forms.DateInput(attrs={"type": "date"}), input_formats=["%Y-%m-%d"]
    )

    def item_list(self) -> list[str] | None:
        if self.cleaned_data.get("all_items") and not (self.cleaned_data.get("item_codes") or "").strip():
            return None
        raw = (self.cleaned_data.get("item_codes") or "").replace("，", ",")
        return [part.strip() for part in raw.split(",") if part.strip()]


class StaffMandateForm(MandateForm):
    id_number = forms.CharField(label=_("委托人证件号码"), max_length=18)
    evidence = forms.CharField(
        label=_("书面授权书编号或说明"),
        max_length=500,
        help_text=_("委托人签字的授权书须扫描存档，在此填写其编号"),
    )
    field_order = ["id_number", "agent_username", "all_items", "item_codes", "valid_until", "evidence"]


class PersonLookupForm(forms.Form):
    id_number = forms.CharField(label=_("证件号码"), max_length=18, required=False)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=200, required=False)
