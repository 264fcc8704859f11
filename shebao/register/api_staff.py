"""``/api/v1/staff/``: the register for agency staff (经办人员).

Thin: parse, authorise (``shebao.register.access``), call one service or selector,
serialise. No ID number ever appears in a URL: look-ups by number are POST bodies.
Every view of a person record is written to the read log (``data_access_record``).
"""

# No ``from __future__ import annotations`` here: ninja reads the views' annotations
# through the ``api_errors`` wrapper, whose module globals would not resolve them.
from ninja import Router, Status

from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import Perm
from shebao.kernel.audit import data_access_record
from shebao.register import access, selectors, services
from shebao.register.rules.codes import Insurance
from shebao.register.schemas import (
    ERRORS,
    AccessLogOut,
    CancelIn,
    EmployerChangeIn,
    EmployerIn,
    EmployerOut,
    EmploymentOut,
    EnrolmentOut,
    FlexibleIn,
    HireIn,
    HistoryOut,
    LookupIn,
    NotFound,
    PersonChangeIn,
    PersonIn,
    PersonOut,
    PersonRegisteredOut,
    RevealIn,
    RevealOut,
    SeparateIn,
    TransitionIn,
    api_errors,
    employment_out,
    enrolment_out,
    history_out,
)

router = Router(auth=api_auth, tags=["staff"])

_NOT_REGISTERED = ("该证件号码未登记", "no person is registered with this ID number")


def _log_read(request, person, *, purpose: str, grant) -> None:
    data_access_record(
        subject_id=person.pk,
        fields="masked",
        purpose=purpose,
        channel="api",
        actor=request.auth,
        post=str(grant.post) if grant is not None else "",
    )


@router.post(
    "persons/lookup",
    response={200: PersonOut, **ERRORS},
    summary="按证件号码查询人员 / Look up a person by ID number",
)
@api_errors
def person_lookup(request, payload: LookupIn):
    user = request.auth
    access.require_staff_perm(user=user, perm=Perm.PERSON_VIEW)
    # The card, not a Person: the masked fields of PersonOut read with one plain query
    # (this is the benchmarked hot path, docs/benchmarks.md).
    person = selectors.person_card_by_id_number(id_number=payload.id_number)
    if person is None:
        raise NotFound(*_NOT_REGISTERED)
    grant = access.authorise_person(user=user, person=person, perm=Perm.PERSON_VIEW)
    _log_read(request, person, purpose="api lookup", grant=grant)
    # The card's fields are exactly PersonOut's, typed by the selector: returning the
    # schema instance lets ninja serialise it without validating it field by field again.
    return PersonOut.model_construct(**{name: getattr(person, name) for name in _PERSON_OUT_FIELDS})


_PERSON_OUT_FIELDS = tuple(PersonOut.model_fields)


@router.get(
    "persons/{int:person_id}", response={200: PersonOut, **ERRORS}, summary="人员登记信息 / Person record"
)
@api_errors
def person_detail(request, person_id: int):
    user = request.auth
    access.require_staff_perm(user=user, perm=Perm.PERSON_VIEW)
    person = access.access_person(user=user, person_id=person_id)
    grant = access.authorise_person(user=user, person=person)
    _log_read(request, person, purpose="api view", grant=grant)
    return person


@router.post(
    "persons", response={201: PersonRegisteredOut, **ERRORS}, summary="个人参保登记 / Register a person"
)
@api_errors
def person_create(request, payload: PersonIn):
    result = services.person_register(actor=request.auth, **payload.dict())
    return Status(201, {"person": result.person, "warnings": result.warnings})


@router.patch(
    "persons/{int:person_id}", response={200: PersonOut, **ERRORS}, summary="个人信息变更 / Change a person"
)
@api_errors
def person_update(request, person_id: int, payload: PersonChangeIn):
    changes = payload.dict(exclude_unset=True)
    return services.person_change(actor=request.auth, person_id=person_id, changes=changes)


@router.post(
    "persons/{int:person_id}/reveal",
    response={200: RevealOut, **ERRORS},
    summary="查看完整信息（留痕） / Reveal (audited)",
)
@api_errors
def person_reveal(request, person_id: int, payload: RevealIn):
    value = services.person_reveal(actor=request.auth, person_id=person_id, field=payload.field)
    return {"field": payload.field, "value": value}


@router.get(
    "persons/{int:person_id}/history",
    response={200: list[HistoryOut], **ERRORS},
    summary="变更历史 / History",
)
@api_errors
def person_history(request, person_id: int):
    access.require_staff_perm(user=request.auth, perm=Perm.PERSON_VIEW)
    person = access.access_person(user=request.auth, person_id=person_id)
    return [history_out(e) for e in selectors.record_history(object_type="person", object_id=person.pk)]


