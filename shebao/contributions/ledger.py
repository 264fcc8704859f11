"""Personal-account ledger (个人账户, rules.md §3): posting credits when a contribution is
actually paid (实缴), annual interest crediting, and the broken year of a mid-year event.

Public write paths (keyword-only, stable; the pages and APIs call these):

``account_post_credits(*, actor, period, region_code, chunk_size=DEFAULT_CHUNK, today=None) -> int``
    Posts one ``AccountCredit`` per person, period and source (normal / backpay) for the
    pension lines of ``period`` in the region whose bills are paid in full. Returns the
    number of credits written by this call (0 on a rerun). Needs ``ASSESSMENT_RUN``.

``account_credit_interest(*, actor, year, region_code=None, chunk_size=DEFAULT_CHUNK,
progress=None) -> dict``
    Writes one ``AccountYear`` for ``year`` per account (a person with an account year for
    year − 1, or credits in ``year``). Returns the totals
    ``{"year", "region", "rate_ppm", "method", "chunks", "accounts", "credits_fen",
    "interest_fen"}``. Needs ``ASSESSMENT_RUN``.

``account_settle_broken_year(*, actor, person_id, on) -> AccountYear``
    Settles the year of a retirement, transfer or death on the date ``on``: pro rata for
    ``on.month`` months with the year's rate, or the latest published one when the year's
    is not published yet (§3.3). Needs ``CONTRIBUTION_WRITE`` in the person's region.

``account_transfer_out(*, actor, person_id, reference, today=None) -> dict``
    Transfer out (转出, ADR 0015): debit the whole balance (the last credited year's closing
    principal and interest plus the credits posted since) with one ``transfer_out`` credit
    of the negative total in the current period; returns ``{"principal_fen", "interest_fen"}``.

``account_transfer_in(*, actor, person_id, principal_fen, interest_fen, reference, today=None) -> int``
    Transfer in (转入): one ``transfer_in`` credit of principal + interest in the current
    period (the next annual run carries it, with interest from that month).

Refusals raise ``services.ContributionError`` (bilingual, naming the field); access
refusals raise ``accounts.access.AccessDenied``.

Choices made here (rules.md leaves them to local practice):

- 实缴 means the period's contribution is paid in full: a credit is posted only when every
  bill behind the person's pension lines of that period and kind has status ``paid``. A
  partially paid bill credits nothing yet; the next run after the rest arrives does.
- A person with two employers in one period gets one credit for the period and source: the
  sum of the bases, the amount the sum of each line's rounded credit.
- Credits count in the year of their contribution period (费款所属期). A credit posted
  after that year was credited (a late payment or back-payment of an old year) is picked
  up by crediting the year again, which is allowed while year + 1 is not credited. After
  that it needs a correction; a column on ``AccountCredit`` naming the account year it was
  counted in would let the annual run pick it up on its own (schema frozen for now).
- A broken year (months < 12) closes the account in this ledger: the annual run leaves the
  broken row alone and does not open the next year for that person unless new credits
  arrive (then the broken row's closing is the opening).

Arithmetic: everything in integer fen with integer ppm rates; every formula is the SQL
twin of ``rules.interest.interest_fen_annual`` / ``interest_fen_monthly_product`` and of
``rules.rates.amount_fen`` (ROUND_HALF_UP as ``(x + d/2) / d`` on non-negative integers),
and the tests compare the SQL with those kernels on random accounts. ``SUM`` is cast to
``BIGINT`` so that PostgreSQL divides integers, as SQLite does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from shebao.accounts.rules.permissions import Perm
from shebao.contributions import selectors
from shebao.contributions.codes import CreditSource, ParamKind
from shebao.contributions.models import AccountCredit, AccountYear, Bill, ContributionLine
from shebao.contributions.rules.errors import ContributionRuleError
from shebao.contributions.rules.interest import InterestMethod, credit_year
from shebao.contributions.rules.rates import ppm_to_rate
from shebao.contributions.services import ContributionError, _period, _post, _staff_grant
from shebao.contributions.sheet import resolve
from shebao.kernel.audit import audit_record
from shebao.kernel.batchdb import batch_connection_tune, batch_transaction_tune
from shebao.kernel.rules.money import fen_to_yuan, yuan_to_fen
from shebao.kernel.rules.periods import Period
from shebao.register import sources

DEFAULT_CHUNK = 100_000
METHOD_CODES = {0: InterestMethod.ANNUAL_1997, 1: InterestMethod.MONTHLY_PRODUCT, 2: InterestMethod.YEAR_END_ONLY}
LATEST_RATE_LOOKBACK = 10  # years searched back for the latest published rate (broken years)
Progress = Callable[[int, int], None]  # (chunks done, chunks total)

_CREDIT = AccountCredit._meta.db_table
_YEAR = AccountYear._meta.db_table
_LINE = ContributionLine._meta.db_table
_BILL = Bill._meta.db_table


# --- helpers --------------------------------------------------------------------------------


def _region(region_code: object, *, required: bool = True) -> str | None:
    region = str(region_code or "").strip()
    if not region and not required:
        return None
    if len(region) != 6 or not region.isdigit():
        raise ContributionError(field="region", zh="区划代码应为6位数字", en="the region must be a 6-digit code")
    return region


def _year(value: object) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = 0
    if not 1990 <= year <= 2200:
        raise ContributionError(field="year", zh="年度应为四位年份", en="the year must be a four-digit year")
    return year


def _chunk(value: object) -> int:
    try:
        size = int(value)
    except (TypeError, ValueError):
        size = 0
    if not 1 <= size <= 10_000_000:
        raise ContributionError(field="chunk_size", zh="分块大小不合理", en="implausible chunk size")
    return size


def _param(*, kind: ParamKind, key: str = "", region_code: str, period: int) -> int | None:
    rows = selectors.parameter_rows(region_code=region_code)
    return resolve(rows, kind=kind, key=key, region_code=region_code, period=period)


def crediting_rate_ppm(*, year: int, region_code: str | None = None) -> int | None:
    """The 记账利率 published for ``year`` (key = the year; national since 2016), or None."""
    region = region_code or settings.SHEBAO_CITY_CODE
    return _param(kind=ParamKind.CREDITING_RATE, key=str(year), region_code=region, period=year * 100 + 12)


def interest_method(*, year: int, region_code: str | None = None) -> InterestMethod:
    """The 计息方法 in force at the end of ``year`` (annual 1997 method when none is set)."""
    region = region_code or settings.SHEBAO_CITY_CODE
    code = _param(kind=ParamKind.INTEREST_METHOD, region_code=region, period=year * 100 + 12)
    if code is None:
        return InterestMethod.ANNUAL_1997
    try:
        return METHOD_CODES[int(code)]
    except KeyError:
        raise ContributionError(
            field="interest_method",
            zh=f"计息方法参数值 {code} 无效（0、1 或 2）",
            en=f"the interest_method parameter {code} is not 0, 1 or 2",
        ) from None


def _region_filter(alias: str, region: str | None) -> str:
    """``AND alias.person_id IN (persons of the region in the chunk)``, or nothing."""
    if region is None:
        return ""
    person = sources.register_tables().person
    sql = f" AND {alias}.person_id IN (SELECT rp.id FROM {person} rp WHERE rp.region_code LIKE %(region)s"  # noqa: S608
    return sql + " AND rp.id >= %(lo)s AND rp.id < %(hi)s)"


def _bounds(sql: str, params: dict) -> tuple[int, int] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        lo, hi = cursor.fetchone()
    return None if lo is None else (int(lo), int(hi))


def _chunks(bounds: tuple[int, int] | None, size: int) -> list[tuple[int, int]]:
    if bounds is None:
        return []
    lo, hi = bounds
    return [(start, min(start + size, hi + 1)) for start in range(lo, hi + 1, size)]


# --- posting credits (记账) -------------------------------------------------------------------


def _post_sql(*, ppm: int) -> str:
    ppm = int(ppm)
    # One credit per person, period and kind; every bill behind the lines must be paid.
    return f"""
