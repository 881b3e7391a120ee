"""Every subgraph in-process against the test database, for the hostile-input tests, and what they assert."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import pytest

from subgraphs.common.settings import Settings
from tests.conftest import GraphQLClient, serve, unique
from tests.notifications.support import RecordingSender
from tests.orders.fakes import FakeRemote

REGISTER = "mutation($i: RegisterInput!) { register(input: $i) { accessToken errors { code field } } }"
LOGIN = "mutation($i: LoginInput!) { login(input: $i) { accessToken errors { code field } } }"
REFRESH = "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken errors { code field } } }"
PROFILE = "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { user { displayName } errors { code field } } }"
START = "mutation($p: String!, $r: String!) { startExternalLogin(provider: $p, redirectUri: $r) { state errors { code field } } }"
COMPLETE = "mutation($s: String!, $c: String!) { completeExternalLogin(state: $s, code: $c) { accessToken errors { code field } } }"
TOP_UP = "mutation($i: TopUpWalletInput!) { topUpWallet(input: $i) { transaction { id } errors { code field } } }"
BALANCE = "{ myWallet { balance { amount } } }"
CATEGORY = "mutation($i: CreateCategoryInput!) { createCategory(input: $i) { category { id } errors { code field } } }"
CREATE = "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } errors { code field } } }"
UPDATE = "mutation($id: ID!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) { product { id } errors { code field } } }"
DELETE = "mutation($id: ID!) { deleteProduct(id: $id) { deletedId errors { code field } } }"
STOCK = "mutation($id: ID!) { adjustStock(productId: $id, delta: 1) { product { id } errors { code field } } }"
PRODUCT = "query($id: ID!) { product(id: $id) { name description price { amount } imageUrl stock } }"
ADD = "mutation($id: ID!) { addToCart(productId: $id) { cart { itemCount } errors { code field } } }"
SET = "mutation($id: ID!) { updateCartItem(productId: $id, quantity: 2) { cart { itemCount } errors { code field } } }"
REMOVE = "mutation($id: ID!) { removeFromCart(productId: $id) { cart { itemCount } errors { code field } } }"
PLACE = "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } errors { code field } } }"
CANCEL = "mutation($id: ID!) { cancelOrder(id: $id) { order { id } errors { code field } } }"
STATUS = "mutation($id: ID!) { updateDeliveryStatus(orderId: $id, status: IN_TRANSIT) { delivery { id } errors { code field } } }"
POINT = "mutation($i: CreatePickupPointInput!) { createPickupPoint(input: $i) { pickupPoint { id } errors { code field } } }"
READ = "mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) { count errors { code field } } }"


def product_input(category_id: str, **change: Any) -> dict[str, Any]:
    return {"name": unique("P"), "description": "", "price": "10.00", "categoryId": category_id, "stock": 1, **change}

ADDRESS = {"recipient": "Ann", "country": "RU", "city": "Moscow", "street": "Tverskaya 1", "postalCode": "125009"}


@dataclass
class Subgraphs:
    """Anonymous clients of each subgraph; `.as_(token)` signs in."""

    users: GraphQLClient
    catalog: GraphQLClient
    wallet: GraphQLClient
    orders: GraphQLClient
    delivery: GraphQLClient
    notifications: GraphQLClient
    remote: FakeRemote
    token_for: Callable[..., str]

    def __getitem__(self, name: str) -> GraphQLClient:
        client: GraphQLClient = getattr(self, name)
        return client

    def admin(self, name: str) -> GraphQLClient:
        return self[name].as_(self.token_for(uuid.uuid4(), "ADMIN"))

    def customer(self, name: str, user_id: uuid.UUID | None = None) -> GraphQLClient:
        return self[name].as_(self.token_for(user_id or uuid.uuid4()))


@pytest.fixture(scope="module")
def migrated(settings: Settings) -> Settings:
    """The test database, every subgraph's tables built (the session's `migrate_all`)."""
    return settings


@pytest.fixture(scope="module")
async def subgraphs(migrated: Settings, token_for: Callable[..., str]) -> AsyncIterator[Subgraphs]:
    from subgraphs.catalog.app import build as catalog
    from subgraphs.delivery.app import build as delivery
    from subgraphs.notifications.app import build as notifications
    from subgraphs.orders.app import build as orders
    from subgraphs.users.app import build as users
    from subgraphs.wallet.app import build as wallet

    settings, remote = migrated, FakeRemote()
    apps = {
        "users": users(settings),
        "catalog": catalog(settings),
        "wallet": wallet(settings, background=False),
        "orders": orders(settings.model_copy(update={"place_order_wait": 5.0}), remote=remote, background=False),
        "delivery": delivery(settings, background=False),
        "notifications": notifications(settings, sender=RecordingSender(), background=False),
    }
    async with AsyncExitStack() as stack:
        clients = {name: GraphQLClient(await stack.enter_async_context(serve(app))) for name, app in apps.items()}
        yield Subgraphs(**clients, remote=remote, token_for=token_for)


async def registered(users: GraphQLClient) -> tuple[GraphQLClient, str]:
    """A new account signed in: its client and its email."""
    email = f"{unique('u')}@example.com"
    body = await users.data(
        "mutation($i: RegisterInput!) { register(input: $i) { accessToken errors { code } } }",
        {"i": {"email": email, "password": "long-enough-password", "displayName": "Ann"}},
    )
    return users.as_(body["register"]["accessToken"]), email


def cursor(*parts: Any) -> str:
    """A cursor as the kernel encodes one, of any parts a client may forge."""
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


def code_of(body: dict[str, Any]) -> str | None:
    """The code of the first GraphQL error."""
    errors = body.get("errors") or [{}]
    code: str | None = (errors[0].get("extensions") or {}).get("code")
    return code


def refused(body: dict[str, Any], code: str = "BAD_USER_INPUT") -> None:
    """A GraphQL error with `code`, nothing executed, and never the masked "Internal error"."""
    assert code_of(body) == code, body
    assert "Internal error" not in json.dumps(body), body


def payload_error(body: dict[str, Any], field: str | None, code: str = "INVALID_INPUT") -> None:
    """The mutation answered `code` on `field` in its payload's `errors`."""
    assert not body.get("errors"), body
    (payload,) = body["data"].values()
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)], payload


async def send(client: GraphQLClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """Like `execute`, with lone surrogates sent as JSON escapes (httpx would refuse to encode them)."""
    headers = {"Content-Type": "application/json"}
    if client.token:
        headers["Authorization"] = f"Bearer {client.token}"
    content = json.dumps({"query": query, "variables": variables or {}})  # ASCII: "\ud800" stays an escape
    response = await client.http.post(client.path, content=content, headers=headers)
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
async def ids(subgraphs: Subgraphs) -> dict[str, str]:
    """A category and a product of the catalog, to aim at."""
    admin = subgraphs.admin("catalog")
    category = (await admin.data(CATEGORY, {"i": {"name": "Hostile", "slug": unique("hostile")}}))["createCategory"]["category"]
    product = (await admin.data(CREATE, {"i": product_input(category["id"], name="Target", description="kept")}))["createProduct"]
    return {"category": category["id"], "product": product["product"]["id"]}