@router.get(
    "persons/{int:person_id}/access-log",
    response={200: list[AccessLogOut], **ERRORS},
    summary="查阅记录 / Access log",
)
@api_errors
def person_access_log(request, person_id: int):
    access.require_staff_perm(user=request.auth, perm=Perm.PERSON_VIEW)
    person = access.access_person(user=request.auth, person_id=person_id)
    return selectors.person_access_log(person_id=person.pk)


@router.get(
    "persons/{int:person_id}/enrolments",
    response={200: list[EnrolmentOut], **ERRORS},
    summary="参保记录 / Enrolments",
)
@api_errors
def person_enrolments(request, person_id: int):
    access.require_staff_perm(user=request.auth, perm=Perm.PERSON_VIEW)
    person = access.access_person(user=request.auth, person_id=person_id)
    return [enrolment_out(row) for row in selectors.person_enrolments(person_id=person.pk)]


@router.get("employers", response={200: list[EmployerOut], **ERRORS}, summary="查询单位 / Search employers")
@api_errors
def employer_list(request, q: str = "", limit: int = 50):
    access.require_staff_perm(user=request.auth, perm=Perm.EMPLOYER_VIEW)
    return selectors.employer_search(user=request.auth, query=q, limit=limit)


@router.get(
    "employers/{int:employer_id}",
    response={200: EmployerOut, **ERRORS},
    summary="单位登记信息 / Employer record",
)
@api_errors
def employer_detail(request, employer_id: int):
    access.require_staff_perm(user=request.auth, perm=Perm.EMPLOYER_VIEW)
    return access.access_employer(user=request.auth, employer_id=employer_id)


@router.post(
    "employers", response={201: EmployerOut, **ERRORS}, summary="单位参保登记 / Register an employer"
)
@api_errors
def employer_create(request, payload: EmployerIn):
    return Status(201, services.employer_register(actor=request.auth, **payload.dict()))


@router.patch(
    "employers/{int:employer_id}",
    response={200: EmployerOut, **ERRORS},
    summary="单位信息变更 / Change an employer",
)
@api_errors
def employer_update(request, employer_id: int, payload: EmployerChangeIn):
    return services.employer_change(
        actor=request.auth, employer_id=employer_id, changes=payload.dict(exclude_unset=True)
    )


@router.post(
    "employers/{int:employer_id}/cancel",
    response={200: EmployerOut, **ERRORS},
    summary="单位注销 / Cancel an employer",
)
@api_errors
def employer_cancel(request, employer_id: int, payload: CancelIn):
    return services.employer_cancel(
        actor=request.auth, employer_id=employer_id, cancelled_on=payload.cancelled_on, reason=payload.reason
    )


@router.post("employments", response={201: EmploymentOut, **ERRORS}, summary="增员 / Hire")
@api_errors
def employment_create(request, payload: HireIn):
    employment = services.employment_hire(
        actor=request.auth,
        employer_id=payload.employer_id,
        person_id=payload.person_id,
        start_date=payload.start_date,
        monthly_wage=payload.monthly_wage,
        insurances=payload.insurances,
    )
    return Status(201, employment_out(employment))


@router.post(
    "employments/{int:employment_id}/separate",
    response={200: EmploymentOut, **ERRORS},
    summary="减员 / Separate",
)
@api_errors
def employment_separate(request, employment_id: int, payload: SeparateIn):
    employment = services.employment_separate(
        actor=request.auth, employment_id=employment_id, end_date=payload.end_date, reason=payload.reason
    )
    return employment_out(employment)


@router.post(
    "persons/{int:person_id}/flexible",
    response={201: EmploymentOut, **ERRORS},
    summary="灵活就业登记 / Register a flexible worker",
)
@api_errors
def flexible_create(request, person_id: int, payload: FlexibleIn):
    employment = services.flexible_register(
        actor=request.auth, person_id=person_id, start_date=payload.start_date, insurances=payload.insurances
    )
    return Status(201, employment_out(employment))


_TRANSITIONS = {
    "suspend": services.enrolment_suspend,
    "resume": services.enrolment_resume,
    "terminate": services.enrolment_terminate,
}


@router.post(
    "persons/{int:person_id}/enrolments/{insurance}/{action}",
    response={200: EnrolmentOut, **ERRORS},
    summary="暂停 / 恢复 / 终止参保 — suspend, resume or terminate",
)
@api_errors
def enrolment_transition(request, person_id: int, insurance: Insurance, action: str, payload: TransitionIn):
    service = _TRANSITIONS.get(action)
    if service is None:
        raise NotFound("没有这个业务", "no such action")
    row = service(
        actor=request.auth,
        person_id=person_id,
        insurance=insurance,
        from_period=payload.from_period,
        reason=payload.reason,
    )
    return enrolment_out(row)
