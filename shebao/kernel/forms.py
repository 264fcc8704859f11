"""Forms of the kernel's public pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ReceiptForm(forms.Form):
    text = forms.CharField(
        label=_("粘贴回执内容（JSON）"),
        required=False,
        max_length=64 * 1024,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "autocomplete": "off"}),
    )
    file = forms.FileField(label=_("或上传回执文件（.json）"), required=False)

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("file"):
            self.add_error("text", _("请粘贴回执内容或上传回执文件"))
        return data
