"""CPU per request of the look-up (or /healthz) inside one process, without HTTP: calls
``shebao.config.wsgi.application`` with pre-built WSGI environs against the last
seeded bench database (keys from bench/results/.bench_keys-<database>.json).

    .venv/bin/python bench/profile_lookup.py                       # PostgreSQL, 2,000 look-ups
    .venv/bin/python bench/profile_lookup.py --sqlite --path /healthz
    .venv/bin/python bench/profile_lookup.py --profile 25          # cProfile, top 25 by tottime

Prints process CPU and wall time per request. The HTTP server's own cost (parsing,
threads, sockets) comes on top: compare with bench/run.py.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--path", default="/api/v1/staff/persons/lookup")
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions")
    args = parser.parse_args()

    import run as bench_run

    keys = json.loads(bench_run.keys_file(bench_run.KEYS, "sqlite" if args.sqlite else "postgresql").read_text())
    env = bench_run.bench_env(bench_run.SQLITE_URL if args.sqlite else bench_run.PG_BENCH_URL, keys)
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.json"
        subprocess.run(
            [bench_run.PYTHON, "bench/prepare.py", str(prepared), "--sample", "2000"], env=env, check=True
        )
        data = json.loads(prepared.read_text(encoding="utf-8"))
    os.environ.update(env)

    from inprocess import measure, wsgi_environ

    from shebao.config.wsgi import application

    bodies = [json.dumps(b, ensure_ascii=False).encode() for b in data["bodies"]]
    lookup = args.path != "/healthz"

    def environ(i: int) -> dict:
        if not lookup:
            return wsgi_environ(args.path)
        return wsgi_environ(args.path, body=bodies[i % len(bodies)], token=data["token"])

    measure(application, environ, n=args.n, warmup=200, profile=args.profile,
            label=f"{args.path} on {'SQLite' if args.sqlite else 'PostgreSQL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
