"""Contribution reads and the access checks for contribution data."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q

from shebao.accounts.access import AccessDenied, Grant, grant_for
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.contributions.codes import NATIONAL, RunStatus
from shebao.contributions.models import (
    AssessmentRun,
    Bill,
    ContributionLine,
    FlexibleGrade,
    MonthlyDeclaration,
    Parameter,
    WageDeclaration,
)
from shebao.contributions.sheet import ParamRow, RateSheet, build_sheet, jurisdictions_for
from shebao.kernel.rules.periods import Period
from shebao.register import sources
from shebao.register.access import is_system


def region_prefix(code: str) -> str:
    """110000 → "11", 110100 → "1101", 110105 → "110105" (what the code covers)."""
    if code == NATIONAL:
        return ""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


_PARAM_SQL = (
    f'SELECT kind, "key", jurisdiction, valid_from, valid_to, value FROM {Parameter._meta.db_table} '  # noqa: S608
    "WHERE jurisdiction IN ({})"
)


def parameter_rows(*, region_code: str) -> list[ParamRow]:
    """Every parameter row of the jurisdictions that cover ``region_code``. One plain
    query (the ORM's compilation cost more than the query: the estimator reads these on
    every request)."""
    codes = jurisdictions_for(region_code)
    with connection.cursor() as cursor:
        cursor.execute(_PARAM_SQL.format(", ".join(["%s"] * len(codes))), list(codes))
        return [ParamRow(*row) for row in cursor.fetchall()]


def rate_sheet(*, region_code: str, period: int) -> RateSheet:
    """Every parameter in force for ``period`` in ``region_code`` (raises SheetError)."""
    return build_sheet(parameter_rows(region_code=region_code), region_code=region_code, period=int(period))


def parameter_list(*, jurisdiction: str | None = None, kind: str | None = None):
    qs = Parameter.objects.all().order_by("kind", "key", "jurisdiction", "valid_from")
    if jurisdiction:
        qs = qs.filter(jurisdiction=jurisdiction)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def employer_region(employer_id: int) -> str:
    region = sources.employer_region(employer_id)
    if region is None:
        raise AccessDenied(zh="单位不存在或无权访问", en="no such employer, or access denied")
    return region


def person_region(person_id: int) -> str:
    region = sources.person_region(person_id)
    if region is None:
        raise AccessDenied(zh="人员不存在或无权访问", en="no such person, or access denied")
    return region


def _live(user) -> bool:
    return user is not None and getattr(user, "is_active", False)


def authorise_employer_write(*, user, employer_id: int) -> Grant | None:
    """Declarations and payments for an employer: its own operator, or staff with
    CONTRIBUTION_WRITE in the employer's region."""
    if is_system(user):
        return None
    if _live(user) and user.kind == UserKind.EMPLOYER and user.employer_id == employer_id:
        return None
    if _live(user) and user.kind == UserKind.STAFF:
        grant = grant_for(user, Perm.CONTRIBUTION_WRITE, employer_region(employer_id))
        if grant is not None:
            return grant
    raise AccessDenied(zh="单位不存在或无权访问", en="no such employer, or access denied")


def authorise_employer_view(*, user, employer_id: int) -> Grant | None:
    if is_system(user):
        return None
    if _live(user) and user.kind == UserKind.EMPLOYER and user.employer_id == employer_id:
        return None
    if _live(user) and user.kind == UserKind.STAFF:
        grant = grant_for(user, Perm.CONTRIBUTION_VIEW, employer_region(employer_id))
        if grant is not None:
            return grant
    raise AccessDenied(zh="单位不存在或无权访问", en="no such employer, or access denied")


def authorise_person_write(*, user, person_id: int) -> Grant | None:
    """A flexible worker's own choices (grade), or staff with CONTRIBUTION_WRITE there."""
    if is_system(user):
        return None
    if _live(user) and user.kind == UserKind.CITIZEN and user.person_id == person_id:
        return None
    if _live(user) and user.kind == UserKind.STAFF:
        grant = grant_for(user, Perm.CONTRIBUTION_WRITE, person_region(person_id))
        if grant is not None:
            return grant
    raise AccessDenied(zh="人员不存在或无权访问", en="no such person, or access denied")


def authorise_person_view(*, user, person_id: int) -> Grant | None:
    if is_system(user):
        return None
    if _live(user) and user.kind == UserKind.CITIZEN and user.person_id == person_id:
        return None
    if _live(user) and user.kind == UserKind.STAFF:
        grant = grant_for(user, Perm.CONTRIBUTION_VIEW, person_region(person_id))
        if grant is not None:
            return grant
    raise AccessDenied(zh="人员不存在或无权访问", en="no such person, or access denied")


def employees_in_year(*, employer_id: int, first: int) -> set[int]:
    return sources.employee_ids_since(employer_id=employer_id, since=Period.from_int(first).first_day())


def year_assessed(*, employer_id: int, first: int, last: int) -> bool:
    """Has any period of [first, last] been assessed for this employer's bills?"""
    return Bill.objects.filter(
        payer_type="employer", payer_id=employer_id, period__gte=first, period__lte=last
    ).exists()


def latest_run(*, period: int, region_code: str) -> AssessmentRun | None:
    return AssessmentRun.objects.filter(period=period, region_code=region_code).order_by("-id").first()


def runs_recent(limit: int = 20):
    return AssessmentRun.objects.order_by("-id")[:limit]


def done_run_exists(*, period: int, region_code: str) -> bool:
    return AssessmentRun.objects.filter(period=period, region_code=region_code, status=RunStatus.DONE).exists()


def bills_for_payer(*, payer_type: str, payer_id: int, limit: int = 60):
    return Bill.objects.filter(payer_type=payer_type, payer_id=payer_id).order_by("-period", "kind")[:limit]


def person_lines(*, person_id: int, periods: list[int]):
    """A person's lines for the given periods: one index probe per period."""
    return ContributionLine.objects.filter(Q(period__in=periods), person_id=person_id).order_by("period", "insurance")


# --- declarations, grades and runs as the pages and APIs show them ---------------------------


def wage_declarations(*, employer_id: int, base_year: int) -> dict[int, WageDeclaration]:
    rows = WageDeclaration.objects.filter(employer_id=employer_id, base_year=base_year)
    return {row.person_id: row for row in rows}


def monthly_declarations(*, employer_id: int, limit: int = 12) -> list[MonthlyDeclaration]:
    return list(MonthlyDeclaration.objects.filter(employer_id=employer_id).order_by("-period")[:limit])


def monthly_declaration(*, employer_id: int, period: int) -> MonthlyDeclaration | None:
    return MonthlyDeclaration.objects.filter(employer_id=employer_id, period=period).first()


def flexible_grades(*, person_id: int, limit: int = 12) -> list[FlexibleGrade]:
    return list(FlexibleGrade.objects.filter(person_id=person_id).order_by("-effective_period")[:limit])


def run_by_id(run_id: int) -> AssessmentRun | None:
    return AssessmentRun.objects.filter(pk=run_id).first()
