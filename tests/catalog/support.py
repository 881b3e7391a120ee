"""Making catalog data through the API, as an administrator would."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient, unique

CREATE_CATEGORY = """
mutation($input: CreateCategoryInput!) {
  createCategory(input: $input) { category { id name slug productCount } errors { code field message } }
}"""
CREATE_PRODUCT = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) {
    product { id name description price { amount currency } stock imageUrl createdAt category { id slug } }
    errors { code field message }
  }
}"""
PRODUCTS = """
query($first: Int, $after: String, $filter: ProductFilter, $sort: ProductSort) {
  products(first: $first, after: $after, filter: $filter, sort: $sort) {
    edges { cursor node { id name price { amount } stock createdAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def make_category(admin: GraphQLClient, name: str = "Test shelf") -> dict[str, Any]:
    data = await admin.data(CREATE_CATEGORY, {"input": {"name": name, "slug": unique("shelf")}})
    assert data["createCategory"]["errors"] == []
    category: dict[str, Any] = data["createCategory"]["category"]
    return category


async def make_product(admin: GraphQLClient, category_id: str, **fields: Any) -> dict[str, Any]:
    values = {"name": unique("Product"), "description": "", "price": "100.00", "categoryId": category_id, "stock": 10}
    data = await admin.data(CREATE_PRODUCT, {"input": {**values, **fields}})
    assert data["createProduct"]["errors"] == [], data
    product: dict[str, Any] = data["createProduct"]["product"]
    return product


async def names(client: GraphQLClient, **filter_: Any) -> list[str]:
    """Names of the first 100 products matching the filter (and sort, if given)."""
    sort = filter_.pop("sort", None)
    data = await client.data(PRODUCTS, {"first": 100, "filter": filter_, "sort": sort})
    return [edge["node"]["name"] for edge in data["products"]["edges"]]
