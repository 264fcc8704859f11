"""Where one assessment chunk's time goes, on the database ``bench/assessment.py`` left
(PostgreSQL by default): each statement of a chunk is run inside a transaction that is
rolled back, so nothing is written and the variants see the same data.

    .venv/bin/python bench/assessment.py --only postgresql --skip-baseline   # once, to seed
    .venv/bin/python bench/assessment_chunk.py [--chunks 3] [--period 202602]

Variants per chunk: the chunk as the assessment runs it on PostgreSQL (the lines, then
the flexible workers' bills and the employers' parts summed from them); the lines and
every payer's parts (SQLite's statements); the same insert into a
copy of the table with no index, with only the id primary key, and with only the
(period, person_id) index. The differences are what each index costs. A period with no
lines yet (default 202602, declared like 202601) is used so that the chunk writes fresh
rows as the first run of a period does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import assessment as bench_assessment  # noqa: E402
import run as common  # noqa: E402

SCRIPT = r"""
import time
from django.db import connection, transaction
from django.utils import timezone
from shebao.contributions import assessment as A
from shebao.contributions.models import AssessmentChunk, AssessmentRun, ContributionLine, MonthlyDeclaration
from shebao.kernel.audit import audit_context
from shebao.register.access import SYSTEM_ACTOR

PERIOD, CHUNKS = {period}, {chunks}
with connection.cursor() as c:
    c.execute("INSERT INTO contributions_monthlydeclaration (employer_id, period, headcount, declared_at, declared_by) "
              "SELECT employer_id, %s, 0, declared_at, declared_by FROM contributions_monthlydeclaration "
              "WHERE period = %s ON CONFLICT DO NOTHING", [PERIOD, {base_period}])
run = AssessmentRun.objects.filter(period=PERIOD).order_by("-id").first()
if run is None:
    with audit_context(actor_label="bench/assessment_chunk.py"):
        run = A.assessment_start(actor=SYSTEM_ACTOR, period=PERIOD, region_code="{region}")
sheet = A._sheet(run)
sql = A._chunk_sql(sheet)
table = ContributionLine._meta.db_table
chunks = list(AssessmentChunk.objects.filter(run_id=run.pk).order_by("lo"))
middle = len(chunks) // 2
picked = chunks[max(0, middle - CHUNKS // 2): middle - CHUNKS // 2 + CHUNKS]


class Rollback(Exception):
    pass


def timed(steps, prep=()):
    try:
        with transaction.atomic():
            A.batch_transaction_tune()
            with connection.cursor() as c:
                for statement in prep:
                    c.execute(statement)
                t = time.perf_counter()
                for statement, params in steps:
                    c.execute(statement, params)
                elapsed = time.perf_counter() - t
            raise Rollback
    except Rollback:
        return elapsed


copy = f"CREATE TEMP TABLE x_line (LIKE {{table}} INCLUDING DEFAULTS INCLUDING IDENTITY) ON COMMIT DROP"
into_copy = sql.replace(f"INSERT INTO {{table}}", "INSERT INTO x_line")
read_back = A._parts_and_person_bills_sql(upsert=False)
variants = [
    ("lines, then person bills and parts (as assess)", lambda p, pp: [(sql, p), (read_back, pp)], ()),
    ("lines, then every payer's parts (SQLite's)", lambda p, pp: [(sql, p), (A._PARTS_CHUNK, pp)], ()),
    ("insert only, real table", lambda p, pp: [(sql, p)], ()),
    ("insert into a copy with no index", lambda p, pp: [(into_copy, p)], (copy,)),
    ("  with the id primary key only", lambda p, pp: [(into_copy, p)], (copy, "ALTER TABLE x_line ADD PRIMARY KEY (id)")),
    ("  with (period, person_id) only", lambda p, pp: [(into_copy, p)], (copy, "CREATE INDEX ON x_line (period, person_id)")),
]
totals = {{name: 0.0 for name, _, _ in variants}}
for chunk in picked:
    params = A._chunk_params(run, sheet, chunk)
    parts_params = {{**params, "chunk": chunk.pk, "due": A.due_date(period=run.period, due_day=sheet.due_day),
                     "now": timezone.now()}}
    for name, steps, prep in variants:
        totals[name] += timed(steps(params, parts_params), prep)
print(f"{{len(picked)}} chunks of ~{{chunks[0].hi - chunks[0].lo:,}} persons, period {{PERIOD}}, {{connection.vendor}}")
for name, total in totals.items():
    print(f"  {{name:40s}} {{total / len(picked):6.3f}} s per chunk")
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=3)
    parser.add_argument("--period", type=int, default=202602)
    args = parser.parse_args(argv)
    if not common.keys_file(bench_assessment.KEYS, "postgresql").exists():
        print("run bench/assessment.py --only postgresql first (it seeds the database)", file=sys.stderr)
        return 2
    import json

    keys = json.loads(common.keys_file(bench_assessment.KEYS, "postgresql").read_text())
    env = common.bench_env(bench_assessment.PG_URL, keys)
    script = SCRIPT.format(
        period=args.period, chunks=args.chunks, base_period=bench_assessment.PERIOD, region="110000"
    )
    result = common.manage(env, "shell", "-c", script, quiet=True)
    print(result.stdout.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
