"""``/api/v1/me/contributions/``: a citizen's own contributions: assessed lines by month
and insurance, bills (flexible workers pay their own), and the flexible worker's grade
choice. Always the caller's own record (``User.person_id``)."""

# No ``from __future__ import annotations`` here: ninja reads the views' annotations
# through the ``api_errors`` wrapper, whose module globals would not resolve them.
from ninja import Router, Status

from shebao.accounts.access import AccessDenied
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import UserKind
from shebao.contributions import history, selectors, services
from shebao.contributions.codes import PayerType
from shebao.contributions.schemas import (
    ERRORS,
    BillOut,
    GradeIn,
    GradeOut,
    LineOut,
    api_errors,
    bill_out,
    grade_out,
    line_out,
    periods_between,
    plain,
)
from shebao.contributions.services import ContributionError
from shebao.register import sources

router = Router(auth=api_auth, tags=["citizen: contributions"])


def _person_id(request) -> int:
    user = request.auth
    if getattr(user, "kind", None) != UserKind.CITIZEN or user.person_id is None:
        raise AccessDenied(
            zh="此接口仅供已关联参保记录的个人用户使用", en="only for citizens linked to a register record"
        )
    selectors.authorise_person_view(user=user, person_id=user.person_id)
    return user.person_id


@router.get(
    "lines",
    response={200: list[LineOut], **ERRORS},
    summary="我的核定明细（按月、险种） / My assessed contributions by month and insurance",
)
@api_errors
def my_lines(request, from_period: str, to_period: str):
    person_id = _person_id(request)
    periods = periods_between(from_period, to_period)
    return [line_out(line) for line in selectors.person_lines(person_id=person_id, periods=periods)]


@router.get(
    "bills",
    response={200: list[BillOut], **ERRORS},
    summary="我的缴费账单（灵活就业） / My bills (flexible workers)",
)
@api_errors
def my_bills(request, limit: int = 60):
    person_id = _person_id(request)
    bills = selectors.bills_for_payer(payer_type=PayerType.PERSON, payer_id=person_id, limit=max(1, min(int(limit), 240)))
    return [bill_out(b) for b in bills]


@router.post(
    "grade",
    response={201: GradeOut, **ERRORS},
    summary="变更缴费档次（次月生效） / Change my contribution grade (from next month)",
)
@api_errors
def my_grade_change(request, payload: GradeIn):
    person_id = _person_id(request)
    if not sources.is_flexible_worker(person_id):
        raise ContributionError(
            field="grade_pct", zh="只有灵活就业人员可以选择缴费档次", en="only flexible workers choose a contribution grade"
        )
    obj = services.flexible_grade_change(actor=request.auth, person_id=person_id, grade_pct=payload.grade_pct)
    return Status(201, grade_out(obj))


@router.get(
    "history",
    response={200: list[dict], **ERRORS},
    summary="我的缴费记录（按月、险种，含缴费状态） / My contribution history",
)
@api_errors
def my_history(request, from_period: str, to_period: str):
    months = history.person_contribution_history(
        user=request.auth, person_id=_person_id(request), first_period=from_period, last_period=to_period
    )
    return plain(months)


@router.get("account", response={200: dict, **ERRORS}, summary="我的个人账户对账单 / My account statement")
@api_errors
def my_account(request):
    return plain(history.person_account_statement(user=request.auth, person_id=_person_id(request)))
