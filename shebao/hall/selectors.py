"""Service-hall reads: the catalogue, an applicant's cases, staff queues, case views.

Single cases are loaded through ``case_for_applicant`` / ``case_for_staff`` (the access
functions); lists are scoped to what the reader may see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from shebao.accounts.access import AccessDenied, grant_for, regions_with_perm
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.hall.items import get_item
from shebao.hall.models import Case, CaseEvent, ServiceItem, Upload
from shebao.hall.rules.sla import Sla, sla_colour
from shebao.hall.rules.workflow import OPEN_FOR_STAFF, CaseStatus, stage_zh_en
from shebao.kernel.calendar import working_days_between
from shebao.kernel.divisions import division_name_path


def _not_found() -> AccessDenied:
    return AccessDenied(zh="申请不存在或无权访问", en="no such application, or access denied")


# ---------------------------------------------------------------------------------- catalogue


def catalogue_search(
    *,
    q: str = "",
    category: str = "",
    life_event: str = "",
    audience: str = "",
    include_inactive: bool = False,
) -> list[ServiceItem]:
    rows = ServiceItem.objects.all().select_related("guide")
    if not include_inactive:
        rows = rows.filter(active=True)
    if category:
        rows = rows.filter(category=category)
    if life_event:
        rows = rows.filter(life_event=life_event)
    if audience:
        rows = rows.filter(audience=audience)
    text = (q or "").strip()[:50]
    if text:
        rows = rows.filter(
            Q(name_zh__icontains=text)
            | Q(name_en__icontains=text)
            | Q(keywords__icontains=text)
            | Q(category__icontains=text)
            | Q(life_event__icontains=text)
            | Q(code__icontains=text)
        )
    return list(rows)


def catalogue_facets() -> dict[str, list[str]]:
    rows = ServiceItem.objects.filter(active=True)
    return {
        "categories": sorted(set(rows.values_list("category", flat=True))),
        "life_events": sorted({e for e in rows.values_list("life_event", flat=True) if e}),
    }


def item_get(*, code: str, include_inactive: bool = False) -> ServiceItem | None:
    rows = ServiceItem.objects.select_related("guide").prefetch_related("materials")
    if not include_inactive:
        rows = rows.filter(active=True)
    return rows.filter(code=code).first()


def item_start_url(item: ServiceItem) -> str | None:
    """Where the item's start button leads: another app's page for instant and booked
    items (None while that app is not installed), the hall's own form otherwise."""
    definition = get_item(item.code)
    if definition is not None and definition.start_url_name:
        try:
            url = reverse(definition.start_url_name)
        except NoReverseMatch:
            return None
        return f"{url}?item={item.code}" if definition.start_url_name.startswith("appointments:") else url
    if item.online_level == "book":
        try:
            return f"{reverse('appointments:book')}?item={item.code}"
        except NoReverseMatch:
            return None
    if item.online_level == "counter":
        return None
    return reverse("hall:start", args=[item.code])


# ---------------------------------------------------------------------------------- cases


