"""An operator's worst day: checkout traffic while every subgraph and the gateway are SIGKILLed
at random and PostgreSQL crashes once; afterwards money, stock, deliveries and notifications add up.

`CHAOS_SECONDS` (default 40) is how long faults are injected; `make chaos` runs 600. The figures
(faults, orders by final status, time to settle) are printed and written to `.data/chaos-report.json`.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections import Counter

from shop.stack import Stack
from subgraphs.common.db import connect_raw
from subgraphs.common.settings import ROOT, Settings
from tests.conftest import GraphQLClient

from .faults import Postgres, Record, inject
from .invariants import orders_terminal, unsettled, violations
from .traffic import LOGIN, Ledger, administrator, call, customer, setup, sign_up

SECONDS = float(os.environ.get("CHAOS_SECONDS", "40"))
CUSTOMERS = int(os.environ.get("CHAOS_CUSTOMERS", "6"))
SEED = int(os.environ.get("CHAOS_SEED", str(random.randrange(1 << 30))))
#: Enough stock that customers compete for it without running the shelves empty in a long run.
PRODUCTS, STOCK = 6, 20 + int(SECONDS)
#: After the last fault heals, every order is terminal within this many seconds (the breaker
#: probes within a second and recovery runs every two).
ORDERS_SETTLE = 15.0
#: …and every event has been delivered and every invariant holds within this many.
EVERYTHING_SETTLES = 90.0


async def test_nothing_is_lost_and_nothing_is_stuck(
    chaos_store: Stack, chaos_gateway: GraphQLClient, chaos_settings: Settings, postgres: Postgres
) -> None:
    rng = random.Random(SEED)
    ledger, record = Ledger(), Record()
    until = time.monotonic() + 60
    admin = chaos_gateway.as_((await call(chaos_gateway, LOGIN, {"e": chaos_settings.admin_email, "p": chaos_settings.admin_password},
                                          "login", until=until, ledger=ledger))["accessToken"])
    products, point = await setup(chaos_gateway, admin, products=PRODUCTS, stock=STOCK, rng=rng)
    customers = [await sign_up(chaos_gateway, until, ledger) for _ in range(CUSTOMERS)]

    stop = asyncio.Event()
    answer_by = time.monotonic() + SECONDS + 90  # a client still without an answer by then is stuck
    traffic = [
        asyncio.create_task(customer(me, products, point, stop, answer_by, ledger, random.Random(rng.random()))) for me in customers
    ]
    traffic.append(asyncio.create_task(administrator(admin, stop, ledger, random.Random(rng.random()))))
    try:
        await inject(chaos_store, postgres, SECONDS, rng, record)
    finally:
        stop.set()
        await asyncio.gather(*traffic)  # a client that never got a definite answer fails the test here

    db = await connect_raw(chaos_settings.database_url or "")
    try:
        orders_settled = everything_settled = None
        found: list[str] = []
        while time.monotonic() - record.healed_at < EVERYTHING_SETTLES:
            if orders_settled is None and await orders_terminal(db):
                orders_settled = time.monotonic() - record.healed_at
            if orders_settled is not None and not await unsettled(db):
                found = await violations(db, ledger, products, STOCK)
                if not found:
                    everything_settled = time.monotonic() - record.healed_at
                    break
            await asyncio.sleep(0.2)
        else:
            found = await unsettled(db) + await violations(db, ledger, products, STOCK)
        statuses = Counter(dict(await db.fetch("SELECT status, count(*) FROM orders.orders GROUP BY status")))
        reasons = dict(await db.fetch("SELECT failure_reason, count(*) FROM orders.orders WHERE status = 'FAILED' GROUP BY 1"))
    finally:
        await db.close()

    report = {
        "seed": SEED, "fault_seconds": SECONDS, "customers": CUSTOMERS,
        "faults": {"total": record.total, "kills": dict(record.kills), "database_crashes": record.database_crashes},
        "orders": {"total": sum(statuses.values()), "by_final_status": dict(statuses), "failure_reasons": reasons,
                   "placed_answers": dict(ledger.placed),
                   "cancels": dict(ledger.cancels)},
        "top_ups": len(ledger.top_ups), "delivery_moves": dict(ledger.moves), "client_retries": ledger.retries,
        "seconds_to_settle": {"orders_terminal": orders_settled, "everything": everything_settled},
    }
    (ROOT / ".data").mkdir(exist_ok=True)
    (ROOT / ".data" / "chaos-report.json").write_text(json.dumps(report, indent=2))
    print("\nchaos:", json.dumps(report))
    assert record.total > 0 and record.database_crashes == 1 and sum(statuses.values()) > 0, report
    assert not found, "\n".join(found[:30])
    assert orders_settled is not None and orders_settled <= ORDERS_SETTLE, report
