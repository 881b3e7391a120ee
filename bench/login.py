"""Sign-in throttling benchmark: the users subgraph under uvicorn, bursts of concurrent guesses and plain sign-ins.

    .venv/bin/python -m bench.login                                  # its own database and users process
    .venv/bin/python -m bench.login --url http://127.0.0.1:4001/graphql   # a running users (or gateway)

Scenarios: a burst of `--burst` concurrent wrong passwords for one account from one client
(how many were checked, how long the burst took); sequential sign-ins with the right password
(latency); sign-ins refused RATE_LIMITED (latency: no password hash is computed).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import time
import uuid
from typing import Any

import httpx

from shop.migrate import migrate_all
from shop.postgres import ensure_database, server_url
from subgraphs.common.settings import ROOT

from . import serving

LOGIN = "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken errors { code } } }"
REGISTER = 'mutation($e: String!) { register(input: {email: $e, password: "correct horse", displayName: "Bench"}) { errors { code } } }'


def serve(database_url: str, port: int) -> subprocess.Popen[bytes]:
    return serving.serve("users", port, {"DATABASE_URL": database_url, "SHOP_DATA_DIR": str(ROOT / ".data" / "bench")})


async def login(http: httpx.AsyncClient, url: str, email: str, password: str, client: str) -> tuple[str | None, float]:
    started = time.perf_counter()
    response = await http.post(url, json={"query": LOGIN, "variables": {"e": email, "p": password}}, headers={"X-Forwarded-For": client})
    errors: list[dict[str, Any]] = response.json()["data"]["login"]["errors"]
    return (errors[0]["code"] if errors else None), time.perf_counter() - started


def ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {ordered[int(len(ordered) * 0.95) - 1] * 1000:.1f} ms"


async def run(url: str, burst: int, rounds: int) -> None:
    async with httpx.AsyncClient(timeout=120.0) as http:
        email, client = f"bench-{uuid.uuid4().hex[:10]}@example.com", f"198.51.100.{uuid.uuid4().int % 254 + 1}"
        await http.post(url, json={"query": REGISTER, "variables": {"e": email}})
        for _ in range(3):  # warm up the pool and argon2
            await login(http, url, email, "correct horse", client)

        right = [(await login(http, url, email, "correct horse", client))[1] for _ in range(rounds)]
        print(f"sign-in, right password, sequential x{rounds}: {ms(right)}")

        started = time.perf_counter()
        results = await asyncio.gather(*(login(http, url, email, f"guess {i}", client) for i in range(burst)))
        elapsed = time.perf_counter() - started
        codes = [code for code, _ in results]
        print(f"burst of {burst} concurrent wrong passwords: {codes.count('INVALID_CREDENTIALS')} checked, "
              f"{codes.count('RATE_LIMITED')} refused, {elapsed * 1000:.0f} ms in all")

        refused = [(await login(http, url, email, "correct horse", client))[1] for _ in range(rounds)]
        print(f"sign-in refused RATE_LIMITED, sequential x{rounds}: {ms(refused)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running users subgraph's (or gateway's) /graphql")
    parser.add_argument("--port", type=int, default=18401)
    parser.add_argument("--burst", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    if args.url:
        asyncio.run(run(args.url, args.burst, args.rounds))
        return
    server, _handle = server_url(ROOT / ".data" / "bench")
    database_url = ensure_database(server, "shop_bench_login", fresh=True)
    migrate_all(database_url, ("users",))
    process = serve(database_url, args.port)
    try:
        asyncio.run(run(f"http://127.0.0.1:{args.port}/graphql", args.burst, args.rounds))
    finally:
        process.terminate()
        process.wait(10)


if __name__ == "__main__":
    main()
