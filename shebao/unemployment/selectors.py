"""Reads of 失业保险金: the facts a claim is decided on (contribution months from the
contribution history, the last employment from the register), the parameters in force,
the claims with their state history, payments from the payroll and the fund-paid medical
contributions. Object reads go through ``access``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from shebao.accounts.access import AccessDenied
from shebao.contributions import history as contribution_history
from shebao.contributions.sheet import jurisdictions_for
from shebao.kernel.rules.periods import Period
from shebao.payroll import selectors as payroll_selectors
from shebao.register import selectors as register_selectors
from shebao.register.access import SYSTEM_ACTOR
from shebao.unemployment import access
from shebao.unemployment.models import (
    Claim,
    ClaimChange,
    ClaimStatus,
    MedicalContribution,
    MedicalTransfer,
    Parameter,
)

UNEMPLOYMENT = "unemployment"  # the insurance code of the contribution lines
RECORD_MONTHS = contribution_history.MAX_MONTHS


def contribution_months(*, person_id: int, after_period: int | None = None, as_of: dt.date | None = None) -> int:
    """Paid months with an unemployment-insurance line (arrears and provisional lines are
    not contribution time), after ``after_period`` when the time restarted (re-employment
    after a claim: 失业条例 art. 17)."""
    last = Period.of(as_of or timezone.localdate())
    first = last + (2 - RECORD_MONTHS)  # 600 months, both ends counted
    months = contribution_history.person_contribution_history(
        user=SYSTEM_ACTOR, person_id=person_id, first_period=str(first), last_period=str(last)
    )
    count = 0
    for month in months:
        if after_period is not None and month.period <= after_period:
            continue
        if any(
            line.insurance == UNEMPLOYMENT and line.kind != "provisional" and line.status == contribution_history.PAID
            for line in month.lines
        ):
            count += 1
    return count


@dataclass(frozen=True)
class LastEmployment:
    employer_name: str
    start_date: dt.date
    end_date: dt.date | None
    end_reason: str


def last_employment(*, person_id: int) -> LastEmployment | None:
    """The newest employment (or flexible registration) of the person, ended or not."""
    rows = register_selectors.person_employments(person_id=person_id)
    if not rows:
        return None
    row = rows[0]
    name = row.employer.name if row.employer_id else "灵活就业"
    return LastEmployment(name, row.start_date, row.end_date, row.end_reason)


def employed_now(*, person_id: int) -> bool:
    return register_selectors.person_current_employment(person_id=person_id) is not None


def parameters_for(*, region_code: str, period: int) -> Parameter | None:
    """The parameters in force for the region in ``period``: most specific jurisdiction first."""
    chain = jurisdictions_for(region_code)
    rows = Parameter.objects.filter(jurisdiction__in=chain, valid_from__lte=period).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=period)
    )
    return min(rows, key=lambda r: chain.index(r.jurisdiction), default=None)


def parameter_rows(*, jurisdiction: str = "") -> list[Parameter]:
    qs = Parameter.objects.all()
    if jurisdiction:
        qs = qs.filter(jurisdiction=jurisdiction)
    return list(qs.order_by("jurisdiction", "-valid_from"))


def latest_claim(*, person_id: int) -> Claim | None:
    return Claim.objects.filter(person_id=person_id).order_by("-id").first()


def claims_of(*, user, person_id: int) -> list[Claim]:
    """A person's claims, newest first, for the person themself or staff of the region."""
    region = register_selectors.person_brief(person_id=person_id)
    if region is None or not access.may_see_person(user, person_id=person_id, region_code=region.region_code):
        raise AccessDenied(zh="无权查看该参保人的失业保险金", en="you may not see this person's claims")
    return list(Claim.objects.filter(person_id=person_id).order_by("-id"))


def claim_list(*, user, status: str = "", limit: int = 200) -> list[Claim]:
    """Claims in the staff member's regions (CASE_VIEW), newest first."""
    regions = access.staff_regions(user)
    qs = Claim.objects.all()
    if status:
        qs = qs.filter(status=status)
    if regions is not None and "" not in regions:
        q = Q(pk__in=[])
        for scope in regions:
            q |= Q(region_code__startswith=scope.rstrip("0") or scope)
        qs = qs.filter(q)
    return list(qs.order_by("-id")[:limit])


def claim_changes(*, claim: Claim) -> list[ClaimChange]:
    return list(ClaimChange.objects.filter(claim=claim).order_by("id"))


@dataclass(frozen=True)
class Usage:
    payable_months: int  # first_period … paid_to
    used_months: int  # of those, up to the current month
    remaining_months: int


def claim_usage(claim: Claim, *, today: dt.date | None = None) -> Usage:
    current = int(Period.of(today or timezone.localdate()))
    first = Period.from_int(claim.first_period)
    payable = first.months_until(Period.from_int(claim.paid_to))  # inclusive; 0 when before
    used = first.months_until(Period.from_int(min(claim.paid_to, current)))
    return Usage(payable, used, max(0, payable - used))


def claim_payments(claim: Claim) -> list:
    """The payroll's payments of the claim's months (newest first)."""
    if claim.payee_id is None or claim.paid_to < claim.first_period:
        return []
    payee = payroll_selectors.payee(payee_id=claim.payee_id)
    if payee is None:
        return []
    periods = [int(p) for p in _periods(claim.first_period, claim.paid_to)]
    return payroll_selectors.payee_payments(payee=payee, periods=periods)


def _periods(first: int, last: int):
    p, end = Period.from_int(first), Period.from_int(last)
    while p <= end:
        yield p
        p = p + 1


def medical_months(*, person_id: int) -> list[MedicalContribution]:
    return list(MedicalContribution.objects.filter(person_id=person_id).order_by("-period"))


def medical_transfers(*, user, limit: int = 60) -> list[MedicalTransfer]:
    access.require_fund_read(user)
    return list(MedicalTransfer.objects.order_by("-period")[:limit])


def active_claims(*, person_id: int) -> list[Claim]:
    return list(Claim.objects.filter(person_id=person_id, status=ClaimStatus.ACTIVE))
