"""Money: NUMERIC in the database, a decimal string in the API, never a float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .errors import DomainError, ErrorCode
from .types import Money

CENT = Decimal("0.01")
#: Above what NUMERIC(12,2) can hold; every amount column is at least that wide.
LIMIT = Decimal("10000000000")


def money(amount: Decimal, currency: str) -> Money:
    """A `Money` value with exactly two decimals."""
    return Money(amount=amount.quantize(CENT), currency=currency)


def parse_amount(value: Decimal | str, *, field: str = "amount", maximum: Decimal | None = None) -> Decimal:
    """A positive amount with at most two decimals (and at most `maximum`), else INVALID_INPUT."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError(ErrorCode.INVALID_INPUT, "Not a decimal amount.", field) from None
    if not amount.is_finite() or amount <= 0:
        raise DomainError(ErrorCode.INVALID_INPUT, "The amount must be greater than zero.", field)
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise DomainError(ErrorCode.INVALID_INPUT, "At most two decimals.", field)
    if maximum is not None and amount > maximum:
        raise DomainError(ErrorCode.INVALID_INPUT, f"At most {maximum}.", field)
    if amount >= LIMIT:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Less than {LIMIT}.", field)
    return amount.quantize(CENT)
