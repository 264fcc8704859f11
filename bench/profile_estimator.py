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
    parser.add_argument("--public", action="store_true", help="POST /api/v1/public/benefits/estimate")
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions")
    args = parser.parse_args()

    import estimator as bench_estimator
    import run as bench_run

    keys = json.loads(bench_run.keys_file(bench_estimator.KEYS, "sqlite" if args.sqlite else "postgresql").read_text())
    env = bench_run.bench_env(bench_estimator.SQLITE_URL if args.sqlite else bench_estimator.PG_URL, keys)
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.json"
        subprocess.run([bench_run.PYTHON, "bench/prepare_estimator.py", str(prepared)], env=env, check=True)
        data = json.loads(prepared.read_text(encoding="utf-8"))
    os.environ.update(env)

    from inprocess import measure, wsgi_environ

    from shebao.config.wsgi import application

    tokens = data["tokens"]
    bodies = [json.dumps(b, ensure_ascii=False).encode() for b in data["public_bodies"]]
    path = bench_estimator.PATHS["public" if args.public else "citizen"]

    def environ(i: int) -> dict:
        if args.public:
            return wsgi_environ(path, body=bodies[i % len(bodies)])
        return wsgi_environ(path, token=tokens[i % len(tokens)])

    measure(application, environ, n=args.n, warmup=len(tokens), profile=args.profile,
            label=f"{path} on {'SQLite' if args.sqlite else 'PostgreSQL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
