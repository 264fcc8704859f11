"""Reads about users, posts and tokens."""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.db.models import Q

from shebao.accounts.access import AccessDenied, grant_over_account, regions_with_perm
from shebao.accounts.models import ApiToken, User
from shebao.accounts.rules.permissions import Perm, Post, UserKind
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
