"""Assessment benchmark: `manage.py assess` over 1,000,000 insured persons (≈ 5 M lines)
against the 15 s target, on SQLite and PostgreSQL, and the ratio against a plain Django
``bulk_create`` implementation of the same computation (goal ≥ 10×).

    .venv/bin/python bench/assessment.py                       # 1 M persons, both databases
    .venv/bin/python bench/assessment.py --persons 100000      # smaller
    .venv/bin/python bench/assessment.py --only sqlite --skip-seed
    .venv/bin/python bench/assessment.py --baseline-persons 100000   # baseline on a slice (extrapolated)

Each database is its own (var/bench-assess.sqlite3; PostgreSQL database
shebao_bench_assess on 127.0.0.1:5432), seeded with ``seed_demo`` and the demo parameter
bundle; every employer has its monthly declaration, so every line is a normal one. The
assessment is timed as the whole command (Django start-up included) and as the run's own
start→finish; the baseline is the same computation written the obvious way: ORM
iterators, Python arithmetic with the rule kernels, ``bulk_create`` of the lines and an
ORM aggregate per bill. Both results are compared line total by line total.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as common  # noqa: E402 - bench/run.py: environment, machine, keys

ROOT = common.ROOT
PERIOD = 202601
TARGET_SECONDS = 15.0
TARGET_RATIO = 10.0
SQLITE_URL = "sqlite:///var/bench-assess.sqlite3"
SQLITE_PATH = ROOT / "var" / "bench-assess.sqlite3"
PG_DB = "shebao_bench_assess"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
KEYS = ROOT / "bench" / "results" / ".bench_assess_keys.json"


def fresh(backend: str) -> None:
    common.fresh_database(backend, sqlite_path=SQLITE_PATH, pg_db=PG_DB)


def prepare(env: dict, persons: int) -> None:
    common.manage(env, "migrate", "--noinput", "-v", "0")
    common.manage(
        env, "seed_demo", "--persons", str(persons), "--employers", str(max(1, persons // 50)), "-v", "0"
    )
    common.manage(env, "load_parameters")
    common.manage(env, "shell", "-c", DECLARE_ALL)


DECLARE_ALL = f"""
from django.db import connection
from django.utils import timezone
from shebao.contributions.models import MonthlyDeclaration
from shebao.register.sources import employer_ids
now = timezone.now()
MonthlyDeclaration.objects.bulk_create(
    [MonthlyDeclaration(employer_id=e, period={PERIOD}, headcount=0, declared_at=now, declared_by='bench')
     for e in employer_ids()], batch_size=5000, ignore_conflicts=True)
"""

SUMMARY = f"""
import json
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT COUNT(*), COALESCE(SUM(employer_fen),0), COALESCE(SUM(individual_fen),0) "
              "FROM contributions_contributionline WHERE period = %s", [{PERIOD}])
    lines = c.fetchone()
    c.execute("SELECT COUNT(*), COALESCE(SUM(total_fen),0) FROM contributions_bill WHERE period = %s "
              "AND status <> 'void'", [{PERIOD}])
    bills = c.fetchone()
    c.execute("SELECT started_at, finished_at FROM contributions_assessmentrun ORDER BY id DESC LIMIT 1")
    run = c.fetchone()
import datetime as dt
def ts(v):
    return v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(str(v))
print(json.dumps({{"lines": lines[0], "employer_fen": int(lines[1]), "individual_fen": int(lines[2]),
                  "bills": bills[0], "bills_total_fen": int(bills[1]),
                  "run_seconds": (ts(run[1]) - ts(run[0])).total_seconds() if run and run[0] and run[1] else None}}))
