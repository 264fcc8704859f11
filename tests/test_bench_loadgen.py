"""bench/loadgen.py: both load generators count the same statuses against a small local
keep-alive server (wrk only where it is installed: ``make bench`` installs it)."""

from __future__ import annotations

import asyncio
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import loadgen  # noqa: E402


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        ok = b'"yes"' in body and self.headers.get("Authorization") == "Bearer t0k"
        payload = b'{"ok": true}' if ok else b'{"ok": false}'
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


BODIES = ['{"id": "yes"}', '{"id": "no"}']


def _check(result: dict) -> None:
    statuses = result["statuses"]
    assert set(statuses) == {"200", "404"}
    assert result["ok"] == statuses["200"] > 0
    assert result["requests"] == sum(statuses.values())
    assert result["errors"] == 0
    assert result["ok_rps"] > 0
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]


def test_python_client_counts_statuses(server):
    result = asyncio.run(
        loadgen.run(port=server, path="/x", token="t0k", bodies=BODIES, connections=2, warmup=0, duration=1)
    )
    _check(result)


@pytest.mark.skipif(not loadgen.wrk_available(), reason="wrk is not installed (make bench installs it)")
def test_wrk_client_counts_statuses(server):
    result = loadgen.run_wrk(
        port=server, path="/x", token="t0k", bodies=BODIES, connections=2, warmup=0, duration=1
    )
    assert result["client"] == "wrk"
    _check(result)
