"""A small HTTP/1.1 keep-alive load generator: `connections` clients cycling through distinct bodies.

Requests are encoded once; each client writes one and reads its answer (Content-Length framed), so
the generator costs far less per request than an HTTP library would and the servers stay the limit.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Measured:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


def _request(url: str, body: bytes, headers: dict[str, str]) -> bytes:
    parts = urlsplit(url)
    lines = [f"POST {parts.path or '/'} HTTP/1.1", f"Host: {parts.netloc}", "Content-Type: application/json",
             f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _client(url: str, requests: list[bytes], offset: int, deadline: float, latencies: list[float], failures: list[int]) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    i = offset
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(requests[i % len(requests)])
            i += 1
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200"):
                failures.append(1)
    finally:
        writer.close()


async def run(url: str, bodies: list[bytes], duration: float, connections: int, headers: dict[str, str] | None = None) -> Measured:
    """Each client starts at another body, so at any moment the in-flight requests differ."""
    requests = [_request(url, body, headers or {}) for body in bodies]
    latencies: list[float] = []
    failures: list[int] = []
    deadline = time.perf_counter() + duration
    started = time.perf_counter()
    step = max(1, len(requests) // connections)
    await asyncio.gather(*(_client(url, requests, n * step, deadline, latencies, failures) for n in range(connections)))
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Measured(len(latencies) / elapsed, q[49] * 1000, q[98] * 1000, len(failures))
