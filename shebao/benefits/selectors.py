"""Benefit reads: a person's pension record (from the contributions selectors), the
estimator over it, and the pension history.

Public functions (keyword-only):

``pension_record(*, user, person_id, as_of=None) -> PensionRecord``
    Paid contribution months and mean pension base per year (from
    ``contributions.pension_basis``), the average wage S of each
    year (the ``reference_wage`` parameters of the person's region), the current S and
    the personal-account balance (``person_account_statement``). Access: the person
    themself, or staff with CONTRIBUTION_VIEW (and PERSON_VIEW) in the person's region.

``pension_estimate_for_person(*, user, person_id, assumptions, category=None, today=None)``
    The estimator on the person's own record → ``rules.estimate.Estimate``.

``pension_estimate_public(*, inputs, assumptions)``: the estimator with explicit inputs.

``pension_history(*, user, person_id) -> list[PensionHistory]`` (newest last) and
``pension_current(*, user, person_id) -> PensionHistory | None``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from shebao.benefits.errors import BenefitError
from shebao.benefits.models import PensionHistory, PensionKind
from shebao.benefits.rules import certification as certification_rules
from shebao.benefits.rules.estimate import Assumptions, Estimate, EstimateInputs, estimate
from shebao.benefits.rules.pension import IndexYear
from shebao.benefits.rules.retirement import Category
from shebao.contributions import pension_basis
from shebao.contributions import selectors as contribution_selectors
from shebao.contributions.codes import ParamKind
from shebao.contributions.sheet import jurisdictions_for
from shebao.kernel.rules.money import fen_to_yuan
from shebao.kernel.rules.periods import Period
from shebao.register import access as register_access

PENSION = "pension"
RECORD_MONTHS = 600  # fifty years: the contribution-history selector's maximum


@dataclass(frozen=True)
class PensionRecord:
    person_id: int
    region_code: str
    sex: str
    birth_date: dt.date
    years: tuple[IndexYear, ...]
    months: int  # paid months with a pension line
    owed_months: int  # assessed but not (fully) paid: not counted until paid
    last_period: int  # the last month considered (the current month)
    average_wage: Decimal  # S in force in the last month
    account_balance: Decimal


def _wage_lookup(region_code: str):
    """period → S (yuan), from the reference-wage parameters, most specific jurisdiction first."""
    order = {code: i for i, code in enumerate(jurisdictions_for(region_code))}
    rows = sorted(
        (
            r
            for r in contribution_selectors.parameter_rows(region_code=region_code)
            if r.kind == ParamKind.REFERENCE_WAGE
        ),
        key=lambda r: (order.get(r.jurisdiction, 99), -r.valid_from),
    )
    if not rows:
        raise BenefitError(
            field="average_wage",
            zh="本地区尚未设置社平工资参数，无法测算",
            en="no average-wage parameter for this region",
        )
    earliest = min(rows, key=lambda r: r.valid_from)

    def wage(period: int) -> Decimal:
        for row in rows:
            if row.valid_from <= period and (row.valid_to is None or period <= row.valid_to):
                return fen_to_yuan(row.value)
        # before the first published value: the earliest one (an estimate, ratios stay sane)
        return fen_to_yuan(earliest.value)

    return wage


def pension_record(*, user, person_id: int, as_of: dt.date | None = None) -> PensionRecord:
    person = register_access.access_person_facts(user=user, person_id=person_id)
    today = as_of or timezone.localdate()
    last = Period.of(today)
    first = last + (2 - RECORD_MONTHS)  # the selector counts both ends
    basis = pension_basis.person_pension_months(
        user=user, person_id=person_id, first_period=str(first), last_period=str(last)
    )
    wage = _wage_lookup(person.region_code)
    per_year: dict[int, list[tuple[Decimal, Decimal]]] = {}
    for period, base_fen in basis.paid.items():
        per_year.setdefault(period // 100, []).append((fen_to_yuan(base_fen), wage(period)))
    owed = basis.owed_months
    years = tuple(
        IndexYear(
            year=year,
            months=len(rows),
            base=sum((b for b, _ in rows), Decimal(0)) / len(rows),
            average_wage=sum((s for _, s in rows), Decimal(0)) / len(rows),
        )
        for year, rows in sorted(per_year.items())
    )
    balance = fen_to_yuan(pension_basis.person_account_balance(user=user, person_id=person_id))
    return PensionRecord(
        person_id=person_id,
        region_code=person.region_code,
        sex=person.sex,
        birth_date=person.birth_date,
        years=years,
        months=sum(y.months for y in years),
        owed_months=owed,
        last_period=int(last),
        average_wage=wage(int(last)),
        account_balance=balance,
    )


def default_category(sex: str) -> Category:
    """Men: male. Women: the 55 line (cadre posts, flexible workers); the 50 line is stated."""
    return Category.MALE if sex == "M" else Category.FEMALE55


def check_category(sex: str, category: str | None) -> Category:
    if not category:
        return default_category(sex)
    try:
        cat = Category(category)
    except ValueError:
        raise BenefitError(field="category", zh="人员类别无效", en="unknown category") from None
    if (sex == "M") != (cat == Category.MALE):
        raise BenefitError(
            field="category", zh="人员类别与性别不符", en="the category does not match the sex"
        )
    return cat


def estimate_inputs(record: PensionRecord, *, category: Category, deemed_months: int = 0) -> EstimateInputs:
    return EstimateInputs(
        birth_year=record.birth_date.year,
        birth_month=record.birth_date.month,
        category=category,
        region_code=record.region_code,
        current_period=record.last_period,
        average_wage=record.average_wage,
        record=record.years,
        account_balance=record.account_balance,
        deemed_months=deemed_months,
    )


def pension_estimate_for_person(
    *,
    user,
    person_id: int,
    assumptions: Assumptions,
    category: str | None = None,
    deemed_months: int = 0,
    today: dt.date | None = None,
) -> Estimate:
    if not 0 <= deemed_months <= 600:
        raise BenefitError(
            field="deemed_months", zh="视同缴费月数应为 0 至 600", en="deemed months must be 0 … 600"
        )
    record = pension_record(user=user, person_id=person_id, as_of=today)
    cat = check_category(record.sex, category)
    return estimate(estimate_inputs(record, category=cat, deemed_months=deemed_months), assumptions)


def pension_estimate_public(*, inputs: EstimateInputs, assumptions: Assumptions) -> Estimate:
    return estimate(inputs, assumptions)


def pension_history(*, user, person_id: int) -> list[PensionHistory]:
    register_access.access_person(user=user, person_id=person_id)
    return list(PensionHistory.objects.filter(person_id=person_id).order_by("seq"))


def pension_current(*, user, person_id: int) -> PensionHistory | None:
    rows = pension_history(user=user, person_id=person_id)
    return rows[-1] if rows else None


def is_pensioner(*, person_id: int) -> bool:
    return PensionHistory.objects.filter(person_id=person_id, kind="award").exists()


def estimate_dict(est: Estimate) -> dict:
    """The estimate as JSON-ready data (Decimal strings)."""
    b = est.breakdown
    return {
        "retirement": {
            "category": str(est.retirement.category),
            "statutory_period": est.retirement.period,
            "statutory_age": {"years": est.retirement.age[0], "months": est.retirement.age[1]},
            "delay_months": est.retirement.delay_months,
            "earliest_period": est.retirement.earliest_period,
            "latest_period": est.retirement.latest_period,
        },
        "retire_period": est.retire_period,
        "eligible": est.eligible,
        "required_months": est.required_months,
        "contribution_months": est.contribution_months,
        "index": str(est.index),
        "breakdown": b.as_dict(),
        "assumptions": {
            "wage_growth": str(est.assumptions.wage_growth),
            "future_index": str(est.assumptions.future_index),
            "interest_rate": str(est.assumptions.interest_rate),
            "retire_period": est.retire_period,
        },
        "projection": [
            {
                "year": y.year,
                "months": y.months,
                "average_wage": str(y.average_wage),
                "base": str(y.base),
                "credits": str(y.credits),
                "balance": str(y.balance),
            }
            for y in est.projection
        ],  # fmt: skip
    }


# --- survival certification (领取待遇资格认证) ----------------------------------------------


def _local_day(value) -> dt.date:
    return timezone.localtime(value).date()


def certification_bases(*, person_ids: list[int]) -> dict[int, dt.date]:
    """The date each person's current cycle counts from: the last certification, else the
    pension award (absent persons have neither)."""
    from django.db.models import Max

    from shebao.benefits.models import Certification

    out: dict[int, dt.date] = {}
    for start in range(0, len(person_ids), 5000):
        chunk = person_ids[start : start + 5000]
        for row in (
            Certification.objects.filter(person_id__in=chunk)
            .values("person_id")
            .annotate(last=Max("verified_on"))
        ):
            out[row["person_id"]] = row["last"]
        for pid, created in PensionHistory.objects.filter(
            person_id__in=chunk, kind=PensionKind.AWARD
        ).values_list("person_id", "created_at"):
            out.setdefault(pid, _local_day(created))
    return out


@dataclass(frozen=True)
class CertificationDue:
    person_id: int
    payee_id: int
    region_code: str
    base: dt.date
    due: dt.date
    missed: bool
    suspended: bool


def _pension_payees(
    statuses: tuple[str, ...], *, regions: list[str] | None = None, person_id: int | None = None
):
    from shebao.payroll import selectors as payroll_selectors

    rows = []
    for status in statuses:
        rows += [
            (*r, status)
            for r in payroll_selectors.payee_rows(
                benefit="pension", status=status, regions=regions, person_id=person_id
            )
        ]
    return rows


def certification_schedule(
    *, today: dt.date, regions: list[str] | None = None, within_days: int | None = None
) -> list[CertificationDue]:
    """Every pensioner on the payroll (active or suspended) with their due date, earliest
    first; ``within_days`` keeps only those due by ``today + within_days`` (missed ones
    included). ``regions`` limits to a post's regions (None: all)."""
    rows = _pension_payees(("active", "suspended"), regions=regions)
    bases = certification_bases(person_ids=[r[1] for r in rows])
    out = []
    for payee_id, person_id, region, _from_period, created_at, status in rows:
        base = bases.get(person_id) or _local_day(created_at)
        due = certification_rules.due_date(base)
        if within_days is not None and due > today + dt.timedelta(days=within_days):
            continue
        out.append(
            CertificationDue(
                person_id=person_id,
                payee_id=payee_id,
                region_code=region,
                base=base,
                due=due,
                missed=certification_rules.is_missed(due, today),
                suspended=status == "suspended",
            )
        )
    out.sort(key=lambda d: (d.due, d.person_id))
    return out


