"""Money: NUMERIC in the database, a decimal string in the API, never a float.

An amount has one spelling only, `^[0-9]+(\\.[0-9]{1,2})?$` as a string ("1499.90"): Python's
`Decimal` would also take "1_000", "1e3", Arabic-Indic or full-width digits and JSON numbers.
The `Decimal` scalar never fails a request for a bad amount (inline, a failed literal would
surface through the gateway as DOWNSTREAM_SERVICE_ERROR); it hands the domain a `NotAnAmount`,
which `parse_amount` refuses as INVALID_INPUT on the field, like any other bad input.
"""

from __future__ import annotations

import decimal
import re
from decimal import Decimal
from typing import Any

from graphql import StringValueNode, ValueNode, print_ast
from strawberry.types.scalar import ScalarDefinition

from .errors import DomainError, ErrorCode
from .types import Money

CENT = Decimal("0.01")
#: Above what NUMERIC(12,2) can hold; every amount column is at least that wide.
LIMIT = Decimal("10000000000")
#: The one accepted spelling; ASCII only, and `fullmatch` so no trailing newline slips through.
CANONICAL = re.compile(r"[0-9]+(\.[0-9]{1,2})?", re.ASCII)
FORM = 'a string of ASCII digits with at most two decimals, e.g. "1499.90"'


class NotAnAmount:
    """An input the `Decimal` scalar could not take as an amount, kept for the error message only."""

    __slots__ = ("raw",)

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def __repr__(self) -> str:
        return f"NotAnAmount({self.raw!r})"


def _amount_value(value: Any) -> Decimal | NotAnAmount:
    if isinstance(value, str) and CANONICAL.fullmatch(value):
        return Decimal(value)
    return NotAnAmount(value)


def _amount_literal(node: ValueNode, _variables: Any = None) -> Decimal | NotAnAmount:
    if isinstance(node, StringValueNode):
        return _amount_value(node.value)
    return NotAnAmount(print_ast(node))


#: Replaces Strawberry's `Decimal` (same name and description, so the SDL does not change).
DECIMAL_SCALAR = ScalarDefinition(
    name="Decimal",
    description="Decimal (fixed-point)",
    specified_by_url=None,
    serialize=str,
    parse_value=_amount_value,
    parse_literal=_amount_literal,
    origin=decimal.Decimal,
)


def money(amount: Decimal, currency: str) -> Money:
    """A `Money` value with exactly two decimals."""
    return Money(amount=amount.quantize(CENT), currency=currency)


def parse_amount(value: object, *, field: str = "amount", maximum: Decimal | None = None) -> Decimal:
    """A positive amount in the canonical form (or a `Decimal`), at most `maximum`; else INVALID_INPUT."""
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str) and CANONICAL.fullmatch(value):
        amount = Decimal(value)
    else:
        raise DomainError(ErrorCode.INVALID_INPUT, f"An amount is {FORM}.", field)
    if not amount.is_finite() or amount <= 0:
        raise DomainError(ErrorCode.INVALID_INPUT, "The amount must be greater than zero.", field)
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise DomainError(ErrorCode.INVALID_INPUT, "At most two decimals.", field)
    if maximum is not None and amount > maximum:
        raise DomainError(ErrorCode.INVALID_INPUT, f"At most {maximum}.", field)
    if amount >= LIMIT:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Less than {LIMIT}.", field)
    return amount.quantize(CENT)
