"""``/api/v1/me/benefits/``: the citizen's own pension estimate (养老金测算) from their
record plus stated assumptions, and their pension history once awarded."""

# No ``from __future__ import annotations``: ninja reads the annotations through api_errors.
import datetime as dt

from django.utils import timezone
from ninja import Router, Schema

from shebao.accounts.access import AccessDenied
from shebao.accounts.api_auth import api_auth
from shebao.accounts.rules.permissions import UserKind
from shebao.benefits import selectors, services
from shebao.benefits.schemas import (
    ERRORS,
    EstimateOut,
    PensionRowOut,
    api_errors,
    assumptions_from,
    pension_row_out,
)

router = Router(auth=api_auth, tags=["citizen: benefits"])


def _person_id(request) -> int:
    user = request.auth
    if getattr(user, "kind", None) != UserKind.CITIZEN or user.person_id is None:
        raise AccessDenied(
            zh="此接口仅供已关联参保记录的个人用户使用", en="only for citizens linked to a register record"
        )
    return user.person_id


@router.get(
    "estimate", response={200: EstimateOut, **ERRORS}, summary="养老金测算（本人记录） / My pension estimate"
)
@api_errors
def my_estimate(
    request,
    wage_growth_pct: str = "3",
    future_index: str = "1.0",
    interest_rate_pct: str = "2.5",
    retire_period: str = "",
    category: str = "",
    deemed_months: int = 0,
):
    person_id = _person_id(request)
    assumptions = assumptions_from(wage_growth_pct=wage_growth_pct, future_index=future_index,
                                   interest_rate_pct=interest_rate_pct, retire_period=retire_period)  # fmt: skip
    est = selectors.pension_estimate_for_person(
        user=request.auth,
        person_id=person_id,
        assumptions=assumptions,
        category=category or None,
        deemed_months=deemed_months,
    )
    return selectors.estimate_dict(est)


@router.get(
    "pension",
    response={200: list[PensionRowOut], **ERRORS},
    summary="我的养老金核定记录 / My pension history",
)
@api_errors
def my_pension(request):
    person_id = _person_id(request)
    return [pension_row_out(r) for r in selectors.pension_history(user=request.auth, person_id=person_id)]


class CertificationOut(Schema):
    pensioner: bool
    due: dt.date | None
    missed: bool
    suspended: bool
    last_verified_on: dt.date | None
    last_method: str | None


class SelfCertifyIn(Schema):
    id_number: str
    name: str
    provider: str = "register_match"


def _certification_out(person_id: int) -> dict:
    info = selectors.person_certification(person_id=person_id, today=timezone.localdate())
    last = info["last"]
    return {
        "pensioner": info["pensioner"],
        "due": info["due"],
        "missed": info["missed"],
        "suspended": info["suspended"],
        "last_verified_on": last.verified_on if last else None,
        "last_method": last.method if last else None,
    }


@router.get(
    "certification",
    response={200: CertificationOut, **ERRORS},
    summary="资格认证状态 / My certification status",
)
@api_errors
def my_certification(request):
    return _certification_out(_person_id(request))


@router.post(
    "certification", response={200: CertificationOut, **ERRORS}, summary="自助资格认证 / Self-certify"
)
@api_errors
def self_certify(request, payload: SelfCertifyIn):
    person_id = _person_id(request)
    services.certification_record(
        actor=request.auth, person_id=person_id, method="self_service", verified_on=timezone.localdate(),
        provider=payload.provider, id_number=payload.id_number, name=payload.name,
    )  # fmt: skip
    return _certification_out(person_id)
