"""kill -9 in the middle of `manage.py assess`, then run it again: the resumed run ends
with exactly the lines and totals of an uninterrupted run.

Runs the real command in subprocesses against a database of its own (a SQLite file, or
a scratch PostgreSQL database when the suite runs on PostgreSQL), seeded by seed_demo.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PERIOD = "202601"

pytestmark = pytest.mark.slow


def _env(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEBAO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="shebao.config.settings",
        SHEBAO_DATABASE_URL=url,
        SHEBAO_SECRET_KEY="kill-test-secret-key-0123456789abcdef0123456789",
        SHEBAO_DATA_KEYS="k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        SHEBAO_BLIND_INDEX_KEY="dGVzdC1ibGluZC1pbmRleC1rZXktMzItYnl0ZXMhISE=",
        SHEBAO_SIGNING_KEY="a2lsbC10ZXN0LXNpZ25pbmctc2VlZC0wMDAwMDAwMDE=",
        SHEBAO_DEBUG="false",
        SHEBAO_ALLOWED_HOSTS="127.0.0.1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def _manage(env: dict, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout


SNAPSHOT = f"""
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT COUNT(*), SUM(employer_fen), SUM(individual_fen), SUM(base_fen) "
              "FROM contributions_contributionline WHERE period = {PERIOD}")
    print("lines", *c.fetchone())
    c.execute("SELECT COUNT(*), SUM(total_fen) FROM contributions_bill WHERE period = {PERIOD} AND status <> 'void'")
    print("bills", *c.fetchone())
    c.execute("SELECT COUNT(*) FROM (SELECT person_id, insurance FROM contributions_contributionline "
              "WHERE period = {PERIOD} GROUP BY person_id, insurance HAVING COUNT(*) > 1) d")
    print("duplicates", *c.fetchone())
"""  # noqa: S608 - a constant script

def _chunks_done(url: str) -> int:
    """Read progress straight from the database (fast enough to catch the run mid-way)."""
    sql = "SELECT COUNT(*) FROM contributions_assessmentchunk WHERE done_at IS NOT NULL"
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
            return conn.execute(sql).fetchone()[0]
    import sqlite3

    with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=10) as conn:
        try:
            return conn.execute(sql).fetchone()[0]
        except sqlite3.OperationalError:  # locked for a moment by the writer
            return 0


@pytest.fixture
def scratch_url(tmp_path):
    url = os.environ.get("SHEBAO_DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        admin = url.rsplit("/", 1)[0] + "/postgres"
        name = f"shebao_kill_{os.getpid()}"
        with psycopg.connect(admin.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
        yield url.rsplit("/", 1)[0] + "/" + name
        with psycopg.connect(admin.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    else:
        yield f"sqlite:///{tmp_path / 'kill.sqlite3'}"


def test_kill_9_mid_run_then_resume_equals_an_uninterrupted_run(scratch_url):
    env = _env(scratch_url)
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "seed_demo", "--persons", "4000", "--employers", "80", "--no-users", "-v", "0")
    _manage(env, "load_parameters")

    proc = subprocess.Popen(
        [sys.executable, "manage.py", "assess", "--period", PERIOD, "--chunk", "20", "-v", "0"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        done = _chunks_done(scratch_url)
        if done >= 5:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed: use smaller chunks"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    partial = _chunks_done(scratch_url)
    assert 5 <= partial < 200  # 4,000 persons in chunks of 20: killed well before the end

    resumed_out = _manage(env, "assess", "--period", PERIOD, "--chunk", "20", "-v", "0")
    assert "核定完成" in resumed_out
    resumed = _manage(env, "shell", "-v", "0", "-c", SNAPSHOT)
    # A fresh, uninterrupted run of the same period rewrites every chunk from scratch, in
    # one connection (the killed and the resumed runs shared the chunks among one
    # connection per CPU on PostgreSQL): the totals do not depend on the number of workers.
    _manage(env, "assess", "--period", PERIOD, "--chunk", "500", "--workers", "1", "-v", "0")
    uninterrupted = _manage(env, "shell", "-v", "0", "-c", SNAPSHOT)
    assert resumed == uninterrupted
    assert "duplicates 0" in resumed
    lines = resumed.split("lines ")[1].split()
    assert int(lines[0]) > 10_000  # a real city was assessed
