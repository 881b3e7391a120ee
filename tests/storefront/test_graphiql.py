"""Admins work in GraphiQL at the gateway: it opens with ready operations and says how to sign in."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, expect

from shop.stack import Stack
from tests.storefront.conftest import shot



async def test_graphiql_lists_the_admin_operations_and_the_authorization_header(store: Stack, browser: Browser) -> None:
    url = f"{store.settings.url('gateway')}/graphql"
    async with httpx.AsyncClient() as http:
        page = (await http.get(url, headers={"accept": "text/html"})).text
    assert "Shop admin" in page and "Authorization" in page and "Bearer" in page
    for name in ("Sign in", "Add a product", "Adjust stock", "orders", "Move a delivery"):
        assert name in page, name

    tab = await browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        await tab.goto(url)
        await expect(tab.get_by_text("Shop admin").first).to_be_visible(timeout=20_000)
        await tab.get_by_text("Shop admin").first.click()
        await expect(tab.get_by_text("Move a delivery").first).to_be_visible()
        await tab.get_by_text("Sign in").first.click()
        await expect(tab.get_by_text("Authorization").first).to_be_visible()
        await shot(tab, "graphiql")
    finally:
        await tab.close()
