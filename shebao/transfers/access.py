"""Object access for transfers: the only way to load one for a user."""

from __future__ import annotations

from shebao.accounts.access import AccessDenied, grant_for, regions_with_perm
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.register.access import is_system
from shebao.transfers.models import Transfer


def _denied() -> AccessDenied:
    return AccessDenied(zh="转移业务不存在或无权查看", en="no such transfer, or you may not see it")


def access_transfer(*, user, transfer_id: int) -> Transfer:
    """The person themself (their transfers in), staff with CASE_VIEW in the transfer's region."""
    transfer = Transfer.objects.filter(pk=transfer_id).first()
    if transfer is None:
        raise _denied()
    if is_system(user):
        return transfer
    live = user is not None and getattr(user, "is_authenticated", False) and user.is_active
    if live and user.kind == UserKind.CITIZEN and user.person_id is not None and user.person_id == transfer.person_id:
        return transfer
    if live and user.kind == UserKind.STAFF and grant_for(user, Perm.CASE_VIEW, transfer.region_code) is not None:
        return transfer
    raise _denied()


def staff_regions(user) -> list[str]:
    regions = regions_with_perm(user, Perm.CASE_VIEW)
    if not regions:
        raise AccessDenied(zh="您的岗位无权查看转移业务", en="your post does not see transfers")
    return regions
