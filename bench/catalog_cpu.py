"""The catalog's own CPU per listing page, in-process: the ASGI app called directly, no HTTP server, no load generator.

    python -m bench.catalog_cpu --line first --requests 600      # or --line deep

On a shared machine a throughput varies with everyone else's load; the CPU this process spends per
request varies far less, so this is the figure to compare two versions of the read path with (run
each the same way, one after the other). The bodies are bench/showcase.py's (distinct, uncached).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from typing import Any

from bench.catalog import prepare
from bench.showcase import _facts, graphql_bodies


async def call(app: Any, body: bytes) -> bytes:
    """One POST /graphql through the whole ASGI app (middleware, view, schema)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http", "path": "/graphql",
             "raw_path": b"/graphql", "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 2),
             "headers": [(b"host", b"bench"), (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]}
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    out: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return messages.pop() if messages else await asyncio.Event().wait()  # type: ignore[func-returns-value]

    async def send(message: dict[str, Any]) -> None:
        out.append(message.get("body", b""))

    await app(scope, receive, send)
    return b"".join(out)


async def measure(url: str, line: str, requests: int, concurrency: int) -> float:
    os.environ.update(DATABASE_URL=url, SHOP_SHOWCASE_CACHE="false", SHOP_REVOCATION_FEED="false")
    from subgraphs.catalog.app import build  # after the environment: the app reads its settings at startup

    bodies = graphql_bodies(*await _facts(url))[line]
    app = build()
    async with app.router.lifespan_context(app):
        for body in bodies:  # warm: plans, pages, pools
            answer = await call(app, body)
            assert b'"errors"' not in answer, answer[:300]

        async def client(k: int) -> None:
            for i in range(requests // concurrency):
                await call(app, bodies[(k * 7 + i) % len(bodies)])

        started = time.process_time()
        await asyncio.gather(*(client(k) for k in range(concurrency)))
        return (time.process_time() - started) * 1000 / (requests // concurrency * concurrency)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--line", choices=("first", "deep"), default="first")
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    url, _handle = prepare(args.products)  # the handle keeps an embedded server up until the end
    cpu = asyncio.run(measure(url, args.line, args.requests, args.concurrency))
    print(f"{args.line} pages: {cpu:.2f} ms of catalog CPU per request ({args.requests} requests, {args.concurrency} at a time;"
          f" load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
