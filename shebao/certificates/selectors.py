"""Certificate reads: the facts a 参保证明 states, and certificates by code or owner.

``person_insured_facts(*, user, person_id, today=None) -> dict``
    What a 参保证明 says about a person today, per insurance: current status, first
    insured period, months paid in total, the latest paid period; and the current
    employer. Read through the register's selectors (enrolments, current employment)
    and the contributions history (a month counts as paid for an insurance when its line
    for that insurance is on a settled bill). Access: ``contributions`` history checks
    ``user`` (the person themself, staff with CONTRIBUTION_VIEW in the region).

``certificate_by_code(*, code) -> Certificate | None`` — public verification look-up
(the typed code is normalised first; a malformed code finds nothing).

``certificates_of_person(*, person_id, limit=50)`` — newest first.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shebao.certificates.models import Certificate
from shebao.certificates.rules.codes import normalise_code
from shebao.contributions.history import MAX_MONTHS, PAID, person_contribution_history
from shebao.kernel.rules.periods import Period, period_range
from shebao.register import selectors as register_selectors
from shebao.register.rules.codes import Insurance

NOT_ENROLLED = "none"


def person_insured_facts(*, user, person_id: int, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    now = Period.of(today)
    enrolments = register_selectors.person_enrolments(person_id=person_id)
    current = register_selectors.person_current_status(person_id=person_id)
    first: dict[str, int] = {}
    for row in enrolments:
        first[row.insurance] = min(first.get(row.insurance, row.start_period), row.start_period)
    paid: dict[str, set[int]] = {i.value: set() for i in Insurance}
    if first:
        start = Period.from_int(min(first.values()))
        # The contributions history answers at most MAX_MONTHS per call.
        periods = list(period_range(start, now)) if not now < start else []
        for i in range(0, len(periods), MAX_MONTHS):
            window = periods[i : i + MAX_MONTHS]
            for month in person_contribution_history(
                user=user, person_id=person_id, first_period=int(window[0]), last_period=int(window[-1])
            ):
                for line in month.lines:
                    if line.status == PAID and line.insurance in paid:
                        paid[line.insurance].add(month.period)
    insurances = []
    for insurance in Insurance:
        row = current.get(insurance)
        months = paid[insurance.value]
        insurances.append(
            {
                "insurance": insurance.value,
                "status": row.status if row is not None else NOT_ENROLLED,
                "first_period": first.get(insurance.value),
                "months_paid": len(months),
                "latest_paid": max(months) if months else None,
            }
        )
    employment = register_selectors.person_current_employment(person_id=person_id)
    employer = None
    if employment is not None:
        employer = {
            "kind": employment.kind,
            "name": employment.employer.name if employment.employer_id else "",
        }
    return {
        "version": 1,
        "as_of": today.isoformat(),
        "as_of_period": int(now),
        "employer": employer,
        "insurances": insurances,
    }


def certificate_by_code(*, code: object) -> Certificate | None:
    normalised = normalise_code(code)
    if normalised is None:
        return None
    return Certificate.objects.filter(code=normalised).first()


def certificate_by_number(*, number: str) -> Certificate | None:
    return Certificate.objects.filter(number=str(number or "").strip().upper()).first()


def certificates_of_person(*, person_id: int, limit: int = 50) -> list[Certificate]:
    return list(Certificate.objects.filter(person_id=person_id).order_by("-issued_at", "-id")[:limit])


def certificate_for_staff(*, user, ref: str) -> Certificate | None:
    """A certificate by code or number, if the staff user holds PERSON_VIEW in its region."""
    from shebao.accounts.access import user_has_perm
    from shebao.accounts.rules.permissions import Perm

    certificate = certificate_by_code(code=ref) or certificate_by_number(number=ref)
    if certificate is None or not user_has_perm(user, Perm.PERSON_VIEW, certificate.region_code):
        return None
    return certificate


def certificate_by_id(*, certificate_id: int) -> Certificate | None:
    return Certificate.objects.filter(pk=certificate_id).first()
