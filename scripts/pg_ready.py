"""Exit 0 if the PostgreSQL URL given as argument answers, 1 otherwise."""

import sys
from urllib.parse import urlparse

import psycopg

url = urlparse(sys.argv[1])
try:
    with psycopg.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username or "postgres",
        dbname=url.path.lstrip("/") or "test",
        password=url.password or None,
        connect_timeout=3,
    ) as conn:
        conn.execute("SELECT 1")
except Exception as exc:  # noqa: BLE001
    print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
    sys.exit(1)
