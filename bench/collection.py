"""Collection-result import benchmark: ``payments_import_csv`` of a bank file paying
100,000–200,000 open bills (full, partial, over, late and named-period payments, some
payers twice), on SQLite and PostgreSQL, against the row-by-row import it replaced; and
the standing credit applied after an assessment, in bulk against one payer
at a time.

    .venv/bin/python bench/collection.py                          # 200,000 rows, both databases
    .venv/bin/python bench/collection.py --rows 100000 --only sqlite
    .venv/bin/python bench/collection.py --old-rows 0             # no row-by-row comparison
    .venv/bin/python bench/collection.py --only postgresql --skip-seed --dry   # again, nothing kept

Each database is its own (var/bench-collect.sqlite3; PostgreSQL database
shebao_bench_collect on 127.0.0.1:5432), seeded with ``seed_demo`` (persons enough for
the rows: about a quarter are flexible workers with their own bills), the demo parameter
bundle, a monthly declaration of every employer and ``manage.py assess`` of 2026-01 …
2026-04. The file (UTF-8, shuffled, seeded) is built from the open bills: 50 % paid in full
on time, 12 % in part (half of them paid off by a second, late row), 13 % over-paid, 20 %
late, 5 % naming their period.

Timed in one process after Django's start-up (bench/collection.py --worker), the tables
analysed first (and on PostgreSQL vacuumed of what the rolled-back runs left, autovacuum's
work in production):
(1) the row-by-row import (``payments_import_csv`` of git revision ``--old-rev``, the last
    one with the per-row path) and the bulk import on the same first ``--old-rows`` rows,
    each in a transaction rolled back;
(2) the whole file through ``payments_import_csv`` (committed unless ``--dry``), with the
    time spent in the audit trail, and a check of the books afterwards (allocations =
    allocated, = paid, no cent lost);
(3) credit: bills of a new period for every payer left with credit (rolled back), then
    ``credits_apply_after_assessment`` in bulk against one payer at a time on
    the first ``--old-rows // 5`` payers (extrapolated).

Results: a table on stdout and JSON in bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as common  # noqa: E402 - bench/run.py: environment, machine, keys

ROOT = common.ROOT
PERIODS = (202601, 202602, 202603, 202604)
TARGET_SECONDS = 60.0  # for 200,000 rows
SQLITE_URL = "sqlite:///var/bench-collect.sqlite3"
SQLITE_PATH = ROOT / "var" / "bench-collect.sqlite3"
PG_DB = "shebao_bench_collect"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
KEYS = ROOT / "bench" / "results" / ".bench_collect_keys.json"
OLD_REV = "990aaeb"  # the last commit whose payments_import_csv recorded row by row

DECLARE_ALL = f"""
from django.utils import timezone
from shebao.contributions.models import MonthlyDeclaration
from shebao.register.sources import employer_ids
now = timezone.now()
MonthlyDeclaration.objects.bulk_create(
    [MonthlyDeclaration(employer_id=e, period=p, headcount=0, declared_at=now, declared_by='bench')
     for p in {PERIODS!r} for e in employer_ids()], batch_size=5000, ignore_conflicts=True)