INSERT INTO {_CREDIT} (person_id, period, source, base_fen, credit_ppm, amount_fen, posted_on)
SELECT l.person_id, l.period, l.kind, CAST(SUM(l.base_fen) AS BIGINT), {ppm},
       CAST(SUM((l.base_fen * {ppm} + 500000) / 1000000) AS BIGINT), %(today)s
FROM {_LINE} l
LEFT JOIN {_BILL} b
  ON b.period = l.period
 AND b.payer_type = CASE WHEN l.employer_id IS NULL THEN 'person' ELSE 'employer' END
 AND b.payer_id = COALESCE(l.employer_id, l.person_id)
 AND b.kind = l.kind
WHERE l.period = %(period)s AND l.person_id >= %(lo)s AND l.person_id < %(hi)s
  AND l.insurance = 'pension' AND l.kind IN ('normal', 'backpay') AND l.base_fen IS NOT NULL
  AND l.region_code LIKE %(region)s
  AND NOT EXISTS (SELECT 1 FROM {_CREDIT} c
                  WHERE c.person_id = l.person_id AND c.period = l.period AND c.source = l.kind)
GROUP BY l.person_id, l.period, l.kind
HAVING MIN(CASE WHEN b.status = 'paid' THEN 1 ELSE 0 END) = 1
"""  # noqa: S608 - table names and the integer rate are generated, values are bound


@transaction.atomic
def account_post_credits(
    *, actor, period: object, region_code: str, chunk_size: int = DEFAULT_CHUNK, today: dt.date | None = None
) -> int:
    """Post the personal-account credits of ``period`` in ``region_code`` (个人账户记账).

    For every pension line (kind normal or backpay, with a person) of the period whose
    bill is paid in full, one ``AccountCredit``: base = the line's base, ``credit_ppm`` =
    the period's ACCOUNT_CREDIT parameter (11 % before 2006, 8 % since), amount = base ×
    ppm rounded half up to the fen, source = the line's kind, ``posted_on`` = today.
    Idempotent (a credit of the same person, period and source is never posted twice), so
    it is safe after every payment import or nightly. Set-based, in person-id chunks,
    in one transaction with one audit entry carrying the counts.
    """
    p = int(_period(period))
    region = _region(region_code)
    grant = _staff_grant(actor, Perm.ASSESSMENT_RUN, region)
    size = _chunk(chunk_size)
    ppm = _param(kind=ParamKind.ACCOUNT_CREDIT, region_code=region, period=p)
    if ppm is None:
        raise ContributionError(
            field="account_credit",
            zh=f"所属期 {p} 在 {region} 缺少参数：{ParamKind.ACCOUNT_CREDIT.label_zh}",
            en=f"period {p} in {region} lacks the parameter account_credit",
        )
    posted_on = today or timezone.localdate()
    params = {"period": p, "region": selectors.region_prefix(region) + "%", "today": posted_on}
    bounds = _bounds(
        f"SELECT MIN(person_id), MAX(person_id) FROM {_LINE} "  # noqa: S608 - constant identifiers
        "WHERE period = %(period)s AND person_id IS NOT NULL",
        params,
    )
    sql = _post_sql(ppm=ppm)
    posted = 0
    with connection.cursor() as cursor:
        for lo, hi in _chunks(bounds, size):
            cursor.execute(sql, {**params, "lo": lo, "hi": hi})
            posted += max(cursor.rowcount, 0)
    audit_record(
        action="account.post_credits", object_type="period", object_id=p,
        after={"period": p, "region": region, "credit_ppm": ppm, "posted": posted, "posted_on": posted_on.isoformat()},
        actor=actor, post=_post(grant),
    )
    return posted


# --- annual interest (记息) ---------------------------------------------------------------------


def _interest_exprs(method: InterestMethod, rate_ppm: int) -> tuple[str, str]:
    """SQL for (interest on the opening balance, interest on the year's credits) over the
    columns ``op``, ``oi``, ``cr`` and ``products`` (Σ credit × months held)."""
    r = int(rate_ppm)
    if method is InterestMethod.MONTHLY_PRODUCT:  # interest_fen_monthly_product, m = 12
        return (
            f"((s.op + s.oi) * {r} * 12 + 6000000) / 12000000",
            f"(s.products * {r} + 6000000) / 12000000",
        )
    on_opening = f"((s.op + s.oi) * {r} + 500000) / 1000000"  # interest_fen_annual
    if method is InterestMethod.YEAR_END_ONLY:
        return on_opening, "0"
    return on_opening, f"(s.cr * {r} * 1083 + 1000000000) / 2000000000"


def _interest_sql(*, year: int, method: InterestMethod, rate_ppm: int, region: str | None) -> tuple[str, str]:
    y = int(year)
    on_opening, on_credits = _interest_exprs(method, rate_ppm)
    delete = (
        f"DELETE FROM {_YEAR} WHERE year = {y} AND months = 12 "  # noqa: S608 - generated identifiers
        f"AND person_id >= %(lo)s AND person_id < %(hi)s{_region_filter(_YEAR, region)}"
    )
    # One aggregation per person over three index ranges of the chunk: last year's row
    # (opening balances; counts when it is a full year), the year's credits (counts), and
    # any row of this year or later that makes the person not ours to credit (a broken
    # year, or a later year). No join at all, so no plan depends on the planner building
    # the right index or on statistics, stale in the middle of a run (2026-12-07: SQLite
    # ran the FULL OUTER JOIN of materialised sides this replaced as a nested loop, and a
    # union of ids with left joins still as one for some table sizes; PostgreSQL once
    # read whole tables per chunk). Grouped by person_id only: Citus-friendly.
    rng = "person_id >= %(lo)s AND person_id < %(hi)s"
    insert = f"""
WITH s AS (
  SELECT u.person_id, CAST(SUM(u.op) AS BIGINT) AS op, CAST(SUM(u.oi) AS BIGINT) AS oi,
         CAST(SUM(u.cr) AS BIGINT) AS cr, CAST(SUM(u.products) AS BIGINT) AS products
  FROM (
    SELECT person_id, closing_principal_fen AS op, closing_interest_fen AS oi, 0 AS cr, 0 AS products,
           CASE WHEN months = 12 THEN 1 ELSE 0 END AS counts, 0 AS later
    FROM {_YEAR} WHERE year = {y - 1} AND {rng}
    UNION ALL
    SELECT c.person_id, 0, 0, c.amount_fen, c.amount_fen * ({y * 100 + 13} - c.period), 1, 0
    FROM {_CREDIT} c
    WHERE c.{rng} AND c.period >= {y * 100 + 1} AND c.period <= {y * 100 + 12}{_region_filter("c", region)}
    UNION ALL
    SELECT person_id, 0, 0, 0, 0, 0, 1 FROM {_YEAR} WHERE year >= {y} AND {rng}
  ) u
  GROUP BY u.person_id
  HAVING MAX(u.counts) = 1 AND MAX(u.later) = 0
)
INSERT INTO {_YEAR} (person_id, year, opening_principal_fen, opening_interest_fen, credits_fen,
    interest_on_opening_fen, interest_on_credits_fen, closing_principal_fen, closing_interest_fen,
    rate_ppm, method, months, credited_at)
SELECT s.person_id, {y}, s.op, s.oi, s.cr, {on_opening}, {on_credits}, s.op + s.cr,
       s.oi + {on_opening} + {on_credits}, {int(rate_ppm)}, '{method.value}', 12, %(now)s
FROM s WHERE 1 = 1{_region_filter("s", region)}
"""  # noqa: S608 - identifiers, year, rate and method are generated; values are bound
    return delete, insert


def _refuse_if_next_year_credited(year: int, region: str | None, params: dict) -> None:
    join = ""
    if region is not None:
        join = f" JOIN {sources.register_tables().person} rp ON rp.id = y.person_id AND rp.region_code LIKE %(region)s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {_YEAR} y{join} WHERE y.year = %(next)s AND y.months = 12 LIMIT 1",  # noqa: S608
            {**params, "next": year + 1},
        )
        if cursor.fetchone() is not None:
            raise ContributionError(
                field="year",
                zh=f"{year + 1} 年度已记息，不能再对 {year} 年度记息",
                en=f"{year + 1} is already credited: {year} can no longer be credited",
            )


def account_credit_interest(
    *,
    actor,
    year: object,
    region_code: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
) -> dict:
    """Annual interest crediting (年度记账利息) for ``year`` (rules.md §3.3).

    For every person with an account year for year − 1 (a full one) or credits in
    ``year``: opening principal and interest = last year's closing (0 if none), credits =
    Σ the year's credits, interest by the INTEREST_METHOD parameter at the year's
    CREDITING_RATE; closing principal = opening principal + credits, closing interest =
    opening interest + interest. ``region_code`` None credits every account (parameters of
    the city ``SHEBAO_CITY_CODE``); a region limits it to the persons registered there.

    Person-id chunks, each deleted and inserted again in its own transaction: a rerun
    gives identical rows and a killed run is completed by running it again. Refused when
    the year's rate is not published, the year is not over, or year + 1 is credited. The
    totals are audited once, at the end.
    """
    y = _year(year)
    region = _region(region_code, required=False)
    grant = _staff_grant(actor, Perm.ASSESSMENT_RUN, region)
    size = _chunk(chunk_size)
    if y >= timezone.localdate().year:
        raise ContributionError(field="year", zh=f"{y} 年度尚未结束", en=f"the year {y} is not over")
    rate = crediting_rate_ppm(year=y, region_code=region)
    if rate is None:
        raise ContributionError(
            field="crediting_rate",
            zh=f"{y} 年度{ParamKind.CREDITING_RATE.label_zh}尚未公布（参数 crediting_rate[{y}]）",
            en=f"the crediting rate for {y} is not published (parameter crediting_rate[{y}])",
        )
    method = interest_method(year=y, region_code=region)
    base = {"region": selectors.region_prefix(region) + "%" if region else "%"}
    _refuse_if_next_year_credited(y, region, base)
    bounds_sql = (
        f"SELECT MIN(lo), MAX(hi) FROM (SELECT MIN(person_id) AS lo, MAX(person_id) AS hi FROM {_YEAR} "  # noqa: S608
        f"UNION ALL SELECT MIN(person_id), MAX(person_id) FROM {_CREDIT}) b"
    )
    batch_connection_tune()
    chunks = _chunks(_bounds(bounds_sql, {}), size)
    delete, insert = _interest_sql(year=y, method=method, rate_ppm=rate, region=region)
    now = timezone.now()
    for done, (lo, hi) in enumerate(chunks, start=1):
        params = {**base, "lo": lo, "hi": hi, "now": now}
        with transaction.atomic():
            batch_transaction_tune()
            with connection.cursor() as cursor:
                cursor.execute(delete, params)
                cursor.execute(insert, params)
        if progress is not None:
            progress(done, len(chunks))
    with transaction.atomic():
        join = ""
        if region is not None:
            join = f" JOIN {sources.register_tables().person} rp ON rp.id = y.person_id AND rp.region_code LIKE %(region)s"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*), COALESCE(SUM(y.credits_fen), 0), "  # noqa: S608 - constant identifiers
                "COALESCE(SUM(y.interest_on_opening_fen + y.interest_on_credits_fen), 0) "
                f"FROM {_YEAR} y{join} WHERE y.year = %(year)s AND y.months = 12",
                {**base, "year": y},
            )
            accounts, credits, interest = cursor.fetchone()
        totals = {
            "year": y,
            "region": region or "",
            "rate_ppm": rate,
            "method": method.value,
            "chunks": len(chunks),
            "accounts": int(accounts),
            "credits_fen": int(credits),
            "interest_fen": int(interest),
        }
        audit_record(
            action="account.credit_interest", object_type="account_year", object_id=y,
            after=totals, actor=actor, post=_post(grant),
        )
    return totals


# --- broken year (中途结算) --------------------------------------------------------------------


def _latest_rate(*, year: int, region: str) -> tuple[int, int]:
    """(rate ppm, the year it was published for): the year's own, else the latest before."""
    for candidate in range(year, year - LATEST_RATE_LOOKBACK - 1, -1):
        rate = crediting_rate_ppm(year=candidate, region_code=region)
        if rate is not None:
            return rate, candidate
    raise ContributionError(
        field="crediting_rate",
        zh=f"{year} 年度及此前 {LATEST_RATE_LOOKBACK} 年均无已公布的记账利率",
        en=f"no crediting rate is published for {year} or the {LATEST_RATE_LOOKBACK} years before",
    )


def _year_snapshot(row: AccountYear | None) -> dict | None:
    if row is None:
        return None
    return {
        "year": row.year, "months": row.months, "rate_ppm": row.rate_ppm, "method": row.method,
        "opening_principal_fen": row.opening_principal_fen, "opening_interest_fen": row.opening_interest_fen,
        "credits_fen": row.credits_fen, "interest_on_opening_fen": row.interest_on_opening_fen,
        "interest_on_credits_fen": row.interest_on_credits_fen,
        "closing_principal_fen": row.closing_principal_fen, "closing_interest_fen": row.closing_interest_fen,
    }


@transaction.atomic
def account_settle_broken_year(*, actor, person_id: int, on: dt.date) -> AccountYear:
    """Settle the account year of a mid-year event (retirement, transfer, death) on ``on``.

    Months 1..``on.month`` pro rata via ``rules.interest.credit_year(months=…)`` with the
    year's crediting rate, or the latest published one when the year's is not published
    yet (rules.md §3.3); the row is written with ``months`` = ``on.month``. The previous
    year must be credited when the person has earlier credits; credits for periods after
    the event month are refused. Replaces an earlier settlement of the same year.
    """
    if not isinstance(on, dt.date):
        raise ContributionError(field="on", zh="请填写事件日期", en="the event date is required")
    region = selectors.person_region(person_id)
    grant = _staff_grant(actor, Perm.CONTRIBUTION_WRITE, region)
    year, months = on.year, on.month
    if on > timezone.localdate():
        raise ContributionError(field="on", zh="事件日期不能晚于今天", en="the event date cannot be in the future")
    if AccountYear.objects.filter(person_id=person_id, year__gt=year).exists():
        raise ContributionError(
            field="on", zh=f"{year} 年以后的年度已记息，不能再结算 {year} 年度",
            en=f"a year after {year} is already credited: {year} cannot be settled",
        )
    previous = AccountYear.objects.filter(person_id=person_id, year=year - 1).first()
    if previous is None and (
        AccountCredit.objects.filter(person_id=person_id, period__lt=year * 100 + 1).exists()
        or AccountYear.objects.filter(person_id=person_id, year__lt=year - 1).exists()
    ):
        raise ContributionError(
            field="year", zh=f"{year - 1} 年度尚未记息，请先完成上年度记息",
            en=f"{year - 1} is not credited yet: credit it first",
        )
    monthly_fen: dict[int, int] = {}
    for period, amount in AccountCredit.objects.filter(
        person_id=person_id, period__gte=year * 100 + 1, period__lte=year * 100 + 12
    ).values_list("period", "amount_fen"):
        monthly_fen[period % 100] = monthly_fen.get(period % 100, 0) + amount
    late = sorted(m for m in monthly_fen if m > months)
    if late:
        raise ContributionError(
            field="on",
            zh=f"{year} 年 {late[0]} 月及以后已有记账额，晚于事件日期",
            en=f"credits exist for {year}-{late[0]:02d} or later, after the event date",
        )
    rate, rate_year = _latest_rate(year=year, region=region)
    method = interest_method(year=year, region_code=region)
    opening_p = previous.closing_principal_fen if previous else 0
    opening_i = previous.closing_interest_fen if previous else 0
    try:
        result = credit_year(
            opening_principal=fen_to_yuan(opening_p),
            opening_interest=fen_to_yuan(opening_i),
            monthly_credits={m: fen_to_yuan(a) for m, a in monthly_fen.items()},
            rate=ppm_to_rate(rate),
            method=method,
            months=months,
        )
    except ContributionRuleError as exc:
        raise ContributionError(field=exc.field, zh=exc.message_zh, en=exc.message_en) from None
    before = _year_snapshot(AccountYear.objects.select_for_update().filter(person_id=person_id, year=year).first())
    row, _ = AccountYear.objects.update_or_create(
        person_id=person_id,
        year=year,
        defaults={
            "opening_principal_fen": opening_p,
            "opening_interest_fen": opening_i,
            "credits_fen": yuan_to_fen(result.credits),
            "interest_on_opening_fen": yuan_to_fen(result.interest_on_opening),
            "interest_on_credits_fen": yuan_to_fen(result.interest_on_credits),
            "closing_principal_fen": yuan_to_fen(result.closing_principal),
            "closing_interest_fen": yuan_to_fen(result.closing_interest),
            "rate_ppm": rate,
            "method": method.value,
            "months": months,
            "credited_at": timezone.now(),
        },
    )
    audit_record(
        action="account.settle_broken_year", object_type="person", object_id=person_id,
        before=before, after={**_year_snapshot(row), "on": on.isoformat(), "rate_year": rate_year},
        actor=actor, post=_post(grant),
    )
    return row


# --- transfer out / in (转移接续, ADR 0015) ----------------------------------------------------


def _amount_fen(value: object, *, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ContributionError(field=field, zh="金额应为非负整数（分）", en=f"{field} must be a non-negative integer of fen")
    return value


def account_balance_fen(*, person_id: int) -> tuple[int, int]:
    """(principal, interest) in fen: the last year's closing plus every credit posted since."""
    last = AccountYear.objects.filter(person_id=person_id).order_by("-year").first()
    after = (last.year + 1) * 100 + 1 if last else 0
    pending = AccountCredit.objects.filter(person_id=person_id, period__gte=after).aggregate(s=Sum("amount_fen"))["s"] or 0
    return (last.closing_principal_fen if last else 0) + pending, last.closing_interest_fen if last else 0


def _credit(*, person_id: int, source: CreditSource, amount_fen: int, today: dt.date) -> AccountCredit:
    return AccountCredit.objects.create(person_id=person_id, period=int(Period.of(today)), source=source,
                                        base_fen=0, credit_ppm=0, amount_fen=amount_fen, posted_on=today)  # fmt: skip


@transaction.atomic
def account_transfer_out(*, actor, person_id: int, reference: str, today: dt.date | None = None) -> dict:
    """Debit the whole balance for a transfer out (see the module docstring)."""
    grant = _staff_grant(actor, Perm.CONTRIBUTION_WRITE, selectors.person_region(person_id))
    today = today or timezone.localdate()
    principal, interest = account_balance_fen(person_id=person_id)
    if principal + interest < 0:
        raise ContributionError(field="balance", zh="个人账户余额为负，请先核查", en="the account balance is negative: check it first")
    if principal + interest:
        _credit(person_id=person_id, source=CreditSource.TRANSFER_OUT, amount_fen=-(principal + interest), today=today)
    out = {"principal_fen": principal, "interest_fen": interest}
    audit_record(action="account.transfer_out", object_type="person", object_id=person_id,
                 after={**out, "reference": reference, "period": int(Period.of(today))}, actor=actor, post=_post(grant))  # fmt: skip
    return out


@transaction.atomic
def account_transfer_in(*, actor, person_id: int, principal_fen: int, interest_fen: int, reference: str,
                        today: dt.date | None = None) -> int:  # fmt: skip
    """Credit a transferred-in balance (see the module docstring)."""
    grant = _staff_grant(actor, Perm.CONTRIBUTION_WRITE, selectors.person_region(person_id))
    today = today or timezone.localdate()
    principal = _amount_fen(principal_fen, field="principal_fen")
    interest = _amount_fen(interest_fen, field="interest_fen")
    if principal + interest:
        _credit(person_id=person_id, source=CreditSource.TRANSFER_IN, amount_fen=principal + interest, today=today)
    audit_record(action="account.transfer_in", object_type="person", object_id=person_id,
                 after={"principal_fen": principal, "interest_fen": interest, "reference": reference,
                        "period": int(Period.of(today))}, actor=actor, post=_post(grant))  # fmt: skip
    return principal + interest
