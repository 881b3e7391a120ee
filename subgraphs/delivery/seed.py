"""Demo data: two pickup points for an empty store.

    await seed_demo(database_url)   # True when it added them, False when there were pickup points
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import exists, select, text

from subgraphs.common.db import create_engine

from .models import PickupPoint

# Two concurrent `seed_demo` calls (two replicas starting) must not both seed.
SEED_LOCK = 0x6465_6C69  # "deli"

DEMO_POINTS: list[dict[str, Any]] = [
    {
        "name": "Moscow warehouse",
        "address": {
            "recipient": "Shop pickup point", "phone": "+7 495 000-00-01", "country": "RU", "city": "Moscow",
            "street": "Tverskaya street", "building": "12", "apartment": None, "postal_code": "125009",
        },
        "opening_hours": "Mon–Sun 9:00–21:00",
    },
    {
        "name": "Saint Petersburg warehouse",
        "address": {
            "recipient": "Shop pickup point", "phone": "+7 812 000-00-02", "country": "RU", "city": "Saint Petersburg",
            "street": "Nevsky prospekt", "building": "28", "apartment": None, "postal_code": "191186",
        },
        "opening_hours": "Mon–Fri 10:00–20:00, Sat 10:00–18:00",
    },
]


async def seed_demo(database_url: str) -> bool:
    """Adds the demo pickup points when there are none; False when there already were some."""
    engine = create_engine(database_url, pool_size=1, application_name="delivery-seed")
    table = PickupPoint.__table__
    try:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEED_LOCK})
            if await conn.scalar(select(exists().select_from(table))):
                return False
            await conn.execute(table.insert(), [{"id": uuid.uuid4(), **point} for point in DEMO_POINTS])
        return True
    finally:
        await engine.dispose()
