"""Shared by bench/profile_lookup.py and bench/profile_estimator.py: call a WSGI
application in this process with pre-built environs and print CPU and wall time per
request (optionally a cProfile of it)."""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Callable


def wsgi_environ(path: str, *, body: bytes = b"", token: str = "") -> dict:
    """A GET (no body) or a JSON POST (body) to ``path``, with a bearer token if given."""
    e = {
        "REQUEST_METHOD": "POST" if body else "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_ACCEPT": "application/json",
        "HTTP_USER_AGENT": "shebao-bench",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if body:
        e["CONTENT_TYPE"] = "application/json"
        e["CONTENT_LENGTH"] = str(len(body))
    if token:
        e["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return e


def measure(application, environ: Callable[[int], dict], *, n: int, warmup: int, profile: int, label: str) -> None:
    statuses: dict[str, int] = {}

    def start_response(status, headers, exc_info=None):
        statuses[status] = statuses.get(status, 0) + 1

    def call(i: int) -> None:
        result = application(environ(i), start_response)
        b"".join(result)
        if hasattr(result, "close"):
            result.close()

    for i in range(warmup):  # connections, caches, lazy imports
        call(i)
    statuses.clear()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU, not waiting on the database
        profiler.enable()
    chunk = max(1, n // 10)
    cpu_chunks, wall_chunks = [], []
    for start in range(0, n, chunk):  # ten chunks: the minimum is steadier on a shared machine
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for i in range(start, min(start + chunk, n)):
            call(i)
        done = min(start + chunk, n) - start
        cpu_chunks.append((time.process_time() - cpu0) / done * 1000)
        wall_chunks.append((time.perf_counter() - wall0) / done * 1000)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(profile)
    cpu_chunks.sort()
    wall_chunks.sort()
    print(
        f"{label}: {n} requests, CPU ms/request min {cpu_chunks[0]:.3f} median "
        f"{cpu_chunks[len(cpu_chunks) // 2]:.3f}, wall ms/request min {wall_chunks[0]:.3f} median "
        f"{wall_chunks[len(wall_chunks) // 2]:.3f}, {statuses}"
    )
