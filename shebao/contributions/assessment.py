"""Monthly assessment (核定): set-based SQL in person-id chunks, idempotent and resumable.

A run of period P for a region:
1. ``assessment_start`` records the run, the rate sheet it uses (frozen as JSON) and the
   employers to assess provisionally (no monthly declaration for P, a bill for P-1).
2. ``assessment_execute`` processes each chunk [lo, hi) of person ids in its own
   transaction: delete that chunk's normal lines of P in the region, insert them again
   from the register, mark the chunk done. A killed run leaves whole chunks only; running
   again skips the chunks marked done and redoes the rest, so the result equals an
   uninterrupted run, and a rerun of a finished period rewrites identical lines.
3. Provisional lines (110 % of P-1 per employer and insurance, 社会保险法 art. 62), then
   one bill per payer as the sums of its lines (upsert), stale bills voided, totals and
   the audit entry in the same transaction.

Amounts are computed in SQL in integer fen with integer ppm rates:
``(base_fen * rate_ppm + 500000) / 1000000`` is ROUND_HALF_UP to the fen for
non-negative values, the same formula as ``rules.rates.amount_fen`` (property-tested).
No Python loop touches a person.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import F, Max, Min
from django.utils import timezone

from shebao.accounts.rules.permissions import Perm
from shebao.contributions import collection, pipeline, selectors
from shebao.contributions.codes import BillStatus, LineKind, PayerType, RunStatus
from shebao.contributions.models import (
    AssessmentChunk,
    AssessmentRun,
    Bill,
    BillPart,
    ContributionLine,
    FlexibleGrade,
    MonthlyDeclaration,
    ProvisionalEmployer,
    WageDeclaration,
)
from shebao.contributions.services import ContributionError, _err, _period, _post, _staff_grant
from shebao.contributions.sheet import RateSheet, SheetError
from shebao.kernel.audit import audit_record
from shebao.kernel.batchdb import batch_connection_tune, batch_transaction_tune
from shebao.kernel.calendar import add_working_days, is_workday
from shebao.kernel.rules.periods import Period
from shebao.register import sources
from shebao.register.rules.codes import Insurance

DEFAULT_CHUNK = 50_000
Progress = Callable[[AssessmentRun], None]


def due_date(*, period: int, due_day: int) -> dt.date:
    """Period P is due on ``due_day`` of month P+1, or the next working day after it."""
    following = Period.from_int(period) + 1
    last = following.last_day().day
    day = dt.date(following.year, following.month, min(due_day, last))
    return day if is_workday(day) else add_working_days(day, 1)


@transaction.atomic
def assessment_start(*, actor, period: object, region_code: str, chunk_size: int = DEFAULT_CHUNK) -> AssessmentRun:
    """Record a run (or return the unfinished one of the same period and region)."""
    p = int(_period(period))
    region = str(region_code or "").strip()
    if len(region) != 6 or not region.isdigit():
        raise ContributionError(field="region", zh="区划代码应为6位数字", en="the region must be a 6-digit code")
    grant = _staff_grant(actor, Perm.ASSESSMENT_RUN, region)
    if not 1 <= int(chunk_size) <= 1_000_000:
        raise ContributionError(field="chunk_size", zh="分块大小不合理", en="implausible chunk size")
    try:
        sheet = selectors.rate_sheet(region_code=region, period=p)
    except SheetError as exc:
        raise _err(exc) from None
    unfinished = (
        AssessmentRun.objects.select_for_update()
        .filter(period=p, region_code=region, status__in=[RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.FAILED])
        .order_by("-id")
        .first()
    )
    if unfinished is not None:
        return unfinished
    run = AssessmentRun.objects.create(
        period=p,
        region_code=region,
        chunk_size=int(chunk_size),
        sheet=sheet.to_json(),
        requested_by=actor.get_username() if actor is not None else "",
        created_at=timezone.now(),
    )
    bounds = sources.person_id_bounds()
    if bounds is not None:
        lo, hi = bounds
        AssessmentChunk.objects.bulk_create(
            AssessmentChunk(run=run, lo=start, hi=min(start + run.chunk_size, hi + 1))
            for start in range(lo, hi + 1, run.chunk_size)
        )
    run.chunks_total = run.chunks.count()
    run.save(update_fields=["chunks_total"])
    _freeze_provisional(run)
    audit_record(
        action="assessment.start", object_type="assessment_run", object_id=run.pk,
        after={"period": p, "region": region, "chunks": run.chunks_total}, actor=actor, post=_post(grant),
    )
    return run


def _freeze_provisional(run: AssessmentRun) -> None:
    prev = int(Period.from_int(run.period) - 1)
    prefix = selectors.region_prefix(run.region_code)
    billed_last_month = set(
        Bill.objects.filter(
            period=prev, payer_type=PayerType.EMPLOYER, region_code__startswith=prefix, total_fen__gt=0
        ).values_list("payer_id", flat=True)
    )
    declared = set(MonthlyDeclaration.objects.filter(period=run.period).values_list("employer_id", flat=True))
    ProvisionalEmployer.objects.bulk_create(
        ProvisionalEmployer(run_id=run.pk, employer_id=e) for e in sorted(billed_last_month - declared)
    )


def _sheet(run: AssessmentRun) -> RateSheet:
    data = json.loads(run.sheet)
    data["injury_ppm"] = {int(k): v for k, v in data["injury_ppm"].items()}
    data["grades"] = tuple(data["grades"])
    return RateSheet(**data)


def _case(column: str, mapping: dict, default: int = 0) -> str:
    """CASE column WHEN 'k' THEN v … END with integer values (generated, not user text)."""
    whens = " ".join(
        f"WHEN {int(k) if isinstance(k, int) else repr(str(k))} THEN {int(v)}" for k, v in mapping.items()
    )
    return f"CASE {column} {whens} ELSE {int(default)} END"


def _chunk_sql(sheet: RateSheet, *, into: str = ContributionLine._meta.db_table) -> str:
    """The chunk's statement: compute its lines and insert them ``into`` the line table
    (or, on the SQLite pipeline, a scratch table of the same columns)."""
    t = sources.register_tables()
    s, floor, ceiling = int(sheet.reference_wage_fen), int(sheet.floor_fen), int(sheet.ceiling_fen)
    employer_rates = dict(sheet.employer_ppm)
    employer_rates[Insurance.INJURY.value] = 0  # replaced by the class rate below
    er = (
        f"CASE WHEN a.employer_id IS NULL THEN 0 WHEN a.insurance = 'injury' "
        f"THEN {_case('a.risk_class', sheet.injury_ppm)} ELSE {_case('a.insurance', employer_rates)} END"
    )
    ee = (
        f"CASE WHEN a.employer_id IS NULL THEN {_case('a.insurance', sheet.flexible_ppm)} "
        f"ELSE {_case('a.insurance', sheet.individual_ppm)} END"
    )
    fixed = f"CASE WHEN a.employer_id IS NULL THEN 0 ELSE {_case('a.insurance', sheet.individual_fixed_fen)} END"
    flexible = tuple(sheet.flexible_ppm)
    flexible_list = ", ".join(repr(i) for i in flexible)
    # Identifiers and integer literals are generated here; every value is bound.
    return f"""
