"""The notifications subgraph's ASGI app: `uvicorn subgraphs.notifications.app:app`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.applications import Starlette

from subgraphs.common.app import create_app
from subgraphs.common.context import AppState
from subgraphs.common.internal import InternalClient
from subgraphs.common.settings import Settings

from .broker import Broker
from .dispatch import Dispatcher
from .internal import ROUTES
from .schema import schema
from .senders import LogSender, Sender, SmtpSender, UsersDirectory


@dataclass(frozen=True)
class Notifications:
    """What notifications holds for its lifetime: sending (and its retries), and live push to subscribers."""

    dispatcher: Dispatcher
    broker: Broker


def build(settings: Settings | None = None, *, sender: Sender | None = None, background: bool = True) -> Starlette:
    """The app; settings are read from the environment at startup unless given.

    `sender` replaces the configured provider (tests); `background=False` runs no retry loop.
    """

    @contextlib.asynccontextmanager
    async def services(state: AppState[Notifications]) -> AsyncIterator[Notifications]:
        conf = state.settings
        async with contextlib.AsyncExitStack() as stack:
            chosen = sender
            if chosen is None and conf.notify_provider == "smtp":
                client = InternalClient(conf)  # the addresses come from users
                stack.push_async_callback(client.aclose)
                chosen = SmtpSender(conf, UsersDirectory(client).email_of)
            dispatcher = Dispatcher(state.db, chosen or LogSender(), conf)
            broker = Broker(conf.database_url or "", state.db)
            stack.push_async_callback(broker.stop)
            await broker.start()
            stack.push_async_callback(dispatcher.stop)
            if background:
                await dispatcher.start()
            yield Notifications(dispatcher=dispatcher, broker=broker)

    return create_app("notifications", schema, settings=settings, routes=ROUTES, services=services)


app = build()
