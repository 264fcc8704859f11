"""Typed helpers that read configuration from the environment.

Every secret may be given either directly (``NAME``) or as a path to a file
holding it (``NAME_FILE``), the convention of container secret stores.
Problems are collected, not raised, so that Django's system checks can report
all of them at start-up (see ``shebao.kernel.checks``).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PROBLEMS: list[str] = []


def env_str(name: str, default: str | None = None) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            PROBLEMS.append(f"{name}_FILE={file_path!r} cannot be read: {exc}")
            return default
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    PROBLEMS.append(f"{name}={raw!r} is not a boolean (use true/false)")
    return default


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        PROBLEMS.append(f"{name}={raw!r} is not an integer")
        return default


def pg_prepare_threshold(name: str = "SHEBAO_PG_PREPARE_THRESHOLD", default: int = 5) -> int | None:
    """After how many runs on a connection psycopg prepares a statement (0: at once);
    ``off`` (or ``none``) never, for a pooler that cannot keep prepared statements."""
    raw = (os.environ.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in {"off", "none", "false", "no"}:
        return None
    if raw.isdigit() and int(raw) <= 1_000_000:
        return int(raw)
    PROBLEMS.append(f"{name}={raw!r} is not a count of runs (use 0, 5, … or off)")
    return default


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str, *, conn_max_age: int) -> dict:
    """Turn ``sqlite:///path`` or ``postgres://user@host:port/name`` into a DATABASES entry."""
    parsed = urlparse(url)
    scheme = parsed.scheme
    options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    if scheme == "sqlite":
        # sqlite:///relative/path  -> relative to the project; sqlite:////abs/path -> absolute
        path = unquote(parsed.path)[1:] if parsed.path else ":memory:"
        if path and not path.startswith("/") and path != ":memory:":
            path = str(BASE_DIR / path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                # WAL + a busy timeout make the file database usable by a web
                # process and a worker at the same time.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "CONN_MAX_AGE": conn_max_age,
            "TEST": {"NAME": options.get("test_name")} if options.get("test_name") else {},
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        entry = {
            "ENGINE": "shebao.kernel.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "shebao",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": conn_max_age,
            # Health checks cost a SELECT 1 per request (measured: a third of the
            # look-up's round trips); a broken connection fails one request and is
            # then discarded, so keep them off unless the network is flaky.
            "CONN_HEALTH_CHECKS": env_bool("SHEBAO_CONN_HEALTH_CHECKS", False),
            "OPTIONS": {},
        }
        if env_bool("SHEBAO_PG_SERVER_SIDE_BINDING", True):
            # Parameters bound by the server, and statements a connection runs often
            # prepared once (psycopg's prepare_threshold): less parsing and planning.
            entry["OPTIONS"]["server_side_binding"] = True
            # Django turns psycopg's automatic preparation off unless it is asked for
            # (for transaction-mode poolers): ask for it (ADR 0012).
            threshold = pg_prepare_threshold()
            if threshold is not None:
                entry["OPTIONS"]["prepare_threshold"] = threshold
        if "test_name" in options:
            entry["TEST"] = {"NAME": options.pop("test_name")}
        entry["OPTIONS"].update(options)
        return entry
    PROBLEMS.append(f"SHEBAO_DATABASE_URL has unsupported scheme {scheme!r} (use sqlite:/// or postgres://)")
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