WITH act AS MATERIALIZED (
  SELECT e.person_id, e.employer_id, COALESCE(e.employer_id, 0) AS ek, e.insurance
  FROM {t.enrolment} e
  WHERE e.person_id >= %(lo)s AND e.person_id < %(hi)s AND e.status = 'active'
    AND e.start_period <= %(period)s AND (e.end_period IS NULL OR e.end_period >= %(period)s)
    AND (e.employer_id IS NOT NULL OR e.insurance IN ({flexible_list}))
),
grade AS MATERIALIZED (
  SELECT g.person_id, g.grade_pct FROM {FlexibleGrade._meta.db_table} g
  WHERE g.person_id >= %(lo)s AND g.person_id < %(hi)s AND g.effective_period = (
    SELECT MAX(g2.effective_period) FROM {FlexibleGrade._meta.db_table} g2
    WHERE g2.person_id = g.person_id AND g2.effective_period <= %(period)s)
),
emp AS MATERIALIZED (
  SELECT m.person_id, m.employer_id, MAX(m.monthly_wage_fen) AS wage_fen FROM {t.employment} m
  WHERE m.person_id >= %(lo)s AND m.person_id < %(hi)s
    AND m.start_date <= %(last_day)s AND (m.end_date IS NULL OR m.end_date >= %(first_day)s)
  GROUP BY m.person_id, m.employer_id
),
decl AS MATERIALIZED (
  SELECT d.person_id, d.employer_id, d.wage_fen FROM {WageDeclaration._meta.db_table} d
  WHERE d.person_id >= %(lo)s AND d.person_id < %(hi)s AND d.base_year = %(base_year)s
),
per AS MATERIALIZED (
  SELECT p.id, p.region_code FROM {t.person} p
  WHERE p.id >= %(lo)s AND p.id < %(hi)s AND p.region_code LIKE %(region)s AND p.life_status <> 'deceased'
),
y AS (
  SELECT a.person_id, a.insurance, a.employer_id, p.region_code, r.risk_class,
    CASE WHEN a.employer_id IS NULL
         THEN ((({s} * COALESCE(gr.grade_pct, 60)) + 5000) / 10000) * 100
         ELSE COALESCE(d.wage_fen, m.wage_fen, {s}) END AS wage_fen
  FROM act a
  JOIN per p ON p.id = a.person_id
  LEFT JOIN {t.employer} r ON r.id = a.employer_id
  LEFT JOIN decl d ON d.person_id = a.person_id AND d.employer_id = a.employer_id
  LEFT JOIN emp m ON m.person_id = a.person_id AND m.employer_id = a.employer_id
  LEFT JOIN grade gr ON gr.person_id = a.person_id AND a.employer_id IS NULL
  WHERE a.ek NOT IN (SELECT pe.employer_id FROM {ProvisionalEmployer._meta.db_table} pe WHERE pe.run_id = %(run)s)
)
INSERT INTO {into}
  (period, person_id, insurance, employer_id, region_code, kind, base_fen,
   employer_ppm, individual_ppm, employer_fen, individual_fen, run_id)
