"""kill -9 in the middle of `manage.py payroll`, then run it again: the resumed run ends
with exactly the payments and bank totals of an uninterrupted run (real command, own
database: a SQLite file, or a scratch PostgreSQL database when the suite runs on it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.contributions.test_kill import ROOT, _env, _manage, scratch_url  # noqa: F401 - fixture

pytestmark = pytest.mark.slow
PERIOD = "202601"

SNAPSHOT = f"""
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT COUNT(*), SUM(amount_fen), SUM(CASE WHEN kind = 'backpay' THEN amount_fen ELSE 0 END), "
              "SUM(CASE WHEN kind = 'recovery' THEN amount_fen ELSE 0 END) FROM payroll_payment WHERE period = {PERIOD}")
    print("payments", *(int(v) for v in c.fetchone()))
    c.execute("SELECT bank_code, count, total_fen FROM payroll_bankbatch WHERE run_id = "
              "(SELECT MAX(id) FROM payroll_payrollrun) ORDER BY bank_code")
    print("batches", c.fetchall())
    c.execute("SELECT COUNT(*) FROM (SELECT payee_id, kind FROM payroll_payment WHERE period = {PERIOD} "
              "GROUP BY payee_id, kind HAVING COUNT(*) > 1) d")
    print("duplicates", *c.fetchone())
    c.execute("SELECT SUM(recovered_fen) FROM payroll_receivable")
    print("recovered", *c.fetchone())
"""  # noqa: S608 - a constant script


def _chunks_done(url: str) -> int:
    sql = "SELECT COUNT(*) FROM payroll_payrollchunk WHERE done_at IS NOT NULL"
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
            return conn.execute(sql).fetchone()[0]
    import sqlite3

    with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=10) as conn:
        try:
            return conn.execute(sql).fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def test_kill_9_mid_payroll_then_resume_equals_an_uninterrupted_run(scratch_url, tmp_path):  # noqa: F811
    env = {**_env(scratch_url), "SHEBAO_VAR_DIR": str(tmp_path)}
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "seed_payees", "--count", "30000")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "payroll", "--period", PERIOD, "--chunk", "50", "-v", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if _chunks_done(scratch_url) >= 5:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed: use smaller chunks"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = _chunks_done(scratch_url)
    assert 5 <= partial < 600  # 30,000 payees in chunks of 50: killed well before the end

    out = _manage(env, "payroll", "--period", PERIOD, "--chunk", "50", "-v", "0")
    assert "发放完成" in out
    resumed = _manage(env, "shell", "-v", "0", "-c", SNAPSHOT)
    _manage(env, "payroll", "--period", PERIOD, "--chunk", "5000", "--workers", "1", "-v", "0")
    uninterrupted = _manage(env, "shell", "-v", "0", "-c", SNAPSHOT)
    assert resumed == uninterrupted
    assert "duplicates 0" in resumed
    count, total, backpay, recovery = (int(v) for v in resumed.split("payments ")[1].split("\n")[0].split())
    assert count > 30_000 and backpay > 0 and recovery < 0
    assert list((tmp_path / "media" / "payroll").glob("payroll-202601-ICBC-*.csv"))
