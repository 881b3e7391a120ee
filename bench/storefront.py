"""The storefront as a shopper meets it: bundle size, cold load to the first product grid, the
time from an admin's delivery move to the new status on the order page, and search as you type
(last key to suggestions, Enter to facet counts, requests per word), p50 over several runs.

    .venv/bin/python -m bench.storefront --runs 7

Starts `python -m shop run` (the store and the storefront, as `make run` does) on its own port base
and data folder, drives Debian's Chromium with Playwright, and stops everything at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import httpx
from playwright.async_api import Browser, async_playwright

from subgraphs.common.settings import ROOT
from tests.storefront.conftest import CHROMIUM, CHROMIUM_ARGS

DIST = ROOT / "storefront" / "dist"
REGISTER = 'mutation($e: String!) { register(input: {email: $e, password: "bench password", displayName: "Bench"}) { accessToken } }'
LOGIN = 'mutation { login(input: {email: "admin@example.com", password: "admin-password"}) { accessToken } }'
TOP_UP = 'mutation($k: String!) { topUpWallet(input: {amount: "100000", idempotencyKey: $k}) { errors { code } } }'
PRODUCT = "{ products(first: 1, filter: {inStockOnly: true}) { edges { node { id } } } pickupPoints { id } }"
ADD = 'mutation($p: ID!) { addToCart(productId: $p, quantity: 1) { errors { code } } }'
PLACE = """mutation($k: String!, $pp: ID!) { placeOrder(input: {idempotencyKey: $k, delivery: {method: PICKUP, pickupPointId: $pp}}) {
  order { id status } errors { code } } }"""
MOVE = 'mutation($o: ID!) { updateDeliveryStatus(orderId: $o, status: READY_FOR_PICKUP) { errors { code } } }'


def bundle_sizes() -> dict[str, int]:
    """Bytes of each built asset, raw and gzipped (level 9, as a server would send it)."""
    sizes: dict[str, int] = {}
    for path in sorted((DIST / "assets").iterdir()):
        data = path.read_bytes()
        sizes[path.suffix[1:] + " raw"] = sizes.get(path.suffix[1:] + " raw", 0) + len(data)
        sizes[path.suffix[1:] + " gzip"] = sizes.get(path.suffix[1:] + " gzip", 0) + len(gzip.compress(data, 9))
    return sizes


async def gql(http: httpx.AsyncClient, query: str, variables: dict[str, object] | None = None, token: str | None = None) -> dict[str, object]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = (await http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)).json()
    assert not body.get("errors"), body
    return body["data"]  # type: ignore[no-any-return]


async def cold_loads(browser: Browser, storefront: str, runs: int) -> list[float]:
    """Milliseconds from navigation start to the first product card, each in a fresh profile (empty cache)."""
    times = []
    for _ in range(runs):
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(storefront + "/", wait_until="commit")
        await page.wait_for_selector("[data-testid=product-card]")
        times.append(await page.evaluate("performance.now()"))
        await context.close()
    return times


async def live_moves(browser: Browser, storefront: str, http: httpx.AsyncClient, runs: int) -> list[float]:
    """Milliseconds from sending an admin's delivery move to the order page showing the new status."""
    admin = (await gql(http, LOGIN))["login"]["accessToken"]  # type: ignore[index]
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    token = (await gql(http, REGISTER, {"e": email}))["register"]["accessToken"]  # type: ignore[index]
    await gql(http, TOP_UP, {"k": uuid.uuid4().hex}, token)
    shelf = await gql(http, PRODUCT)
    product = shelf["products"]["edges"][0]["node"]["id"]  # type: ignore[index]
    point = shelf["pickupPoints"][0]["id"]  # type: ignore[index]
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(storefront + "/login")
    await page.fill("#field-email", email)
    await page.fill("#field-password", "bench password")
    await page.click("form button[type=submit]")
    await page.wait_for_selector("[data-testid=whoami]")
    times = []
    for _ in range(runs):
        await gql(http, ADD, {"p": product}, token)
        order = (await gql(http, PLACE, {"k": uuid.uuid4().hex, "pp": point}, token))["placeOrder"]["order"]["id"]  # type: ignore[index]
        await page.evaluate(f"history.pushState(null, '', '/orders/{order}'); dispatchEvent(new PopStateEvent('popstate'))")
        await page.wait_for_selector("[data-testid=live]")
        await page.wait_for_timeout(300)  # the subscription reaches the subgraph before the move
        # The page stamps the moment it shows the new status; both clocks are this machine's.
        await page.evaluate("""() => { window.__shown = null; const el = document.querySelector('[data-testid=order-status]');
          new MutationObserver(() => { if (el.dataset.status === 'READY_FOR_PICKUP' && !window.__shown) window.__shown = Date.now(); })
            .observe(el, { attributes: true }); }""")
        sent = time.time() * 1000
        await gql(http, MOVE, {"o": order}, admin)
        await page.wait_for_function("window.__shown !== null", timeout=20_000)
        times.append(await page.evaluate("window.__shown") - sent)
    await context.close()
    return times