SELECT %(period)s, x.person_id, x.insurance, x.employer_id, x.region_code, 'normal', x.base_fen,
       x.er, x.ee, (x.base_fen * x.er + 500000) / 1000000, (x.base_fen * x.ee + 500000) / 1000000 + x.fixed,
       %(run)s
FROM (
  SELECT a.person_id, a.insurance, a.employer_id, a.region_code,
    CASE WHEN a.wage_fen < {floor} THEN {floor} WHEN a.wage_fen > {ceiling} THEN {ceiling}
         ELSE a.wage_fen END AS base_fen,
    {er} AS er, {ee} AS ee, {fixed} AS fixed
  FROM y a
) x
"""  # noqa: S608


def _chunk_params(run: AssessmentRun, sheet: RateSheet, chunk: AssessmentChunk) -> dict:
    period = Period.from_int(run.period)
    return {
        "lo": chunk.lo,
        "hi": chunk.hi,
        "period": run.period,
        "base_year": sheet.base_year(run.period),
        "first_day": period.first_day(),
        "last_day": period.last_day(),
        "region": selectors.region_prefix(run.region_code) + "%",
        "run": run.pk,
    }


_DELETE_CHUNK = (
    f"DELETE FROM {ContributionLine._meta.db_table} "  # noqa: S608 - constant identifiers
    "WHERE period = %(period)s AND person_id >= %(lo)s AND person_id < %(hi)s "
    "AND kind = 'normal' AND region_code LIKE %(region)s"
)


_PAYER_TYPE = "CASE WHEN employer_id IS NULL THEN 'person' ELSE 'employer' END"
_PAYER_ID = "COALESCE(employer_id, person_id)"



def _chunk_sums(table: str = ContributionLine._meta.db_table, *, where: str = "") -> str:
    """The chunk's lines in ``table`` summed per payer and kind (``where``: more terms)."""
    return (
        f"SELECT {_PAYER_TYPE} AS payer_type, {_PAYER_ID} AS payer_id, kind, MIN(region_code) AS region_code, "  # noqa: S608
        f"SUM(employer_fen) AS er, SUM(individual_fen) AS ee, COUNT(*) AS n FROM {table} "
        "WHERE period = %(period)s AND person_id >= %(lo)s AND person_id < %(hi)s AND region_code LIKE %(region)s"
        f"{where} GROUP BY {_PAYER_TYPE}, {_PAYER_ID}, kind"
    )


