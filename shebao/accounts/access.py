"""Access primitives: the only place that decides what a user may do.

Object-level access functions (``access_person``, ``access_employer`` …) live in the
app that owns the object and build on these primitives.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from shebao.accounts.rules.permissions import POST_PERMS, Perm, Post, UserKind, region_covers


class AccessDenied(PermissionError):
    """Raised when a user may not see or do something. Carries bilingual text."""

    def __init__(self, zh: str = "无权访问", en: str = "access denied") -> None:
        super().__init__(en)
        self.message_zh = zh
        self.message_en = en


@dataclass(frozen=True)
class Grant:
    post: Post
    region_code: str


def user_grants(user) -> tuple[Grant, ...]:
    """The (post, region) pairs a staff user holds; cached on the user object."""
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or user.kind != UserKind.STAFF
        or not user.is_active
    ):
        return ()
    cached = getattr(user, "_shebao_grants", None)
    if cached is None:
        cached = tuple(Grant(Post(p), r) for p, r in user.posts.values_list("post", "region_code"))
        user._shebao_grants = cached
    return cached


def grant_for(user, perm: Perm, region_code: str | None = None) -> Grant | None:
    """The first grant giving ``perm`` (in ``region_code``, when given), or None."""
    for grant in user_grants(user):
        if perm in POST_PERMS[grant.post] and (
            region_code is None or region_covers(grant.region_code, region_code)
        ):
            return grant
    return None


def user_has_perm(user, perm: Perm, region_code: str | None = None) -> bool:
    return grant_for(user, perm, region_code) is not None


def require_perm(user, perm: Perm, region_code: str | None = None) -> Grant:
    grant = grant_for(user, perm, region_code)
    if grant is None:
        raise AccessDenied(
            zh="您的岗位无权办理此业务" if region_code is None else "您的岗位无权办理此辖区的业务",
            en="your post does not allow this"
            if region_code is None
            else "your post does not allow this in that region",
        )
    return grant


def regions_with_perm(user, perm: Perm) -> list[str]:
    """Region scopes in which the user holds ``perm`` (for filtering lists)."""
    return sorted({g.region_code for g in user_grants(user) if perm in POST_PERMS[g.post]})


def require_any_perm(user, perms: tuple[Perm, ...], region_code: str | None = None) -> Grant:
    """The first grant giving any of ``perms`` (in order), else AccessDenied."""
    for perm in perms:
        grant = grant_for(user, perm, region_code)
        if grant is not None:
            return grant
    raise AccessDenied(
        zh="您的岗位无权办理此账户业务" if region_code is None else "您的岗位无权办理此辖区的账户业务",
        en="your post does not allow this account operation"
        if region_code is None
        else "your post does not allow this account operation in that region",
    )


def grant_over_account(actor, target, *, admin_only: bool = False) -> Grant:
    """May ``actor`` manage ``target``'s account (slip, deactivate, tokens …)?

    Staff accounts need 系统管理 in every region the target holds a post in (any region
    when it holds none); partner-department users need it city-wide; agents in their
    region. Citizens may also be served by a post with 个人业务 (front desk) and
    employer operators by one with 单位业务, unless ``admin_only``. A blank
    ``region_code`` on the target means any region. Raises AccessDenied.
    """
    kind = UserKind(target.kind)
    region = target.region_code or None
    if kind == UserKind.STAFF:
        regions = sorted(set(target.posts.values_list("region_code", flat=True)))
        if not regions:
            return require_perm(actor, Perm.USER_ADMIN)
        grants = [require_perm(actor, Perm.USER_ADMIN, r) for r in regions]
        return grants[0]
    if kind == UserKind.CITIZEN and not admin_only:
        return require_any_perm(actor, (Perm.USER_ADMIN, Perm.PERSON_WRITE), region)
    if kind == UserKind.EMPLOYER and not admin_only:
        return require_any_perm(actor, (Perm.USER_ADMIN, Perm.EMPLOYER_WRITE), region)
    if kind == UserKind.PARTNER:
        return require_perm(actor, Perm.USER_ADMIN, settings.SHEBAO_CITY_CODE)
    return require_perm(actor, Perm.USER_ADMIN, region)


_KIND_ONLY = {
    UserKind.STAFF: ("此功能仅供经办人员使用", "for agency staff only"),
    UserKind.CITIZEN: ("此功能仅供个人用户使用", "for insured persons only"),
    UserKind.AGENT: ("此功能仅供社区代办员使用", "for community agents only"),
    UserKind.EMPLOYER: ("此功能仅供单位经办人使用", "for employer operators only"),
    UserKind.PARTNER: ("此功能仅供部门共享用户使用", "for partner departments only"),
}


def require_kind(user, kind: UserKind):
    """The user, if it is of ``kind`` (an API's or page's audience); AccessDenied otherwise."""
    if getattr(user, "kind", None) != kind:
        zh, en = _KIND_ONLY[kind]
        raise AccessDenied(zh=zh, en=en)
    return user
