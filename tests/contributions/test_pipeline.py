"""The SQLite assessment pipeline (computing threads, one writer; ADR 0009 §8) against
the one-connection path, on a real database file with the real command: the same lines
and the same bills, with back-payment lines and provisional employers in the chunks, a
rerun and a run of a period that is already paid. Also the scratch directory's life.

(The in-process suite runs on an in-memory SQLite database inside transactions, where
``assessment_workers`` falls back to one connection; test_kill.py kills a pipelined run.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shebao.contributions import pipeline
from tests.contributions.test_kill import ROOT, _env, _manage

pytestmark = pytest.mark.slow

# The pipeline is SQLite's: the subprocess tests make SQLite files whatever the suite's
# database is, so they run in the SQLite pass only.
sqlite_pass_only = pytest.mark.skipif(
    os.environ.get("SHEBAO_DATABASE_URL", "").startswith("postgres"), reason="SQLite pipeline: SQLite pass"
)

PREVIOUS, PERIOD = "202512", "202601"

# Half the employers declare for PERIOD (the others are assessed provisionally at 110 %
# of PREVIOUS); a few persons get back-payment lines of PERIOD in other chunks' ranges;
# one flexible worker's bill of PERIOD is already paid (so a rerun keeps it paid).
PREPARE = f"""
from django.db import connection
from django.utils import timezone
from shebao.contributions.models import MonthlyDeclaration
from shebao.register.sources import employer_ids
ids = sorted(employer_ids())
MonthlyDeclaration.objects.bulk_create(
    [MonthlyDeclaration(employer_id=e, period={PERIOD}, headcount=0, declared_at=timezone.now(), declared_by="test")
     for e in ids[: len(ids) // 2]])
with connection.cursor() as c:
    c.execute("SELECT person_id, employer_id, region_code FROM contributions_contributionline "
              "WHERE period = {PREVIOUS} AND kind = 'normal' AND insurance = 'pension' ORDER BY person_id")
    rows = c.fetchall()
    for person_id, employer_id, region in rows[:: max(1, len(rows) // 25)]:
        c.execute("INSERT INTO contributions_contributionline (period, person_id, insurance, employer_id, "
                  "region_code, kind, base_fen, employer_ppm, individual_ppm, employer_fen, individual_fen, run_id) "
                  "VALUES ({PERIOD}, %s, 'pension', %s, %s, 'backpay', 700000, 160000, 80000, 112000, 56000, 0)",
                  [person_id, employer_id, region])
"""  # noqa: S608 - a constant script

SNAPSHOT = f"""
import json
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT person_id, insurance, kind, employer_id, region_code, base_fen, employer_ppm, individual_ppm, "
              "employer_fen, individual_fen FROM contributions_contributionline WHERE period = {PERIOD} "
              "ORDER BY kind, person_id, insurance, employer_id")
    lines = c.fetchall()
    c.execute("SELECT payer_type, payer_id, kind, region_code, employer_fen, individual_fen, total_fen, paid_fen, "
              "lines, status FROM contributions_bill WHERE period = {PERIOD} ORDER BY payer_type, payer_id, kind")
    bills = c.fetchall()
    c.execute("SELECT COUNT(*) FROM contributions_billpart")
    parts = c.fetchone()[0]
print(json.dumps({{"lines": lines, "bills": bills, "parts": parts}}))
"""  # noqa: S608 - a constant script

PAY_ONE_FLEXIBLE_BILL = f"""
from shebao.contributions.models import Bill
bill = Bill.objects.filter(period={PERIOD}, payer_type="person").order_by("payer_id").first()
Bill.objects.filter(pk=bill.pk).update(paid_fen=bill.total_fen, status="paid")
"""


def _snapshot(env: dict) -> dict:
    return json.loads(_manage(env, "shell", "-v", "0", "-c", SNAPSHOT).strip().splitlines()[-1])


def _assess(env: dict, *extra: str) -> None:
    out = _manage(env, "assess", "--period", PERIOD, "--chunk", "150", "-v", "0", *extra)
    assert "核定完成" in out


@sqlite_pass_only
def test_pipelined_runs_equal_one_connection_runs(tmp_path):
    db = tmp_path / "pipe.sqlite3"
    env = _env(f"sqlite:///{db}")
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "seed_demo", "--persons", "3000", "--employers", "60", "--no-users", "-v", "0")
    _manage(env, "load_parameters")
    _manage(env, "assess", "--period", PREVIOUS, "-v", "0")
    _manage(env, "shell", "-v", "0", "-c", PREPARE)
    # A scratch directory of this run left by a process that no longer exists.
    stale = tmp_path / f".{db.name}.assess-2-{2**22 + 12345}"  # run 2: the next run
    stale.mkdir()
    (stale / "chunk-1.sqlite3").write_bytes(b"left by kill -9")

    _assess(env, "--workers", "2")  # pipelined: two computing threads and the writer
    piped = _snapshot(env)
    assert not stale.exists()
    assert not list(tmp_path.glob(".*assess*"))  # its own scratch directory is gone too
    kinds = {line[2] for line in piped["lines"]}
    assert kinds == {"normal", "provisional", "backpay"}
    assert any(bill[2] == "backpay" for bill in piped["bills"])
    assert piped["parts"] == 0

    _assess(env, "--workers", "1")  # the one-connection path rewrites every chunk
    assert _snapshot(env) == piped

    _manage(env, "shell", "-v", "0", "-c", PAY_ONE_FLEXIBLE_BILL)
    paid = _snapshot(env)
    _assess(env, "--workers", "2")  # a rerun with a paid bill: same sums, still paid
    assert _snapshot(env) == paid
    assert sum(1 for bill in paid["bills"] if bill[9] == "paid") == 1


@sqlite_pass_only
def test_a_pipelined_run_that_fails_leaves_no_scratch_and_resumes(tmp_path):
    """A computing thread's error reaches the command; nothing is half-written and the
    next run completes to the same result as an uninterrupted one."""
    db = tmp_path / "fail.sqlite3"
    env = _env(f"sqlite:///{db}")
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "seed_demo", "--persons", "1500", "--employers", "30", "--no-users", "-v", "0")
    _manage(env, "load_parameters")
    # The computing step fails for the chunks above person 700, in a process of its own.
    broken = dict(env, SHEBAO_TEST_BREAK_ASSESSMENT_ABOVE="700")
    out = subprocess.run(
        [sys.executable, "-c", _BREAKING_RUN.format(root=str(ROOT), period=PERIOD)],
        cwd=ROOT,
        env=broken,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 3, out.stderr[-2000:]
    assert "injected failure" in out.stdout
    assert not list(tmp_path.glob(".*assess*"))
    _assess(env, "--workers", "2")
    resumed = _snapshot(env)
    _assess(env, "--workers", "1")
    assert _snapshot(env) == resumed


# Runs the assessment in a process whose computing step fails for chunks above a person id,
# so that some chunks are written and then the run fails; exits 3 when it failed as planned.
_BREAKING_RUN = """
import os, sys
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.config.settings")
import django
django.setup()
from shebao.contributions import assessment, pipeline
from shebao.kernel.audit import audit_context
from shebao.register.access import SYSTEM_ACTOR

limit = int(os.environ["SHEBAO_TEST_BREAK_ASSESSMENT_ABOVE"])
real_compute = pipeline.compute

def compute(**kwargs):
    if kwargs["params"]["lo"] > limit:
        raise RuntimeError("injected failure")
    return real_compute(**kwargs)

pipeline.compute = compute
with audit_context(actor_label="test"):
    run = assessment.assessment_start(actor=SYSTEM_ACTOR, period="{period}", region_code="110000", chunk_size=150)
    try:
        assessment.assessment_execute(run_id=run.pk, workers=2)
    except RuntimeError as exc:
        print(exc)
        run.refresh_from_db()
        assert run.status == "failed", run.status
        assert 0 < run.chunks_done < run.chunks_total, (run.chunks_done, run.chunks_total)
        sys.exit(3)
sys.exit(0)
"""


def test_scratch_directory_removes_only_dead_processes_directories(tmp_path, monkeypatch):
    db = tmp_path / "x.sqlite3"
    monkeypatch.setattr(pipeline, "_database_path", lambda: db)
    dead = tmp_path / f".x.sqlite3.assess-7-{2**22 + 999}"
    alive = tmp_path / f".x.sqlite3.assess-7-{os.getppid()}"
    other_run = tmp_path / f".x.sqlite3.assess-8-{2**22 + 999}"
    for path in (dead, alive, other_run):
        path.mkdir()
    mine = pipeline.scratch_directory(7)
    assert mine == tmp_path / f".x.sqlite3.assess-7-{os.getpid()}"
    assert mine.is_dir() and not list(mine.iterdir())
    assert not dead.exists()
    assert alive.exists() and other_run.exists()


def test_pipeline_is_not_used_in_memory_or_inside_a_transaction(db):
    # The suite's SQLite database is in memory and each test runs inside a transaction.
    assert not pipeline.usable()


def test_scratch_paths_are_next_to_the_database(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "_database_path", lambda: Path(tmp_path / "var" / "city.sqlite3"))
    (tmp_path / "var").mkdir()
    path = pipeline.scratch_directory(42)
    assert path.parent == tmp_path / "var"
    assert path.name.startswith(".city.sqlite3.assess-42-")