#: A brisk typist's pace: faster than the search box's pause before it asks for suggestions.
KEY_DELAY_MS = 100
NAMES = "{ products(first: 100) { edges { node { name } } } }"
# Stamps in the page: the last key pressed in the search box, the last change of the suggestion
# list after it, and the moment the new search's facet counts (the stock toggle's) appear: the old
# counts leave when the search changes, the new ones come with the facets.
STAMPS = """() => { const box = document.getElementById('search'), list = document.getElementById('suggestions');
  window.__key = 0; window.__shown = 0; window.__counted = 0; window.__gone = false;
  box.addEventListener('keydown', () => { window.__key = performance.now(); window.__shown = 0; window.__counted = 0; window.__gone = false; });
  new MutationObserver(() => { window.__shown = performance.now(); }).observe(list, { childList: true, subtree: true, attributes: true });
  new MutationObserver(() => {
    const shown = document.querySelector('[data-testid=in-stock-count]');
    if (!shown) window.__gone = true;
    else if (window.__gone && !window.__counted) window.__counted = performance.now();
  }).observe(document.querySelector('.filters'), { childList: true, subtree: true, characterData: true }); }"""


async def typing(browser: Browser, storefront: str, http: httpx.AsyncClient, runs: int) -> tuple[list[float], list[float], list[int]]:
    """Per word typed at KEY_DELAY_MS a key: ms from its last key to its suggestions on screen,
    ms from Enter to the facet counts on screen, and how many suggestion requests the typing sent.
    Each run types another word of the showcase's names (distinct requests, no response cache)."""
    names = [e["node"]["name"] for e in (await gql(http, NAMES))["products"]["edges"]]  # type: ignore[index]
    words = list(dict.fromkeys(w.lower() for n in names for w in n.split() if len(w) >= 5 and w.isalpha()))[:runs]
    context = await browser.new_context()
    page = await context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.post_data) if r.post_data and "searchSuggestions" in r.post_data else None)
    await page.goto(storefront + "/")
    await page.wait_for_selector("[data-testid=product-card]")
    await page.evaluate(STAMPS)
    shown, counted, requests = [], [], []
    box = page.locator("#search")
    for word in words:
        await box.fill("")
        await page.wait_for_timeout(300)  # the emptied box's pause passes before the next word
        asked.clear()
        await box.press_sequentially(word, delay=KEY_DELAY_MS)
        await page.wait_for_function("window.__shown > window.__key && !document.getElementById('suggestions').hidden", timeout=20_000)
        await page.wait_for_timeout(200)  # a later change of the same list would move the stamp
        shown.append(await page.evaluate("window.__shown - window.__key"))
        requests.append(len(asked))
        await box.press("Enter")
        await page.wait_for_function("window.__counted > 0", timeout=20_000)
        counted.append(await page.evaluate("window.__counted - window.__key"))
    await context.close()
    return shown, counted, requests


def p50(values: list[float]) -> str:
    return f"p50 {statistics.median(values):.0f} ms (min {min(values):.0f}, max {max(values):.0f}, n={len(values)})"


async def measure(runs: int, port_base: int) -> None:
    storefront, gateway = f"http://127.0.0.1:{port_base + 10}", f"http://127.0.0.1:{port_base}"
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as http, async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            print("cold load to the first product grid:", p50(await cold_loads(browser, storefront, runs)))
            print("delivery move to the status on screen:", p50(await live_moves(browser, storefront, http, runs)))
            shown, counted, requests = await typing(browser, storefront, http, runs)
            print("last key to its suggestions on screen:", p50(shown))
            print("Enter to the facet counts on screen:", p50(counted))
            print(f"suggestion requests per word typed at {KEY_DELAY_MS} ms a key: {requests}")
        finally:
            await browser.close()


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"`shop run` exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--port-base", type=int, default=15800)
    args = parser.parse_args()
    if not (DIST / "index.html").exists():
        raise SystemExit("build the storefront first: make install")
    for name, size in bundle_sizes().items():
        print(f"bundle {name}: {size / 1024:.1f} KiB")
    with tempfile.TemporaryDirectory() as data:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("SHOP_")}
        env.update(SHOP_DATA_DIR=data, SHOP_PORT_BASE=str(args.port_base))
        env["SHOP_CORS_ORIGINS"] = f"http://127.0.0.1:{args.port_base + 10},http://localhost:{args.port_base + 10}"
        process = subprocess.Popen([sys.executable, "-m", "shop", "run"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            wait_for(f"http://127.0.0.1:{args.port_base + 10}/config.js", process)
            asyncio.run(measure(args.runs, args.port_base))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(60)


if __name__ == "__main__":
    main()
