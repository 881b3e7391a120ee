"""What guarding private fields costs on `_entities`: the users subgraph in-process, N accounts per request.

    python -m bench.entities --users 100 --requests 200

The database is `shop_bench_entities` (dropped and made afresh) on DATABASE_URL's server, or on an
embedded server in `.data/bench`. Each scenario asks every field of N `User` representations; the
SQL statements of one request are counted (the guard must not add any). Results print as Markdown.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import event, insert

from shop.migrate import migrate_all
from shop.postgres import drop_database, ensure_database, server_url
from subgraphs.common.settings import ROOT, Settings
from subgraphs.users import models, sessions
from subgraphs.users.app import build
from subgraphs.users.tokens import TokenSigner, generate_pem, public_pem

QUERY = """query($r: [_Any!]!) { _entities(representations: $r) { ... on User {
  id email displayName roles defaultAddress { city } createdAt externalIdentities { provider } } } }"""
ADDRESS = {"recipient": "Ann", "country": "RU", "city": "Tula", "street": "Lenina 5", "postal_code": "300000"}


async def _measure(http: httpx.AsyncClient, token: str | None, reps: list[dict[str, str]], requests: int, statements: list[str]) -> tuple[float, float, float, int, int]:
    """Wall-clock p50 and p99, and the median CPU time of this process (client and app), per request."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    times: list[float] = []
    cpu: list[float] = []
    for _ in range(requests):
        statements.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        body = (await http.post("/graphql", json={"query": QUERY, "variables": {"r": reps}}, headers=headers)).json()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    readable = sum(1 for e in body["data"]["_entities"] if e is not None)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1], statistics.median(cpu), len(statements), readable


async def run(url: str, users: int, requests: int) -> None:
    pem = generate_pem()
    settings = Settings(database_url=url, data_dir=Path(tempfile.mkdtemp()), jwt_private_key=pem, jwt_public_key=public_pem(pem))
    ids = [uuid.uuid4() for _ in range(users)]
    app = build(settings)
    async with app.router.lifespan_context(app):
        db = app.state.shop.db
        async with db() as session, session.begin():
            rows = [{"id": i, "email": f"{i.hex}@example.com", "display_name": "Ann", "roles": ["CUSTOMER"], "default_address": ADDRESS} for i in ids]
            rows[0]["roles"] = ["CUSTOMER", "ADMIN"]
            await session.execute(insert(models.User), rows)
        signer = TokenSigner.from_settings(settings)
        tokens: dict[str, str | None] = {}
        for name, user_id, roles in (("admin", ids[0], ["ADMIN"]), ("owner", ids[1], ["CUSTOMER"])):
            async with db() as session:
                row = await session.get(models.User, user_id)
            opened = await sessions.open_session(db, row, settings.refresh_token_ttl)
            tokens[name] = signer.issue(user_id, roles, opened.session_id).token
        tokens["anonymous"] = None
        statements: list[str] = []
        event.listen(db.kw["bind"].sync_engine, "before_cursor_execute", lambda _c, _k, sql, *_: statements.append(sql))
        reps = [{"__typename": "User", "id": str(i)} for i in ids]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            await _measure(http, tokens["admin"], reps, 20, statements)  # warm the caches and the pool
            print(f"\n{users} User representations per request, every field, {requests} requests in sequence\n")
            print("| caller | p50 ms | p99 ms | CPU ms (p50) | SQL statements | entities readable |\n|---|---:|---:|---:|---:|---:|")
            for name in ("admin", "owner", "anonymous"):
                p50, p99, cpu, count, readable = await _measure(http, tokens[name], reps, requests, statements)
                # A signed-in request also checks the session behind its token: one statement more.
                print(f"| {name} | {p50:.1f} | {p99:.1f} | {cpu:.1f} | {count} | {readable} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    # Strawberry logs every refused field with its traceback: thousands of lines that measure nothing.
    logging.getLogger("strawberry.execution").setLevel(logging.CRITICAL)
    server, _handle = server_url(ROOT / ".data" / "bench")
    url = ensure_database(server, "shop_bench_entities", fresh=True)
    migrate_all(url)
    try:
        asyncio.run(run(url, args.users, args.requests))
    finally:
        drop_database(server, "shop_bench_entities")


if __name__ == "__main__":
    main()
