"""Load generators cycling through distinct bodies: wrk with a Lua script, or a small asyncio client.

`measure` uses wrk when it is installed (C, one thread: a few percent of a core at thousands of
requests/s, where the asyncio client costs a good part of one, on a 2-core machine that shares it
with the servers); both rotate through the bodies so the requests in flight at any moment differ.
The asyncio client: requests encoded once, each client writes one and reads its answer
(Content-Length framed), far cheaper per request than an HTTP library.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


@dataclass
class Measured:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int = 0
    #: CPU per request of the servers measured and of PostgreSQL (filled in by the caller that knows their pids).
    server_ms: float = 0.0
    database_ms: float = 0.0

    def mean(self, other: Measured) -> Measured:
        """Two measurements of the same line (before and after the others) as one."""
        return Measured((self.requests_per_s + other.requests_per_s) / 2, (self.p50_ms + other.p50_ms) / 2, max(self.p99_ms, other.p99_ms),
                        self.errors + other.errors, self.requests + other.requests,
                        (self.server_ms + other.server_ms) / 2, (self.database_ms + other.database_ms) / 2)


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
    return Measured(len(latencies) / elapsed, q[49] * 1000, q[98] * 1000, len(failures), len(latencies))


#: wrk's Lua: every body (one a line) pre-formatted once, then handed out in turn to each connection.
LUA = """
local requests, n = {}, 0
init = function(args)
  for line in io.lines(args[1]) do
    local headers = {["Content-Type"] = "application/json"}
    if args[2] ~= nil and args[2] ~= "" then headers["Authorization"] = args[2] end
    requests[#requests + 1] = wrk.format("POST", nil, headers, line)
  end
end
request = function()
  n = n + 1
  return requests[(n % #requests) + 1]
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %f %f %f %d %d\\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.timeout, summary.requests))
end
"""


def run_wrk(url: str, bodies: list[bytes], duration: float, connections: int, authorization: str = "") -> Measured:
    """wrk, one thread, `connections` keep-alive connections, the bodies in turn."""
    with tempfile.TemporaryDirectory() as folder:
        script, lines = Path(folder) / "bodies.lua", Path(folder) / "bodies.txt"
        script.write_text(LUA)
        lines.write_bytes(b"\n".join(bodies) + b"\n")
        command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s", "-s", str(script), url, "--", str(lines), authorization]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"RESULT (\S+) (\S+) (\S+) (\d+) (\d+)", out)
    assert match, out
    rps, p50, p99, errors, requests = match.groups()
    return Measured(float(rps), float(p50), float(p99), int(errors), int(requests))


def measure(url: str, bodies: list[bytes], duration: float, connections: int, authorization: str = "", tool: str = "auto") -> Measured:
    """The same generator for every path of a run: wrk if installed (or asked), else the asyncio client."""
    if tool == "wrk" or (tool == "auto" and shutil.which("wrk")):
        return run_wrk(url, bodies, duration, connections, authorization)
    headers = {"Authorization": authorization} if authorization else None
    return asyncio.run(run(url, bodies, duration, connections, headers))