def certification_reminders_due(today: dt.date) -> list[tuple[CertificationDue, int]]:
    """The hook for the SMS channel: (pensioner, days before the due date) for every
    pensioner whose reminder day is ``today`` (30 and 7 days before by default)."""
    out = []
    horizon = max(certification_rules.REMINDER_DAYS)
    for item in certification_schedule(today=today, within_days=horizon):
        if item.suspended or item.missed:
            continue
        days = (item.due - today).days
        if days in certification_rules.REMINDER_DAYS:
            out.append((item, days))
    return out


def person_certification(*, person_id: int, today: dt.date) -> dict:
    """A pensioner's own view: last certification, next due date, whether missed."""
    from shebao.benefits.models import Certification

    last = Certification.objects.filter(person_id=person_id).order_by("-verified_on", "-id").first()
    items = _pension_payees(("active", "suspended"), person_id=person_id)
    if not items:
        return {"pensioner": False, "last": last, "due": None, "missed": False, "suspended": False}
    base = certification_bases(person_ids=[person_id]).get(person_id) or _local_day(items[0][4])
    due = certification_rules.due_date(base)
    return {
        "pensioner": True,
        "last": last,
        "due": due,
        "missed": certification_rules.is_missed(due, today),
        "suspended": any(r[5] == "suspended" for r in items),
    }


def certifications(*, person_id: int) -> list:
    from shebao.benefits.models import Certification

    return list(Certification.objects.filter(person_id=person_id).order_by("-verified_on", "-id"))


def open_certification_suspensions(*, person_id: int) -> list:
    from shebao.benefits.models import CertificationSuspension

    return list(
        CertificationSuspension.objects.filter(person_id=person_id, resumed_at__isnull=True).order_by("id")
    )


def survivor_entitlements(*, person_id: int) -> list:
    from shebao.benefits.models import SurvivorEntitlement

    return list(SurvivorEntitlement.objects.filter(person_id=person_id).order_by("kind"))
