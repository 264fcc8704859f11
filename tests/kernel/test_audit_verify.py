"""操作留痕: the chain verifies, and editing, deleting or reordering entries is detected
(in the database with the append-only guard bypassed, and in an exported file)."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from shebao.kernel.audit import audit_record, audit_verify_database
from shebao.kernel.rules.auditchain import GENESIS, entry_hash, verify_chain

pytestmark = pytest.mark.django_db


def _append(n):
    for i in range(n):
        with transaction.atomic():
            audit_record(
                action="test.change", object_type="thing", object_id=i, before={"v": i}, after={"v": i + 1}
            )


def _raw(sql, params=()):
    """Run SQL with the append-only triggers bypassed, as a hostile DBA would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE kernel_auditentry DISABLE TRIGGER USER")
            try:
                cursor.execute(sql, params)
            finally:
                cursor.execute("ALTER TABLE kernel_auditentry ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS kernel_auditentry_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS kernel_auditentry_no_delete")
            cursor.execute(sql, params)


def test_intact_chain_passes(audit_ctx, capsys):
    _append(3)
    call_command("audit_verify")
    assert "audit chain intact: 3 entries" in capsys.readouterr().out


def test_edited_entry_is_detected(audit_ctx):
    _append(4)
    _raw("UPDATE kernel_auditentry SET after = %s WHERE seq = 3", ['{"v":999}'])
    count, broken = audit_verify_database()
    assert count == 2 and broken.seq == 3 and "edited" in broken.reason


def test_deleted_entry_is_detected(audit_ctx):
    _append(4)
    _raw("DELETE FROM kernel_auditentry WHERE seq = 2")
    count, broken = audit_verify_database()
    assert count == 1 and broken.seq == 2


def test_deleted_last_entry_is_detected_by_head(audit_ctx):
    _append(3)
    _raw("DELETE FROM kernel_auditentry WHERE seq = 3")
    count, broken = audit_verify_database()
    assert count == 2 and broken is not None and "head" in broken.reason


def test_reordered_entries_are_detected(audit_ctx):
    _append(4)
    # swap the seq numbers of entries 2 and 3 (through a temporary value)
    _raw("UPDATE kernel_auditentry SET seq = -2 WHERE seq = 2")
    _raw("UPDATE kernel_auditentry SET seq = 2 WHERE seq = 3")
    _raw("UPDATE kernel_auditentry SET seq = 3 WHERE seq = -2")
    count, broken = audit_verify_database()
    assert count == 1 and broken.seq == 2


def test_command_exits_nonzero_on_tamper(audit_ctx):
    _append(2)
    _raw("UPDATE kernel_auditentry SET actor_label = 'mallory' WHERE seq = 1")
    with pytest.raises(SystemExit) as exc:
        call_command("audit_verify")
    assert exc.value.code == 1


def test_exported_file_verifies_offline_and_detects_edits(audit_ctx, tmp_path):
    _append(3)
    path = tmp_path / "chain.jsonl"
    call_command("audit_verify", export=str(path))
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert verify_chain(lines) == (3, None)
    lines[1]["object_id"] = "forged"
    count, broken = verify_chain(lines)
    assert count == 1 and broken.seq == 2


def test_pure_chain_rejects_recomputed_tail_without_prefix():
    entry = {
        "seq": 1,
        "at": "2026-01-01T00:00:00.000000+00:00",
        "actor_id": None,
        "actor_label": "a",
        "post": "",
        "region_code": "",
        "action": "x",
        "object_type": "",
        "object_id": "",
        "before": "",
        "after": "",
        "request_id": "r",
    }
    good = {**entry, "prev_hash": GENESIS, "hash": entry_hash(GENESIS, entry)}
    assert verify_chain([good]) == (1, None)
    assert verify_chain([{**good, "prev_hash": "f" * 64}])[1].seq == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_audit_verify_on_tampered_sqlite_copy(tmp_path):
    """The promise of the issue: audit_verify passes on a database file and fails
    on a tampered copy of it (run as separate processes, like an operator would)."""
    db = tmp_path / "live.sqlite3"
    env = {"SHEBAO_DATABASE_URL": f"sqlite:///{db}", "DJANGO_SETTINGS_MODULE": "shebao.config.test_settings"}

    full_env = {**os.environ, **env}

    def run(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], env=full_env, capture_output=True, text=True
        )

    assert run("migrate", "-v", "0").returncode == 0
    code = (
        "import django;django.setup();from django.db import transaction;"
        "from shebao.kernel.audit import audit_record\n"
        "for i in range(5):\n"
        "    with transaction.atomic(): audit_record(action='t', object_id=i, after={'i': i})\n"
    )
    assert subprocess.run([sys.executable, "-c", code], env=full_env).returncode == 0
    ok = run("audit_verify")
    assert ok.returncode == 0, ok.stderr
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(db.read_bytes())
    con = sqlite3.connect(copy)
    con.execute("DROP TRIGGER kernel_auditentry_no_update")
    con.execute("UPDATE kernel_auditentry SET after = '{\"i\":42}' WHERE seq = 4")
    con.commit()
    con.close()
    bad = subprocess.run(
        [sys.executable, "manage.py", "audit_verify"],
        env={**full_env, "SHEBAO_DATABASE_URL": f"sqlite:///{copy}"},
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert "seq 4" in bad.stderr