def case_for_applicant(*, user, case_id) -> Case:
    """A case the user filed, or (citizens) one filed for them by an agent."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise _not_found()
    try:
        case = Case.objects.select_related("item").get(pk=int(case_id))
    except (Case.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None
    if case.applicant_user_id == user.pk:
        return case
    if user.kind == UserKind.CITIZEN and user.person_id is not None and case.person_id == user.person_id:
        return case
    if (
        user.kind == UserKind.EMPLOYER
        and user.employer_id is not None
        and case.employer_id == user.employer_id
    ):
        return case
    raise _not_found()


def case_for_staff(*, user, case_id, perm: Perm = Perm.CASE_VIEW) -> Case:
    if user is None or not getattr(user, "is_authenticated", False) or user.kind != UserKind.STAFF:
        raise _not_found()
    try:
        case = Case.objects.select_related("item").get(pk=int(case_id))
    except (Case.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None
    if case.status == CaseStatus.DRAFT or grant_for(user, perm, case.region_code) is None:
        raise _not_found()
    return case


def case_for_reader(*, user, case_id) -> Case:
    if getattr(user, "kind", None) == UserKind.STAFF:
        return case_for_staff(user=user, case_id=case_id)
    return case_for_applicant(user=user, case_id=case_id)


def cases_for_applicant(*, user, limit: int = 100) -> list[Case]:
    q = Q(applicant_user_id=user.pk)
    if user.kind == UserKind.CITIZEN and user.person_id is not None:
        q |= Q(person_id=user.person_id) & ~Q(status=CaseStatus.DRAFT)
    if user.kind == UserKind.EMPLOYER and user.employer_id is not None:
        q |= Q(employer_id=user.employer_id) & ~Q(status=CaseStatus.DRAFT)
    return list(Case.objects.filter(q).select_related("item").order_by("-created_at", "-id")[:limit])


def _region_q(scopes: list[str]) -> Q | None:
    q = None
    for scope in scopes:
        if scope.endswith("0000"):
            part = Q(region_code__startswith=scope[:2])
        elif scope.endswith("00"):
            part = Q(region_code__startswith=scope[:4])
        else:
            part = Q(region_code=scope)
        q = part if q is None else q | part
    return q


QUEUE_STATUSES = {
    "intake": (CaseStatus.SUBMITTED,),
    "review": (CaseStatus.ACCEPTED,),
    "recheck": (CaseStatus.REVIEWED,),
    "returned": (CaseStatus.RETURNED,),
    "done": (CaseStatus.APPROVED, CaseStatus.REFUSED, CaseStatus.REJECTED),
}
QUEUE_PERM = {"intake": Perm.CASE_ACCEPT, "review": Perm.CASE_REVIEW, "recheck": Perm.CASE_RECHECK}


def staff_queue(*, user, queue: str = "", mine: bool = False, limit: int = 200) -> list[Case]:
    """Open cases in the regions where the user's posts may handle them (by stage)."""
    statuses = QUEUE_STATUSES.get(queue, OPEN_FOR_STAFF)
    perm = QUEUE_PERM.get(queue, Perm.CASE_VIEW)
    q = _region_q(regions_with_perm(user, perm))
    if q is None:
        return []
    rows = Case.objects.filter(q, status__in=statuses).select_related("item")
    if mine:
        rows = rows.filter(assignee_id=user.pk)
    order = ("-completed_at",) if queue == "done" else ("due_date", "submitted_at", "id")
    return list(rows.order_by(*order)[:limit])


def queue_counts(*, user) -> dict[str, int]:
    out = {}
    for name, statuses in QUEUE_STATUSES.items():
        q = _region_q(regions_with_perm(user, QUEUE_PERM.get(name, Perm.CASE_VIEW)))
        out[name] = Case.objects.filter(q, status__in=statuses).count() if q is not None else 0
    return out


def case_events(*, case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case))


def case_uploads(*, case: Case) -> list[Upload]:
    return list(Upload.objects.filter(case=case, removed=False))


def upload_for_reader(*, user, upload_id) -> Upload:
    try:
        upload = Upload.objects.select_related("case").get(pk=int(upload_id), removed=False)
    except (Upload.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None
    case_for_reader(user=user, case_id=upload.case_id)
    return upload


@dataclass(frozen=True)
class SlaInfo:
    due_date: dt.date | None
    remaining: int | None  # working days left (negative: overdue)
    colour: Sla
    fallback: bool  # the due date was computed partly on the weekday fallback

    @property
    def overdue(self) -> bool:
        return self.colour == Sla.RED


def case_sla(case: Case, *, today: dt.date | None = None) -> SlaInfo:
    final = case.status_enum.is_final or case.status in (CaseStatus.DRAFT, CaseStatus.RETURNED)
    if case.due_date is None:
        return SlaInfo(None, None, Sla.DONE, False)
    today = today or timezone.localdate()
    remaining = None if final else working_days_between(today, case.due_date)
    return SlaInfo(
        case.due_date,
        remaining,
        sla_colour(remaining=remaining, limit=case.item.time_limit_days, final=final),
        case.due_date_source == "fallback-weekday",
    )


def case_office(case: Case) -> tuple[str, str]:
    """当前办理机构 and stage: e.g. ("北京市 / 朝阳区 社会保险经办机构", "业务审核")."""
    region = division_name_path(case.region_code) or case.region_code
    stage_zh, stage_en = stage_zh_en(case.status_enum)
    return (
        f"{region} 社会保险经办机构 · {stage_zh}",
        f"social-insurance agency {case.region_code} · {stage_en}",
    )


def case_status_dict(case: Case, *, english: bool = False) -> dict:
    sla = case_sla(case)
    office_zh, office_en = case_office(case)
    status = case.status_enum
    return {
        "id": case.pk,
        "reference": case.reference,
        "item": case.item.code,
        "item_name": case.item.name_en if english and case.item.name_en else case.item.name_zh,
        "status": status.value,
        "status_label": status.label_en if english else status.label_zh,
        "office": office_en if english else office_zh,
        "submitted_at": case.submitted_at,
        "due_date": sla.due_date,
        "sla": sla.colour.value,
        "working_days_left": sla.remaining,
        "returned_fields": case.returned_fields,
        "needs_recheck": case.needs_recheck,
        "completed_at": case.completed_at,
        "filed_by_agent": case.agent_user_id is not None,
        "has_receipt": case.receipt is not None,
    }
