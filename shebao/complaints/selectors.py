"""Complaint reads: the complainant's view by tracking code (and secret or account), the
handlers' queue by post and region."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Q

from shebao.accounts.access import user_grants
from shebao.accounts.rules.permissions import POST_PERMS, Perm
from shebao.complaints.models import Complaint, ComplaintStatus
from shebao.complaints.rules.routing import normalise_tracking_code


def complaint_for_complainant(*, tracking_code: object, secret: object = "", user=None) -> Complaint | None:
    """The complaint if the caller proves it is theirs: the secret (anonymous) or the
    account that filed it (named). Wrong code, wrong secret and someone else's complaint
    all give None, alike."""
    complaint = Complaint.objects.filter(tracking_code=normalise_tracking_code(tracking_code)).first()
    if complaint is None:
        make_password(str(secret or ""))  # about the same work either way: no timing hint
        return None
    if complaint.anonymous:
        return (
            complaint
            if secret and check_password(str(secret).strip().upper(), complaint.secret_hash)
            else None
        )
    if user is not None and getattr(user, "is_authenticated", False) and user.pk == complaint.user_id:
        return complaint
    return None


def complaints_of_user(*, user_id: int, limit: int = 50) -> list[Complaint]:
    return list(Complaint.objects.filter(user_id=user_id).order_by("-submitted_at")[:limit])


def handler_queue(*, user, status: str | None = None, limit: int = 200) -> list[Complaint]:
    """Complaints routed to the user's posts in their regions (open ones first)."""
    query = Q(pk__in=[])
    for grant in user_grants(user):
        if Perm.COMPLAINT_HANDLE not in POST_PERMS[grant.post]:
            continue
        scope = grant.region_code
        if scope.endswith("0000"):
            region = Q(region_code__startswith=scope[:2])
        elif scope.endswith("00"):
            region = Q(region_code__startswith=scope[:4])
        else:
            region = Q(region_code=scope)
        query |= Q(handling_post=grant.post.value) & region
    rows = Complaint.objects.filter(query)
    if status:
        rows = rows.filter(status=status)
    open_first = [ComplaintStatus.SUBMITTED, ComplaintStatus.REPLIED, ComplaintStatus.CLOSED]
    out = sorted(rows[: limit * 2], key=lambda c: (open_first.index(c.status), -c.submitted_at.timestamp()))
    return out[:limit]


def complaint_by_id(*, complaint_id: int) -> Complaint | None:
    return Complaint.objects.filter(pk=complaint_id).first()
