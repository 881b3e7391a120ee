"""A shopper's whole story in Chromium: every step through the page, the admin's moves through the API."""

from __future__ import annotations

import re

from playwright.async_api import BrowserContext, Page, expect

from tests.conftest import GraphQLClient, unique
from tests.storefront.conftest import serious_violations, shot
from tests.storefront.shoppers import ADDRESS, DELIVERY, PASSWORD, PLACE, add_to_cart, shelf, shopper, sign_in

ORDER_ID = re.compile(r"/orders/([0-9a-f-]{36})$")


async def no_serious_violations(page: Page) -> None:
    assert await serious_violations(page) == []


async def order_id_of(page: Page) -> str:
    await page.wait_for_url(ORDER_ID)
    match = ORDER_ID.search(page.url)
    assert match
    return match[1]


async def test_register_top_up_search_scroll_buy_watch_it_move_and_switch_accounts(page: Page, gateway: GraphQLClient, admin: GraphQLClient) -> None:
    kettles = await shelf(admin, "Электрочайник kettle", 45, price="250.00")
    other = await shopper(gateway)

    # Register: the page signs in at once.
    await page.goto("/register")
    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    await no_serious_violations(page)
    await page.get_by_label("Имя").fill("Мария")
    await page.get_by_label("Эл. почта").fill(f"{unique()}@example.com")
    await page.get_by_label("Пароль").fill(PASSWORD)
    await page.get_by_role("button", name="Зарегистрироваться").click()
    await expect(page.get_by_test_id("whoami")).to_contain_text("Мария")

    # Top up with a double click: one idempotency key, so one payment.
    await page.get_by_role("link", name="Кошелёк").click()
    await page.get_by_label("Сумма пополнения").fill("1000")
    await page.get_by_role("button", name="Пополнить").dblclick()
    await expect(page.get_by_test_id("balance")).to_have_text(re.compile(r"1\s000,00\s₽"))
    await page.reload()
    await expect(page.get_by_test_id("transactions").locator("tr")).to_have_count(1)
    await shot(page, "wallet")

    # Search with a typo, suggestions as one types, then three pages by scrolling.
    await page.get_by_role("link", name="Витрина").click()
    await page.get_by_label("Поиск товаров").fill("ketle")
    await expect(page.get_by_role("listbox", name="Подсказки").get_by_role("option").first).to_be_visible()
    await page.get_by_label("Поиск товаров").press("Enter")
    cards = page.get_by_test_id("product-card")
    await expect(cards).to_have_count(20)
    await shot(page, "showcase", full_page=False)
    for page_number in (2, 3):  # the demo data may hold a kettle or two more than this shelf
        await cards.last.scroll_into_view_if_needed()
        await expect(cards.nth((page_number - 1) * 20)).to_be_attached()
    assert 40 < await cards.count() <= 60
    await no_serious_violations(page)
    await shot(page, "showcase-third-page")

    # The product page, into the cart, a live total.
    # By keyboard: focus the card's link and press Enter.
    await page.get_by_role("link", name=kettles[0]["name"]).focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text(kettles[0]["name"])
    await page.get_by_label("Количество").fill("2")
    await page.get_by_role("button", name="В корзину").click()
    await expect(page.get_by_role("status")).to_contain_text("Добавлено")
    await no_serious_violations(page)
    await shot(page, "product")
    await page.get_by_test_id("cart-link").click()
    await expect(page.get_by_test_id("cart-total")).to_contain_text("500,00")
    await page.get_by_label(f"Количество: {kettles[0]['name']}").fill("3")
    await page.get_by_label(f"Количество: {kettles[0]['name']}").press("Tab")
    await expect(page.get_by_test_id("cart-total")).to_contain_text("750,00")

    # Pickup checkout, then the order moves live while the admin moves the delivery.
    await page.get_by_label("Самовывоз").check()
    await expect(page.get_by_label("Пункт выдачи")).to_be_visible()
    await no_serious_violations(page)
    await page.get_by_role("button", name="Оформить заказ").click()
    order = await order_id_of(page)
    status = page.get_by_test_id("order-status")
    await expect(status).to_have_attribute("data-status", "CONFIRMED")
    await expect(page.get_by_test_id("live")).to_have_attribute("data-transport", "ws")
    bell = page.get_by_test_id("unread")
    await expect(bell).not_to_have_attribute("data-count", "0")
    before = int(await bell.get_attribute("data-count") or "0")
    moved = (await admin.data(DELIVERY, {"o": order, "s": "READY_FOR_PICKUP"}))["updateDeliveryStatus"]
    assert moved["errors"] == []
    await expect(status).to_have_attribute("data-status", "READY_FOR_PICKUP")
    await expect(status).to_have_text("Готов к выдаче")
    await expect(bell).to_have_attribute("data-count", str(before + 1))
    await no_serious_violations(page)
    await shot(page, "order")

    # The notification list: mark everything read, the bell goes to zero.
    await page.get_by_test_id("bell").click()
    await expect(page.get_by_test_id("notifications").locator("li").first).to_be_visible()
    await page.get_by_role("button", name="Отметить все прочитанными").click()
    await expect(bell).to_have_attribute("data-count", "0")
    await no_serious_violations(page)

    # Log out, and sign in as someone else.
    await page.get_by_role("button", name="Выйти").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Вход")
    await sign_in(page, other)
    await page.get_by_role("link", name="Заказы").click()
    await expect(page.get_by_text("Заказов пока нет")).to_be_visible()


