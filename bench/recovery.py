"""Recovery after repeated short outages: how long orders stay PENDING, and how long after the
last outage until every order is terminal.

    python -m bench.recovery                                   # catalog down 1 s of every 3, 8 times
    python -m bench.recovery --piece wallet --outages 12 --down 2
    SHOP_BREAKER_COOLDOWN=10 python -m bench.recovery          # a long-open breaker, for comparison

The whole store (`shop/stack.py`) runs on an embedded PostgreSQL of its own in `.data/bench-recovery`
(made fresh) on `--port-base` (24100). Customers buy in a loop through the gateway (the chaos
test's traffic, with cancels and an admin moving deliveries) while one subgraph is SIGKILLed for
`--down` seconds and started again, `--outages` times, `--up` seconds apart. Then the traffic
stops and the seconds from the last restart until no order is PENDING (or mid-saga) are
measured, as are the seconds each order spent PENDING (from its status history).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import time

import httpx

from shop.cli import prepare
from shop.migrate import migrate_all
from shop.postgres import embedded, ensure_database
from shop.stack import Stack
from subgraphs.common.db import connect_raw
from subgraphs.common.settings import ROOT, Settings
from tests.chaos.invariants import orders_terminal, violations
from tests.chaos.traffic import LOGIN, Ledger, administrator, call, customer, setup, sign_up
from tests.conftest import GraphQLClient

PENDING_SECONDS = """
SELECT extract(epoch FROM min(h2.at) - h1.at) FROM orders.order_status_history h1
JOIN orders.order_status_history h2 ON h2.order_id = h1.order_id AND h2.status <> 'PENDING'
WHERE h1.status = 'PENDING' GROUP BY h1.order_id, h1.at"""
#: The saga steps of the three orders that stayed PENDING longest: where they waited.
SLOWEST = """
SELECT s.order_id::text, s.step, s.state, s.attempts, left(s.error, 80) AS error,
       round(extract(epoch FROM s.updated_at - o.created_at)::numeric, 1)::float AS at_s
FROM orders.saga_steps s JOIN orders.orders o ON o.id = s.order_id
WHERE o.id IN (SELECT h1.order_id FROM orders.order_status_history h1
               JOIN orders.order_status_history h2 ON h2.order_id = h1.order_id AND h2.status <> 'PENDING'
               WHERE h1.status = 'PENDING' GROUP BY h1.order_id, h1.at ORDER BY min(h2.at) - h1.at DESC LIMIT 3)
ORDER BY s.order_id, s.position"""


def run(args: argparse.Namespace) -> dict[str, object]:
    folder = ROOT / ".data" / "bench-recovery"
    shutil.rmtree(folder, ignore_errors=True)
    handle = embedded(folder)
    try:
        url = ensure_database(handle.get_uri(), "shop")
        migrate_all(url)
        settings = Settings(database_url=url, data_dir=folder / "store", port_base=args.port_base)
        return asyncio.run(serve(args, settings))
    finally:
        handle.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


async def serve(args: argparse.Namespace, settings: Settings) -> dict[str, object]:
    assert settings.database_url
    await prepare(settings, settings.database_url)
    async with Stack(settings, settings.database_url, quiet=True) as stack, httpx.AsyncClient(base_url=settings.url("gateway"), timeout=15) as http:
        return await measure(args, stack, settings, GraphQLClient(http))


async def measure(args: argparse.Namespace, stack: Stack, settings: Settings, gateway: GraphQLClient) -> dict[str, object]:
    rng, ledger = random.Random(args.seed), Ledger()
    until = time.monotonic() + 60
    login = await call(gateway, LOGIN, {"e": settings.admin_email, "p": settings.admin_password}, "login", until=until, ledger=ledger)
    admin = gateway.as_(login["accessToken"])
    products, point = await setup(gateway, admin, products=6, stock=10_000, rng=rng)
    customers = [await sign_up(gateway, until, ledger) for _ in range(args.customers)]
    stop = asyncio.Event()
    answer_by = time.monotonic() + args.outages * (args.down + args.up) + 120
    tasks = [asyncio.create_task(customer(me, products, point, stop, answer_by, ledger, random.Random(rng.random()))) for me in customers]
    tasks.append(asyncio.create_task(administrator(admin, stop, ledger, random.Random(rng.random()))))
    await asyncio.sleep(args.up)
    for _ in range(args.outages):
        stack.kill(args.piece)
        await asyncio.sleep(args.down)
        await stack.restart(args.piece)
        healed = time.monotonic()
        await asyncio.sleep(args.up)
    stop.set()
    await asyncio.gather(*tasks)
    db = await connect_raw(settings.database_url or "")
    try:
        while not await orders_terminal(db) and time.monotonic() - healed < 300:
            await asyncio.sleep(0.1)
        settled = time.monotonic() - healed
        pending = sorted(float(r[0]) for r in await db.fetch(PENDING_SECONDS))
        statuses = dict(await db.fetch("SELECT status, count(*) FROM orders.orders GROUP BY status"))
        reasons = dict(await db.fetch("SELECT failure_reason, count(*) FROM orders.orders WHERE status = 'FAILED' GROUP BY 1"))
        slowest = [dict(r) for r in await db.fetch(SLOWEST)]
        await asyncio.sleep(3)  # events still on their way
        broken = await violations(db, ledger, products, 10_000)
    finally:
        await db.close()
    return {
        "piece": args.piece, "outages": args.outages, "down_s": args.down, "up_s": args.up,
        "breaker_cooldown_s": settings.breaker_cooldown, "breaker_threshold": settings.breaker_threshold,
        "orders": statuses, "failure_reasons": reasons, "seconds_from_last_restart_to_all_terminal": round(settled, 2),
        "pending_seconds": {"median": round(statistics.median(pending), 2), "p95": round(pending[int(len(pending) * 0.95) - 1], 2),
                            "max": round(pending[-1], 2)} if pending else None,
        "slowest": slowest,
        "invariants_broken": broken[:10],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--piece", default="catalog", help="the subgraph to take down (catalog, wallet, delivery, …)")
    parser.add_argument("--outages", type=int, default=8)
    parser.add_argument("--down", type=float, default=1.0, help="seconds each outage lasts")
    parser.add_argument("--up", type=float, default=2.0, help="seconds between outages")
    parser.add_argument("--customers", type=int, default=6)
    parser.add_argument("--port-base", type=int, default=24100)
    parser.add_argument("--seed", type=int, default=1)
    print(json.dumps(run(parser.parse_args()), indent=2))


if __name__ == "__main__":
    main()