# The chunk's lines of every kind (normal, back-payment…) summed per payer and kind.
_CHUNK_SUMS = _chunk_sums()
# Only the lines of other kinds than the assessment's own: the term is the partial
# index's condition word for word, which is how SQLite recognises that it may use it.
_OTHER_KINDS_SUMS = _chunk_sums(where=""" AND NOT ("kind" = 'normal')""")
_PART_INSERT = (
    f"INSERT INTO {BillPart._meta.db_table} "  # noqa: S608 - constant identifiers
    "(chunk_id, payer_type, payer_id, kind, region_code, employer_fen, individual_fen, lines) "
    "SELECT %(chunk)s, payer_type, payer_id, kind, region_code, er, ee, n FROM "
)
# SQLite (one writer, no data-modifying CTE): every payer's sums become parts.
_PARTS_CHUNK = f"{_PART_INSERT}({_CHUNK_SUMS}) s"

# PostgreSQL: the chunk's sums are read once (a materialised CTE) and split: a flexible
# worker's lines all lie in one chunk (the payer is the person), so their bills are final
# here and are written by the chunk itself, in parallel with the other chunks; only the
# employers' sums, which span chunks, go to ``BillPart`` for ``_bills``.
_PERSON_BILLS_EXIST = (
    f"SELECT 1 FROM {Bill._meta.db_table} WHERE period = %(period)s AND payer_type = 'person' "  # noqa: S608
    "AND payer_id >= %(lo)s AND payer_id < %(hi)s LIMIT 1"
)


def _parts_and_person_bills_sql(*, upsert: bool) -> str:
    bill = Bill._meta.db_table
    return (
        f"""WITH agg AS MATERIALIZED ({_CHUNK_SUMS}),
        person_bills AS (
          INSERT INTO {bill} (period, payer_type, payer_id, kind, region_code, employer_fen, individual_fen,
                 total_fen, paid_fen, lines, status, due_date, run_id, updated_at)
          SELECT %(period)s, payer_type, payer_id, kind, region_code, er, ee, er + ee, 0, n, 'open',
                 %(due)s, %(run)s, %(now)s
          FROM agg WHERE payer_type = 'person'"""  # noqa: S608 - constant identifiers
        + (_BILL_UPSERT.format(bill=bill) if upsert else "")
        + f"""
        )
        {_PART_INSERT}agg WHERE payer_type = 'employer'"""
    )


def _rowcount(cursor) -> int:
    """Rows the last statement wrote (Python's sqlite3 reports -1 after WITH … INSERT)."""
    if cursor.rowcount >= 0:
        return cursor.rowcount
    cursor.execute("SELECT changes()")
    return cursor.fetchone()[0]


def _run_chunk(run: AssessmentRun, sheet: RateSheet, sql: str, chunk: AssessmentChunk) -> int:
    params = _chunk_params(run, sheet, chunk)
    with transaction.atomic():
        batch_transaction_tune()
        with connection.cursor() as cursor:
            cursor.execute(_DELETE_CHUNK, params)
            cursor.execute(sql, params)
            written = _rowcount(cursor)
            cursor.execute(f"DELETE FROM {BillPart._meta.db_table} WHERE chunk_id = %s", [chunk.pk])  # noqa: S608
            if connection.vendor == "postgresql":
                cursor.execute(_PERSON_BILLS_EXIST, params)
                upsert = cursor.fetchone() is not None
                cursor.execute(
                    _parts_and_person_bills_sql(upsert=upsert),
                    {**params, "chunk": chunk.pk, "due": due_date(period=run.period, due_day=sheet.due_day),
                     "now": timezone.now()},
                )  # fmt: skip
            else:
                cursor.execute(_PARTS_CHUNK, {**params, "chunk": chunk.pk})
        AssessmentChunk.objects.filter(pk=chunk.pk).update(lines=written, done_at=timezone.now())
        AssessmentRun.objects.filter(pk=run.pk).update(chunks_done=F("chunks_done") + 1)
    return written


