"""CPU per request of the citizen estimator inside one process, without HTTP: calls
``shebao.config.wsgi.application`` with pre-built WSGI environs (300 citizens' tokens in
turn) against the database ``bench/estimator.py`` seeded last (keys from
bench/results/.bench_estimator_keys.json).

    .venv/bin/python bench/profile_estimator.py                  # PostgreSQL, 1,000 estimates
    .venv/bin/python bench/profile_estimator.py --sqlite
    .venv/bin/python bench/profile_estimator.py --profile 30     # cProfile, top 30 by tottime
    .venv/bin/python bench/profile_estimator.py --public         # the public estimator instead

Prints process CPU and wall time per request (the database's own CPU is in the wall
time only). The HTTP server's cost comes on top: compare with bench/estimator.py.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--public", action="store_true", help="POST /api/v1/public/benefits/estimate")
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions")
    args = parser.parse_args()

    import estimator as bench_estimator
    import run as bench_run

    keys = json.loads(bench_estimator.KEYS.read_text())
    env = bench_run.bench_env(bench_estimator.SQLITE_URL if args.sqlite else bench_estimator.PG_URL, keys)
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.json"
        subprocess.run([bench_run.PYTHON, "bench/prepare_estimator.py", str(prepared)], env=env, check=True)
        data = json.loads(prepared.read_text(encoding="utf-8"))
    os.environ.update(env)

    from shebao.config.wsgi import application

    tokens = data["tokens"]
    bodies = [json.dumps(b, ensure_ascii=False).encode() for b in data["public_bodies"]]
    path = bench_estimator.PATHS["public" if args.public else "citizen"]

    def environ(i: int) -> dict:
        body = bodies[i % len(bodies)] if args.public else b""
        e = {
            "REQUEST_METHOD": "POST" if args.public else "GET",
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_ACCEPT": "application/json",
            "HTTP_USER_AGENT": "shebao-bench",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        if args.public:
            e["CONTENT_TYPE"] = "application/json"
            e["CONTENT_LENGTH"] = str(len(body))
        else:
            e["HTTP_AUTHORIZATION"] = f"Bearer {tokens[i % len(tokens)]}"
        return e

    statuses: dict[str, int] = {}

    def start_response(status, headers, exc_info=None):
        statuses[status] = statuses.get(status, 0) + 1

    def call(i: int) -> None:
        result = application(environ(i), start_response)
        b"".join(result)
        if hasattr(result, "close"):
            result.close()

    for i in range(len(tokens)):  # warm-up: connections, caches, every token once
        call(i)
    statuses.clear()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU, not waiting on the database
        profiler.enable()
    chunk = max(1, args.n // 10)
    cpu_chunks, wall_chunks = [], []
    for start in range(0, args.n, chunk):  # ten chunks: the minimum is steadier on a shared machine
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for i in range(start, min(start + chunk, args.n)):
            call(i)
        done = min(start + chunk, args.n) - start
        cpu_chunks.append((time.process_time() - cpu0) / done * 1000)
        wall_chunks.append((time.perf_counter() - wall0) / done * 1000)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(args.profile)
    cpu_chunks.sort()
    wall_chunks.sort()
    print(
        f"{path} on {'SQLite' if args.sqlite else 'PostgreSQL'}: {args.n} requests, CPU ms/request "
        f"min {cpu_chunks[0]:.3f} median {cpu_chunks[len(cpu_chunks) // 2]:.3f}, wall ms/request "
        f"min {wall_chunks[0]:.3f} median {wall_chunks[len(wall_chunks) // 2]:.3f}, {statuses}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
