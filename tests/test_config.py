import pytest

from shebao.config import env


@pytest.fixture(autouse=True)
def _clean_problems():
    saved = list(env.PROBLEMS)
    env.PROBLEMS.clear()
    yield
    env.PROBLEMS[:] = saved


def test_sqlite_relative_and_absolute_urls():
    rel = env.database_from_url("sqlite:///var/x.sqlite3", conn_max_age=0)
    assert (
        rel["ENGINE"].endswith("sqlite3")
        and rel["NAME"].endswith("/var/x.sqlite3")
        and rel["NAME"].startswith("/")
    )
    absolute = env.database_from_url("sqlite:////srv/abs.sqlite3", conn_max_age=0)
    assert absolute["NAME"] == "/srv/abs.sqlite3"


def test_postgres_url():
    db = env.database_from_url(
        "postgres://u:p%40ss@db.example:6543/shebao?sslmode=require&test_name=t1", conn_max_age=60
    )
    assert db["ENGINE"] == "shebao.kernel.postgresql"  # Django's, with bulk batches sized for server-side binding
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "u",
        "p@ss",
        "db.example",
        "6543",
        "shebao",
    )
    assert (
        db["OPTIONS"] == {"sslmode": "require", "server_side_binding": True, "prepare_threshold": 5}
        and db["TEST"] == {"NAME": "t1"}
        and db["CONN_MAX_AGE"] == 60
    )


def test_postgres_server_side_binding_can_be_switched_off(monkeypatch):
    """On by default (prepared statements: ADR 0012); off for a pooler that cannot keep them."""
    monkeypatch.setenv("SHEBAO_PG_SERVER_SIDE_BINDING", "false")
    db = env.database_from_url("postgres://u@db.example/shebao", conn_max_age=0)
    assert "server_side_binding" not in db["OPTIONS"]


def test_postgres_prepared_statements_threshold(monkeypatch):
    """Django leaves psycopg's automatic preparation off unless asked (ADR 0012)."""
    for raw, expected in (("0", 0), ("12", 12), ("off", None), ("none", None)):
        monkeypatch.setenv("SHEBAO_PG_PREPARE_THRESHOLD", raw)
        db = env.database_from_url("postgres://u@db.example/shebao", conn_max_age=0)
        assert db["OPTIONS"].get("prepare_threshold", None) == expected
        assert db["OPTIONS"]["server_side_binding"] is True
    assert not env.PROBLEMS
    monkeypatch.setenv("SHEBAO_PG_PREPARE_THRESHOLD", "often")
    assert env.database_from_url("postgres://u@db.example/shebao", conn_max_age=0)["OPTIONS"]["prepare_threshold"] == 5
    assert any("SHEBAO_PG_PREPARE_THRESHOLD" in p for p in env.PROBLEMS)


def test_unknown_scheme_is_a_problem():
    env.database_from_url("mysql://x/y", conn_max_age=0)
    assert any("unsupported scheme" in p for p in env.PROBLEMS)


def test_typed_helpers_collect_problems(monkeypatch):
    monkeypatch.setenv("X_BOOL", "perhaps")
    monkeypatch.setenv("X_INT", "ten")
    assert env.env_bool("X_BOOL", True) is True
    assert env.env_int("X_INT", 3) == 3
    assert len(env.PROBLEMS) == 2


def test_secret_from_file(monkeypatch, tmp_path):
    secret = tmp_path / "s"
    secret.write_text("from-file\n", encoding="utf-8")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env.env_str("X_SECRET") == "from-file"
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "missing"))
    assert env.env_str("X_SECRET", "d") == "d"
    assert any("X_SECRET_FILE" in p for p in env.PROBLEMS)


def test_problems_surface_as_system_check_errors():
    from shebao.kernel.checks import check_configuration

    env.PROBLEMS.append("SHEBAO_DEBUG='maybe' is not a boolean")
    errors = check_configuration(None)
    assert any(e.id == "shebao.E001" and "SHEBAO_DEBUG" in e.msg for e in errors)


def test_start_up_fails_loudly_without_secrets(tmp_path):
    import os
    import subprocess
    import sys

    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("SHEBAO_") and k != "DJANGO_SETTINGS_MODULE"
    }
    clean["SHEBAO_DATABASE_URL"] = f"sqlite:///{tmp_path}/x.sqlite3"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=clean, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "shebao.E002" in result.stderr and "shebao.E003" in result.stderr


def test_batch_commands_still_check_the_configuration(tmp_path):
    """Batch commands skip the URL checks (start-up time) but not the configuration ones:
    without keys, ``assess`` refuses to start with the same errors as ``check``."""
    import os
    import subprocess
    import sys

    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("SHEBAO_") and k != "DJANGO_SETTINGS_MODULE"
    }
    clean["SHEBAO_DATABASE_URL"] = f"sqlite:///{tmp_path}/x.sqlite3"
    result = subprocess.run(
        [sys.executable, "manage.py", "assess", "--period", "202601"],
        env=clean, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "shebao.E002" in result.stderr and "shebao.E003" in result.stderr


def test_batch_checks_include_the_exchange_key():
    from django.core import checks
    from django.test import override_settings

    from shebao.kernel.checks import BATCH_CHECKS

    with override_settings(SHEBAO_EXCHANGE_KEY="not a key"):
        errors = checks.run_checks(tags=BATCH_CHECKS)
    assert any(e.id == "shebao.E020" for e in errors)
