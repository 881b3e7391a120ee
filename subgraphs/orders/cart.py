"""The cart: lines of (product, quantity) per user; prices are always the catalog's current ones."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.common.errors import DomainError, ErrorCode

from .models import CartItem
from .remote import ProductInfo, Remote

Db = async_sessionmaker[AsyncSession]
MAX_QUANTITY = 1000


@dataclass(frozen=True)
class CartLine:
    product_id: uuid.UUID
    quantity: int
    unit_price: Decimal

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


async def lines(db: Db, remote: Remote, user_id: uuid.UUID) -> list[CartLine]:
    """The cart with live prices, oldest line first. A product removed from the showcase keeps its
    line (at its last price), so the storefront shows what placeOrder would refuse and why."""
    async with db() as session:
        items = list(await session.scalars(select(CartItem).where(CartItem.user_id == user_id).order_by(CartItem.added_at, CartItem.product_id)))
    if not items:
        return []
    products = await remote.products([i.product_id for i in items])
    return [
        CartLine(i.product_id, i.quantity, products[i.product_id].price)
        for i in items
        if i.product_id in products
    ]


async def _available(remote: Remote, product_id: uuid.UUID) -> ProductInfo:
    product = (await remote.products([product_id])).get(product_id)
    if product is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such product.", "productId")
    if product.deleted:
        raise DomainError(ErrorCode.PRODUCT_UNAVAILABLE, "The product is no longer sold.", "productId")
    return product


def _check_quantity(quantity: int, product: ProductInfo) -> None:
    if quantity < 1 or quantity > MAX_QUANTITY:
        raise DomainError(ErrorCode.INVALID_INPUT, f"The quantity must be between 1 and {MAX_QUANTITY}.", "quantity")
    if quantity > product.stock:
        raise DomainError(ErrorCode.OUT_OF_STOCK, f"Only {product.stock} in stock.", "quantity")


async def add(db: Db, remote: Remote, user_id: uuid.UUID, product_id: uuid.UUID, quantity: int) -> None:
    """Adds `quantity` to the line (creating it); the line may not exceed the stock."""
    if quantity < 1:
        raise DomainError(ErrorCode.INVALID_INPUT, "The quantity must be at least 1.", "quantity")
    product = await _available(remote, product_id)
    async with db.begin() as session:
        current = await session.scalar(
            select(CartItem.quantity).where(CartItem.user_id == user_id, CartItem.product_id == product_id).with_for_update()
        )
        _check_quantity((current or 0) + quantity, product)
        await session.execute(
            insert(CartItem)
            .values(user_id=user_id, product_id=product_id, quantity=quantity)
            .on_conflict_do_update(index_elements=["user_id", "product_id"], set_={"quantity": CartItem.quantity + quantity})
        )


async def set_quantity(db: Db, remote: Remote, user_id: uuid.UUID, product_id: uuid.UUID, quantity: int) -> None:
    """Sets the line's quantity; 0 removes it."""
    if quantity < 0:
        raise DomainError(ErrorCode.INVALID_INPUT, "The quantity cannot be negative.", "quantity")
    if quantity == 0:
        await remove(db, user_id, product_id)
        return
    async with db() as session:
        exists = await session.scalar(select(CartItem.quantity).where(CartItem.user_id == user_id, CartItem.product_id == product_id))
    if exists is None:
        raise DomainError(ErrorCode.NOT_FOUND, "The product is not in the cart.", "productId")
    _check_quantity(quantity, await _available(remote, product_id))
    async with db.begin() as session:
        await session.execute(
            insert(CartItem)
            .values(user_id=user_id, product_id=product_id, quantity=quantity)
            .on_conflict_do_update(index_elements=["user_id", "product_id"], set_={"quantity": quantity})
        )


async def remove(db: Db, user_id: uuid.UUID, product_id: uuid.UUID) -> None:
    async with db.begin() as session:
        await session.execute(delete(CartItem).where(CartItem.user_id == user_id, CartItem.product_id == product_id))


async def clear(db: Db, user_id: uuid.UUID) -> None:
    async with db.begin() as session:
        await session.execute(delete(CartItem).where(CartItem.user_id == user_id))