async def test_courier_checkout_with_the_default_address_watched_over_sse(page: Page, gateway: GraphQLClient, admin: GraphQLClient) -> None:
    lamp = (await shelf(admin, "Настольная лампа", 1, price="300.00"))[0]
    anna = await shopper(gateway, money="1000.00")
    await add_to_cart(anna, lamp["id"])
    await sign_in(page, anna)

    # The default address, set on the profile page.
    await page.get_by_test_id("whoami").click()
    await expect(page.get_by_text(anna.email)).to_be_visible()  # the profile has loaded into the form
    for label, key in (("Получатель", "recipient"), ("Страна", "country"), ("Город", "city"), ("Улица", "street"), ("Индекс", "postalCode")):
        await page.get_by_label(label).fill(ADDRESS[key])
    await page.get_by_role("button", name="Сохранить").click()
    await expect(page.get_by_role("status")).to_have_text("Сохранено")
    await no_serious_violations(page)

    await page.get_by_test_id("cart-link").click()
    await expect(page.get_by_label("Курьером")).to_be_checked()
    await expect(page.get_by_label("Получатель")).to_have_value(ADDRESS["recipient"])
    await expect(page.get_by_label("Город")).to_have_value(ADDRESS["city"])
    await shot(page, "checkout")
    await page.get_by_role("button", name="Оформить заказ").click()
    order = await order_id_of(page)
    await expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "CONFIRMED")
    await expect(page.get_by_text(ADDRESS["street"], exact=False)).to_be_visible()

    # The same page with WebSocket unavailable: the status moves over Server-Sent Events.
    await page.goto(f"/orders/{order}?transport=sse")
    await expect(page.get_by_test_id("live")).to_have_attribute("data-transport", "sse")
    await page.wait_for_timeout(500)  # the SSE subscription reaches the subgraph (no assertion on time)
    assert (await admin.data(DELIVERY, {"o": order, "s": "IN_TRANSIT"}))["updateDeliveryStatus"]["errors"] == []
    await expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "SHIPPED")
    await expect(page.get_by_role("button", name="Отменить заказ")).to_have_count(0)


async def test_insufficient_funds_and_a_gone_product_are_explained(page: Page, gateway: GraphQLClient, admin: GraphQLClient) -> None:
    piano = (await shelf(admin, "Рояль", 1, price="900000.00"))[0]
    poor = await shopper(gateway, money="10.00")
    await add_to_cart(poor, piano["id"])
    await sign_in(page, poor)
    await page.get_by_test_id("cart-link").click()
    await page.get_by_label("Самовывоз").check()
    await page.get_by_role("button", name="Оформить заказ").click()
    await expect(page.get_by_role("alert")).to_contain_text("Недостаточно средств")
    await no_serious_violations(page)
    await shot(page, "insufficient-funds")

    await admin.data("mutation($id: ID!) { deleteProduct(id: $id) { errors { code } } }", {"id": piano["id"]})
    await page.goto(f"/products/{piano['id']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Товар не найден")


async def test_english_on_request_with_money_in_the_locale(page: Page, admin: GraphQLClient) -> None:
    cup = (await shelf(admin, "Cup", 1, price="1499.90"))[0]
    await page.goto(f"/products/{cup['id']}")
    await expect(page.get_by_test_id("price")).to_have_text(re.compile(r"1\s499,90\s₽"))
    await page.get_by_label("Язык").select_option("en")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("button", name="Add to cart")).to_be_visible()
    await expect(page.get_by_test_id("price")).to_have_text(re.compile(r"RUB\s?1,499\.90|₽\s?1,499\.90"))
    # Keyboard only: Tab reaches the search box, typing and Enter search.
    await page.goto("/")
    await page.keyboard.press("Tab")
    for _ in range(12):
        if await page.evaluate("document.activeElement?.id") == "search":
            break
        await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement?.id") == "search"


async def test_external_sign_in_through_the_provider_and_back(page: Page) -> None:
    await page.goto("/login")
    await page.get_by_role("button", name="Войти через Test OIDC").click()
    # The provider's own pages (oidc-provider's development login and consent forms).
    await page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/interaction/"))
    email = f"{unique()}@example.com"
    await page.locator("input[name=login]").fill(email)
    await page.locator("input[name=password]").fill("any")
    await page.locator("button[type=submit]").click()
    await page.locator("button[type=submit]").click()  # consent
    await expect(page.get_by_test_id("whoami")).to_contain_text("Test ")
    assert "/auth/callback" not in page.url
    await page.get_by_test_id("whoami").click()
    await expect(page.get_by_text(email)).to_be_visible()


