"""A small closed-loop HTTP/1.1 load generator (stdlib asyncio, keep-alive sockets).

Runs in its own process so that it competes for the CPU like any client would, but
stays lean (pre-built request bytes, no HTTP library): on a 2-core machine the server
needs the cores more than the client does.

    python bench/loadgen.py --port 8123 --path /api/v1/staff/persons/lookup \
        --token sbt_... --bodies ids.json --connections 8 --warmup 3 --duration 20

Prints one JSON object: requests, errors, statuses, req/s, latency percentiles (ms).
Only 127.0.0.1 is ever targeted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time

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
    result = asyncio.run(
        run(
            port=args.port,
            path=args.path,
            token=args.token,
            bodies=bodies,
            connections=args.connections,
            warmup=args.warmup,
            duration=args.duration,
            tokens=tokens,
        )
    )
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
