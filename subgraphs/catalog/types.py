"""The catalog subgraph's GraphQL types: built from database rows, relations through DataLoaders."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.types import Info  # needed at runtime: Strawberry reads resolver signatures

from subgraphs.common.errors import UserError
from subgraphs.common.money import money
from subgraphs.common.pagination import Connection
from subgraphs.common.types import Money

from .categories import CategoryMap
from .facets import count_facets
from .loaders import CategoryLoader, ProductCountLoader, ProductLoader
from .search import Listing


@strawberry.federation.type(keys=["id"], description="A shelf of the showcase that groups products.")
class Category:
    id: strawberry.ID = strawberry.field(description="Category id.")
    name: str = strawberry.field(description="Name shown to customers.")
    slug: str = strawberry.field(description="URL-friendly unique key, e.g. `kitchen`.")
    key: strawberry.Private[uuid.UUID]

    @strawberry.field(description="How many products on the showcase are in this category (deleted ones excluded).")
    async def product_count(self, info: Info) -> int:
        count: int = await info.context.loader(ProductCountLoader).load(self.key)
        return count

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Category | None:
        row = await info.context.loader(CategoryLoader).load_id(id)
        return cls.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: Any) -> Category:
        return cls(id=strawberry.ID(str(row.id)), name=row.name, slug=row.slug, key=row.id)


@strawberry.federation.type(keys=["id"], description="Something the store sells.")
class Product:
    id: strawberry.ID = strawberry.field(description="Product id.")
    name: str = strawberry.field(description="Product name.")
    description: str = strawberry.field(description="Longer text shown on the product page.")
    price: Money = strawberry.field(description="Current price of one item.")
    stock: int = strawberry.field(description="Items available to sell now: on hand minus reserved by orders in progress.")
    image_url: str | None = strawberry.field(description="Picture of the product, if any.")
    created_at: datetime = strawberry.field(description="When the product was added to the catalog.")
    category_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The category the product is on.")
    def category(self, info: Info) -> Category:
        # Not async: from the process's category map nothing is awaited, which spares a task per
        # product; only a category the map cannot vouch for goes through the DataLoader.
        categories: CategoryMap | None = info.context.state.services.categories
        row = categories.get(self.category_id) if categories is not None else None
        if row is not None:
            return Category.from_row(row)
        return self._load_category(info)  # type: ignore[return-value]  # graphql-core awaits it

    async def _load_category(self, info: Info) -> Category:
        row = await info.context.loader(CategoryLoader).load(self.category_id)
        return Category.from_row(row)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Product | None:
        """Deleted products still resolve: orders and carts name them by id."""
        row = await info.context.loader(ProductLoader).load_id(id)
        return cls.from_row(row, info.context.settings.currency) if row else None

    @classmethod
    def from_row(cls, row: Any, currency: str) -> Product:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            description=row.description,
            price=money(row.price, currency),
            stock=row.on_hand - row.reserved,
            image_url=row.image_url,
            created_at=row.created_at,
            category_id=row.category_id,
        )


@strawberry.enum(description="How `products` orders its results.")
class ProductSort(enum.Enum):
    RELEVANCE = strawberry.enum_value("RELEVANCE", description="Best match first (the default with a search); without a search, as NEWEST.")
    NAME = strawberry.enum_value("NAME", description="By name, A to Z, ignoring case.")
    PRICE_ASC = strawberry.enum_value("PRICE_ASC", description="Cheapest first.")
    PRICE_DESC = strawberry.enum_value("PRICE_DESC", description="Most expensive first.")
    NEWEST = strawberry.enum_value("NEWEST", description="Most recently added first (the default without a search).")


@strawberry.input(description="Narrows `products`; all parts are optional and combine with AND.")
class ProductFilter:
    search: str | None = strawberry.field(
        default=UNSET,
        description="Words to find in names and descriptions, in Russian or English, in any word form; "
        'a typo is tolerated. Supports "quoted phrases", `or` and `-excluded`.',
    )
    category_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Only products of this category.")
    in_stock_only: bool | None = strawberry.field(default=UNSET, description="Only products with stock > 0.")


@strawberry.input(description="A new category.")
class CreateCategoryInput:
    name: str = strawberry.field(description="Name shown to customers.")
    slug: str = strawberry.field(description="Unique key: lower-case letters and digits in dash-separated groups, e.g. `home-office`.")


@strawberry.input(description="A new product.")
class CreateProductInput:
    name: str = strawberry.field(description="Product name; must not be blank.")
    description: str = strawberry.field(description="Longer text shown on the product page.")
    price: Decimal = strawberry.field(description='Price of one item, e.g. "1499.90": positive, at most two decimals.')
    category_id: strawberry.ID = strawberry.field(description="An existing category.")
    stock: int | None = strawberry.field(default=UNSET, description="Items on hand to start with (default 0).")
    image_url: str | None = strawberry.field(default=UNSET, description="Picture of the product.")


@strawberry.input(description="Changes to a product; omitted fields stay as they are.")
class UpdateProductInput:
    name: str | None = strawberry.field(default=UNSET, description="New name; must not be blank.")
    description: str | None = strawberry.field(default=UNSET, description="New description.")
    price: Decimal | None = strawberry.field(default=UNSET, description="New price: positive, at most two decimals.")
    category_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Move to this existing category.")
    image_url: str | None = strawberry.field(default=UNSET, description="New picture; null removes it.")


@strawberry.type(description="The outcome of a category change.")
class CategoryPayload:
    category: Category | None = strawberry.field(default=None, description="The category as it is now.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


@strawberry.type(description="The outcome of a product change.")
class ProductPayload:
    product: Product | None = strawberry.field(default=None, description="The product as it is now.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


@strawberry.type(description="The outcome of deleting a product.")
class DeleteProductPayload:
    deleted_id: strawberry.ID | None = strawberry.field(default=None, description="Id of the product taken off the showcase.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


@strawberry.type(description="How many hits of a listing one category holds.")
class CategoryFacet:
    category: Category = strawberry.field(description="The category.")
    count: int = strawberry.field(description="Hits in it (estimated when the facets' `totalIsExact` is false).")


@strawberry.type(description="Counts over a listing's hits with its category filter left out, so sibling categories show.")
class ProductFacets:
    total: int = strawberry.field(description="Hits in all categories.")
    total_is_exact: bool = strawberry.field(description="False when there are more than 10,000 hits: the counts are then estimated.")
    in_stock: int = strawberry.field(description="Hits with stock > 0.")
    categories: list[CategoryFacet] = strawberry.field(description="Categories with at least one hit, most hits first.")


@strawberry.type(description="A completion of what the shopper is typing: a product name or a category.")
class SearchSuggestion:
    text: str = strawberry.field(description="The text to show: the product's or the category's name.")
    product: Product | None = strawberry.field(default=None, description="The product it names, for a product suggestion.")
    category: Category | None = strawberry.field(default=None, description="The category it names, for a category suggestion.")


@strawberry.type(name="ProductConnection", description="A page of a list, Relay style.")
class ProductConnection(Connection[Product]):
    listing: strawberry.Private[Listing | None] = None

    @strawberry.field(description="Hit counts of this listing by category (its category filter left out), in stock and in total; computed only when asked for.")
    async def facets(self, info: Info) -> ProductFacets:
        assert self.listing is not None
        counts = await count_facets(info.context.db, self.listing)
        return ProductFacets(
            total=counts.total,
            total_is_exact=counts.exact,
            in_stock=counts.in_stock,
            categories=[CategoryFacet(category=Category.from_row(c.category), count=c.count) for c in counts.categories],
        )
