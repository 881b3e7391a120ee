"""The catalog subgraph: the showcase (anyone) and its upkeep (ADMIN)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import UNSET
from strawberry.types import Info  # needed at runtime: Strawberry reads resolver signatures

from subgraphs.common.auth import IsAdmin
from subgraphs.common.errors import ErrorCode, mutation
from subgraphs.common.pagination import After, First, Page
from subgraphs.common.schema import make_schema

from . import service
from .cache import ForgetAfterWrites
from .loaders import ProductLoader
from .search import Listing, cursor_key, cursor_types, list_products
from .suggest import suggest
from .types import (
    Category,
    CategoryPayload,
    CreateCategoryInput,
    CreateProductInput,
    DeleteProductPayload,
    Product,
    ProductFilter,
    ProductConnection,
    ProductPayload,
    ProductSort,
    SearchSuggestion,
    UpdateProductInput,
)


def _set(value: Any) -> Any:
    return None if value is UNSET else value


@strawberry.type
class Query:
    @strawberry.field(description="The showcase: products, searched, filtered and sorted, a page at a time.")
    async def products(
        self,
        info: Info,
        first: First = 20,
        after: After = UNSET,
        filter: Annotated[ProductFilter | None, strawberry.argument(description="Narrows the list; its parts combine with AND.")] = UNSET,
        sort: Annotated[ProductSort | None, strawberry.argument(description="The order of results; null means RELEVANCE with a search, NEWEST without.")] = UNSET,
    ) -> ProductConnection:
        where = filter or ProductFilter()
        listing = Listing.of(
            _set(sort) and sort.value, _set(where.search), _set(where.category_id), _set(where.in_stock_only)  # type: ignore[union-attr]
        )
        page = Page.from_args(first, after, key=cursor_types(listing))
        rows = await list_products(info.context.db, listing, page)
        currency = info.context.settings.currency
        connection = ProductConnection.build(
            rows, page, node=lambda row: Product.from_row(row, currency), key=lambda row: cursor_key(listing, row)
        )
        connection.listing = listing  # type: ignore[attr-defined]
        return connection  # type: ignore[return-value]

    @strawberry.field(description="One product of the showcase; null when it does not exist or was deleted.")
    async def product(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Product id.")]) -> Product | None:
        row = await info.context.loader(ProductLoader).load_id(id)
        if row is None or row.deleted_at is not None:
            return None
        return Product.from_row(row, info.context.settings.currency)

    @strawberry.field(
        description="Completions of a search being typed: product names and categories, best first, one typo forgiven "
        "from four letters. Fewer than 2 letters answer an empty list."
    )
    async def search_suggestions(
        self,
        info: Info,
        prefix: Annotated[str, strawberry.argument(description="What the shopper has typed so far; the last word may be incomplete.")],
        first: Annotated[int | None, strawberry.argument(description="How many suggestions at most: 0 to 20, else BAD_USER_INPUT; null means 8.")] = 8,
    ) -> list[SearchSuggestion]:
        currency = info.context.settings.currency
        return [
            SearchSuggestion(
                text=s.text,
                product=Product.from_row(s.product, currency) if s.product is not None else None,
                category=Category.from_row(s.category) if s.category is not None else None,
            )
            for s in await suggest(info.context.db, prefix, 8 if first is None else first)
        ]

    @strawberry.field(description="Every category, by name.")
    async def categories(self, info: Info) -> list[Category]:
        return [Category.from_row(row) for row in await service.list_categories(info.context.db)]


@strawberry.type
class Mutation:
    @mutation(description="Adds a category (ADMIN).", permission_classes=[IsAdmin])
    async def create_category(self, info: Info, input: Annotated[CreateCategoryInput, strawberry.argument(description="The new category.")]) -> CategoryPayload:
        return CategoryPayload(category=Category.from_row(await service.create_category(info.context.db, input.name, input.slug)))

    @mutation(description="Adds a product to the showcase (ADMIN).", permission_classes=[IsAdmin])
    async def create_product(self, info: Info, input: Annotated[CreateProductInput, strawberry.argument(description="The new product.")]) -> ProductPayload:
        row = await service.create_product(
            info.context.db,
            name=input.name,
            description=input.description,
            price=input.price,
            category_id=input.category_id,
            stock=_set(input.stock),
            image_url=_set(input.image_url),
        )
        return _product_payload(info, row)

    @mutation(description="Changes a product's details; stock changes go through adjustStock (ADMIN).", permission_classes=[IsAdmin])
    async def update_product(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Product id.")],
        input: Annotated[UpdateProductInput, strawberry.argument(description="The fields to change; those left out stay as they are.")],
    ) -> ProductPayload:
        changes = {name: value for name, value in vars(input).items() if value is not UNSET}
        return _product_payload(info, await service.update_product(info.context.db, id, changes))

    @mutation(
        description="Takes a product off the showcase; past orders keep their lines (ADMIN).", permission_classes=[IsAdmin]
    )
    async def delete_product(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Product id.")]) -> DeleteProductPayload:
        return DeleteProductPayload(deleted_id=strawberry.ID(str(await service.delete_product(info.context.db, id))))

    @mutation(
        description="Adds `delta` items to the stock on hand (negative removes); never below what is reserved (ADMIN).",
        permission_classes=[IsAdmin],
    )
    async def adjust_stock(
        self,
        info: Info,
        product_id: Annotated[strawberry.ID, strawberry.argument(description="Product id.")],
        delta: Annotated[int, strawberry.argument(description="Items to add to the stock on hand, negative to take away; it cannot fall below what is reserved.")],
    ) -> ProductPayload:
        return _product_payload(info, await service.adjust_stock(info.context.db, product_id, delta))


def _product_payload(info: Info, row: Any) -> ProductPayload:
    return ProductPayload(product=Product.from_row(row, info.context.settings.currency))


# What the code here can answer in a payload's `errors`; the SDL lists only these.
schema = make_schema(
    query=Query, mutation=Mutation, types=[Category, Product],
    error_codes=[ErrorCode.CONFLICT, ErrorCode.INVALID_INPUT, ErrorCode.NOT_FOUND],
    extensions=[ForgetAfterWrites],
)
