"""Catalog actions: each validates its input, then changes the database in one unit of work.

Bad input raises `DomainError` before anything is written. Uniqueness and references are left to
the database's constraints (no check-then-insert race): their violations become the same errors.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, cast, func, insert, literal, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.types import BigInteger

from subgraphs.common.ids import input_id
from subgraphs.common.errors import DomainError, ErrorCode
from subgraphs.common.money import parse_amount

from .models import Category, Product
from .search import SHOWN, reading

C = Category.__table__
P = Product.__table__
Db = async_sessionmaker[AsyncSession]

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_PRICE = Decimal("9999999999.99")  # NUMERIC(12, 2)
MAX_STOCK = 2**31 - 1  # the column is a 32-bit integer
LIMITS = {"name": 300, "description": 10_000, "imageUrl": 2_000}


def _text(value: str, field: str, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise DomainError(ErrorCode.INVALID_INPUT, "Must not be blank.", field)
    if len(value) > LIMITS[field]:
        raise DomainError(ErrorCode.INVALID_INPUT, f"At most {LIMITS[field]} characters.", field)
    return value


def _category_id(value: Any) -> uuid.UUID:
    return input_id(value, "categoryId", message="No such category.")


def _product_id(value: Any, field: str = "id") -> uuid.UUID:
    return input_id(value, field, ErrorCode.NOT_FOUND, "No such product.")


def _image(value: str | None) -> str | None:
    return _text(value, "imageUrl", required=False) or None if value is not None else None


def _violated(error: IntegrityError) -> DomainError:
    """The business error behind a constraint the database enforced."""
    constraint = getattr(getattr(error.orig, "__cause__", None), "constraint_name", None)
    if constraint == "uq_categories_slug":
        return DomainError(ErrorCode.CONFLICT, "A category with this slug exists.", "slug")
    if constraint == "fk_products_category_id_categories":
        return DomainError(ErrorCode.INVALID_INPUT, "No such category.", "categoryId")
    raise error


async def _write(db: Db, statement: Any) -> Row[Any] | None:
    """Runs one writing statement as its own unit of work; constraint violations become DomainErrors."""
    try:
        async with db() as session, session.begin():
            return (await session.execute(statement)).first()
    except IntegrityError as error:
        raise _violated(error) from None


async def create_category(db: Db, name: str, slug: str) -> Row[Any]:
    """A new category; CONFLICT when the slug is taken."""
    name = _text(name, "name", required=True)
    slug = slug.strip()
    if len(slug) > 100 or not SLUG.fullmatch(slug):
        raise DomainError(ErrorCode.INVALID_INPUT, "Lower-case letters and digits in dash-separated groups.", "slug")
    row = await _write(db, insert(C).values(id=uuid.uuid4(), name=name, slug=slug).returning(C))
    assert row is not None
    return row


async def list_categories(db: Db) -> list[Row[Any]]:
    async with reading(db) as session:
        return list((await session.execute(select(C).order_by(C.c.name, C.c.id))).all())


async def create_product(
    db: Db, *, name: str, description: str, price: Decimal, category_id: Any, stock: int | None, image_url: str | None
) -> Row[Any]:
    """A new product on the showcase."""
    values = {
        "id": uuid.uuid4(),
        "name": _text(name, "name", required=True),
        "description": _text(description, "description", required=False),
        "price": parse_amount(price, field="price", maximum=MAX_PRICE),
        "category_id": _category_id(category_id),
        "on_hand": stock or 0,
        "image_url": _image(image_url),
    }
    if values["on_hand"] < 0:
        raise DomainError(ErrorCode.INVALID_INPUT, "Stock cannot be negative.", "stock")
    row = await _write(db, insert(P).values(values).returning(*SHOWN))
    assert row is not None
    return row


async def update_product(db: Db, product_id: Any, changes: dict[str, Any]) -> Row[Any]:
    """Applies the given changes (keys: name, description, price, category_id, image_url)."""
    key = _product_id(product_id)
    values: dict[str, Any] = {"updated_at": func.now()}
    if changes.get("name") is not None:
        values["name"] = _text(changes["name"], "name", required=True)
    if changes.get("description") is not None:
        values["description"] = _text(changes["description"], "description", required=False)
    if changes.get("price") is not None:
        values["price"] = parse_amount(changes["price"], field="price", maximum=MAX_PRICE)
    if changes.get("category_id") is not None:
        values["category_id"] = _category_id(changes["category_id"])
    if "image_url" in changes:
        values["image_url"] = _image(changes["image_url"])
    statement = update(P).where(P.c.id == key, P.c.deleted_at.is_(None)).values(values).returning(*SHOWN)
    row = await _write(db, statement)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such product.", "id")
    return row


async def delete_product(db: Db, product_id: Any) -> uuid.UUID:
    """Takes a product off the showcase; the row stays for the orders that sold it."""
    key = _product_id(product_id)
    statement = update(P).where(P.c.id == key, P.c.deleted_at.is_(None)).values(deleted_at=func.now()).returning(P.c.id)
    if await _write(db, statement) is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such product.", "id")
    return key


async def adjust_stock(db: Db, product_id: Any, delta: int) -> Row[Any]:
    """Adds `delta` (may be negative) to the stock on hand, never below what is reserved.

    One guarded UPDATE: two admins adjusting at once cannot both pass a check made on a stale read.
    """
    key = _product_id(product_id, "productId")
    after = cast(P.c.on_hand, BigInteger) + literal(delta, BigInteger)
    statement = (
        update(P)
        .where(P.c.id == key, P.c.deleted_at.is_(None), and_(after >= P.c.reserved, after <= MAX_STOCK))
        .values(on_hand=P.c.on_hand + delta, updated_at=func.now())
        .returning(*SHOWN)
    )
    row = await _write(db, statement)
    if row is not None:
        return row
    async with db() as session:
        exists = await session.scalar(select(P.c.id).where(P.c.id == key, P.c.deleted_at.is_(None)))
    if exists is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such product.", "productId")
    raise DomainError(ErrorCode.INVALID_INPUT, "Stock on hand cannot fall below what is reserved, nor below zero.", "delta")
