"""What the browser tests set up through the API: shoppers with a password and money, shelves of products."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.async_api import Page, expect

from tests.conftest import GraphQLClient, unique
from tests.e2e.test_showcase import new_category, new_product

REGISTER = """mutation($e: String!, $n: String!) { register(input: {email: $e, password: "correct horse battery", displayName: $n}) {
  accessToken errors { code } } }"""
TOP_UP = "mutation($a: Decimal!, $k: String!) { topUpWallet(input: {amount: $a, idempotencyKey: $k}) { errors { code } } }"
PROFILE = "mutation($a: AddressInput!) { updateProfile(input: {defaultAddress: $a}) { errors { code } } }"
ADD = "mutation($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { errors { code } } }"
PLACE = """mutation($k: String!, $p: ID!) { placeOrder(input: {idempotencyKey: $k, delivery: {method: PICKUP, pickupPointId: $p}}) {
  order { id status } errors { code } } }"""
DELIVERY = "mutation($o: ID!, $s: DeliveryStatus!) { updateDeliveryStatus(orderId: $o, status: $s) { delivery { status } errors { code } } }"
PASSWORD = "correct horse battery"
ADDRESS = {"recipient": "Анна Петрова", "country": "RU", "city": "Тула", "street": "ул. Ленина, 5", "postalCode": "300000"}


@dataclass
class Shopper:
    email: str
    name: str
    api: GraphQLClient


async def shopper(gateway: GraphQLClient, money: str = "0", address: dict[str, str] | None = None) -> Shopper:
    """A customer registered through the API, with `money` in the wallet and optionally a default address."""
    email, name = f"{unique()}@example.com", f"Покупатель {unique('n')[-4:]}"
    token = (await gateway.data(REGISTER, {"e": email, "n": name}))["register"]["accessToken"]
    api = gateway.as_(token)
    if money != "0":
        assert (await api.data(TOP_UP, {"a": money, "k": unique()}))["topUpWallet"]["errors"] == []
    if address:
        assert (await api.data(PROFILE, {"a": address}))["updateProfile"]["errors"] == []
    return Shopper(email, name, api)


async def shelf(admin: GraphQLClient, word: str, count: int, price: str = "100.00") -> list[dict[str, Any]]:
    """`count` products named after `word` (and a tag of this run) in a category of their own."""
    category, tag = await new_category(admin), unique("s")[-6:]
    return [await new_product(admin, category, f"{word} {tag} {i:02d}", price=price, stock=10) for i in range(count)]


async def add_to_cart(who: Shopper, product_id: str, quantity: int = 1) -> None:
    assert (await who.api.data(ADD, {"p": product_id, "q": quantity}))["addToCart"]["errors"] == []


async def sign_in(page: Page, who: Shopper) -> None:
    """The password sign-in form, as a shopper fills it."""
    await page.goto("/login")
    await page.get_by_label("Эл. почта").fill(who.email)
    await page.get_by_label("Пароль").fill(PASSWORD)
    await page.get_by_role("button", name="Войти", exact=True).click()
    await expect(page.get_by_test_id("whoami")).to_contain_text(who.name)
