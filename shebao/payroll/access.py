"""Who may see payroll records: staff with FUND_VIEW or PAYROLL_RUN (payees: in their
post's region)."""

from __future__ import annotations

from shebao.accounts.access import AccessDenied, grant_for, regions_with_perm
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.payroll import selectors
from shebao.payroll.models import Payee
from shebao.register.access import is_system
from shebao.register.schemas import NotFound

READ_PERMS = (Perm.PAYROLL_RUN, Perm.FUND_VIEW)


def _staff(user) -> None:
    if is_system(user):
        return
    if user is None or not user.is_authenticated or not user.is_active or user.kind != UserKind.STAFF:
        raise AccessDenied(zh="只有经办人员可以办理此业务", en="only agency staff may do this")


def reader_regions(user) -> list[str] | None:
    """Region scopes the user may read (None: everything, for the platform itself)."""
    _staff(user)
    if is_system(user):
        return None
    regions = sorted({r for perm in READ_PERMS for r in regions_with_perm(user, perm)})
    if not regions:
        raise AccessDenied(zh="您的岗位无权查看养老金发放", en="your post may not see the payroll")
    return regions


def access_payee(*, user, payee_id: int) -> Payee:
    _staff(user)
    payee = selectors.payee(payee_id=payee_id)
    if payee is None:
        raise NotFound(zh="发放对象不存在", en="no such payee")
    if not is_system(user) and not any(grant_for(user, perm, payee.region_code) for perm in READ_PERMS):
        raise NotFound(zh="发放对象不存在", en="no such payee")
    return payee
