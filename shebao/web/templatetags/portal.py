"""``{% nav_links %}``: the main menu for the kind of user who is logged in."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from shebao.accounts.access import user_grants, user_has_perm
from shebao.accounts.rules.permissions import Perm, UserKind

register = template.Library()


@dataclass(frozen=True)
class Link:
    url: str
    label: str
    description: str = ""


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:  # a page another app has not shipped yet
        return None


def portal_links(user) -> list[Link]:
    """The pages this user can use, in menu order (also the home page's shortcuts)."""
    if user is None or not user.is_authenticated:
        return []
    kind = getattr(user, "kind", "")
    spec: list[tuple[str, object, object]] = []
    if kind == UserKind.STAFF and user_grants(user):
        spec += [
            ("register:staff_dashboard", _("工作台"), _("查询人员和单位")),
            ("register:staff_persons", _("人员"), _("人员查询与个人参保登记")),
            ("register:staff_employers", _("单位"), _("单位查询与单位参保登记")),
        ]
        if user_has_perm(user, Perm.USER_ADMIN):
            spec.append(("accounts:user_list", _("用户管理"), _("经办人员账户、岗位与密码条")))
        if user_has_perm(user, Perm.CALENDAR_ADMIN):
            spec.append(("web:calendar", _("工作日历"), _("法定工作日、节假日安排与期限计算")))
    elif kind == UserKind.CITIZEN:
        spec.append(("register:citizen_home", _("我的社保"), _("参保状态、工作单位、谁查看了我的信息")))
    elif kind == UserKind.AGENT:
        spec.append(("accounts:mandates", _("我的代办委托"), _("委托代办")))
    elif kind == UserKind.EMPLOYER and user.employer_id is not None:
        spec += [
            ("register:employer_roster", _("职工名册"), _("在职参保职工")),
            ("register:employer_hire", _("增员"), _("新职工参保")),
            ("register:employer_separate_list", _("减员"), _("职工离职停保")),
            ("register:employer_batch", _("批量"), _("用 Excel 批量增减员")),
            ("register:employer_info", _("单位信息"), _("本单位登记信息")),
        ]
    links = []
    for name, label, description in spec:
        url = _url(name)
        if url:
            links.append(Link(url=url, label=str(label), description=str(description)))
    return links


@register.inclusion_tag("web/_nav_links.html", takes_context=True)
def nav_links(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    links = portal_links(user)
    path = request.path if request is not None else ""
    # The current entry is the longest link the path starts with ("/staff/" is not current on "/staff/persons/").
    best = max((link.url for link in links if path.startswith(link.url)), key=len, default="")
    return {"links": links, "current": best}
