"""Search as you type and the listing's facets in Chromium, through the real gateway and catalog."""

from __future__ import annotations

import json
import random
import re

from playwright.async_api import Locator, Page, Request, Route, expect

from tests.conftest import GraphQLClient, unique
from tests.e2e.test_showcase import CREATE_CATEGORY, new_product
from tests.storefront.conftest import serious_violations, shot

DEADLINE_S = 20


def word() -> str:
    """A made-up Latin word no product of the demo data or of another test holds."""
    rng = random.Random()
    return "".join(rng.choice("bcdfgklmnprstvz") + rng.choice("aeiou") for _ in range(4))


async def category(admin: GraphQLClient, name: str) -> str:
    payload = (await admin.data(CREATE_CATEGORY, {"name": name, "slug": unique("cat")}))["createCategory"]
    assert payload["errors"] == []
    return str(payload["category"]["id"])


def suggestions(page: Page) -> Locator:
    return page.get_by_role("listbox", name="Подсказки").get_by_role("option")


async def type_until_suggested(box: Locator, typos: list[str], option: Locator) -> None:
    """Types each typo in turn until `option` is suggested. The typo lookup has a time budget and
    answers nothing past it, which a machine busy with other work can cross; anonymous answers are
    cached by their exact text, so asking again takes another typo of the same word."""
    for typo in typos:
        await box.fill(typo)
        try:
            await expect(option).to_be_visible(timeout=DEADLINE_S * 1000 // len(typos))
            return
        except AssertionError:
            continue
    await expect(option).to_be_visible()


async def test_a_typo_in_the_prefix_still_suggests_the_product_and_choosing_it_opens_it(page: Page, admin: GraphQLClient) -> None:
    name = f"Патефон {word()}"
    shelf = await category(admin, f"Граммофоны {unique('g')[-6:]}")
    gramophone = await new_product(admin, shelf, name, stock=3)
    made_up = name.split()[1]
    typos = [made_up[:k] + made_up[k + 1 : 6] for k in (2, 3, 1, 4)]  # a letter dropped, the word unfinished
    await page.goto("/")
    box = page.get_by_role("combobox", name="Поиск товаров")
    option = suggestions(page).filter(has_text=name)
    await type_until_suggested(box, typos, option)
    await expect(box).to_have_attribute("aria-expanded", "true")
    assert await serious_violations(page) == []
    await shot(page, "suggestions", full_page=False)

    # Keyboard: arrows move the active option (aria-activedescendant), Enter opens the product.
    names = await suggestions(page).all_inner_texts()
    position = next(i for i, text in enumerate(names) if text.startswith(name))
    for _ in range(position + 1):
        await box.press("ArrowDown")
    await expect(option).to_have_attribute("aria-selected", "true")
    await expect(box).to_have_attribute("aria-activedescendant", f"suggestion-{position}")
    await box.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert page.url.endswith(f"/products/{gramophone['id']}")


async def test_a_category_suggestion_filters_by_it_and_escape_closes_the_list(page: Page, admin: GraphQLClient) -> None:
    label = word().title()
    shelf = await category(admin, label)
    products = [await new_product(admin, shelf, f"Пластинка {unique('p')[-6:]}") for _ in range(2)]
    await page.goto("/")
    box = page.get_by_role("combobox", name="Поиск товаров")
    await box.fill(label[:5].lower())
    option = suggestions(page).filter(has_text=label)
    await expect(option).to_have_attribute("data-kind", "category")
    await box.press("Escape")
    await expect(page.get_by_role("listbox", name="Подсказки")).to_be_hidden()
    await expect(box).to_have_attribute("aria-expanded", "false")

    await box.fill(label[:6].lower())
    await option.click()
    await expect(page.get_by_label("Категория")).to_have_value(shelf)
    await expect(box).to_have_value("")
    await expect(page.get_by_test_id("product-card").locator(".name")).to_have_text([products[1]["name"], products[0]["name"]])  # newest first
    assert f"category={shelf}" in page.url and "q=" not in page.url


async def test_facets_count_what_each_category_and_the_stock_toggle_then_list(page: Page, admin: GraphQLClient) -> None:
    term = word()
    alpha, beta = await category(admin, f"Альфа {term}"), await category(admin, f"Бета {term}")
    for shelf, stocks in ((alpha, (5, 5, 0)), (beta, (4, 0))):
        for i, stock in enumerate(stocks):
            await new_product(admin, shelf, f"Свисток {term} {i}", stock=stock)
    await page.goto(f"/?q={term}")
    options = page.locator("#category option")
    cards = page.get_by_test_id("product-card")
    await expect(page.get_by_test_id("total")).to_have_text("Найдено: 5")
    await expect(page.get_by_test_id("in-stock-count")).to_contain_text("(3)")
    await expect(options).to_have_text(["Все категории", f"Альфа {term} (3)", f"Бета {term} (2)"])
    await expect(cards).to_have_count(5)
    assert await serious_violations(page) == []

    # Each category lists as many as its count said; the siblings keep their counts. Stock is
    # counted over every category, so the toggle shows no count while one is chosen.
    for shelf, label, hits in ((alpha, f"Альфа {term} (3)", 3), (beta, f"Бета {term} (2)", 2)):
        await page.get_by_label("Категория").select_option(label=label)
        await expect(cards).to_have_count(hits)
        await expect(page.get_by_test_id("total")).to_have_text(f"Найдено: {hits}")
        await expect(options).to_have_text(["Все категории", f"Альфа {term} (3)", f"Бета {term} (2)"])
        await expect(page.get_by_test_id("in-stock-count")).to_have_count(0)
        assert f"category={shelf}" in page.url
    await shot(page, "showcase-facets", full_page=False)

    # In stock only: counted again with the stock filter, and the list follows (Beta stays chosen).
    await page.get_by_label("Только в наличии").check()
    await expect(options).to_have_text(["Все категории", f"Альфа {term} (2)", f"Бета {term} (1)"])
    await expect(page.get_by_test_id("total")).to_have_text("Найдено: 1")
    await expect(cards).to_have_count(1)
    await page.get_by_label("Категория").select_option(label=f"Альфа {term} (2)")
    await expect(cards).to_have_count(2)
    await expect(cards.locator(".stock")).to_have_text(["В наличии: 5", "В наличии: 5"])
    assert "stock=1" in page.url
    await page.get_by_label("Только в наличии").uncheck()
    await expect(cards).to_have_count(3)
    await expect(page.get_by_test_id("total")).to_have_text("Найдено: 3")
    await page.get_by_label("Категория").select_option("")
    await expect(page.get_by_test_id("total")).to_have_text("Найдено: 5")
    await expect(page.get_by_test_id("in-stock-count")).to_contain_text("(3)")
    await expect(cards).to_have_count(5)
    assert await serious_violations(page) == []


async def test_a_late_reply_for_an_older_prefix_does_not_replace_the_newer_suggestions(page: Page, admin: GraphQLClient) -> None:
    stem = word()[:6]
    shelf = await category(admin, f"Свистульки {unique('w')[-6:]}")
    older, newer = f"Окарина {stem}kub", f"Окарина {stem}rux"
    for name in (older, newer):
        await new_product(admin, shelf, name)
    held: list[Route] = []

    async def hold_the_first(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        if "searchSuggestions" in body.get("query", "") and body["variables"]["prefix"] == stem and not held:
            held.append(route)  # answered later, after the newer prefix's reply is shown
        else:
            await route.continue_()

    await page.goto("/")
    await page.route(re.compile(r"/graphql$"), hold_the_first)
    box = page.get_by_role("combobox", name="Поиск товаров")
    await box.fill(stem)
    for _ in range(DEADLINE_S * 10):
        if held:
            break
        await page.wait_for_timeout(100)
    assert held, "the page never asked for the first prefix's suggestions"
    # The newer word in full: no one-edit variant of it (stemmed or not) is a prefix of the older one.
    await box.fill(stem + "rux")
    await expect(suggestions(page)).to_have_text([newer])

    late: Request = held[0].request
    await held[0].continue_()
    response = await late.response()
    assert response is not None and "kub" in await response.text()  # the older reply did hold both
    await response.finished()
    await page.wait_for_timeout(300)  # the page has had the reply (no assertion on time)
    await expect(suggestions(page)).to_have_text([newer])
