"""Payroll benchmark: `manage.py payroll` for 1,000,000 pension payees against the 10 s
target, on SQLite and PostgreSQL (issue 5 §7).

    .venv/bin/python bench/payroll.py                     # 1 M payees, both databases
    .venv/bin/python bench/payroll.py --payees 100000     # smaller
    .venv/bin/python bench/payroll.py --only sqlite --skip-seed

Each database is its own (var/bench-payroll.sqlite3; PostgreSQL database
shebao_bench_payroll on 127.0.0.1:5432), migrated and filled by ``seed_payees`` in
set-based SQL (1 % suspended, 1 % with a back-payment due, 0.1 % with a receivable being
offset). The payroll is timed as the whole command (Django start-up, chunks, bank
batches and the eight bank files with decrypted accounts included), then run again (a
rerun must give identical totals).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as common  # noqa: E402 - bench/run.py: environment, machine, keys

ROOT = common.ROOT
PERIOD = 202601
TARGET_SECONDS = 10.0
SQLITE_URL = "sqlite:///var/bench-payroll.sqlite3"
SQLITE_PATH = ROOT / "var" / "bench-payroll.sqlite3"
PG_DB = "shebao_bench_payroll"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
KEYS = ROOT / "bench" / "results" / ".bench_payroll_keys.json"
VAR = ROOT / "var" / "bench-payroll"


def fresh(backend: str) -> None:
    common.fresh_database(backend, sqlite_path=SQLITE_PATH, pg_db=PG_DB)


SUMMARY = f"""
import json, datetime as dt
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM payroll_payment WHERE period = %s", [{PERIOD}])
    payments = c.fetchone()
    c.execute("SELECT COUNT(*), COALESCE(SUM(count), 0), COALESCE(SUM(total_fen), 0) FROM payroll_bankbatch "
              "WHERE run_id = (SELECT MAX(id) FROM payroll_payrollrun)")
    batches = c.fetchone()
    c.execute("SELECT started_at, finished_at, payees FROM payroll_payrollrun ORDER BY id DESC LIMIT 1")
    run = c.fetchone()
def ts(v):
    return v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(str(v))
print(json.dumps({{"payments": payments[0], "total_fen": int(payments[1]), "batches": batches[0],
                  "file_lines": int(batches[1]), "batches_fen": int(batches[2]), "payees": run[2],
                  "run_seconds": (ts(run[1]) - ts(run[0])).total_seconds()}}))
"""  # noqa: S608 - a constant script for manage.py shell


def timed_payroll(env: dict) -> dict:
    started = time.perf_counter()
    common.manage(env, "payroll", "--period", str(PERIOD), "-v", "0")
    seconds = time.perf_counter() - started
    summary = json.loads(common.manage(env, "shell", "-c", SUMMARY).stdout.strip().splitlines()[-1])
    return {"seconds": round(seconds, 2), **summary}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payees", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the databases of the last run")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    results = common.results_start(payees_seeded=args.payees)
    rows, missed = [], False
    for backend in args.only or ["sqlite", "postgresql"]:
        if backend == "postgresql" and not common.postgresql_reachable():
            rows.append((f"payroll {backend}", "skipped (PostgreSQL unreachable)", "", ""))
            continue
        env = {
            **common.bench_env(
            PG_URL if backend == "postgresql" else SQLITE_URL,
            common.bench_keys(KEYS, backend=backend, reuse=args.skip_seed),
        ),
            "SHEBAO_VAR_DIR": str(VAR / backend),
        }
        if not args.skip_seed:
            print(f"== {backend}: fresh database, {args.payees:,} payees", file=sys.stderr)
            fresh(backend)
            t0 = time.perf_counter()
            common.manage(env, "migrate", "--noinput", "-v", "0")
            common.manage(env, "seed_payees", "--count", str(args.payees))
            print(f"   prepared in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        print(f"== {backend}: manage.py payroll --period {PERIOD}", file=sys.stderr)
        first = timed_payroll(env)
        again = timed_payroll(env)
        same = (first["payments"], first["total_fen"], first["batches_fen"]) == (
            again["payments"],
            again["total_fen"],
            again["batches_fen"],
        )
        results[backend] = {
            "payroll": first,
            "rerun": again,
            "rerun_identical": same,
            "batches_equal_payments": first["batches_fen"] == first["total_fen"],
        }
        ratio = TARGET_SECONDS / first["seconds"]
        missed |= ratio < 1 or not same
        rows.append(
            (
                f"payroll {backend}: {first['payees']:,} payees, {first['payments']:,} payments",
                f"{first['seconds']:.1f} s",
                f"≤ {TARGET_SECONDS:.0f} s",
                f"{ratio:.2f}×",
            )
        )
        rows.append(("  of which the run itself (start → finish)", f"{first['run_seconds']:.1f} s", "", ""))
        rows.append(
            (
                f"  rerun (identical totals: {same}; batches = payments: "
                f"{first['batches_fen'] == first['total_fen']})",
                f"{again['seconds']:.1f} s",
                "",
                "",
            )
        )
    results["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    print(f"{'benchmark':<62} {'result':>10} {'target':>16} {'ratio':>7}")
    print("-" * 98)
    for name, value, target, ratio in rows:
        print(f"{name:<62} {value:>10} {target:>16} {ratio:>7}")
    out = common.RESULTS / f"payroll-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"\nresults: {out.relative_to(ROOT)}")
    return 1 if (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
