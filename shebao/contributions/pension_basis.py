"""The pension basis of one person (养老保险缴费记录): what the pension award and the
estimator need from the contribution record, read lean.

``person_pension_months(*, user, person_id, first_period, last_period) -> PensionMonths``
    Per period in the range, the person's pension base when the month counts as paid
    contribution time (the bill behind the normal or back-payment line is paid, or the
    month was recorded elsewhere: ``ExternalMonth``), and the number of months assessed
    but not (fully) paid. Provisional lines (employer level, no person) never count.
    The same answer as walking ``history.person_contribution_history`` month by month,
    in one SQL statement over the (period, person_id) index plus one over the external
    months, without building a Python object per line: the estimator API serves it on
    every request (issue 5 §7, p99 ≤ 50 ms).

``person_account_balance(*, user, person_id) -> int``
    The personal-account balance in fen: the last credited year's closing principal and
    interest plus the credits posted since, as ``history.person_account_statement``
    computes it.

Access: ``selectors.authorise_person_view`` (the person themself, staff with
CONTRIBUTION_VIEW in the person's region).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from shebao.contributions import selectors
from shebao.contributions.codes import BillStatus, LineKind, PayerType
from shebao.contributions.history import MAX_MONTHS
from shebao.contributions.services import ContributionError, _period
from shebao.register.rules.codes import Insurance

PENSION = Insurance.PENSION.value


@dataclass(frozen=True)
class PensionMonths:
    paid: dict[int, int]  # period → pension base in fen, for the months that count
    owed_months: int  # assessed, not (fully) paid: not contribution time until paid


_LINES_SQL = """
SELECT l.period, l.base_fen, b.status
FROM contributions_contributionline l
LEFT JOIN contributions_bill b
  ON b.period = l.period AND b.kind = l.kind
 AND b.payer_type = CASE WHEN l.employer_id IS NULL THEN %s ELSE %s END
 AND b.payer_id = COALESCE(l.employer_id, l.person_id)
WHERE l.person_id = %s AND l.insurance = %s AND l.kind <> %s AND l.base_fen IS NOT NULL AND l.period {periods}
"""

_EXTERNAL_SQL = """
SELECT period, base_fen FROM contributions_externalmonth
WHERE person_id = %s AND insurance = %s AND period BETWEEN %s AND %s
"""


def _period_filter(periods: list[int]) -> tuple[str, list]:
    """``= ANY(array)`` on PostgreSQL (one parameter, one index probe per element), an
    ``IN`` list elsewhere: the index leads with the period, so a range would scan every
    person's lines of those months."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [periods]
    return "IN (" + ",".join(["%s"] * len(periods)) + ")", periods


def _months(first_period: object, last_period: object) -> list[int]:
    """The periods of the range as ints (the history's checks and messages, without a
    ``Period`` object per month)."""
    first = _period(first_period, field="first_period")
    last = _period(last_period, field="last_period")
    if last < first:
        raise ContributionError(
            field="last_period", zh="截止所属期早于起始所属期", en="last_period is before first_period"
        )
    count = first.months_until(last)  # inclusive
    if count + 1 > MAX_MONTHS:  # the history's limit, as it checks it
        raise ContributionError(
            field="first_period",
            zh=f"一次最多查询 {MAX_MONTHS} 个月",
            en=f"at most {MAX_MONTHS} months at a time",
        )
    start = int(first) // 100 * 12 + int(first) % 100 - 1
    return [(m // 12) * 100 + m % 12 + 1 for m in range(start, start + count)]


def person_pension_months(
    *, user, person_id: int, first_period: object, last_period: object
) -> PensionMonths:
    selectors.authorise_person_view(user=user, person_id=person_id)
    periods = _months(first_period, last_period)
    clause, period_params = _period_filter(periods)
    params = [PayerType.PERSON.value, PayerType.EMPLOYER.value, person_id, PENSION, LineKind.PROVISIONAL.value]
    paid: dict[int, int] = {}
    owed: set[int] = set()
    with connection.cursor() as cursor:
        cursor.execute(_LINES_SQL.format(periods=clause), params + period_params)
        for period, base_fen, status in cursor.fetchall():
            if status == BillStatus.PAID:
                paid.setdefault(period, base_fen)
            else:
                owed.add(period)
        cursor.execute(_EXTERNAL_SQL, [person_id, PENSION, periods[0], periods[-1]])
        for period, base_fen in cursor.fetchall():
            paid.setdefault(period, base_fen)
    return PensionMonths(paid=dict(sorted(paid.items())), owed_months=len(owed - paid.keys()))


_BALANCE_SQL = """
SELECT y.closing_principal_fen + y.closing_interest_fen, y.year
FROM contributions_accountyear y WHERE y.person_id = %s ORDER BY y.year DESC LIMIT 1
"""
_PENDING_SQL = "SELECT COALESCE(SUM(amount_fen), 0) FROM contributions_accountcredit WHERE person_id = %s AND period >= %s"


def person_account_balance(*, user, person_id: int) -> int:
    selectors.authorise_person_view(user=user, person_id=person_id)
    with connection.cursor() as cursor:
        cursor.execute(_BALANCE_SQL, [person_id])
        row = cursor.fetchone()
        closing, after = (row[0], (row[1] + 1) * 100 + 1) if row else (0, 0)
        cursor.execute(_PENDING_SQL, [person_id, after])
        return int(closing) + int(cursor.fetchone()[0])