def _claim_and_run(run: AssessmentRun, sheet: RateSheet, sql: str) -> bool:
    """Claim the next unfinished chunk with a row lock (SKIP LOCKED: a chunk another worker
    holds is passed over) and run it inside the same transaction. A worker that dies
    releases its lock with its transaction, so nothing is ever left claimed."""
    with transaction.atomic():
        chunk = (
            AssessmentChunk.objects.select_for_update(skip_locked=True)
            .filter(run_id=run.pk, done_at__isnull=True)
            .order_by("lo")
            .first()
        )
        if chunk is None:
            return False
        _run_chunk(run, sheet, sql, chunk)
    return True


def assessment_workers(requested: int | None = None) -> int:
    """Connections that compute chunks at once: ``requested`` or the number of CPUs, at
    most 8. On PostgreSQL each computes and writes its chunks; on SQLite (one writer)
    they compute into scratch files for the one writer (``pipeline``), which needs a
    database file. One inside an enclosing transaction (other connections could not see
    its rows) and on an in-memory SQLite database."""
    if connection.in_atomic_block:
        return 1
    if connection.vendor == "sqlite" and not pipeline.usable():
        return 1
    return max(1, min(int(requested or os.cpu_count() or 1), 8))


def _run_chunks_pipelined(run: AssessmentRun, sheet: RateSheet, workers: int, progress: Progress | None) -> None:
    """SQLite: ``workers`` threads compute chunks into scratch files, this one writes them."""
    scratch_line = f"{pipeline.SCRATCH}.line"
    pipeline.run_chunks(
        run=run,
        workers=workers,
        chunk_sql=_chunk_sql(sheet, into=scratch_line),
        sums_sql=_chunk_sums(scratch_line),
        delete_sql=_DELETE_CHUNK,
        other_sums_sql=_OTHER_KINDS_SUMS,
        params_for=lambda chunk: _chunk_params(run, sheet, chunk),
        progress=progress,
    )


def _run_chunks_parallel(
    run: AssessmentRun, sheet: RateSheet, sql: str, workers: int, progress: Progress | None
) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while not errors and _claim_and_run(run, sheet, sql):
                pass
        except BaseException as exc:  # re-raised in the calling thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, name=f"assess-{run.pk}-{i}", daemon=True) for i in range(workers)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        for thread in threads:
            thread.join(timeout=0.5)
        if progress is not None:
            run.refresh_from_db()
            progress(run)
    if errors:
        raise errors[0]


def _provisional_lines(run: AssessmentRun) -> None:
    line = ContributionLine._meta.db_table
    params = {
        "period": run.period,
        "prev": int(Period.from_int(run.period) - 1),
        "region": selectors.region_prefix(run.region_code) + "%",
        "run": run.pk,
    }
    with connection.cursor() as cursor:
        # Provisional lines are the only ones without a person: an index range, not a scan.
        cursor.execute(
            f"DELETE FROM {line} WHERE period = %(period)s AND person_id IS NULL "  # noqa: S608
            "AND kind = 'provisional' AND region_code LIKE %(region)s",
            params,
        )
        if not ProvisionalEmployer.objects.filter(run_id=run.pk).exists():
            return
        cursor.execute(
            f"""INSERT INTO {line} (period, person_id, insurance, employer_id, region_code, kind, base_fen,
                   employer_ppm, individual_ppm, employer_fen, individual_fen, run_id)
            SELECT %(period)s, NULL, l.insurance, l.employer_id, MIN(l.region_code), 'provisional', NULL, 0, 0,
                   (SUM(l.employer_fen) * 11 + 5) / 10, (SUM(l.individual_fen) * 11 + 5) / 10, %(run)s
            FROM {line} l
            WHERE l.period = %(prev)s AND l.kind IN ('normal', 'provisional')
              AND l.employer_id IN (SELECT pe.employer_id FROM {ProvisionalEmployer._meta.db_table} pe
                                    WHERE pe.run_id = %(run)s)
            GROUP BY l.employer_id, l.insurance""",  # noqa: S608 - constant identifiers
            params,
        )


