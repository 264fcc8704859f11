"""A closed-loop HTTP/1.1 load generator over keep-alive connections, two clients:

- ``wrk`` (the default when installed; ``make bench`` installs Debian's package): a C
  client, about 0.03 ms of CPU per request. It sends the same pre-built requests
  (``bench/wrk_requests.lua``) and its percentiles come from its own histogram.
- ``python``: stdlib asyncio with pre-built request bytes, about 0.1–0.2 ms of CPU per
  request (13 % of a core at 1,400 look-ups/s, measured 2026-12-07).

On the 2-core benchmark machine the client shares the cores with the server processes
and PostgreSQL, so its own cost is taken from the server's: the lighter client measures
the server more faithfully (a real client runs elsewhere). Both run as a separate process.

    python bench/loadgen.py --port 8123 --path /api/v1/staff/persons/lookup \
        --token sbt_... --bodies ids.json --connections 8 --warmup 3 --duration 20 [--client python]

Prints one JSON object: client, requests, errors, statuses, req/s, latency percentiles
(ms). Only 127.0.0.1 is ever targeted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOST = "127.0.0.1"


def build_requests(
    *, port: int, path: str, token: str, bodies: list[str], tokens: list[str] | None = None
) -> list[bytes]:
    """Pre-built requests: a POST per body (GET when there are none), for the one ``token``
    or, with ``tokens``, once per token (each caller its own identity, e.g. citizens)."""
    out = []
    for tok in tokens or [token]:
        head = f"Host: {HOST}:{port}\r\nUser-Agent: shebao-bench\r\nAccept: application/json\r\n"
        if tok:
            head += f"Authorization: Bearer {tok}\r\n"
        if not bodies:
            out.append(f"GET {path} HTTP/1.1\r\n{head}\r\n".encode())
            continue
        for body in bodies:
            data = body.encode()
            out.append(
                f"POST {path} HTTP/1.1\r\n{head}Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n".encode()
                + data
            )
    return out


async def _connection(port, requests, start, warm_until, deadline, latencies, statuses, rng, errors):
    reader = writer = None
    while time.perf_counter() < deadline:
        if writer is None:
            try:
                reader, writer = await asyncio.open_connection(HOST, port)
            except OSError:
                errors.append("connect")
                await asyncio.sleep(0.05)
                continue
        request = requests[int(rng.random() * len(requests))]
        t0 = time.perf_counter()
        try:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            close = False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            if length:
                await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            errors.append(type(exc).__name__)
            writer.close()
            reader = writer = None
            continue
        t1 = time.perf_counter()
        if t0 >= warm_until and t1 <= deadline:
            latencies.append(t1 - t0)
            status = head[9:12].decode("ascii", "replace")
            statuses[status] = statuses.get(status, 0) + 1
        if close:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


async def run(*, port, path, token, bodies, connections, warmup, duration, seed=1, tokens=None) -> dict:
    requests = build_requests(port=port, path=path, token=token, bodies=bodies, tokens=tokens)
    start = time.perf_counter()
    warm_until = start + warmup
    deadline = warm_until + duration
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    errors: list[str] = []
    await asyncio.gather(
        *(
            _connection(
                port,
                requests,
                start,
                warm_until,
                deadline,
                latencies,
                statuses,
                random.Random(seed + i),
                errors,
            )
            for i in range(connections)
        )
    )
    latencies.sort()
    ok = statuses.get("200", 0)
    return {
        "path": path,
        "connections": connections,
        "warmup_s": warmup,
        "duration_s": duration,
        "requests": len(latencies),
        "ok": ok,
        "statuses": statuses,
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "rps": len(latencies) / duration,
        "ok_rps": ok / duration,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p90_ms": percentile(latencies, 0.90) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": (latencies[-1] * 1000) if latencies else float("nan"),
    }


WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_requests.lua"


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(*, port, path, token, bodies, connections, warmup, duration, seed=1, tokens=None) -> dict:
    """The same measurement with wrk: a warm-up run (discarded), then the measured run."""
    requests = build_requests(port=port, path=path, token=token, bodies=bodies, tokens=tokens)
    assert all(b"\0" not in r for r in requests)
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "requests.bin"
        file.write_bytes(b"\0".join(requests))
        env = dict(os.environ, WRK_REQUESTS=str(file), WRK_SEED=str(seed))
        url = f"http://{HOST}:{port}{path}"

        def wrk(seconds: float, *extra: str) -> str:
            command = [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "-s",
                str(WRK_SCRIPT),
                *extra,
                url,
            ]
            return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout

        if warmup > 0:
            wrk(warmup)
        out = wrk(duration, "--timeout", "10s")
    summary = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    seconds = summary["duration_us"] / 1e6
    statuses = summary["statuses"]
    ok = statuses.get("200", 0)
    return {
        "client": "wrk",
        "path": path,
        "connections": connections,
        "warmup_s": warmup,
        "duration_s": round(seconds, 3),
        "requests": summary["requests"],
        "ok": ok,
        "statuses": statuses,
        "errors": summary["errors"],
        "error_kinds": [],
        "rps": summary["requests"] / seconds,
        "ok_rps": ok / seconds,
        "p50_ms": summary["p50_us"] / 1000,
        "p90_ms": summary["p90_us"] / 1000,
        "p99_ms": summary["p99_us"] / 1000,
        "max_ms": summary["max_us"] / 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/healthz")
    parser.add_argument("--token", default="")
    parser.add_argument("--tokens", default="", help="JSON file: a list of bearer tokens, one identity each")
    parser.add_argument(
        "--bodies", default="", help="JSON file: a list of request bodies (objects); none: GET"
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument(
        "--client", choices=["auto", "wrk", "python"], default="auto", help="auto: wrk when installed"
    )
    args = parser.parse_args(argv)
    if not (0 < args.duration <= 600 and 0 <= args.warmup <= 60 and 1 <= args.connections <= 256):
        parser.error("duration 0–600 s, warm-up 0–60 s, 1–256 connections")
    bodies = []
    if args.bodies:
        with open(args.bodies, encoding="utf-8") as fh:
            bodies = [json.dumps(b, ensure_ascii=False) for b in json.load(fh)]
    tokens = None
    if args.tokens:
        with open(args.tokens, encoding="utf-8") as fh:
            tokens = [str(t) for t in json.load(fh)]
    options = {
        "port": args.port,
        "path": args.path,
        "token": args.token,
        "bodies": bodies,
        "connections": args.connections,
        "warmup": args.warmup,
        "duration": args.duration,
        "tokens": tokens,
    }
    client = args.client
    if client == "auto":
        client = "wrk" if wrk_available() else "python"
    if client == "wrk":
        if not wrk_available():
            parser.error("wrk is not installed (apt-get install wrk, or make bench)")
        result = run_wrk(**options)
    else:
        result = {"client": "python", **asyncio.run(run(**options))}
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
