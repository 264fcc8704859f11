"""Contribution write paths: parameters, declarations, grade changes. One atomic,
audited function per state change (the assessment batch is in ``assessment.py``)."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shebao.accounts.access import AccessDenied, Grant, grant_for
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.contributions import selectors
from shebao.contributions.codes import NATIONAL, ParamKind, RunStatus, WageSource
from shebao.contributions.models import (
    AssessmentRun,
    FlexibleGrade,
    MonthlyDeclaration,
    Parameter,
    WageDeclaration,
)
from shebao.contributions.sheet import SheetError
from shebao.kernel.audit import audit_record
from shebao.kernel.rules.money import MoneyError, fen_to_yuan, to_decimal, yuan_to_fen
from shebao.kernel.rules.periods import Period, PeriodError
from shebao.register import sources
from shebao.register.access import is_system

DATA_DIR = Path(__file__).resolve().parent / "data"
MAX_MONTHLY_WAGE_FEN = 10_000_000_00  # 10 million yuan a month: anything above is a typing error


class ContributionError(ValueError):
    """A refused contribution request; names the field (or row) in both languages."""

    def __init__(self, *, field: str, zh: str, en: str, row: int | None = None) -> None:
        super().__init__(f"{field}: {en}")
        self.field = field
        self.row = row
        self.message_zh = zh
        self.message_en = en


def _err(exc: MoneyError | PeriodError | SheetError, *, row: int | None = None) -> ContributionError:
    return ContributionError(field=exc.field, zh=exc.message_zh, en=exc.message_en, row=row)


def _period(value: object, *, field: str = "period") -> Period:
    try:
        return Period.parse(value, field=field)
    except PeriodError as exc:
        raise _err(exc) from None


def _staff_grant(actor, perm: Perm, region_code: str | None = None) -> Grant | None:
    if is_system(actor):
        return None
    if actor is None or not actor.is_active or actor.kind != UserKind.STAFF:
        raise AccessDenied(zh="只有经办人员可以办理此业务", en="only agency staff may do this")
    grant = grant_for(actor, perm, region_code)
    if grant is None:
        raise AccessDenied(zh="您的岗位无权办理此业务", en="your post does not allow this")
    return grant


def _post(grant: Grant | None) -> str:
    return str(grant.post) if grant is not None else ""


def _actor_label(actor) -> str:
    return actor.get_username() if actor is not None else ""


# --- parameters ----------------------------------------------------------------------------


def _param_snapshot(row: Parameter) -> dict:
    return {
        "kind": row.kind,
        "key": row.key,
        "jurisdiction": row.jurisdiction,
        "valid_from": row.valid_from,
        "valid_to": row.valid_to,
        "value": row.value,
        "source_doc": row.source_doc,
    }


def _assessed_in(*, jurisdiction: str, first: int, last: int | None) -> bool:
    """Has a finished assessment used a period in [first, last] under this jurisdiction?"""
    runs = AssessmentRun.objects.filter(status=RunStatus.DONE, period__gte=first)
    if last is not None:
        runs = runs.filter(period__lte=last)
    if jurisdiction != NATIONAL:
        runs = runs.filter(region_code__startswith=selectors.region_prefix(jurisdiction))
    return runs.exists()


def _clean_param(kind, key, jurisdiction, valid_from, valid_to, value, source_doc):
    try:
        kind = ParamKind(kind)
    except ValueError:
        raise ContributionError(field="kind", zh=f"未知的参数类型“{kind}”", en=f"unknown parameter kind {kind!r}") from None
    key = str(key or "").strip()
    if bool(kind.keyed_by) != bool(key):
        raise ContributionError(
            field="key",
            zh=f"参数“{kind.label_zh}”{'需要' if kind.keyed_by else '不应有'}键（{kind.keyed_by or '无'}）",
            en=f"{kind.value} {'needs' if kind.keyed_by else 'takes no'} key ({kind.keyed_by or 'none'})",
        )
    jurisdiction = str(jurisdiction or "").strip()
    if len(jurisdiction) != 6 or not jurisdiction.isdigit():
        raise ContributionError(field="jurisdiction", zh="统筹区代码应为6位数字", en="the jurisdiction must be a 6-digit code")
    start = int(_period(valid_from, field="valid_from"))
    end = int(_period(valid_to, field="valid_to")) if valid_to not in (None, "") else None
    if end is not None and end < start:
        raise ContributionError(field="valid_to", zh="截止所属期早于起始所属期", en="valid_to is before valid_from")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ContributionError(field="value", zh="参数值应为整数", en="the value must be an integer") from None
    if number < 0:
        raise ContributionError(field="value", zh="参数值不能为负数", en="the value cannot be negative")
    if kind.unit == "ppm" and number > 1_000_000:
        raise ContributionError(field="value", zh="比例不能超过100%", en="a rate cannot exceed 100 %")
    source_doc = str(source_doc or "").strip()
    if not source_doc:
        raise ContributionError(field="source_doc", zh="请填写发布文号", en="the source document number is required")
    return kind, key, jurisdiction, start, end, number, source_doc[:120]


@transaction.atomic
def parameter_add(
    *,
    actor,
    kind: str,
    key: str = "",
    jurisdiction: str,
    valid_from: object,
    valid_to: object = None,
    value: int,
    source_doc: str,
    note: str = "",
) -> Parameter:
    """Add a parameter value from ``valid_from``. An open-ended predecessor is closed at
    the period before; overlapping a bounded row, or touching an assessed period, is refused
    (a change never rewrites what was already assessed)."""
    kind, key, jurisdiction, start, end, number, source_doc = _clean_param(
        kind, key, jurisdiction, valid_from, valid_to, value, source_doc
    )
    grant = _staff_grant(actor, Perm.PARAMETER_ADMIN, None if jurisdiction == NATIONAL else jurisdiction)
    if _assessed_in(jurisdiction=jurisdiction, first=start, last=end):
        raise ContributionError(
            field="valid_from",
            zh="该期间已有核定结果，参数只能从尚未核定的所属期起变更",
            en="a period in this range has been assessed: change parameters from an unassessed period on",
        )
    same = Parameter.objects.select_for_update().filter(kind=kind, key=key, jurisdiction=jurisdiction)
    overlapping = same.filter(valid_from__lte=end if end is not None else 999912).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=start)
    )
    closed = None
    for row in overlapping:
        if row.valid_to is None and row.valid_from < start:
            before = _param_snapshot(row)
            row.valid_to = int(Period.from_int(start) - 1)
            row.save(update_fields=["valid_to"])
            closed = (before, _param_snapshot(row))
            continue
        raise ContributionError(
            field="valid_from",
            zh=f"与已有参数（{row.valid_from}–{row.valid_to or '长期'}）重叠",
            en=f"overlaps the existing row {row.valid_from}–{row.valid_to or 'open'}",
        )
    row = Parameter.objects.create(
        kind=kind,
        key=key,
        jurisdiction=jurisdiction,
        valid_from=start,
        valid_to=end,
        value=number,
        source_doc=source_doc,
        note=str(note or "")[:200],
    )
    if closed:
        audit_record(
            action="parameter.close", object_type="parameter", object_id=closed[0]["valid_from"],
            before=closed[0], after=closed[1], actor=actor, post=_post(grant),
        )
    audit_record(
        action="parameter.add", object_type="parameter", object_id=row.pk,
        after=_param_snapshot(row), actor=actor, post=_post(grant),
    )
    return row


@transaction.atomic
def parameters_load_csv(*, actor, path: Path | None = None) -> int:
    """Seed the parameter tables from a CSV (the demo city's bundle by default). Rows
    already present (same kind, key, jurisdiction and start) are left alone: idempotent."""
    path = path or DATA_DIR / "parameters-demo.csv"
    grant = _staff_grant(actor, Perm.PARAMETER_ADMIN)
    added = 0
    with path.open(encoding="utf-8", newline="") as fh:
        for number, rec in enumerate(csv.DictReader(fh), start=2):
            try:
                kind, key, jurisdiction, start, end, value, source_doc = _clean_param(
                    rec["kind"], rec["key"], rec["jurisdiction"], rec["valid_from"], rec["valid_to"] or None,
                    rec["value"], rec["source_doc"],
                )
            except ContributionError as exc:
                raise ContributionError(
                    field=exc.field, row=number, zh=f"第{number}行：{exc.message_zh}", en=f"row {number}: {exc.message_en}"
                ) from None
            _, made = Parameter.objects.get_or_create(
                kind=kind, key=key, jurisdiction=jurisdiction, valid_from=start,
                defaults={"valid_to": end, "value": value, "source_doc": source_doc, "note": rec.get("note", "")[:200]},
            )
            added += made
    audit_record(
        action="parameter.load", object_type="parameter", object_id=path.name,
        after={"file": path.name, "added": added}, actor=actor, post=_post(grant),
    )
    return added


# --- declarations --------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclarationRow:
    person_id: int
    wage: object  # yuan as entered


def _wage_fen(value: object, *, field: str = "wage") -> int:
    try:
        amount = to_decimal(value, field=field)
    except MoneyError as exc:
        raise _err(exc) from None
    if amount < 0:
        raise ContributionError(field=field, zh="工资不能为负数", en="the wage cannot be negative")
    fen = yuan_to_fen(amount)
    if fen > MAX_MONTHLY_WAGE_FEN:
        raise ContributionError(
            field=field, zh=f"月工资 {amount} 元超出合理范围", en=f"the monthly wage {amount} is not plausible"
        )
    return fen


@transaction.atomic
def wage_declare(*, actor, employer_id: int, base_year: int, rows: list[DeclarationRow]) -> list[WageDeclaration]:
    """年度缴费工资申报 for an employer's employees. All rows or none: a row that fails
    raises a ContributionError naming it. The base is the wage clamped to the floor and
    ceiling of the base year's first period; a year already assessed is locked."""
    grant = selectors.authorise_employer_write(user=actor, employer_id=employer_id)
    year = int(base_year)
    if not 1990 <= year <= timezone.localdate().year + 1:
        raise ContributionError(field="base_year", zh="申报年度不在合理范围", en="the base year is out of range")
    try:
        sheet = selectors.rate_sheet(region_code=selectors.employer_region(employer_id), period=year * 100 + 7)
    except SheetError as exc:
        raise _err(exc) from None
    first = year * 100 + sheet.base_year_start
    if selectors.year_assessed(employer_id=employer_id, first=first, last=int(Period.from_int(first) + 11)):
        raise ContributionError(
            field="base_year",
            zh="该年度已核定，申报已锁定；请通过更正申报办理",
            en="this base year has been assessed and is locked: file a correction instead",
        )
    employees = selectors.employees_in_year(employer_id=employer_id, first=first)
    now = timezone.now()
    out = []
    for index, row in enumerate(rows, start=1):
        if row.person_id not in employees:
            raise ContributionError(
                field="person", row=index, zh=f"第{index}行：该人员不是本单位职工", en=f"row {index}: not an employee of this employer"
            )
        try:
            wage = _wage_fen(row.wage)
        except ContributionError as exc:
            raise ContributionError(field=exc.field, row=index, zh=f"第{index}行：{exc.message_zh}", en=f"row {index}: {exc.message_en}") from None
        base = min(max(wage, sheet.floor_fen), sheet.ceiling_fen)
        obj, _ = WageDeclaration.objects.update_or_create(
            person_id=row.person_id, employer_id=employer_id, base_year=year,
            defaults={"wage_fen": wage, "base_fen": base, "source": WageSource.DECLARED,
                      "declared_at": now, "declared_by": _actor_label(actor)},
        )
        out.append(obj)
    audit_record(
        action="wage.declare", object_type="employer", object_id=employer_id,
        after={"base_year": year, "rows": len(out),
               "wages": {str(o.person_id): str(fen_to_yuan(o.wage_fen)) for o in out[:200]}},
        actor=actor, post=_post(grant),
    )
    return out


@transaction.atomic
def monthly_declare(*, actor, employer_id: int, period: object) -> MonthlyDeclaration:
    """月度申报: confirm the roster for a period (before its assessment)."""
    grant = selectors.authorise_employer_write(user=actor, employer_id=employer_id)
    p = int(_period(period))
    headcount = len(selectors.employees_in_year(employer_id=employer_id, first=p))
    obj, created = MonthlyDeclaration.objects.get_or_create(
        employer_id=employer_id, period=p,
        defaults={"headcount": headcount, "declared_at": timezone.now(), "declared_by": _actor_label(actor)},
    )
    if created:
        audit_record(
            action="monthly.declare", object_type="employer", object_id=employer_id,
            after={"period": p, "headcount": headcount}, actor=actor, post=_post(grant),
        )
    return obj


@transaction.atomic
def flexible_grade_change(*, actor, person_id: int, grade_pct: int, today: dt.date | None = None) -> FlexibleGrade:
    """缴费档次变更: effective from the next period."""
    grant = selectors.authorise_person_write(user=actor, person_id=person_id)
    if not sources.is_flexible_worker(person_id):
        raise ContributionError(
            field="grade_pct",
            zh="只有以灵活就业人员身份个人缴费的参保人可以选择缴费档次",
            en="only flexible workers paying for themselves choose a contribution grade",
        )
    today = today or timezone.localdate()
    effective = int(Period.of(today) + 1)
    region = selectors.person_region(person_id)
    try:
        sheet = selectors.rate_sheet(region_code=region, period=effective)
    except SheetError as exc:
        raise _err(exc) from None
    try:
        grade = int(grade_pct)
    except (TypeError, ValueError):
        grade = -1
    if grade not in sheet.grades:
        raise ContributionError(
            field="grade_pct",
            zh=f"缴费档次应为以下之一：{'、'.join(f'{g}%' for g in sheet.grades)}",
            en=f"the grade must be one of {', '.join(f'{g}%' for g in sheet.grades)}",
        )
    before = FlexibleGrade.objects.filter(person_id=person_id).order_by("-effective_period").first()
    obj, _ = FlexibleGrade.objects.update_or_create(
        person_id=person_id, effective_period=effective, defaults={"grade_pct": grade, "chosen_at": timezone.now()}
    )
    audit_record(
        action="flexible.grade", object_type="person", object_id=person_id,
        before={"grade_pct": before.grade_pct, "from": before.effective_period} if before else None,
        after={"grade_pct": grade, "from": effective}, actor=actor, post=_post(grant),
    )
    return obj
