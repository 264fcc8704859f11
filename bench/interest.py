"""Interest-crediting benchmark: ``manage.py credit_interest`` for 1,000,000 accounts in at
most 15 s, on SQLite and PostgreSQL.

    .venv/bin/python bench/interest.py                      # 1 M accounts, both databases
    .venv/bin/python bench/interest.py --accounts 100000 --only sqlite

Each backend gets its own fresh database (``var/bench-interest.sqlite3``; PostgreSQL
``shebao_bench_interest`` on 127.0.0.1:5432, user postgres), migrated with throwaway keys
and loaded with the demo parameters. The accounts are generated in set-based SQL in the
real schema: per person an ``AccountYear`` for year − 1 (principal and interest apart)
and 12 monthly ``AccountCredit`` rows in the year. Then the whole command
``manage.py credit_interest --year Y`` is timed (Django start-up included), and a few
accounts are checked against the integer kernel. Prints a table; JSON goes to
bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    PG_ADMIN_URL,
    PYTHON,
    RESULTS,
    bench_env,
    postgresql_reachable,
    results_start,
    throwaway_keys,
)
from shebao.contributions.rules.interest import interest_fen_annual  # noqa: E402 - pure kernel, no Django

PG_DB = "shebao_bench_interest"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
SQLITE_PATH = ROOT / "var" / "bench-interest.sqlite3"
SQLITE_URL = "sqlite:///var/bench-interest.sqlite3"
TARGET_SECONDS = 15.0  # for 1,000,000 accounts
YEAR = 2024  # 记账利率 2.62 % in the demo bundle
RATE_PPM = 26_200
YEAR_TABLE = "contributions_accountyear"
CREDIT_TABLE = "contributions_accountcredit"
SPOT_IDS = (1, 2, 777, 123_457, 999_999)
COLUMNS_SQL = (
    "SELECT interest_on_opening_fen, interest_on_credits_fen, closing_principal_fen, closing_interest_fen "
    "FROM contributions_accountyear WHERE person_id = %s AND year = %s"
)


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE,
                          text=True)


# Pseudo-random but reproducible per person g and month m, in plain integer SQL.
def _year_sql(n: int, series: str) -> str:
    return f"""
INSERT INTO {YEAR_TABLE} (person_id, year, opening_principal_fen, opening_interest_fen, credits_fen,
    interest_on_opening_fen, interest_on_credits_fen, closing_principal_fen, closing_interest_fen,
    rate_ppm, method, months, credited_at)
SELECT g, {YEAR - 1}, 0, 0, 0, 0, 0, (g * 7919) % 20000000, (g * 104729) % 3000000, 39700, 'annual_1997', 12,
       '{YEAR}-06-30 00:00:00'
FROM {series}"""  # noqa: S608 - constants only


def _credit_sql(n: int, series: str, months: str) -> str:
    return f"""
INSERT INTO {CREDIT_TABLE} (person_id, period, source, base_fen, credit_ppm, amount_fen, posted_on)
SELECT g, {YEAR * 100} + m, 'normal', (600000 + (g * 31 + m * 7) % 2900000),
       80000, ((600000 + (g * 31 + m * 7) % 2900000) * 80000 + 500000) / 1000000, '{YEAR}-12-20'
