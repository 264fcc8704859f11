"""``/api/v1/staff/hall/``: the workbench API for agency staff: queues by post and region,
claim and assign, the transitions, and catalogue administration (CATALOGUE_ADMIN)."""

from ninja import Router

from shebao.accounts.access import require_kind
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import UserKind
from shebao.hall import selectors, services
from shebao.hall.items import get_item
from shebao.hall.schemas import (
    ERRORS,
    AssignIn,
    CaseDetailOut,
    CaseOut,
    CatalogueChangeIn,
    CommentIn,
    ItemDetailOut,
    RecheckIn,
    ReturnIn,
    _english,
    api_errors,
    case_detail_out,
    case_out,
    item_detail_out,
)

router = Router(auth=api_auth, tags=["staff"])


def _staff(request):
    return require_kind(request.auth, UserKind.STAFF)


@router.get("queue", response={200: list[CaseOut], **ERRORS}, summary="待办队列 / Work queue")
@api_errors
def queue(request, queue: str = "", mine: bool = False):
    user = _staff(request)
    return [
        case_out(c, english=_english(request))
        for c in selectors.staff_queue(user=user, queue=queue, mine=mine)
    ]


@router.get("cases/{case_id}", response={200: CaseDetailOut, **ERRORS}, summary="申请详情 / Case")
@api_errors
def detail(request, case_id: int):
    case = selectors.case_for_staff(user=_staff(request), case_id=case_id)
    return case_detail_out(case, english=_english(request))


def _done(request, case):
    return case_out(case, english=_english(request))


@router.post("cases/{case_id}/claim", response={200: CaseOut, **ERRORS}, summary="认领 / Claim")
@api_errors
def claim(request, case_id: int):
    return _done(request, services.case_claim(actor=_staff(request), case_id=case_id))


@router.post("cases/{case_id}/assign", response={200: CaseOut, **ERRORS}, summary="分派 / Assign")
@api_errors
def assign(request, case_id: int, payload: AssignIn):
    return _done(
        request, services.case_assign(actor=_staff(request), case_id=case_id, assignee_id=payload.assignee_id)
    )


@router.post("cases/{case_id}/accept", response={200: CaseOut, **ERRORS}, summary="受理 / Accept")
@api_errors
def accept(request, case_id: int, payload: CommentIn):
    return _done(
        request, services.case_accept(actor=_staff(request), case_id=case_id, comment=payload.comment)
    )


@router.post(
    "cases/{case_id}/reject", response={200: CaseOut, **ERRORS}, summary="不予受理 / Reject at intake"
)
@api_errors
def reject(request, case_id: int, payload: CommentIn):
    return _done(
        request, services.case_reject_intake(actor=_staff(request), case_id=case_id, comment=payload.comment)
    )


@router.post("cases/{case_id}/return", response={200: CaseOut, **ERRORS}, summary="退回补正 / Return")
@api_errors
def return_(request, case_id: int, payload: ReturnIn):
    return _done(
        request,
        services.case_return(
            actor=_staff(request), case_id=case_id, comment=payload.comment, fields=payload.fields
        ),
    )


@router.post("cases/{case_id}/review", response={200: CaseOut, **ERRORS}, summary="审核通过，转复核 / Review")
@api_errors
def review(request, case_id: int, payload: CommentIn):
    return _done(
        request, services.case_review(actor=_staff(request), case_id=case_id, comment=payload.comment)
    )


@router.post("cases/{case_id}/approve", response={200: CaseOut, **ERRORS}, summary="审核办结 / Approve")
@api_errors
def approve(request, case_id: int, payload: CommentIn):
    return _done(
        request, services.case_approve(actor=_staff(request), case_id=case_id, comment=payload.comment)
    )


@router.post("cases/{case_id}/refuse", response={200: CaseOut, **ERRORS}, summary="不予批准 / Refuse")
@api_errors
def refuse(request, case_id: int, payload: CommentIn):
    return _done(
        request, services.case_refuse(actor=_staff(request), case_id=case_id, comment=payload.comment)
    )


@router.post("cases/{case_id}/recheck", response={200: CaseOut, **ERRORS}, summary="复核 / Second check")
@api_errors
def recheck(request, case_id: int, payload: RecheckIn):
    return _done(
        request,
        services.case_recheck(
            actor=_staff(request), case_id=case_id, approve=payload.approve, comment=payload.comment
        ),
    )


@router.patch(
    "catalogue/{code}", response={200: ItemDetailOut, **ERRORS}, summary="维护事项和指南 / Edit item"
)
@api_errors
def catalogue_change(request, code: str, payload: CatalogueChangeIn):
    user = _staff(request)
    services.catalogue_change(actor=user, code=code, item=payload.item, guide=payload.guide)
    item = selectors.item_get(code=code, include_inactive=True)
    return item_detail_out(item, get_item(code), english=_english(request))
