"""投诉举报 writes: submit (named or anonymous), reply, close. Each one audited transaction;
reply and close are compare-and-set on the status.

``complaint_submit(*, actor, category, subject, body, region_code="", anonymous=False,
contact="", client_address="", now=None) -> Submitted``
    Anyone may submit; ``actor`` is the logged-in user or None. Anonymous submissions get a
    secret (returned once, stored hashed) and are limited per client address per hour;
    named ones per account per day. Routed by category (``rules.routing.ROUTES``) to the
    post of the region (the named citizen's own region by default, else the city).
``complaint_reply(*, actor, complaint_id, reply) -> Complaint`` — 已受理 → 已答复.
``complaint_close(*, actor, complaint_id, note) -> Complaint`` — 已受理/已答复 → 已办结.
Both need COMPLAINT_HANDLE through the post the complaint is routed to, in its region.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.accounts.access import AccessDenied, Grant, user_grants
from shebao.accounts.rules.permissions import POST_PERMS, Perm, UserKind, region_covers
from shebao.complaints.errors import ComplaintError
from shebao.complaints.models import Complaint, ComplaintStatus
from shebao.complaints.rules.routing import (
    ANONYMOUS_PER_HOUR,
    BODY_MAX,
    BODY_MIN,
    CONTACT_MAX,
    NAMED_PER_DAY,
    REPLY_MAX,
    SUBJECT_MAX,
    Category,
    new_secret,
    new_tracking_code,
    route,
)
from shebao.kernel.audit import audit_record
from shebao.kernel.crypto import blind_index
from shebao.kernel.divisions import division_exists_now
from shebao.register import sources

CLIENT_PURPOSE = "complaint.client"


@dataclass(frozen=True)
class Submitted:
    complaint: Complaint
    secret: str  # anonymous: the query password, shown once; named: ""


def _text(value: object, *, field: str, zh: str, en: str, max_length: int, min_length: int = 1) -> str:
    text = str(value or "").strip()
    if len(text) < min_length:
        if min_length <= 1:
            raise ComplaintError(field=field, zh=f"请填写{zh}", en=f"{en} is required")
        raise ComplaintError(
            field=field, zh=f"{zh}至少{min_length}字", en=f"{en}: at least {min_length} characters"
        )
    if len(text) > max_length:
        raise ComplaintError(
            field=field, zh=f"{zh}不能超过{max_length}字", en=f"{en} is longer than {max_length}"
        )
    return text


def _category(value: object) -> Category:
    try:
        return Category(str(value or "").strip())
    except ValueError:
        raise ComplaintError(field="category", zh="请选择投诉举报类型", en="choose a category") from None


def _region(value: object, actor) -> str:
    code = str(value or "").strip()
    if not code:
        person_id = (
            getattr(actor, "person_id", None) if getattr(actor, "kind", None) == UserKind.CITIZEN else None
        )
        return (sources.person_region(person_id) if person_id else None) or settings.SHEBAO_CITY_CODE
    if not (len(code) == 6 and code.isdigit() and division_exists_now(code)):
        raise ComplaintError(field="region_code", zh="所属区划代码无效", en="unknown region code")
    if not region_covers(settings.SHEBAO_CITY_CODE, code):
        raise ComplaintError(
            field="region_code", zh="只受理本市辖区的投诉举报", en="only regions of this city"
        )
    return code


def complaint_submit(
    *,
    actor,
    category: object,
    subject: object,
    body: object,
    region_code: object = "",
    anonymous: bool = False,
    contact: object = "",
    client_address: str = "",
    now: dt.datetime | None = None,
) -> Submitted:
    now = now or timezone.now()
    logged_in = actor is not None and getattr(actor, "is_authenticated", False)
    anonymous = bool(anonymous) or not logged_in
    kind = _category(category)
    subject_text = _text(subject, field="subject", zh="标题", en="subject", max_length=SUBJECT_MAX)
    body_text = _text(body, field="body", zh="内容", en="the text", max_length=BODY_MAX, min_length=BODY_MIN)
    contact_text = str(contact or "").strip()
    if len(contact_text) > CONTACT_MAX:
        raise ComplaintError(field="contact", zh=f"联系方式不能超过{CONTACT_MAX}字", en="contact is too long")
    region = _region(region_code, actor if logged_in else None)
    client = blind_index(client_address, purpose=CLIENT_PURPOSE) if client_address else ""
    if anonymous:
        recent = Complaint.objects.filter(
            anonymous=True, client_hash=client, submitted_at__gte=now - dt.timedelta(hours=1)
        )
        if client and recent.count() >= ANONYMOUS_PER_HOUR:
            raise ComplaintError(
                field="body",
                zh="提交过于频繁，请一小时后再试或拨打12333",
                en="too many submissions: try again in an hour, or call 12333",
            )
    elif (
        Complaint.objects.filter(user_id=actor.pk, submitted_at__gte=now - dt.timedelta(days=1)).count()
        >= NAMED_PER_DAY
    ):
        raise ComplaintError(field="body", zh="今日提交次数已达上限", en="daily limit reached")
    secret = new_secret() if anonymous else ""
    post = route(kind)
    with transaction.atomic():
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    complaint = Complaint.objects.create(
                        tracking_code=new_tracking_code(),
                        secret_hash=make_password(secret) if anonymous else "",
                        category=kind.value,
                        handling_post=post.value,
                        region_code=region,
                        subject=subject_text,
                        body=body_text,
                        contact=contact_text,
                        anonymous=anonymous,
                        user_id=None if anonymous else actor.pk,
                        complainant_name=""
                        if anonymous
                        else (getattr(actor, "full_name", "") or actor.get_username()),
                        client_hash=client,
                        submitted_at=now,
                    )
                break
            except IntegrityError:  # a tracking-code collision: draw again
                continue
        else:  # pragma: no cover
            raise ComplaintError(
                field="body", zh="提交失败，请重试", en="could not store the complaint, try again"
            )
        audit_record(
            action="complaint.submit",
            object_type="complaint",
            object_id=complaint.pk,
            after={
                "tracking_code": complaint.tracking_code,
                "category": kind.value,
                "routed_to": post.value,
                "region_code": region,
                "anonymous": anonymous,
            },
            actor=None if anonymous else actor,
        )
    return Submitted(complaint=complaint, secret=secret)


def handler_grant(actor, complaint: Complaint) -> Grant | None:
    """The grant through which ``actor`` may handle the complaint, or None."""
    for grant in user_grants(actor):
        if (
            grant.post == complaint.handling_post
            and Perm.COMPLAINT_HANDLE in POST_PERMS[grant.post]
            and region_covers(grant.region_code, complaint.region_code)
        ):
            return grant
    return None


def _load_for_handler(actor, complaint_id: object) -> tuple[Complaint, Grant]:
    complaint = Complaint.objects.filter(pk=complaint_id).first() if str(complaint_id).isdigit() else None
    grant = handler_grant(actor, complaint) if complaint is not None else None
    if complaint is None or grant is None:
        raise AccessDenied(
            zh="投诉不存在，或未分派给您的岗位和辖区", en="no such complaint for your post and region"
        )
    return complaint, grant


def complaint_reply(*, actor, complaint_id: object, reply: object) -> Complaint:
    complaint, grant = _load_for_handler(actor, complaint_id)
    text = _text(reply, field="reply", zh="答复内容", en="the reply", max_length=REPLY_MAX)
    now = timezone.now()
    with transaction.atomic():
        if not Complaint.objects.filter(pk=complaint.pk, status=ComplaintStatus.SUBMITTED).update(
            status=ComplaintStatus.REPLIED, reply=text, replied_at=now, replied_by=actor.get_username()
        ):
            raise ComplaintError(field="reply", zh="该投诉已答复或已办结", en="already replied to, or closed")
        audit_record(
            action="complaint.reply",
            object_type="complaint",
            object_id=complaint.pk,
            before={"status": ComplaintStatus.SUBMITTED},
            after={"status": ComplaintStatus.REPLIED},
            actor=actor,
            post=str(grant.post),
        )
    complaint.status, complaint.reply, complaint.replied_at = ComplaintStatus.REPLIED, text, now
    complaint.replied_by = actor.get_username()
    return complaint


def complaint_close(*, actor, complaint_id: object, note: object) -> Complaint:
    complaint, grant = _load_for_handler(actor, complaint_id)
    text = _text(note, field="note", zh="办结说明", en="the closing note", max_length=REPLY_MAX)
    now = timezone.now()
    with transaction.atomic():
        before = Complaint.objects.filter(pk=complaint.pk).values_list("status", flat=True).first()
        if not Complaint.objects.filter(
            pk=complaint.pk, status__in=[ComplaintStatus.SUBMITTED, ComplaintStatus.REPLIED]
        ).update(
            status=ComplaintStatus.CLOSED, closure_note=text, closed_at=now, closed_by=actor.get_username()
        ):
            raise ComplaintError(field="note", zh="该投诉已办结", en="already closed")
        audit_record(
            action="complaint.close",
            object_type="complaint",
            object_id=complaint.pk,
            before={"status": before},
            after={"status": ComplaintStatus.CLOSED},
            actor=actor,
            post=str(grant.post),
        )
    complaint.status, complaint.closure_note, complaint.closed_at = ComplaintStatus.CLOSED, text, now
    complaint.closed_by = actor.get_username()
    return complaint
