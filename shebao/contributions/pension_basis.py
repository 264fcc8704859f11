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
from shebao.contributions.history import _check_range
from shebao.register.rules.codes import Insurance

PENSION = Insurance.PENSION.value


@dataclass(frozen=True)
class PensionMonths:
    paid: dict[int, int]  # period → pension base in fen, for the months that count
    owed_months: int  # assessed, not (fully) paid: not contribution time until paid


# One statement per read: on PostgreSQL every round trip costs more than these queries.
# Rows: (0, period, base, bill status) for the person's own pension lines, then
# (1, period, base, NULL) for the months recorded elsewhere.
_MONTHS_SQL = """
SELECT 0, l.period, l.base_fen, b.status
FROM contributions_contributionline l
LEFT JOIN contributions_bill b
  ON b.period = l.period AND b.kind = l.kind
 AND b.payer_type = CASE WHEN l.employer_id IS NULL THEN %s ELSE %s END
 AND b.payer_id = COALESCE(l.employer_id, l.person_id)
WHERE l.person_id = %s AND l.insurance = %s AND l.kind <> %s AND l.base_fen IS NOT NULL AND l.period {periods}
UNION ALL
SELECT 1, e.period, e.base_fen, NULL FROM contributions_externalmonth e
WHERE e.person_id = %s AND e.insurance = %s AND e.period BETWEEN %s AND %s
"""

# Two scalar subqueries: SQLite reads an index end only for a lone MIN() or MAX().
_BOUNDS_SQL = (
    "SELECT (SELECT MIN(period) FROM contributions_contributionline), "
    "(SELECT MAX(period) FROM contributions_contributionline)"
)

# PostgreSQL: the months as a generated array, clipped to the first and last period that
# has any line at all (both ends of the (period, person_id) index), one probe per month.
_PG_PERIODS = """= ANY(ARRAY(
  SELECT (g / 12) * 100 + g %% 12 + 1 FROM generate_series(
    GREATEST(%s::int, (SELECT MIN(period) / 100 * 12 + MIN(period) %% 100 - 1 FROM contributions_contributionline)),
    LEAST(%s::int, (SELECT MAX(period) / 100 * 12 + MAX(period) %% 100 - 1 FROM contributions_contributionline))
  ) g))"""


def _index(period: int) -> int:
    return period // 100 * 12 + period % 100 - 1


def _period_filter(periods: list[int]) -> tuple[str, list] | None:
    """The SQL for "l.period in the range" that probes the index month by month (it leads
    with the period: a plain range would scan every person's lines of those months), or
    None when no line can match. Only the months between the first and the last period
    that has any line at all are probed, so a young system or a young person is not
    probed for fifty years of empty months."""
    if connection.vendor == "postgresql":
        return _PG_PERIODS, [_index(periods[0]), _index(periods[-1])]
    with connection.cursor() as cursor:
        cursor.execute(_BOUNDS_SQL)
        lo, hi = cursor.fetchone()
    probed = [p for p in periods if lo is not None and lo <= p <= hi]
    if not probed:
        return None
    return "IN (" + ",".join(["%s"] * len(probed)) + ")", probed


def person_pension_months(
    *, user, person_id: int, first_period: object, last_period: object
) -> PensionMonths:
    selectors.authorise_person_view(user=user, person_id=person_id)
    periods = _check_range(first_period, last_period)
    line_params = [
        PayerType.PERSON.value,
        PayerType.EMPLOYER.value,
        person_id,
        PENSION,
        LineKind.PROVISIONAL.value,
    ]
    external_params = [person_id, PENSION, periods[0], periods[-1]]
    clause = _period_filter(periods) or ("IN (NULL)", [])
    paid: dict[int, int] = {}
    owed: set[int] = set()
    with connection.cursor() as cursor:
        cursor.execute(_MONTHS_SQL.format(periods=clause[0]), line_params + clause[1] + external_params)
        rows = sorted(
            cursor.fetchall(), key=lambda r: r[0]
        )  # own lines first: a month paid here is counted at its own base
    for source, period, base_fen, status in rows:
        if source == 1 or status == BillStatus.PAID:
            paid.setdefault(period, base_fen)
        else:
            owed.add(period)
    return PensionMonths(paid=dict(sorted(paid.items())), owed_months=len(owed - paid.keys()))


_BALANCE_SQL = """
SELECT COALESCE((SELECT closing_principal_fen + closing_interest_fen FROM contributions_accountyear
                 WHERE person_id = %s ORDER BY year DESC LIMIT 1), 0)
     + (SELECT COALESCE(SUM(amount_fen), 0) FROM contributions_accountcredit
        WHERE person_id = %s AND period >= COALESCE((SELECT (year + 1) * 100 + 1 FROM contributions_accountyear
                                                     WHERE person_id = %s ORDER BY year DESC LIMIT 1), 0))
"""


def person_account_balance(*, user, person_id: int) -> int:
    selectors.authorise_person_view(user=user, person_id=person_id)
    with connection.cursor() as cursor:
        cursor.execute(_BALANCE_SQL, [person_id, person_id, person_id])
        return int(cursor.fetchone()[0])
