"""`make bench`: seed rate and lookup throughput against the targets, on SQLite and PostgreSQL.

(a) seed rate: ``manage.py seed_demo`` of 1,000,000 persons into a fresh SQLite file
    (var/bench.sqlite3, WAL) and a fresh PostgreSQL database (shebao_bench on
    127.0.0.1:5432, user postgres), wall time of the whole command vs 180 s.
(b) lookup throughput: granian (default; ``--server gunicorn`` to compare) with 2 worker
    processes serving the seeded database,
    and a separate load-generator process (bench/loadgen.py) firing
    POST /api/v1/staff/persons/lookup {"id_number": …} with random existing numbers
    over keep-alive connections: req/s (goal ≥ 1,500) and p99 (goal ≤ 50 ms).

    .venv/bin/python bench/run.py            # the full run (1 M persons; ~10 minutes)
    .venv/bin/python bench/run.py --quick    # 100,000 persons, shorter load
    .venv/bin/python bench/run.py --only postgresql --skip-seed   # lookups again

Results: a table on stdout and JSON in bench/results/ (git-ignored). Keys are random
per run; all traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import platform
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = (
    str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
)
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
GRANIAN = str(Path(PYTHON).parent / "granian")
RESULTS = ROOT / "bench" / "results"
KEYS = RESULTS / ".bench_keys.json"  # one file per database: keys_file()
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "shebao_bench"
PG_BENCH_URL = f"postgres://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
SQLITE_PATH = ROOT / "var" / "bench.sqlite3"
SQLITE_URL = "sqlite:///var/bench.sqlite3"
LOOKUP_PATH = "/api/v1/staff/persons/lookup"

TARGET_SEED_SECONDS = 180.0  # for 1,000,000 persons
FIXED_ALLOWANCE_SECONDS = 10.0  # added to the pro-rata target of a smaller (--quick) run
TARGET_RPS = 1500.0
TARGET_P99_MS = 50.0


# --- environment ---------------------------------------------------------------------------


def machine() -> dict:
    calibration: dict[str, float] = {"python_loop_5m_s": _python_loop_seconds()}
    info: dict[str, object] = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "kernel": platform.release(),
    }
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(
            (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
            "?",
        )
        meminfo = Path("/proc/meminfo").read_text()
        kb = int(next(line.split()[1] for line in meminfo.splitlines() if line.startswith("MemTotal")))
        info["memory_gib"] = round(kb / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError):
        pass
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
            info["pg_shared_buffers"] = conn.execute("SHOW shared_buffers").fetchone()[0]
            t0 = time.perf_counter()
            conn.execute("SELECT sum(i) FROM generate_series(1, 5000000) i").fetchone()
            calibration["pg_sum_5m_s"] = round(time.perf_counter() - t0, 3)
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        info["postgresql"] = f"unreachable ({type(exc).__name__})"
    info["calibration"] = calibration
    info["load_average"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return info


def _python_loop_seconds(n: int = 5_000_000) -> float:
    """A fixed piece of single-core work, timed: the same VM kind is not always the same
    speed (the same 1 M-person assessment took 2.3× as long on 2026-12-04 as on 2026-12-03), so every
    result carries this calibration to compare figures across days."""
    t0 = time.perf_counter()
    total = 0
    for i in range(n):
        total += i
    return round(time.perf_counter() - t0, 3)


def bench_env(database_url: str, keys: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not (k.startswith("SHEBAO_") and k.endswith("_FILE"))}
    env.update(
        DJANGO_SETTINGS_MODULE="shebao.config.settings",
        SHEBAO_DATABASE_URL=database_url,
        SHEBAO_DEBUG="false",
        SHEBAO_ALLOWED_HOSTS="127.0.0.1",
        SHEBAO_SECURE_COOKIES="false",
        SHEBAO_LOG_LEVEL="WARNING",
        SHEBAO_CITY_CODE="110000",
        PYTHONDONTWRITEBYTECODE="1",
        **keys,
    )
    return env


def throwaway_keys() -> dict[str, str]:
    return {
        "SHEBAO_SECRET_KEY": secrets.token_urlsafe(50),
        "SHEBAO_DATA_KEYS": "bench1:" + base64.b64encode(os.urandom(32)).decode(),
        "SHEBAO_BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
        "SHEBAO_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),  # Ed25519 seed (receipts)
    }


def keys_file(path: Path, backend: str) -> Path:
    """Where the keys of one benchmark database are kept: each database its own file, so
    that seeding one (``--only``) leaves the other readable with ``--skip-seed``."""
    return path.with_name(f"{path.stem}-{backend}{path.suffix}")


def bench_keys(path: Path, *, backend: str, reuse: bool) -> dict[str, str]:
    """The throw-away keys of ``backend``'s benchmark database: the last run's when
    ``reuse`` (``--skip-seed``: the database it seeded is read again), else new ones, kept
    (0600) for the next ``--skip-seed``."""
    file = keys_file(path, backend)
    file.parent.mkdir(parents=True, exist_ok=True)
    if reuse and file.exists():
        return json.loads(file.read_text())
    keys = throwaway_keys()
    file.write_text(json.dumps(keys))
    file.chmod(0o600)
    return keys


def results_start(**fields) -> dict:
    """A results record: when it started and on what machine (printed to stderr), and ``fields``."""
    record = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        **fields,
    }
    print("machine:", json.dumps(record["machine"], ensure_ascii=False), file=sys.stderr)
    return record


def manage(env: dict, *args: str, quiet: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE if quiet else None,
        text=True,
    )


def fresh_sqlite() -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)


def fresh_postgresql() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")


def fresh_database(backend: str, *, sqlite_path: Path, pg_db: str) -> None:
    """An empty database for one benchmark: the SQLite file (and its WAL) removed, or the
    PostgreSQL database dropped and created again."""
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {pg_db} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {pg_db}")


def postgresql_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001
        return False


# --- (a) seed ------------------------------------------------------------------------------


def seed(env: dict, *, persons: int, employers: int) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        report_path = Path(fh.name)
    try:
        started = time.perf_counter()
        manage(
            env,
            "seed_demo",
            "--persons",
            str(persons),
            "--employers",
            str(employers),
            "--report",
            str(report_path),
            "-v",
            "2",
            quiet=False,
        )
        seconds = time.perf_counter() - started
        report = json.loads(report_path.read_text(encoding="utf-8"))
    finally:
        report_path.unlink(missing_ok=True)
    # The target is for a million; a smaller run gets it pro rata plus a fixed allowance
    # for what does not scale (Django start-up, demo users with Argon2 passwords).
    target = TARGET_SEED_SECONDS * persons / 1_000_000 + (
        0 if persons >= 1_000_000 else FIXED_ALLOWANCE_SECONDS
    )
    return {
        "persons": report["persons"],
        "employers": report["employers"],
        "enrolments": report["enrolments"],
        "seconds": round(seconds, 1),
        "load_seconds": report["total_seconds"],
        "persons_per_s": round(persons / seconds),
        "target_seconds": target,
        "strategy": report["strategy"],
        "phases": {k: round(v, 2) for k, v in report["phases"].items()},
    }


# --- (b) lookups ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the server did not become ready")


def server_command(args, port: int) -> list[str]:
    """Two worker processes of the chosen WSGI server, each with ``args.threads`` threads."""
    if args.server == "granian":
        return [
            GRANIAN,
            "--interface",
            "wsgi",
            args.app,
            "--workers",
            "2",
            "--blocking-threads",
            str(args.threads),
            "--runtime-threads",
            "1",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-ws",
        ]
    return [
        GUNICORN,
        args.app,
        "--workers",
        "2",
        "--threads",
        str(args.threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--keep-alive",
        "30",
    ]


def lookup(env: dict, *, args, label: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.json"
        subprocess.run([PYTHON, "bench/prepare.py", str(prepared)], cwd=ROOT, env=env, check=True)
        data = json.loads(prepared.read_text(encoding="utf-8"))
        bodies = Path(tmp) / "bodies.json"
        bodies.write_text(json.dumps(data["bodies"], ensure_ascii=False), encoding="utf-8")
        port = free_port()
        server = subprocess.Popen(
            server_command(args, port),
            cwd=ROOT,
            env=env,
        )
        try:
            wait_ready(port, server)
            path = "/healthz" if args.healthz else LOOKUP_PATH
            command = [
                PYTHON,
                "bench/loadgen.py",
                "--port",
                str(port),
                "--path",
                path,
                "--connections",
                str(args.connections),
                "--warmup",
                str(args.warmup),
                "--duration",
                str(args.duration),
                "--client",
                args.client,
            ]
            if not args.healthz:
                command += ["--token", data["token"], "--bodies", str(bodies)]
            print(f"-- {label}: {args.warmup:g} s warm-up + {args.duration:g} s of {path}", file=sys.stderr)
            out = subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True)
            result = json.loads(out.stdout)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    result["persons"] = data["persons"]
    result["sample_ids"] = len(data["bodies"])
    if args.server == "granian":
        result["server"] = f"granian WSGI, 2 workers × {args.threads} blocking threads"
    else:
        result["server"] = (
            f"gunicorn 2 workers × {args.threads} threads (gthread)"
            if args.threads > 1
            else "gunicorn 2 sync workers"
        )
    return result


# --- report --------------------------------------------------------------------------------


def _row(name: str, value: str, target: str = "", ratio: float | None = None) -> str:
    verdict = "" if ratio is None else ("OK" if ratio >= 1 else "MISSED")
    ratio_text = "" if ratio is None else f"{ratio:5.2f}×"
    return f"{name:<34} {value:>16} {target:>12} {ratio_text:>8} {verdict}"


def report_table(results: dict) -> str:
    lines = [_row("benchmark", "result", "target", None).rstrip() + "   ratio (≥1 = target met)", "-" * 84]
    for backend, res in results["backends"].items():
        seed_res = res.get("seed")
        if seed_res:
            lines.append(
                _row(
                    f"seed {seed_res['persons']:,} persons, {backend}",
                    f"{seed_res['seconds']:.1f} s",
                    f"≤ {seed_res['target_seconds']:.0f} s",
                    seed_res["target_seconds"] / seed_res["seconds"],
                )
            )
            lines.append(_row("  rate", f"{seed_res['persons_per_s']:,} /s"))
        look = res.get("lookup")
        if look:
            lines.append(
                _row(
                    f"lookup {backend} ({look['persons']:,} persons)",
                    f"{look['ok_rps']:,.0f} req/s",
                    f"≥ {TARGET_RPS:,.0f}",
                    look["ok_rps"] / TARGET_RPS,
                )
            )
            lines.append(_row("  load generator", look.get("client", "python")))
            lines.append(_row("  p50", f"{look['p50_ms']:.1f} ms"))
            lines.append(
                _row(
                    "  p99",
                    f"{look['p99_ms']:.1f} ms",
                    f"≤ {TARGET_P99_MS:.0f} ms",
                    TARGET_P99_MS / look["p99_ms"],
                )
            )
            bad = look["requests"] - look["ok"]
            if bad or look["errors"]:
                lines.append(
                    _row("  non-200 / errors", f"{bad} / {look['errors']}", "", None) + f" {look['statuses']}"
                )
        if res.get("skipped"):
            lines.append(_row(f"{backend}", "skipped", "", None) + f" {res['skipped']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Seed and lookup benchmarks against the targets.")
    parser.add_argument("--quick", action="store_true", help="100,000 persons and a shorter load")
    parser.add_argument("--persons", type=int, default=None)
    parser.add_argument("--employers", type=int, default=None, help="default persons/50")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the databases of the last run")
    parser.add_argument("--skip-lookup", action="store_true")
    parser.add_argument("--healthz", action="store_true", help="load /healthz instead of the lookup API")
    parser.add_argument(
        "--duration", type=float, default=None, help="measured seconds (default 20, quick 10)"
    )
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per worker (gunicorn: 1 = sync workers)"
    )
    parser.add_argument("--server", choices=["gunicorn", "granian"], default="granian")
    parser.add_argument(
        "--client",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator (bench/loadgen.py): wrk when installed, else the asyncio client",
    )
    parser.add_argument(
        "--app", default="shebao.config.wsgi:application", help="WSGI callable (diagnostic wrappers)"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    persons = args.persons or (100_000 if args.quick else 1_000_000)
    employers = args.employers or max(1, persons // 50)
    args.duration = args.duration or (10.0 if args.quick else 20.0)
    backends = args.only or ["sqlite", "postgresql"]

    results = results_start(
        targets={"seed_seconds_per_million": TARGET_SEED_SECONDS, "rps": TARGET_RPS, "p99_ms": TARGET_P99_MS},
        backends={},
    )
    for backend in backends:
        res: dict = {}
        results["backends"][backend] = res
        if backend == "postgresql" and not postgresql_reachable():
            res["skipped"] = f"PostgreSQL at {PG_ADMIN_URL} is unreachable"
            continue
        keys = bench_keys(KEYS, backend=backend, reuse=args.skip_seed)
        env = bench_env(PG_BENCH_URL if backend == "postgresql" else SQLITE_URL, keys)
        if not args.skip_seed:
            print(f"== {backend}: fresh database, migrate, seed {persons:,} persons", file=sys.stderr)
            fresh_postgresql() if backend == "postgresql" else fresh_sqlite()
            manage(env, "migrate", "--noinput", "-v", "0")
            res["seed"] = seed(env, persons=persons, employers=employers)
        if not args.skip_lookup:
            res["lookup"] = lookup(env, args=args, label=backend)
    results["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    table = report_table(results)
    print(table)
    out = RESULTS / f"bench-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nresults: {out.relative_to(ROOT)}")
    missed = "MISSED" in table
    return 1 if (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