"""


def prepare(env: dict, persons: int) -> None:
    common.manage(env, "migrate", "--noinput", "-v", "0")
    common.manage(env, "seed_demo", "--persons", str(persons), "--employers", str(max(1, persons // 50)), "-v", "0")
    common.manage(env, "load_parameters")
    common.manage(env, "shell", "-c", DECLARE_ALL)
    for period in PERIODS:
        common.manage(env, "assess", "--period", str(period), "-v", "0")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows in the file (≤ 200,000)")
    parser.add_argument("--persons", type=int, default=None, help="persons to seed (default: enough for --rows)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the databases of the last --dry run")
    parser.add_argument("--dry", action="store_true", help="roll the whole import back (the database can be reused)")
    parser.add_argument("--old-rows", type=int, default=5_000, help="rows for the row-by-row comparison (0: none)")
    parser.add_argument("--old-rev", default=OLD_REV, help="git revision of the row-by-row import")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    persons = args.persons or max(20_000, int(args.rows * 1.06 / len(PERIODS) / 0.26))
    results = common.results_start()
    table = []
    for backend in args.only or ["sqlite", "postgresql"]:
        if backend == "postgresql" and not common.postgresql_reachable():
            table.append((f"import {backend}", "skipped (PostgreSQL unreachable)", "", ""))
            continue
        env = common.bench_env(
            PG_URL if backend == "postgresql" else SQLITE_URL,
            common.bench_keys(KEYS, backend=backend, reuse=args.skip_seed),
        )
        if not args.skip_seed:
            print(f"== {backend}: fresh database, {persons:,} persons, assess {PERIODS}", file=sys.stderr)
            common.fresh_database(backend, sqlite_path=SQLITE_PATH, pg_db=PG_DB)
            t0 = time.perf_counter()
            prepare(env, persons)
            print(f"   prepared in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        print(f"== {backend}: import {args.rows:,} rows", file=sys.stderr)
        out = subprocess.run(
            [common.PYTHON, str(Path(__file__).resolve()), "--worker", str(ROOT), "--rows", str(args.rows),
             "--old-rows", str(args.old_rows), "--old-rev", args.old_rev, *(["--dry"] if args.dry else [])],
            cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True,
        )
        res = json.loads(out.stdout.strip().splitlines()[-1])
        results[backend] = res
        full = res["import"]
        target = TARGET_SECONDS * full["rows"] / 200_000
        table.append((f"import {backend}: {full['rows']:,} rows ({full['payers']:,} payers)",
                      f"{full['seconds']:.1f} s", f"≤ {target:.3g} s", f"{full['rows_per_s']:,.0f}/s"))
        table.append((f"  of which the audit trail ({full['rows'] + 1:,} entries: hashing, audit_batch's insert)",
                      f"{full['audit_seconds']:.1f} s", "", ""))
        table.append((f"  allocations {full['allocations']:,}, late fees {full['late_fees']:,}, "
                      f"books balance: {full['books_ok']}", "", "", ""))
        table.append((f"  worker peak RSS {res['max_rss_mib']:,.0f} MiB (file built: "
                      f"{res['max_rss_before_import_mib']:,.0f} MiB)", "", "", ""))
        if "old" in res:
            old, new = res["old"], res["new_slice"]
            table.append((f"  row-by-row import, first {old['rows']:,} rows (rolled back)", f"{old['seconds']:.1f} s",
                          "", f"{old['rows_per_s']:,.0f}/s"))
            table.append((f"  bulk import, same rows (rolled back): {old['seconds'] / new['seconds']:.1f}× faster",
                          f"{new['seconds']:.1f} s", "", f"{new['rows_per_s']:,.0f}/s"))
        if "credit" in res:
            c = res["credit"]
            table.append((f"credit after assessment {backend}: {c['payers']:,} payers, bulk",
                          f"{c['bulk_seconds']:.2f} s", "", f"{c['payers'] / max(c['bulk_seconds'], 1e-9):,.0f}/s"))
            if c.get("one_by_one_payers"):
                rate = c["one_by_one_payers"] / c["one_by_one_seconds"]
                table.append((f"  one payer at a time ({c['one_by_one_payers']:,} payers; "
                              f"all: ≈ {c['payers'] / rate:.1f} s)", f"{c['one_by_one_seconds']:.2f} s", "", f"{rate:,.0f}/s"))
    results["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    print(f"{'benchmark':<78} {'result':>9} {'target':>9} {'rate':>10}")
    print("-" * 110)
    for name, value, target, rate in table:
        print(f"{name:<78} {value:>9} {target:>9} {rate:>10}")
    path = common.RESULTS / f"collect-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"\nresults: {path.relative_to(ROOT)}")
    return 0


# --- the timed part, in one Django process -----------------------------------------------------


def collection_file(wanted: int) -> tuple[bytes, int]:
    """A bank file paying the open bills of PERIODS (module doc); also the number of open bills."""
    import random

    from django.utils import timezone

    from shebao.contributions.codes import PayerType
    from shebao.contributions.models import Bill
    from shebao.register.models import Employer, Person

    rng = random.Random(2026)
    today = timezone.localdate()
    bills = list(
        Bill.objects.filter(period__in=PERIODS, status="open")
        .order_by("id")
        .values_list("payer_type", "payer_id", "period", "total_fen", "due_date")
    )
    rng.shuffle(bills)
    employers = {b[1] for b in bills if b[0] == PayerType.EMPLOYER}
    persons = {b[1] for b in bills if b[0] == PayerType.PERSON}
    code = {("employer", pk): uscc for pk, uscc in Employer.objects.filter(id__in=employers).values_list("id", "uscc")}
    for start in range(0, len(persons), 20_000):  # decrypts the ID numbers
        chunk = sorted(persons)[start:start + 20_000]
        code.update({("person", pk): n for pk, n in Person.objects.filter(id__in=chunk).values_list("id", "id_number")})

    def day(value: dt.date) -> str:
        return min(value, today).strftime("%Y%m%d")

    rows: list[str] = []
    later: list[str] = []
    for kind, pid, period, total, due in bills:
        if len(rows) + len(later) >= wanted:
            break
        who = code[(kind, pid)]
        r = rng.random()
        named = ""
        if r < 0.50:  # in full, on time
            fen, on = total, due - dt.timedelta(days=rng.randint(0, 10))
        elif r < 0.62:  # in part, on time; half of them paid off later by a second row
            fen, on = max(1, int(total * rng.uniform(0.2, 0.9))), due - dt.timedelta(days=rng.randint(0, 10))
            if rng.random() < 0.5:
                later.append(f"L{len(later)},{who},{(total - fen) / 100:.2f},{day(due + dt.timedelta(days=rng.randint(5, 60)))},")
        elif r < 0.75:  # over-paid: the rest goes to later bills or is held as credit
            fen, on = int(total * rng.uniform(1.05, 1.6)), due - dt.timedelta(days=rng.randint(0, 10))
        elif r < 0.95:  # late: principal (and part of the late fee)
            fen, on = int(total * rng.choice([1.0, 1.0, 1.01])), due + dt.timedelta(days=rng.randint(1, 90))
        else:  # naming its period
            fen, on, named = total, due - dt.timedelta(days=rng.randint(0, 10)), str(period)
        rows.append(f"R{len(rows)},{who},{fen / 100:.2f},{day(on)},{named}")
    rows.extend(later)
    rng.shuffle(rows)
    rows = rows[:wanted]
    return ("external_ref,payer,amount,paid_on,period\n" + "\n".join(rows) + "\n").encode(), len(bills)


def worker(args) -> int:
    import resource
    import types

    sys.path.insert(0, str(args.worker))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.config.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from shebao.contributions import collection
    from shebao.kernel.audit import audit_context
    from shebao.kernel.models import AuditEntry
    from shebao.register.access import SYSTEM_ACTOR

    data, open_bills = collection_file(args.rows)
    rows = data.decode().splitlines()[1:]
    result: dict = {"file_bytes": len(data), "open_bills": open_bills}

    class Rollback(Exception):
        pass

    def timed(fn, *, keep: bool, after=None) -> tuple[float, object, object]:
        """Seconds of ``fn()`` — in its own transactions (committed), or inside one rolled
        back — and what ``after()`` finds before any rollback."""
        found = None
        with audit_context(actor_label="bench/collection.py"):
            if keep:
                started = time.perf_counter()
                value = fn()
                seconds = time.perf_counter() - started
                return seconds, value, after() if after else None
            try:
                with transaction.atomic():
                    started = time.perf_counter()
                    value = fn()
                    seconds = time.perf_counter() - started
                    found = after() if after else None
                    raise Rollback
            except Rollback:
                pass
            return seconds, value, found

    def settle() -> None:
        """Statistics, and on PostgreSQL no dead rows left by rolled-back runs (autovacuum's work)."""
        with connection.cursor() as c:
            if connection.vendor == "postgresql":
                for table in ("contributions_payment", "contributions_allocation", "contributions_latefee",
                              "contributions_bill", "kernel_auditentry"):
                    c.execute(f"VACUUM ANALYZE {table}")
            else:
                c.execute("ANALYZE")

    def run_import(module, payload: bytes):
        res = module.payments_import_csv(actor=SYSTEM_ACTOR, data=payload, source="bank", filename="bench.csv")
        assert res.ok, [e.message_en for e in res.errors[:5]]
        return res

    def books() -> dict:
        with connection.cursor() as c:
            c.execute(
                "SELECT COUNT(*) FROM contributions_payment p WHERE p.allocated_fen <> "
                "(SELECT COALESCE(SUM(a.amount_fen), 0) FROM contributions_allocation a WHERE a.payment_id = p.id)"
            )
            payments_off = c.fetchone()[0]
            c.execute(
                "SELECT COUNT(*) FROM contributions_bill b WHERE b.paid_fen <> "
                "(SELECT COALESCE(SUM(a.amount_fen), 0) FROM contributions_allocation a WHERE a.bill_id = b.id)"
            )
            bills_off = c.fetchone()[0]
            c.execute("SELECT COALESCE(SUM(amount_fen), 0), COALESCE(SUM(allocated_fen), 0) FROM contributions_payment")
            received, allocated = c.fetchone()
            c.execute("SELECT COALESCE(SUM(amount_fen), 0), COUNT(*) FROM contributions_allocation")
            parts, allocations = c.fetchone()
            c.execute("SELECT COUNT(*) FROM contributions_latefee")
            fees = c.fetchone()[0]
        return {"ok": payments_off == 0 and bills_off == 0 and int(parts) == int(allocated) <= int(received),
                "allocations": allocations, "late_fees": fees, "credit_fen": int(received) - int(allocated)}

    settle()
    if args.old_rows:
        source = subprocess.run(
            ["git", "show", f"{args.old_rev}:shebao/contributions/collection.py"],
            cwd=args.worker, check=True, stdout=subprocess.PIPE, text=True,
        ).stdout
        old = types.ModuleType("collection_row_by_row")
        sys.modules[old.__name__] = old  # dataclasses look their module up
        exec(compile(source, "collection_row_by_row.py", "exec"), old.__dict__)  # noqa: S102 - our own code at a revision
        head, *body = data.decode().splitlines()
        payload = ("\n".join([head, *body[: args.old_rows]]) + "\n").encode()
        n = min(args.old_rows, len(body))
        for name, module in (("old", old), ("new_slice", collection)):
            seconds, _, _ = timed(lambda module=module: run_import(module, payload), keep=False)
            result[name] = {"rows": n, "seconds": round(seconds, 2), "rows_per_s": round(n / seconds, 1)}
        print(f"   row by row {result['old']}, bulk {result['new_slice']}", file=sys.stderr)
        settle()

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    audit_seconds = [0.0]

    def clocked(fn):
        def call(*a, **k):
            started = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                audit_seconds[0] += time.perf_counter() - started
        return call

    # The share of the audit trail (kernel.audit: each entry hashed, then audit_batch's insert).
    collection.audit_record = clocked(collection.audit_record)
    entries = AuditEntry.objects
    entries.bulk_create = clocked(entries.bulk_create)
    seconds, res, check = timed(lambda: run_import(collection, data), keep=not args.dry, after=books)
    del entries.bulk_create
    result["import"] = {
        "rows": res.processed, "payers": len({r.split(",")[1] for r in rows}), "seconds": round(seconds, 2),
        "rows_per_s": round(res.processed / seconds, 1), "total_fen": res.total_fen, "allocated_fen": res.allocated_fen,
        "books_ok": check["ok"], "allocations": check["allocations"], "late_fees": check["late_fees"],
        "credit_fen": check["credit_fen"], "committed": not args.dry, "audit_seconds": round(audit_seconds[0], 2),
    }
    print(f"   import {result['import']}", file=sys.stderr)
    result["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["max_rss_before_import_mib"] = rss_before

    if not args.dry:
        result["credit"] = credit(args, connection, transaction, Rollback, collection)
    print(json.dumps(result))
    return 0


def credit(args, connection, transaction, Rollback, collection) -> dict:
    """Bills of 2026-12 (run id −1, due 2027-01-15) for every payer left with credit, then
    the credit applied in bulk and payer by payer, each rolled back."""

    run_id, period = -1, 202612
    make_bills = f"""
        INSERT INTO contributions_bill (period, payer_type, payer_id, kind, region_code, employer_fen,
            individual_fen, total_fen, paid_fen, lines, status, due_date, run_id, updated_at)
        SELECT {period}, b.payer_type, b.payer_id, 'normal', MIN(b.region_code), MAX(b.employer_fen),
            MAX(b.individual_fen), MAX(b.total_fen), 0, 1, 'open', %s, {run_id}, %s
        FROM contributions_bill b
        WHERE b.period = {PERIODS[-1]} AND EXISTS (
            SELECT 1 FROM contributions_payment p WHERE p.payer_type = b.payer_type AND p.payer_id = b.payer_id
            AND p.allocated_fen < p.amount_fen)
        GROUP BY b.payer_type, b.payer_id"""  # noqa: S608 - constants
    params = [connection.ops.adapt_datefield_value(dt.date(2027, 1, 15)),
              connection.ops.adapt_datetimefield_value(dt.datetime.now(dt.UTC))]
    out: dict = {}
    try:
        with transaction.atomic():
            with connection.cursor() as c:
                c.execute(make_bills, params)
            started = time.perf_counter()
            totals = collection.credits_apply_after_assessment(period=period, run_id=run_id)
            out["bulk_seconds"] = round(time.perf_counter() - started, 3)
            out.update(totals)
            raise Rollback
    except Rollback:
        pass
    limit = args.old_rows // 5
    if limit:
        try:
            with transaction.atomic():
                with connection.cursor() as c:
                    c.execute(make_bills, params)
                    c.execute(f"SELECT payer_type, payer_id FROM contributions_bill WHERE run_id = {run_id} "  # noqa: S608
                              f"ORDER BY payer_type, payer_id LIMIT {limit}")
                    payers = c.fetchall()
                started = time.perf_counter()
                for kind, pid in payers:  # one chunk of one payer each, as payer_credit_apply
                    collection._credit_apply_payers([(kind, pid)])
                out["one_by_one_seconds"] = round(time.perf_counter() - started, 3)
                out["one_by_one_payers"] = len(payers)
                raise Rollback
        except Rollback:
            pass
    print(f"   credit {out}", file=sys.stderr)
    return out


if __name__ == "__main__":
    sys.exit(main())
