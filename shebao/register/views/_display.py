"""Turning register rows into what the pages show: labels, periods, audit diffs."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from shebao.accounts.rules.permissions import Post
from shebao.kernel.rules.money import fen_to_yuan, format_yuan
from shebao.register.rules.codes import EnrolmentStatus, Insurance
from shebao.register.rules.validation import label as field_label
from shebao.register.views.forms import INSURANCE_LABELS

STATUS_LABELS = {
    EnrolmentStatus.ACTIVE: _("参保缴费"),
    EnrolmentStatus.SUSPENDED: _("暂停缴费"),
    EnrolmentStatus.TERMINATED: _("终止"),
}
NOT_ENROLLED = _("未参保")

ACTION_LABELS = {
    "employer.register": _("单位参保登记"),
    "employer.change": _("单位信息变更"),
    "employer.cancel": _("单位注销登记"),
    "person.register": _("个人参保登记"),
    "person.change": _("个人信息变更"),
    "person.reveal": _("查看完整信息"),
    "employment.hire": _("增员"),
    "employment.separate": _("减员"),
    "flexible.register": _("灵活就业参保登记"),
    "enrolment.suspend": _("暂停缴费"),
    "enrolment.resume": _("恢复缴费"),
    "enrolment.terminate": _("终止参保"),
    "employment.batch_import": _("批量增减员"),
}

POST_LABELS = {
    Post.FRONT_DESK: _("窗口受理"),
    Post.REVIEWER: _("审核"),
    Post.AUDITOR: _("稽核"),
    Post.FUND_ACCOUNTANT: _("基金财务"),
    Post.ADMIN: _("系统管理"),
}

# Read-log purposes are stored as Chinese text; these are shown in the reader's language.
VIEW_PURPOSE = "经办查看人员档案"
PURPOSE_LABELS = {VIEW_PURPOSE: _("经办查看人员档案"), "查看完整信息": _("查看完整信息")}

REVEAL_FIELD_LABELS = {
    "id_number": _("证件号码"),
    "phone": _("手机号码"),
    "bank_account": _("待遇发放账号"),
}


def period_label(value: int | None) -> str:
    """202507 → "2025-07"."""
    if not value:
        return ""
    return f"{value // 100:04d}-{value % 100:02d}"


def yuan(fen: int | None) -> str:
    amount = fen_to_yuan(fen)
    return "" if amount is None else format_yuan(amount)


def post_label(code: str) -> str:
    try:
        return str(POST_LABELS[Post(code)])
    except ValueError:
        return code or ""


@dataclass
class StatusRow:
    insurance: str
    label: str
    status: str  # enrolment status value, or "" when never enrolled
    status_label: str
    since: str
    employer_name: str


def status_rows(current: dict) -> list[StatusRow]:
    """One row per insurance, in the fixed order of the five insurances."""
    rows = []
    for insurance in Insurance:
        enrolment = current.get(insurance) or current.get(insurance.value)
        if enrolment is None:
            rows.append(
                StatusRow(insurance.value, str(INSURANCE_LABELS[insurance]), "", str(NOT_ENROLLED), "", "")
            )
            continue
        employer = getattr(enrolment, "employer", None)
        rows.append(
            StatusRow(
                insurance=insurance.value,
                label=str(INSURANCE_LABELS[insurance]),
                status=enrolment.status,
                status_label=str(STATUS_LABELS.get(EnrolmentStatus(enrolment.status), enrolment.status)),
                since=period_label(enrolment.start_period),
                employer_name=employer.name if employer is not None else "",
            )
        )
    return rows


@dataclass
class HistoryRow:
    at: dt.datetime
    actor: str
    post: str
    action: str
    object_type: str
    object_id: str
    changes: list[tuple[str, object, object]] = field(default_factory=list)


def _load(text: str) -> dict:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {"value": data}


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _key_label(key: str) -> str:
    zh, en = field_label(key)
    return en if (get_language() or "").startswith("en") else zh


def history_rows(entries) -> list[HistoryRow]:
    """Audit entries as "field: before → after" lists (values are already masked in the audit)."""
    rows = []
    for entry in entries:
        before, after = _load(entry.before), _load(entry.after)
        changes = []
        for key in sorted(set(before) | set(after)):
            old, new = _shown(before.get(key)), _shown(after.get(key))
            if old != new:
                changes.append((_key_label(key), old, new))
        rows.append(
            HistoryRow(
                at=entry.at,
                actor=entry.actor_label,
                post=post_label(entry.post),
                action=str(ACTION_LABELS.get(entry.action, entry.action)),
                object_type=entry.object_type,
                object_id=entry.object_id,
                changes=changes,
            )
        )
    return rows


@dataclass
class AccessRow:
    at: dt.datetime
    actor: str
    post: str
    what: str
    purpose: str
    channel: str


def access_rows(items) -> list[AccessRow]:
    """Rows of "who looked at the record": read-log entries and reveals (audit entries).

    Accepts model rows or dicts, so it follows whatever ``person_access_log`` returns.
    """
    rows = []
    for item in items:
        get = item.get if isinstance(item, dict) else (lambda k, d=None, _i=item: getattr(_i, k, d))
        action = get("action", "") or ""
        if action == "person.reveal" or get("kind", "") == "reveal":
            after = get("after", "")
            detail = _load(after) if isinstance(after, str) else (after or {})
            field_name = get("field", "") or detail.get("field", "")
            what = _("完整%(field)s") % {"field": REVEAL_FIELD_LABELS.get(field_name, field_name)}
            purpose = get("purpose", "") or detail.get("purpose", "") or _("查看完整信息")
        else:
            fields = get("fields", "") or ""
            what = _("脱敏信息") if fields in ("", "masked") else fields
            purpose = get("purpose", "") or ""
        rows.append(
            AccessRow(
                at=get("at") or timezone.now(),
                actor=get("actor_label", "") or "",
                post=post_label(get("post", "") or ""),
                what=str(what),
                purpose=str(PURPOSE_LABELS.get(str(purpose), purpose)),
                channel=get("channel", "") or "",
            )
        )
    rows.sort(key=lambda r: r.at, reverse=True)
    return rows
