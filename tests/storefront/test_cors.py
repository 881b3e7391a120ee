"""A page served from the storefront's origin may call the gateway (CORS preflight and the answer)."""

from __future__ import annotations

import httpx

from shop.stack import Stack


async def test_the_gateway_allows_the_storefronts_origin(store: Stack, storefront_url: str) -> None:
    url = f"{store.settings.url('gateway')}/graphql"
    async with httpx.AsyncClient() as http:
        preflight = await http.options(url, headers={
            "origin": storefront_url,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type",
        })
        answer = await http.post(url, json={"query": "{ categories { id } }"}, headers={"origin": storefront_url})
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == storefront_url
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    assert answer.headers["access-control-allow-origin"] == storefront_url
