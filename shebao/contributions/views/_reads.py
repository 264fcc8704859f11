"""Small reads the pages need that ``contributions.selectors`` does not offer (yet).

Each is a plain indexed query over this app's own tables; they belong in
``selectors.py`` and can move there unchanged.
"""

from __future__ import annotations

from shebao.contributions.models import AssessmentRun, FlexibleGrade, MonthlyDeclaration, WageDeclaration


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