"""  # noqa: S608 - a constant script for manage.py shell


def timed_assess(env: dict) -> dict:
    started = time.perf_counter()
    common.manage(env, "assess", "--period", str(PERIOD), "-v", "0")
    seconds = time.perf_counter() - started
    summary = json.loads(common.manage(env, "shell", "-c", SUMMARY).stdout.strip().splitlines()[-1])
    return {"seconds": round(seconds, 2), **summary}


def timed_baseline(env: dict, limit: int | None) -> dict:
    out = subprocess.run(
        [common.PYTHON, str(ROOT / "bench" / "assessment_baseline.py"), str(PERIOD), str(limit or 0)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the databases of the last run")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--baseline-persons",
        type=int,
        default=None,
        help="run the bulk_create baseline on the first N persons only and extrapolate (default: all)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    results = common.results_start()
    rows = []
    missed = False
    for backend in args.only or ["sqlite", "postgresql"]:
        if backend == "postgresql" and not common.postgresql_reachable():
            rows.append((f"assess {backend}", "skipped (PostgreSQL unreachable)", "", ""))
            continue
        env = common.bench_env(
            PG_URL if backend == "postgresql" else SQLITE_URL,
            common.bench_keys(KEYS, backend=backend, reuse=args.skip_seed),
        )
        if not args.skip_seed:
            print(f"== {backend}: fresh database, seed {args.persons:,} persons", file=sys.stderr)
            fresh(backend)
            t0 = time.perf_counter()
            prepare(env, args.persons)
            print(f"   prepared in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        print(f"== {backend}: manage.py assess --period {PERIOD}", file=sys.stderr)
        first = timed_assess(env)
        again = timed_assess(env)  # a rerun: idempotent, same totals
        res = {"assess": first, "rerun": again}
        ratio_target = TARGET_SECONDS / first["seconds"]
        missed |= ratio_target < 1
        rows.append(
            (
                f"assess {backend}: {first['lines']:,} lines, {first['bills']:,} bills",
                f"{first['seconds']:.1f} s",
                f"≤ {TARGET_SECONDS:.0f} s",
                f"{ratio_target:.2f}×",
            )
        )
        rows.append(("  of which the run itself", f"{first['run_seconds']:.1f} s", "", ""))
        rows.append(
            (
                "  rerun (identical totals: "
                + str(
                    again["employer_fen"] == first["employer_fen"]
                    and again["individual_fen"] == first["individual_fen"]
                    and again["lines"] == first["lines"]
                )
                + ")",
                f"{again['seconds']:.1f} s",
                "",
                "",
            )
        )
        if not args.skip_baseline:
            print(f"== {backend}: bulk_create baseline", file=sys.stderr)
            base = timed_baseline(env, args.baseline_persons)
            res["baseline"] = base
            base["agrees"] = (
                (base["lines"], base["employer_fen"], base["individual_fen"])
                == (first["lines"], first["employer_fen"], first["individual_fen"])
                if not args.baseline_persons
                else "n/a (slice)"
            )
            per_line = base["seconds"] / max(base["lines"], 1)
            projected = per_line * first["lines"]
            # Like for like: the baseline's computation (timed inside its process, after
            # Django's start-up) against the run's own start → finish.
            ratio = projected / first["run_seconds"]
            whole = projected / first["seconds"]
            res["ratio_computation"], res["ratio_whole_command"] = round(ratio, 2), round(whole, 2)
            missed |= ratio < TARGET_RATIO
            label = "baseline bulk_create" + (
                f" ({base['lines']:,} lines, extrapolated)" if args.baseline_persons else ""
            )
            rows.append(
                (label, f"{projected:.1f} s", f"≥ {TARGET_RATIO:.0f}× slower", f"{ratio / TARGET_RATIO:.2f}×")
            )
            rows.append(
                (
                    f"  set-based vs bulk_create: {ratio:.1f}× faster (whole command: {whole:.1f}×); "
                    f"totals agree: {base['agrees']}",
                    "",
                    "",
                    "",
                )
            )
        results[backend] = res
    results["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    print(f"{'benchmark':<62} {'result':>10} {'target':>16} {'ratio':>7}")
    print("-" * 98)
    for name, value, target, ratio in rows:
        print(f"{name:<62} {value:>10} {target:>16} {ratio:>7}")
    out = common.RESULTS / f"assess-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"\nresults: {out.relative_to(ROOT)}")
    return 1 if (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
