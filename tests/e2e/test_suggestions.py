"""Facets and search-as-you-type through the gateway, as the storefront will ask for them."""

from __future__ import annotations

import random

from tests.conftest import GraphQLClient
from tests.e2e.test_showcase import new_category, new_product

QUERY = """
query($prefix: String!, $filter: ProductFilter) {
  searchSuggestions(prefix: $prefix, first: 5) { text product { id stock category { id } } category { id } }
  products(first: 1, filter: $filter) { edges { node { id } } facets { total totalIsExact inStock categories { category { id productCount } count } } }
}"""


async def test_suggestions_and_facets_through_the_gateway(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    tag = "zq" + "".join(random.choice("bcdfghjklmnpqrstvwxz") for _ in range(8))
    kettles, mugs = await new_category(admin), await new_category(admin)
    kettle = await new_product(admin, kettles, f"{tag.title()} kettle", stock=2)
    await new_product(admin, mugs, f"{tag.title()} mug", stock=0)
    data = await gateway.data(QUERY, {"prefix": tag[:6], "filter": {"search": tag, "categoryId": kettles}})
    suggested = {s["product"]["id"]: s for s in data["searchSuggestions"] if s["product"]}
    assert kettle["id"] in suggested and suggested[kettle["id"]]["product"]["category"]["id"] == kettles
    facets = data["products"]["facets"]
    assert (facets["total"], facets["totalIsExact"], facets["inStock"]) == (2, True, 1)
    assert sorted((c["category"]["id"], c["count"]) for c in facets["categories"]) == sorted([(kettles, 1), (mugs, 1)])
    assert {c["category"]["productCount"] for c in facets["categories"]} == {1}
    assert len(data["products"]["edges"]) == 1
