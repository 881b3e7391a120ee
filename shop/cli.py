"""`python -m shop run | migrate | seed`: the commands behind `make run` and `make seed`."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TimeRemainingColumn

from subgraphs.common.db import create_engine, session_factory
from subgraphs.common.settings import ROOT, InvalidSettings, Settings, get_settings

from .migrate import migrate_all
from .postgres import ensure_database, server_url
from .stack import Stack

app = typer.Typer(add_completion=False, help="Run the store, migrate its database, load products.")
console = Console()


def settings_or_exit() -> Settings:
    """The settings; a malformed one prints one line naming the variable and its form, and exits 2."""
    try:
        return get_settings()
    except InvalidSettings as error:
        sys.stderr.write(f"{error}\n")
        raise typer.Exit(2) from None


def database(settings: Settings) -> tuple[str, object]:
    """The store's database URL (and the embedded server's handle, which keeps it running)."""
    url, handle = server_url(settings.data_dir)
    if handle is not None:
        url = ensure_database(url, "shop")
    return url, handle


async def prepare(settings: Settings, url: str) -> None:
    """The admin from settings, and demo data when the store is empty."""
    from subgraphs.catalog.seed import seed_demo
    from subgraphs.delivery.seed import seed_demo as seed_pickup_points
    from subgraphs.users.service import ensure_admin

    engine = create_engine(url, pool_size=2)
    try:
        await ensure_admin(session_factory(engine), settings.admin_email, settings.admin_password)
    finally:
        await engine.dispose()
    if await seed_demo(url):
        console.print("Seeded demo data: categories and products with stock.")
    if await seed_pickup_points(url):
        console.print("Seeded two pickup points.")


@app.command()
def migrate() -> None:
    """Apply every subgraph's migrations."""
    settings = settings_or_exit()
    url, _handle = database(settings)
    migrate_all(url)
    console.print("Migrations applied.")


@app.command()
def seed(products: Annotated[int, typer.Option(help="How many products to add.")] = 1000) -> None:
    """Load generated products (for benchmarks), with a progress bar."""
    from subgraphs.catalog.seed import seed_bulk

    settings = settings_or_exit()
    url, _handle = database(settings)
    migrate_all(url)
    columns = (*Progress.get_default_columns()[:-1], MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("Products", total=products)
        asyncio.run(seed_bulk(url, products, lambda done: progress.update(task, completed=done)))


@app.command()
def run(workers: Annotated[int, typer.Option(help="uvicorn workers per subgraph.")] = 1) -> None:
    """Start PostgreSQL (embedded unless DATABASE_URL is set), every subgraph and the gateway."""
    started = time.monotonic()
    # SIGTERM before the event loop runs must still unwind, so the embedded PostgreSQL is stopped at exit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    settings = settings_or_exit()
    url, _handle = database(settings)
    migrate_all(url)
    asyncio.run(prepare(settings, url))
    asyncio.run(_serve(settings, url, workers, started))


async def _serve(settings: Settings, url: str, workers: int, started: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    storefront = settings.resolved_storefront_port if (ROOT / "storefront" / "dist" / "index.html").exists() else None
    async with Stack(settings, url, workers=workers, storefront_port=storefront) as stack:
        gateway = settings.url("gateway")
        console.print(f"\n[bold green]The store is up[/] in {time.monotonic() - started:.1f}s")
        if storefront is not None:
            console.print(f"  storefront            http://localhost:{storefront}")
        else:
            console.print("  storefront            not built (run `make install`)")
        console.print(f"  GraphQL and GraphiQL  {gateway}/graphql")
        for name in stack.subgraphs:
            console.print(f"  {name:<21} {settings.url(name)}/graphql")
        console.print(f"  admin                 {settings.admin_email} / {settings.admin_password}"
                      "  (SHOP_ADMIN_EMAIL / SHOP_ADMIN_PASSWORD)")
        console.print("Ctrl-C stops everything.\n")
        while not stop.is_set():
            if dead := stack.dead():
                console.print(f"[red]{', '.join(dead)} stopped unexpectedly; shutting down.[/]")
                break
            try:
                await asyncio.wait_for(stop.wait(), timeout=1.0)
            except TimeoutError:
                pass
        console.print("Stopping…")
    console.print("Stopped.")
