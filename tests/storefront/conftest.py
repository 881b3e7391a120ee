"""Browser tests: the built storefront in Debian's Chromium (Playwright), through the real gateway and subgraphs.

The stack is the end-to-end one (tests/e2e/conftest.py) plus the storefront's static server, with
the gateway's CORS allowing the storefront's origin and the test OpenID Connect provider configured.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from shop.cli import prepare
from shop.stack import Stack
from subgraphs.common.settings import ROOT, Settings
from tests.conftest import free_port
from tests.e2e.conftest import PORT_BASE, admin, e2e_settings, gateway
from tests.users.conftest import OidcServer, running_oidc

__all__ = ["admin", "e2e_settings", "gateway"]

CHROMIUM = os.environ.get("SHOP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# The closed network refuses Chromium's background connections; these keep it from trying.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DIST = ROOT / "storefront" / "dist"
#: Screenshots of every journey (git-ignored); a few are copied to storefront/docs for the README.
SCREENSHOTS = ROOT / ".data" / "screenshots"
AXE = ROOT / "storefront" / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = None
    if not Path(CHROMIUM).exists():
        reason = "Chromium is missing: `sudo apt-get install chromium` (Debian/Ubuntu), or set SHOP_CHROMIUM (`make test` installs it as root)"
    elif not (DIST / "index.html").exists():
        reason = "the storefront is not built: `make install` (storefront/dist)"
    if reason:
        for item in items:
            if "tests/storefront" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="package")
def storefront_port() -> int:
    return free_port(range(PORT_BASE + 10, PORT_BASE + 40))


@pytest.fixture(scope="package")
def storefront_url(storefront_port: int) -> str:
    return f"http://127.0.0.1:{storefront_port}"


@pytest.fixture(scope="package")
def oidc(storefront_url: str) -> Iterator[OidcServer]:
    """The test provider, allowed to send the browser back to the storefront's callback page."""
    with running_oidc([f"{storefront_url}/auth/callback"]) as server:
        yield server


@pytest.fixture(scope="package")
def stack_environment(storefront_url: str, storefront_port: int, oidc: OidcServer) -> Iterator[None]:
    """What the stack's processes read: the external provider (the CORS allow-list travels in the settings)."""
    provider = {"id": "test", "name": "Test OIDC", "issuer": oidc.issuer, "client_id": oidc.client_id, "client_secret": oidc.client_secret}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHOP_OIDC_PROVIDERS", json.dumps([provider]))
        patch.setenv("SHOP_OIDC_REDIRECT_URIS", json.dumps([f"{storefront_url}/auth/callback"]))
        yield


@pytest.fixture(scope="package")
async def store(e2e_settings: Settings, stack_environment: None, storefront_url: str, storefront_port: int) -> AsyncIterator[Stack]:
    """The whole store and the storefront's static server, as `make run` starts them."""
    assert e2e_settings.database_url
    # The stack hands the gateway its allow-list from the settings (read before this environment was set).
    settings = e2e_settings.model_copy(update={"cors_origins": [storefront_url, f"http://localhost:{storefront_port}"]})
    await prepare(settings, e2e_settings.database_url)
    async with Stack(settings, e2e_settings.database_url, quiet=True, storefront_port=storefront_port) as stack:
        yield stack


@pytest.fixture(scope="package")
async def browser(store: Stack) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def context(browser: Browser, storefront_url: str) -> AsyncIterator[BrowserContext]:
    """A fresh browser profile per test (its own sessionStorage and cookies)."""
    ctx = await browser.new_context(base_url=storefront_url, viewport={"width": 1280, "height": 900}, locale="ru-RU")
    ctx.set_default_timeout(20_000)
    yield ctx
    await ctx.close()


@pytest.fixture
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    """A page of the fresh profile; an uncaught error in the storefront fails the test."""
    errors: list[str] = []
    tab = await context.new_page()
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    assert errors == [], errors


async def shot(page: Page, name: str, full_page: bool = True) -> Path:
    """Saves a screenshot (the whole page, or what the window shows) under .data/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path


async def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("async () => (await axe.run(document, { resultTypes: ['violations'] })).violations")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in result if v["impact"] in ("serious", "critical")]
