"""``/api/v1/me/``: a citizen's own register record (read only, masked)."""

# No ``from __future__ import annotations`` here: ninja reads the views' annotations
# through the ``api_errors`` wrapper, whose module globals would not resolve them.
from ninja import Router

from shebao.accounts.access import AccessDenied
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import UserKind
from shebao.register import access, selectors
from shebao.register.schemas import (
    ERRORS,
    AccessLogOut,
    EmploymentOut,
    EnrolmentOut,
    PersonOut,
    api_errors,
    employment_out,
    enrolment_out,
)

router = Router(auth=api_auth, tags=["citizen"])


def _me(request):
    user = request.auth
    if getattr(user, "kind", None) != UserKind.CITIZEN or user.person_id is None:
        raise AccessDenied(
            zh="此接口仅供已关联参保记录的个人用户使用", en="only for citizens linked to a register record"
        )
    return access.access_person(user=user, person_id=user.person_id)


@router.get("", response={200: PersonOut, **ERRORS}, summary="我的参保登记信息 / My record")
@api_errors
def my_record(request):
    return _me(request)


@router.get(
    "enrolments", response={200: list[EnrolmentOut], **ERRORS}, summary="我的参保记录 / My enrolments"
)
@api_errors
def my_enrolments(request):
    person = _me(request)
    return [enrolment_out(row) for row in selectors.person_enrolments(person_id=person.pk)]


@router.get(
    "employments", response={200: list[EmploymentOut], **ERRORS}, summary="我的就业登记 / My employments"
)
@api_errors
def my_employments(request):
    person = _me(request)
    return [employment_out(row) for row in selectors.person_employments(person_id=person.pk)]


@router.get(
    "access-log",
    response={200: list[AccessLogOut], **ERRORS},
    summary="谁查看了我的信息 / Who viewed my record",
)
@api_errors
def my_access_log(request):
    person = _me(request)
    return selectors.person_access_log(person_id=person.pk)
