"""Who may see and do what with 失业保险金 (each branch tested in tests/unemployment):

- a claim: the person themself (citizen linked to the record), or staff with CASE_VIEW in
  the person's region; anyone else gets NotFound (the claim's existence is not revealed);
- stopping a claim: staff with CASE_REVIEW (or CASE_RECHECK) in the person's region;
- the parameter tables: read by any staff member, edited with PARAMETER_ADMIN in the
  jurisdiction (city-wide for the national default);
- the fund's medical batch and its totals: FUND_VIEW to read, PAYROLL_RUN or
  ASSESSMENT_RUN to run.
"""

from __future__ import annotations

from shebao.accounts.access import AccessDenied, Grant, grant_for, regions_with_perm
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.register.access import is_system
from shebao.register.schemas import NotFound
from shebao.unemployment.models import Claim

STOP_PERMS = (Perm.CASE_REVIEW, Perm.CASE_RECHECK)
FUND_READ = (Perm.FUND_VIEW, Perm.PAYROLL_RUN)
FUND_RUN = (Perm.PAYROLL_RUN, Perm.ASSESSMENT_RUN)


def _live(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def require_staff(user) -> None:
    if is_system(user):
        return
    if not _live(user) or user.kind != UserKind.STAFF:
        raise AccessDenied(zh="只有经办人员可以办理此业务", en="only agency staff may do this")


def may_see_person(user, *, person_id: int, region_code: str) -> bool:
    if is_system(user):
        return True
    if not _live(user):
        return False
    if user.kind == UserKind.CITIZEN:
        return user.person_id is not None and int(user.person_id) == int(person_id)
    if user.kind == UserKind.STAFF:
        return grant_for(user, Perm.CASE_VIEW, region_code) is not None
    return False


def access_claim(*, user, claim_id: object) -> Claim:
    """The claim, if the user may see it; NotFound otherwise (also for a bad id)."""
    try:
        pk = int(claim_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        pk = 0
    claim = Claim.objects.filter(pk=pk).first()
    if claim is None or not may_see_person(user, person_id=claim.person_id, region_code=claim.region_code):
        raise NotFound(zh="失业保险金记录不存在", en="no such unemployment claim")
    return claim


def grant_any(user, perms: tuple[Perm, ...], region_code: str | None) -> Grant | None:
    """The grant for one of ``perms`` in the region (None for the platform itself)."""
    require_staff(user)
    if is_system(user):
        return None
    for perm in perms:
        grant = grant_for(user, perm, region_code)
        if grant is not None:
            return grant
    raise AccessDenied(zh="您的岗位无权办理此业务", en="your post does not allow this")


def staff_regions(user, perm: Perm = Perm.CASE_VIEW) -> list[str] | None:
    """Region scopes for staff lists (None: all, for the platform itself)."""
    require_staff(user)
    if is_system(user):
        return None
    regions = regions_with_perm(user, perm)
    if not regions:
        raise AccessDenied(zh="您的岗位无权查看失业保险金", en="your post may not see unemployment claims")
    return regions


def require_fund_read(user) -> None:
    require_staff(user)
    if not is_system(user) and not any(regions_with_perm(user, p) for p in FUND_READ):
        raise AccessDenied(zh="您的岗位无权查看基金划转", en="your post may not see fund transfers")
