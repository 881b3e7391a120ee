"""The storefront's static server (shop/storefront.py): files, /config.js, and index.html for app routes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from shop.storefront import StorefrontHandler


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>shop</title>")
    (tmp_path / "assets" / "app-1a2b.js").write_text("console.log('app')")
    handler = type("Handler", (StorefrontHandler,), {"graphql_url": "http://gateway.test/graphql"})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_app_routes_get_index_html_and_assets_are_cached_for_good(site: str) -> None:
    for path in ("/", "/orders/123", "/auth/callback?code=a&state=b"):
        response = httpx.get(site + path)
        assert response.status_code == 200 and "<title>shop</title>" in response.text
        assert response.headers["cache-control"] == "no-cache"
    asset = httpx.get(f"{site}/assets/app-1a2b.js")
    assert asset.status_code == 200 and asset.headers["content-type"].startswith("text/javascript")
    assert "immutable" in asset.headers["cache-control"]
    assert httpx.get(f"{site}/assets/missing.js").status_code == 404


def test_config_js_tells_the_page_where_the_gateway_is(site: str) -> None:
    response = httpx.get(f"{site}/config.js")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript")
    assert response.text == 'window.SHOP_CONFIG = {"graphqlUrl": "http://gateway.test/graphql"};\n'
