"""The baseline: a plain Starlette + asyncpg + orjson endpoint serving the same 20-product pages.

    DATABASE_URL=... uvicorn bench.plain:app

POST /products with `{"category": id, "sort": "NEWEST" | "NAME" | "PRICE_ASC", "after": [created_at, id]}`
(`after` only with NEWEST). It reads the same table through the same indexes as the catalog and
answers the same fields (id, name, price, stock, category id and name, a cursor, hasNextPage): what
the machine can do for a page without GraphQL, an ORM or a gateway.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from subgraphs.common.db import connect_raw

COLUMNS = "p.id, p.name, p.price, p.on_hand - p.reserved AS stock, p.created_at, c.id AS category_id, c.name AS category_name"
FROM = "FROM catalog.products p JOIN catalog.categories c ON c.id = p.category_id WHERE p.deleted_at IS NULL"
ORDERS = {"NEWEST": "p.created_at DESC, p.id DESC", "NAME": "lower(p.name), p.id", "PRICE_ASC": "p.price, p.id"}
FIRST = {sort: f"SELECT {COLUMNS} {FROM} AND p.category_id = $1 ORDER BY {order} LIMIT 21" for sort, order in ORDERS.items()}
DEEP = f"SELECT {COLUMNS} {FROM} AND (p.created_at, p.id) < ($1, $2) ORDER BY {ORDERS['NEWEST']} LIMIT 21"


def _page(rows: list[asyncpg.Record]) -> bytes:
    edges = [
        {
            "cursor": f"{row['created_at'].isoformat()}|{row['id']}",
            "node": {
                "id": str(row["id"]), "name": row["name"], "price": {"amount": str(row["price"]), "currency": "RUB"},
                "stock": row["stock"], "category": {"id": str(row["category_id"]), "name": row["category_name"]},
            },
        }
        for row in rows[:20]
    ]
    return orjson.dumps({"data": {"products": {"edges": edges, "pageInfo": {"hasNextPage": len(rows) > 20}}}})


async def products(request: Request) -> Response:
    ask: dict[str, Any] = orjson.loads(await request.body())
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as connection:
        if ask.get("after"):
            created, key = ask["after"]
            rows = await connection.fetch(DEEP, datetime.fromisoformat(created), key)
        else:
            rows = await connection.fetch(FIRST[ask["sort"]], ask["category"])
    return Response(_page(rows), media_type="application/json")


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    url = os.environ["DATABASE_URL"]
    app.state.pool = await asyncpg.create_pool(min_size=2, max_size=10, connect=lambda *_, **__: connect_raw(url))
    yield
    await app.state.pool.close()


app = Starlette(routes=[Route("/products", products, methods=["POST"])], lifespan=_lifespan)
