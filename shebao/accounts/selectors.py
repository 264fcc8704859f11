"""Reads about users, posts and tokens."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from shebao.accounts.access import AccessDenied, grant_over_account, regions_with_perm
from shebao.accounts.models import ApiToken, Mandate, User
from shebao.accounts.rules.permissions import Perm, Post, UserKind, region_covers
from shebao.kernel.crypto import blind_index
from shebao.kernel.rules.identifiers import IdentifierError, parse_person_id

LOGIN_PURPOSE = "login"


def login_blind_for(id_number: str) -> str:
    """Blind index of a normalised ID number (raises IdentifierError if it is not one)."""
    return blind_index(parse_person_id(id_number).number, purpose=LOGIN_PURPOSE)


def user_for_login(login: str) -> User | None:
    """The user a login form means: an ID number (15 or 18 characters) of a citizen
    linked by ``user_link_person_login``, else a login name."""
    value = (login or "").strip()
    if not value:
        return None
    try:
        blind = login_blind_for(value)
    except IdentifierError:
        blind = None
    if blind is not None:
        user = User.objects.filter(login_blind=blind).first()
        if user is not None:
            return user
    return User.objects.filter(username=value).first()


def user_get(*, user_id: int) -> User | None:
    return User.objects.filter(pk=user_id).first()


def access_user_account(*, actor, user_id: int, admin_only: bool = True) -> User:
    """Load an account ``actor`` may manage (see ``access.grant_over_account``), or raise
    AccessDenied, also when there is no such user, so that ids reveal nothing.

    Lives here rather than in ``access`` because ``access`` must not import models
    (register and web import it, and they may not depend on accounts models)."""
    target = User.objects.filter(pk=user_id).first()
    if target is None:
        raise AccessDenied(zh="用户不存在或无权访问", en="no such user, or access denied")
    grant_over_account(actor, target, admin_only=admin_only)
    return target


def user_posts(user: User) -> list[tuple[Post, str]]:
    return [
        (Post(p), r) for p, r in user.posts.order_by("post", "region_code").values_list("post", "region_code")
    ]


def user_posts_display(user: User) -> list[str]:
    """``["窗口受理 · 110105", …]`` for a staff member; empty for everyone else."""
    if user.kind != UserKind.STAFF:
        return []
    return [f"{post.label_zh} · {region}" for post, region in user_posts(user)]


def user_login_display(user: User) -> str:
    """What the person types at the login form (shown on a password slip)."""
    if user.kind == UserKind.CITIZEN and user.login_blind:
        return "本人身份证件号码 / your ID number"
    return user.username


def users_for_person(person_id: int) -> list[User]:
    return list(User.objects.filter(person_id=person_id).order_by("pk"))


def users_for_employer(employer_id: int) -> list[User]:
    return list(User.objects.filter(employer_id=employer_id, kind=UserKind.EMPLOYER).order_by("pk"))


def _scope_prefix(scope: str) -> str:
    if scope.endswith("0000"):
        return scope[:2]
    if scope.endswith("00"):
        return scope[:4]
    return scope


def users_search(*, actor: User, q: str = "", limit: int = 50) -> list[User]:
    """Users an administrator may manage, optionally filtered by login name, name or
    ID number (citizens). Staff are in scope by their posts' regions, other users by
    their own region; users without a region only for city-wide administrators."""
    scopes = regions_with_perm(actor, Perm.USER_ADMIN)
    if not scopes:
        return []
    in_scope = Q()
    for scope in scopes:
        prefix = _scope_prefix(scope)
        in_scope |= Q(region_code__startswith=prefix) | Q(posts__region_code__startswith=prefix)
        if _scope_prefix(settings.SHEBAO_CITY_CODE).startswith(prefix):
            in_scope |= Q(region_code="", posts__isnull=True)
    qs = User.objects.filter(in_scope)
    q = (q or "").strip()
    if q:
        match = Q(username__icontains=q) | Q(full_name__icontains=q)
        with contextlib.suppress(IdentifierError):
            match |= Q(login_blind=login_blind_for(q))
        qs = qs.filter(match)
    return list(User.objects.filter(pk__in=qs.values("pk")).order_by("kind", "username")[:limit])


def api_tokens_for_user(*, user_id: int) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user_id=user_id).order_by("-created_at"))


# --- 委托代办 (mandates for community agents) ---------------------------------------------


def person_directory(*, person_id=None, id_number: str | None = None):
    """The register's brief of a person (name, masked ID, region, deceased), or None.
    Reached through ``settings.SHEBAO_PERSON_DIRECTORY`` because accounts sits below
    the register in the app map and may not import it."""
    return import_string(settings.SHEBAO_PERSON_DIRECTORY)(person_id=person_id, id_number=id_number)


def mandates_for_person(person_id: int) -> list[Mandate]:
    """Every mandate a person has given (valid, expired and revoked), newest first."""
    return list(
        Mandate.objects.filter(person_id=person_id)
        .select_related("agent", "recorded_by")
        .order_by("-recorded_at", "-pk")
    )


def mandates_for_agent(agent_id: int) -> list[Mandate]:
    """Every mandate an agent holds (valid, expired and revoked), newest first."""
    return list(Mandate.objects.filter(agent_id=agent_id).order_by("-recorded_at", "-pk"))


def mandates_in_regions(*, actor, person_id: int | None = None, limit: int = 100) -> list[Mandate]:
    """Mandates of persons in the regions where ``actor`` holds 个人业务 (staff lists)."""
    scopes = regions_with_perm(actor, Perm.PERSON_WRITE)
    if not scopes:
        return []
    in_scope = Q()
    for scope in scopes:
        in_scope |= Q(person_region_code__startswith=_scope_prefix(scope))
    qs = Mandate.objects.filter(in_scope).select_related("agent")
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    return list(qs.order_by("-recorded_at", "-pk")[:limit])


def mandate_get(*, mandate_id) -> Mandate | None:
    try:
        return Mandate.objects.select_related("agent").filter(pk=int(mandate_id)).first()
    except (TypeError, ValueError):
        return None


def mandate_require(*, agent, person_id: int, item_code: str, today: dt.date | None = None) -> Mandate:
    """The valid mandate under which ``agent`` may file ``item_code`` for the person.

    Raises ``AccessDenied`` (with the reason in Chinese and English) when the caller is
    not an active agent, has no mandate from this person, when it is revoked, expired
    or not yet in force, when it does not cover the item, or when the person is no
    longer in the agent's region.
    """
    if (
        agent is None
        or not getattr(agent, "is_authenticated", False)
        or getattr(agent, "kind", None) != UserKind.AGENT
        or not agent.is_active
    ):
        raise AccessDenied(
            zh="只有社区代办员可以代为办理", en="only a community agent may act for another person"
        )
    today = today or timezone.localdate()
    mandates = list(
        Mandate.objects.filter(agent_id=agent.pk, person_id=person_id).order_by("-recorded_at", "-pk")
    )
    if not mandates:
        raise AccessDenied(
            zh="您没有该参保人的委托授权，不能代为办理",
            en="you hold no mandate from this person and may not act for them",
        )
    valid = [m for m in mandates if m.status_on(today) == "valid"]
    if not valid:
        statuses = {m.status_on(today) for m in mandates}
        if "pending" in statuses:
            zh, en = "该委托授权尚未生效", "the mandate is not in force yet"
        elif "expired" in statuses:
            zh, en = (
                "该委托授权已过期，请参保人重新授权",
                "the mandate has expired: the person must grant a new one",
            )
        else:
            zh, en = "该委托授权已被撤销", "the mandate has been revoked"
        raise AccessDenied(zh=zh, en=en)
    covering = [m for m in valid if m.covers(item_code)]
    if not covering:
        raise AccessDenied(
            zh=f"委托授权不包括此事项（{item_code}）",
            en=f"the mandate does not cover this service item ({item_code})",
        )
    person = person_directory(person_id=person_id)
    if person is None or not region_covers(agent.region_code, person.region_code):
        raise AccessDenied(
            zh="该参保人不在您所在社区的辖区内，不能代为办理",
            en="this person is outside your community's region",
        )
    return covering[0]


def agent_by_username(username: str) -> User | None:
    """An active community agent by login name (what a citizen or clerk types)."""
    return User.objects.filter(username=(username or "").strip(), kind=UserKind.AGENT, is_active=True).first()
