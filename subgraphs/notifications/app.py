"""The notifications subgraph's ASGI app: `uvicorn subgraphs.notifications.app:app`."""

from __future__ import annotations

from starlette.applications import Starlette

from subgraphs.common.app import create_app
from subgraphs.common.context import AppState
from subgraphs.common.internal import InternalClient
from subgraphs.common.settings import Settings, read_settings

from .broker import Broker
from .dispatch import Dispatcher
from .internal import ROUTES
from .schema import schema
from .senders import LogSender, Sender, SmtpSender, UsersDirectory
from .settings import NotifySettings


def build(
    settings: Settings | None = None,
    *,
    notify: NotifySettings | None = None,
    sender: Sender | None = None,
    background: bool = True,
) -> Starlette:
    """The app; settings are read from the environment at startup unless given.

    `sender` replaces the configured provider (tests); `background=False` runs no retry loop.
    """

    async def start(state: AppState) -> None:
        conf = notify or read_settings(NotifySettings)
        chosen = sender
        if chosen is None and conf.notify_provider == "smtp":
            client = InternalClient(state.settings)
            state.extras["users_client"] = client
            chosen = SmtpSender(conf, UsersDirectory(client).email_of)
        dispatcher = Dispatcher(state.db, chosen or LogSender(), conf)
        broker = Broker(state.settings.database_url or "", state.db)
        state.extras.update(dispatcher=dispatcher, broker=broker, notify=conf)
        await broker.start()
        if background:
            await dispatcher.start()

    async def stop(state: AppState) -> None:
        await state.extras["dispatcher"].stop()
        await state.extras["broker"].stop()
        if "users_client" in state.extras:
            await state.extras["users_client"].aclose()

    return create_app("notifications", schema, settings=settings, routes=ROUTES, on_startup=[start], on_shutdown=[stop])


app = build()