async def test_session_refreshes_before_expiry_and_a_refused_refresh_asks_to_sign_in(context: BrowserContext, gateway: GraphQLClient) -> None:
    who = await shopper(gateway)
    page = await context.new_page()
    await page.clock.install()
    refreshes: list[str] = []
    page.on("request", lambda r: refreshes.append(r.url) if r.post_data and "refreshSession" in r.post_data else None)
    await sign_in(page, who)
    await page.clock.fast_forward("14:30")  # past the refresh margin of a 15-minute token
    for _ in range(100):
        if refreshes:
            break
        await page.wait_for_timeout(100)
    assert refreshes, "the page never refreshed its session"
    await page.get_by_role("link", name="Профиль", exact=False).click()
    await expect(page.get_by_text(who.email)).to_be_visible()

    # Someone else uses the page's refresh token first: it is rotated, and the page's own use is refused.
    token = await page.evaluate("sessionStorage.getItem('shop.refresh')")
    stolen = await gateway.data("mutation($t: String!) { refreshSession(refreshToken: $t) { errors { code } } }", {"t": token})
    assert stolen["refreshSession"]["errors"] == []
    await page.reload()
    await page.wait_for_url(re.compile(r"/login"))
    await expect(page.get_by_role("status")).to_contain_text("Сеанс истёк")


async def test_an_order_is_cancelled_from_its_page_while_allowed(page: Page, gateway: GraphQLClient, admin: GraphQLClient) -> None:
    mug = (await shelf(admin, "Кружка", 1, price="200.00"))[0]
    ivan = await shopper(gateway, money="500.00")
    await add_to_cart(ivan, mug["id"])
    point = (await gateway.data("{ pickupPoints { id } }"))["pickupPoints"][0]["id"]
    placed = await ivan.api.data(PLACE, {"k": unique(), "p": point})
    order = placed["placeOrder"]["order"]["id"]
    await sign_in(page, ivan)
    await page.goto(f"/orders/{order}")
    await expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "CONFIRMED")
    await page.get_by_role("button", name="Отменить заказ").click()
    await expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "CANCELLED")
    await expect(page.get_by_role("button", name="Отменить заказ")).to_have_count(0)
    await page.get_by_role("link", name="Кошелёк").click()
    await expect(page.get_by_test_id("balance")).to_have_text(re.compile(r"500,00\s₽"))


async def test_out_of_stock_and_a_product_gone_from_the_cart_are_explained(page: Page, gateway: GraphQLClient, admin: GraphQLClient) -> None:
    vase, clock = await shelf(admin, "Ваза", 2, price="50.00")
    olga = await shopper(gateway, money="500.00")
    await add_to_cart(olga, clock["id"])
    await sign_in(page, olga)
    await page.goto(f"/products/{vase['id']}")
    await expect(page.get_by_text("В наличии: 10")).to_be_visible()
    # Meanwhile the storehouse sells nine elsewhere: the page still says 10, the API knows better.
    adjusted = await admin.data("mutation($id: ID!) { adjustStock(productId: $id, delta: -9) { errors { code } } }", {"id": vase["id"]})
    assert adjusted["adjustStock"]["errors"] == []
    await page.get_by_label("Количество").fill("2")
    await page.get_by_role("button", name="В корзину").click()
    await expect(page.get_by_role("alert")).to_contain_text("Товара нет в нужном количестве")

    await admin.data("mutation($id: ID!) { deleteProduct(id: $id) { errors { code } } }", {"id": clock["id"]})
    await page.get_by_test_id("cart-link").click()
    await expect(page.get_by_test_id("cart-lines")).to_contain_text(clock["name"])
    await page.get_by_label("Самовывоз").check()
    await page.get_by_role("button", name="Оформить заказ").click()
    await expect(page.get_by_role("alert")).to_contain_text("Товар больше не продаётся")


async def test_category_filter_with_counts_and_sorting_by_price(page: Page, admin: GraphQLClient) -> None:
    products = await shelf(admin, "Свеча", 3, price="10.00")
    for product, price in zip(products, ("30.00", "10.00", "20.00"), strict=True):
        await admin.data("mutation($id: ID!, $p: Decimal!) { updateProduct(id: $id, input: {price: $p}) { errors { code } } }", {"id": product["id"], "p": price})
    category = (await admin.data("query($id: ID!) { product(id: $id) { category { id name } } }", {"id": products[0]["id"]}))["product"]["category"]
    await page.goto("/")
    await expect(page.get_by_test_id("product-card").first).to_be_visible()
    await page.get_by_label("Категория").select_option(label=f"{category['name']} (3)")
    names = page.get_by_test_id("product-card").locator(".name")
    await expect(names).to_have_count(3)
    await page.get_by_label("Сортировка").select_option(label="Сначала дешёвые")
    await expect(names).to_have_text([products[1]["name"], products[2]["name"], products[0]["name"]])
    await page.get_by_label("Сортировка").select_option(label="Сначала дорогие")
    await expect(names).to_have_text([products[0]["name"], products[2]["name"], products[1]["name"]])
    assert f"category={category['id']}" in page.url and "sort=PRICE_DESC" in page.url