FROM {series} CROSS JOIN {months}
ORDER BY g, m"""  # noqa: S608 - constants only


def fresh_sqlite() -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)


def fresh_postgresql() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DB}")


def generate_sqlite(n: int) -> None:
    conn = sqlite3.connect(SQLITE_PATH)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    series = f"(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {int(n)}) SELECT g FROM s)"  # noqa: S608
    months = "(WITH RECURSIVE t(m) AS (SELECT 1 UNION ALL SELECT m + 1 FROM t WHERE m < 12) SELECT m FROM t)"
    with conn:
        conn.execute(_year_sql(n, series))
        conn.execute(_credit_sql(n, series, months))
    conn.execute("ANALYZE")
    conn.close()


def generate_postgresql(n: int) -> None:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{PG_DB}", autocommit=True) as conn:
        conn.execute(_year_sql(n, f"generate_series(1::bigint, {int(n)}) AS s(g)"))
        conn.execute(_credit_sql(n, f"generate_series(1::bigint, {int(n)}) AS s(g)", "generate_series(1, 12) AS t(m)"))
        conn.execute(f"VACUUM ANALYZE {YEAR_TABLE}")
        conn.execute(f"VACUUM ANALYZE {CREDIT_TABLE}")


def _query(backend: str, sql: str, params: tuple = ()) -> list[tuple]:
    if backend == "sqlite":
        conn = sqlite3.connect(SQLITE_PATH)
        try:
            return conn.execute(sql.replace("%s", "?"), params).fetchall()
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{PG_DB}") as conn:
        return conn.execute(sql, params).fetchall()


def spot_check(backend: str, n: int) -> dict:
    """Recompute a few accounts from their inputs with the integer kernel."""
    checked, bad = 0, []
    for person_id in (i for i in SPOT_IDS if i <= n):
        ((principal, interest),) = _query(
            backend, f"SELECT closing_principal_fen, closing_interest_fen FROM {YEAR_TABLE} "  # noqa: S608
            "WHERE person_id = %s AND year = %s", (person_id, YEAR - 1))
        ((credits,),) = _query(backend, f"SELECT SUM(amount_fen) FROM {CREDIT_TABLE} "  # noqa: S608
                               "WHERE person_id = %s AND period BETWEEN %s AND %s",
                               (person_id, YEAR * 100 + 1, YEAR * 100 + 12))
        ((io, ic, cp, ci),) = _query(
            backend, COLUMNS_SQL, (person_id, YEAR))
        expected = interest_fen_annual(opening_fen=principal + interest, credits_fen=int(credits), rate_ppm=RATE_PPM)
        ok = (io, ic) == expected and cp == principal + credits and ci == interest + sum(expected)
        checked += 1
        if not ok:
            bad.append(person_id)
    return {"checked": checked, "mismatches": bad}


def run_backend(backend: str, n: int, chunk: int | None, keys: dict) -> dict:
    env = bench_env(SQLITE_URL if backend == "sqlite" else PG_URL, keys)
    print(f"== {backend}: fresh database, migrate, parameters, {n:,} accounts", file=sys.stderr)
    fresh_sqlite() if backend == "sqlite" else fresh_postgresql()
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_parameters")
    started = time.perf_counter()
    generate_sqlite(n) if backend == "sqlite" else generate_postgresql(n)
    generate_seconds = time.perf_counter() - started
    args = ["credit_interest", "--year", str(YEAR)] + (["--chunk", str(chunk)] if chunk else [])
    print(f"-- {backend}: timing manage.py {' '.join(args)}", file=sys.stderr)
    started = time.perf_counter()
    out = manage(env, *args)
    seconds = time.perf_counter() - started
    ((rows,),) = _query(backend, f"SELECT COUNT(*) FROM {YEAR_TABLE} WHERE year = %s", (YEAR,))  # noqa: S608
    # A rerun rewrites the same rows (idempotent); timed too, for the record.
    started = time.perf_counter()
    manage(env, *args)
    rerun_seconds = time.perf_counter() - started
    target = TARGET_SECONDS * max(n, 1) / 1_000_000
    return {
        "accounts": n,
        "credits": n * 12,
        "generate_seconds": round(generate_seconds, 1),
        "seconds": round(seconds, 2),
        "rerun_seconds": round(rerun_seconds, 2),
        "target_seconds": round(target, 2),
        "rows_written": rows,
        "output": out.stdout.strip(),
        "spot_check": spot_check(backend, n),
    }


def _row(name: str, value: str, target: str = "", ratio: float | None = None) -> str:
    verdict = "" if ratio is None else ("OK" if ratio >= 1 else "MISSED")
    ratio_text = "" if ratio is None else f"{ratio:5.2f}×"
    return f"{name:<40} {value:>14} {target:>10} {ratio_text:>8} {verdict}"


def report_table(results: dict) -> str:
    lines = [_row("benchmark", "result", "target").rstrip() + "   ratio (≥1 = target met)", "-" * 84]
    for backend, res in results["backends"].items():
        if "skipped" in res:
            lines.append(_row(backend, "skipped") + f" {res['skipped']}")
            continue
        lines.append(_row(f"credit_interest {res['accounts']:,} accts, {backend}", f"{res['seconds']:.2f} s",
                          f"≤ {res['target_seconds']:g} s", res["target_seconds"] / res["seconds"]))
        lines.append(_row("  rerun (idempotent)", f"{res['rerun_seconds']:.2f} s"))
        lines.append(_row("  rows written", f"{res['rows_written']:,}"))
        lines.append(_row("  data generation (not timed)", f"{res['generate_seconds']:.1f} s"))
        spot = res["spot_check"]
        lines.append(_row("  spot check vs kernel", f"{spot['checked'] - len(spot['mismatches'])}/{spot['checked']} ok"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Annual interest crediting for N accounts vs 15 s per million.")
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--chunk", type=int, default=None, help="persons per chunk (default: the command's)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    keys = throwaway_keys()
    results = results_start(benchmark="interest", target_seconds_per_million=TARGET_SECONDS, backends={})
    for backend in args.only or ["sqlite", "postgresql"]:
        if backend == "postgresql" and not postgresql_reachable():
            results["backends"][backend] = {"skipped": f"PostgreSQL at {PG_ADMIN_URL} is unreachable"}
            continue
        results["backends"][backend] = run_backend(backend, args.accounts, args.chunk, keys)
    results["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    table = report_table(results)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"interest-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nresults: {out.relative_to(ROOT)}")
    bad = any(r.get("spot_check", {}).get("mismatches") for r in results["backends"].values())
    return 1 if bad or (args.strict and "MISSED" in table) else 0


if __name__ == "__main__":
    sys.exit(main())