# A rerun's bills: the new sums replace the old, the status follows what was paid.
_BILL_UPSERT = """
            ON CONFLICT (period, payer_type, payer_id, kind) DO UPDATE SET
                region_code = excluded.region_code, employer_fen = excluded.employer_fen,
                individual_fen = excluded.individual_fen, total_fen = excluded.total_fen, lines = excluded.lines,
                due_date = excluded.due_date, run_id = excluded.run_id, updated_at = excluded.updated_at,
                status = CASE WHEN {bill}.paid_fen >= excluded.total_fen THEN 'paid'
                              WHEN {bill}.paid_fen > 0 THEN 'partial' ELSE 'open' END"""


def _bills(run: AssessmentRun, sheet: RateSheet) -> None:
    line, bill = ContributionLine._meta.db_table, Bill._meta.db_table
    params = {
        "period": run.period,
        "region": selectors.region_prefix(run.region_code) + "%",
        "run": run.pk,
        "due": due_date(period=run.period, due_day=sheet.due_day),
        "now": timezone.now(),
    }
    span = run.chunks.aggregate(lo=Min("lo"), hi=Max("hi"))
    params["lo"], params["hi"] = span["lo"] or 0, span["hi"] or 0
    part, chunk = BillPart._meta.db_table, AssessmentChunk._meta.db_table
    # Lines outside the chunks' person ranges: provisional lines (no person) and lines of
    # persons registered after the run started. Three index ranges, never a scan.
    outside = " UNION ALL ".join(
        f"SELECT {_PAYER_TYPE} AS payer_type, {_PAYER_ID} AS payer_id, kind, region_code, employer_fen, "  # noqa: S608
        f"individual_fen, 1 AS lines FROM {line} WHERE period = %(period)s AND region_code LIKE %(region)s AND {cond}"
        for cond in ("person_id IS NULL", "person_id < %(lo)s", "person_id >= %(hi)s")
    )
    with connection.cursor() as cursor:
        # While a period has no bill that this step could meet (its first run: none but the
        # flexible workers' bills the chunks wrote), there is nothing to update: a plain
        # insert, which on PostgreSQL costs a quarter less than ON CONFLICT's speculative
        # insertion. A bill written meanwhile by another path fails the run on the unique
        # index (nothing is half-written) and the rerun takes the upsert.
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""SELECT 1 FROM {bill} WHERE period = %(period)s AND payer_type = 'employer'
                UNION ALL SELECT 1 FROM {bill} WHERE period = %(period)s AND payer_type = 'person' AND payer_id < %(lo)s
                UNION ALL SELECT 1 FROM {bill} WHERE period = %(period)s AND payer_type = 'person' AND payer_id >= %(hi)s
                LIMIT 1""",  # noqa: S608 - constant identifiers
                params,
            )
        else:
            cursor.execute(f"SELECT 1 FROM {bill} WHERE period = %(period)s LIMIT 1", params)  # noqa: S608
        fresh = cursor.fetchone() is None
        cursor.execute(
            f"""INSERT INTO {bill} (period, payer_type, payer_id, kind, region_code, employer_fen, individual_fen,
                   total_fen, paid_fen, lines, status, due_date, run_id, updated_at)
            SELECT %(period)s, l.payer_type, l.payer_id, l.kind, MIN(l.region_code),
                   SUM(l.employer_fen), SUM(l.individual_fen), SUM(l.employer_fen) + SUM(l.individual_fen),
                   0, SUM(l.lines), 'open', %(due)s, %(run)s, %(now)s
            FROM (SELECT payer_type, payer_id, kind, region_code, employer_fen, individual_fen, lines FROM {part}
                  WHERE chunk_id IN (SELECT c.id FROM {chunk} c WHERE c.run_id = %(run)s)
                  UNION ALL {outside}) l
            WHERE l.payer_id IS NOT NULL
            GROUP BY l.payer_type, l.payer_id, l.kind"""  # noqa: S608
            + ("" if fresh else _BILL_UPSERT.format(bill=bill)),
            params,
        )
        # Bills of this period and region that no line supports any more (everyone left).
        cursor.execute(
            f"""UPDATE {bill} SET employer_fen = 0, individual_fen = 0, total_fen = 0, lines = 0,
                   status = CASE WHEN paid_fen > 0 THEN 'paid' ELSE 'void' END, run_id = %(run)s, updated_at = %(now)s
            WHERE period = %(period)s AND region_code LIKE %(region)s AND run_id <> %(run)s""",  # noqa: S608
            params,
        )
        cursor.execute(
            f"DELETE FROM {part} WHERE chunk_id IN (SELECT c.id FROM {chunk} c WHERE c.run_id = %(run)s)",  # noqa: S608
            params,
        )


def _finish(run: AssessmentRun, sheet: RateSheet) -> None:
    with transaction.atomic():
        batch_transaction_tune()
        _provisional_lines(run)
        _bills(run, sheet)
        collection.bills_release_overpayment(period=run.period, run_id=run.pk)
        collection.credits_apply_after_assessment(period=run.period, run_id=run.pk)
        bills = Bill.objects.filter(period=run.period, run_id=run.pk).exclude(status=BillStatus.VOID)
        totals = {"bills": 0, "lines": 0, "er": 0, "ee": 0}
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*), COALESCE(SUM(lines), 0), COALESCE(SUM(employer_fen), 0), "  # noqa: S608
                f"COALESCE(SUM(individual_fen), 0) FROM {Bill._meta.db_table} WHERE period = %s AND run_id = %s "
                "AND status <> 'void'",
                [run.period, run.pk],
            )
            totals["bills"], totals["lines"], totals["er"], totals["ee"] = cursor.fetchone()
        del bills
        AssessmentRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE,
            finished_at=timezone.now(),
            lines=totals["lines"],
            bills=totals["bills"],
            employer_fen=totals["er"],
            individual_fen=totals["ee"],
            error="",
        )
        audit_record(
            action="assessment.done", object_type="assessment_run", object_id=run.pk,
            after={
                "period": run.period, "region": run.region_code, "bills": totals["bills"],
                "lines": totals["lines"], "employer_fen": totals["er"], "individual_fen": totals["ee"],
            },
        )


def assessment_execute(*, run_id: int, progress: Progress | None = None, workers: int | None = None) -> AssessmentRun:
    """Process the run's remaining chunks, then provisional lines, bills and totals.

    On PostgreSQL the chunks are shared out among ``workers`` connections (default: one
    per CPU, see ``assessment_workers``); the result is the same whatever their number."""
    run = AssessmentRun.objects.get(pk=run_id)
    if run.status == RunStatus.DONE:
        return run
    batch_connection_tune()
    sheet = _sheet(run)
    sql = _chunk_sql(sheet)
    AssessmentRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=run.started_at or timezone.now())
    try:
        n = assessment_workers(workers)
        if n > 1 and connection.vendor == "sqlite":
            _run_chunks_pipelined(run, sheet, n, progress)
        elif n > 1:
            _run_chunks_parallel(run, sheet, sql, n, progress)
        else:
            for chunk in run.chunks.filter(done_at__isnull=True).order_by("lo"):
                _run_chunk(run, sheet, sql, chunk)
                if progress is not None:
                    run.refresh_from_db()
                    progress(run)
        _finish(run, sheet)
    except Exception as exc:
        AssessmentRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    run.refresh_from_db()
    return run


def assess(
    *,
    actor,
    period: object,
    region_code: str,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
    workers: int | None = None,
):
    """Start (or resume) and execute a run in this process."""
    run = assessment_start(actor=actor, period=period, region_code=region_code, chunk_size=chunk_size)
    return assessment_execute(run_id=run.pk, progress=progress, workers=workers)


def assessment_rerun(*, actor, period: object, region_code: str, chunk_size: int = DEFAULT_CHUNK) -> AssessmentRun:
    """A fresh run of an already assessed period (after a correction): a new run record
    whose chunks rewrite the period's lines and bills; identical inputs give identical
    results."""
    return assessment_start(actor=actor, period=period, region_code=region_code, chunk_size=chunk_size)


LINE_KINDS = tuple(LineKind)
