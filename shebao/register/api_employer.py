"""``/api/v1/employer/``: an employer operator's staff roster, hires and separations
(单位网上经办). The employer is always the operator's own (``User.employer_id``)."""

# No ``from __future__ import annotations`` here: ninja reads the views' annotations
# through the ``api_errors`` wrapper, whose module globals would not resolve them.
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from shebao.accounts.access import AccessDenied
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import UserKind
from shebao.register import access, selectors, services
from shebao.register.errors import RegisterError
from shebao.register.schemas import (
    ERRORS,
    BatchOut,
    EmployerHireIn,
    EmployerOut,
    EmployerSeparateIn,
    EmploymentOut,
    ErrorOut,
    RosterOut,
    api_errors,
    batch_out,
    employment_out,
)

router = Router(auth=api_auth, tags=["employer"])


def _employer(request):
    user = request.auth
    if getattr(user, "kind", None) != UserKind.EMPLOYER or user.employer_id is None:
        raise AccessDenied(zh="此接口仅供单位经办人使用", en="only for employer operators")
    return access.access_employer(user=user, employer_id=user.employer_id)


@router.get("", response={200: EmployerOut, **ERRORS}, summary="本单位登记信息 / My employer")
@api_errors
def my_employer(request):
    return _employer(request)


@router.get("staff", response={200: list[RosterOut], **ERRORS}, summary="在职人员名单 / Staff roster")
@api_errors
def roster(request, include_past: bool = False):
    employer = _employer(request)
    return [
        {
            "employment": employment_out(employment),
            "person_id": person.pk,
            "name": person.name,
            "id_masked": person.id_masked,
            "sex": person.sex,
            "birth_date": person.birth_date,
        }
        for employment, person in selectors.employer_roster(
            employer_id=employer.pk, active_only=not include_past
        )
    ]


@router.post("hires", response={201: EmploymentOut, **ERRORS}, summary="增员 / Hire")
@api_errors
def hire(request, payload: EmployerHireIn):
    employer = _employer(request)
    employment = services.employment_hire_by_id_number(
        actor=request.auth, employer_id=employer.pk, **payload.dict()
    )
    return Status(201, employment_out(employment))


@router.post("separations", response={200: EmploymentOut, **ERRORS}, summary="减员 / Separate")
@api_errors
def separate(request, payload: EmployerSeparateIn):
    employer = _employer(request)
    employment = services.employment_separate_by_id_number(
        actor=request.auth, employer_id=employer.pk, **payload.dict()
    )
    return employment_out(employment)


@router.post(
    "batch",
    response={200: BatchOut, 400: BatchOut, 403: ErrorOut, 404: ErrorOut},
    summary="批量增员 / 减员（.xlsx），有任何错误则全部不导入 / Batch hire or separation, all or nothing",
)
@api_errors
def batch(request, kind: Form[str], file: File[UploadedFile]):
    employer = _employer(request)
    try:
        result = services.employment_batch_import(
            actor=request.auth, employer_id=employer.pk, kind=kind, file=file
        )
    except RegisterError as exc:
        result = services.BatchResult(ok=False, processed=0, errors=[exc])
    body = batch_out(result, request)
    return Status(200 if result.ok else 400, body)
