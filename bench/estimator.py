"""Estimator benchmark (issue 5 §7): the pension estimator APIs at p99 ≤ 50 ms, on SQLite
and PostgreSQL.

    .venv/bin/python bench/estimator.py                    # 20,000 persons, 14 months assessed
    .venv/bin/python bench/estimator.py --persons 50000 --only sqlite
    .venv/bin/python bench/estimator.py --skip-seed        # the last run's databases again

Each database is its own (var/bench-estimator.sqlite3; PostgreSQL database
shebao_bench_estimator on 127.0.0.1:5432), migrated, seeded with ``seed_demo`` and
``seed_contributions`` (declarations, assessments, payments and account credits through
the real services, one payment per bill: that is what limits the size, about ten minutes
for 20,000 persons; the estimator reads one person at a time through the (period,
person_id) index, so its cost depends on the months of one person, not on the city). Then, served by granian (2 workers × 4 threads) as in bench/run.py,
a separate load generator fires for ``--duration`` seconds each:

(a) ``GET /api/v1/me/benefits/estimate`` as 300 different citizens (a bearer token
    each): the person's own record is read (50 years of months, account balance,
    average wages), the estimator runs and the breakdown is returned;
(b) ``POST /api/v1/public/benefits/estimate`` with 20–40 years of explicit record.

Prints req/s, p50, p99 and the ratio to the 50 ms p99 target; JSON in bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as common  # noqa: E402 - bench/run.py: environment, machine, keys, server

ROOT = common.ROOT
TARGET_P99_MS = 50.0
SQLITE_URL = "sqlite:///var/bench-estimator.sqlite3"
SQLITE_PATH = ROOT / "var" / "bench-estimator.sqlite3"
PG_DB = "shebao_bench_estimator"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
KEYS = ROOT / "bench" / "results" / ".bench_estimator_keys.json"
PATHS = {"citizen": "/api/v1/me/benefits/estimate", "public": "/api/v1/public/benefits/estimate"}


def fresh(backend: str) -> None:
    common.fresh_database(backend, sqlite_path=SQLITE_PATH, pg_db=PG_DB)


def load(env: dict, *, args, prepared: dict, tmp: Path) -> dict:
    tokens = tmp / "tokens.json"
    tokens.write_text(json.dumps(prepared["tokens"]), encoding="utf-8")
    bodies = tmp / "bodies.json"
    bodies.write_text(json.dumps(prepared["public_bodies"], ensure_ascii=False), encoding="utf-8")
    port = common.free_port()
    server = subprocess.Popen(common.server_command(args, port), cwd=ROOT, env=env)
    out = {}
    try:
        common.wait_ready(port, server)
        for name, path in PATHS.items():
            command = [
                common.PYTHON, "bench/loadgen.py", "--port", str(port), "--path", path,
                "--connections", str(args.connections), "--warmup", str(args.warmup),
                "--duration", str(args.duration), "--client", args.client,
            ]  # fmt: skip
            command += ["--tokens", str(tokens)] if name == "citizen" else ["--bodies", str(bodies)]
            print(f"-- {name}: {args.warmup:g} s warm-up + {args.duration:g} s of {path}", file=sys.stderr)
            res = subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True)
            out[name] = json.loads(res.stdout)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=14, help="months of contribution history seeded")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--skip-seed", action="store_true")
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto", help="load generator")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    args.server, args.app = "granian", "shebao.config.wsgi:application"
    results = common.results_start(target_p99_ms=TARGET_P99_MS, backends={})
    for backend in args.only or ["sqlite", "postgresql"]:
        res: dict = {}
        results["backends"][backend] = res
        if backend == "postgresql" and not common.postgresql_reachable():
            res["skipped"] = "PostgreSQL is unreachable"
            continue
        env = common.bench_env(
            PG_URL if backend == "postgresql" else SQLITE_URL,
            common.bench_keys(KEYS, backend=backend, reuse=args.skip_seed),
        )
        if not args.skip_seed:
            print(
                f"== {backend}: fresh database, seed {args.persons:,} persons, {args.months} months",
                file=sys.stderr,
            )
            fresh(backend)
            t0 = time.perf_counter()
            common.manage(env, "migrate", "--noinput", "-v", "0")
            common.manage(env, "seed_demo", "--persons", str(args.persons),
                          "--employers", str(max(1, args.persons // 50)))  # fmt: skip
            common.manage(env, "seed_contributions", "--months", str(args.months))
            res["seed_seconds"] = round(time.perf_counter() - t0, 1)
        with tempfile.TemporaryDirectory() as tmp:
            prepared_path = Path(tmp) / "prepared.json"
            subprocess.run([common.PYTHON, "bench/prepare_estimator.py", str(prepared_path)],
                           cwd=ROOT, env=env, check=True)  # fmt: skip
            prepared = json.loads(prepared_path.read_text(encoding="utf-8"))
            res.update(persons=prepared["persons"], lines=prepared["lines"], citizens=len(prepared["tokens"]))
            res["load"] = load(env, args=args, prepared=prepared, tmp=Path(tmp))
    results["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    lines = [f"{'estimator':<28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'target':>8} {'ratio':>7}"]
    missed = False
    for backend, res in results["backends"].items():
        if "skipped" in res:
            lines.append(f"{backend}: skipped ({res['skipped']})")
            continue
        for name, r in res["load"].items():
            bad = r["errors"] or r["ok"] != r["requests"]
            ratio = TARGET_P99_MS / r["p99_ms"] if r["p99_ms"] else 0
            verdict = "ERRORS" if bad else ("OK" if ratio >= 1 else "MISSED")
            missed |= verdict != "OK"
            lines.append(f"{backend + ' ' + name:<28} {r['rps']:>8.0f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} "
                         f"{TARGET_P99_MS:>8.0f} {ratio:>6.2f}× {verdict} {r['statuses']}")  # fmt: skip
    table = "\n".join(lines)
    print(table)
    out = common.RESULTS / f"estimator-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nresults: {out.relative_to(ROOT)}")
    return 1 if (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
