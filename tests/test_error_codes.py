"""Each subgraph's SDL lists exactly the `ErrorCode` values its code can answer; together, the contract's enum."""

from __future__ import annotations

import ast
import asyncio
import importlib
from pathlib import Path

import pytest
import strawberry
from graphql import GraphQLEnumType, GraphQLSchema

from subgraphs import SUBGRAPHS
from subgraphs.common.contract import MEANING
from subgraphs.common.errors import ErrorCode, UserError
from subgraphs.common.schema import make_schema

PACKAGES = Path(__file__).resolve().parents[1] / "subgraphs"


def graphql_schema(name: str) -> GraphQLSchema:
    return importlib.import_module(f"subgraphs.{name}.schema").schema._schema


def codes_in_source(name: str) -> set[str]:
    """Every `ErrorCode.X` the package's code names, outside the `error_codes=` it declares."""
    found: set[str] = set()
    for path in (PACKAGES / name).rglob("*.py"):
        declared: set[int] = set()
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "error_codes":
                declared.update(id(inner) for inner in ast.walk(node.value))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ErrorCode" and id(node) not in declared:
                found.add(node.attr)
    return found


def answerable(name: str) -> set[str]:
    """The codes a subgraph's code can put in a payload's `errors` (or, in orders, `failureReason`)."""
    # The kernel answers INVALID_INPUT in every subgraph: over-long strings (inputs.py) and ids (ids.py).
    codes = codes_in_source(name) | {ErrorCode.INVALID_INPUT.name}
    if name == "orders":
        # The saga and the cart answer every refusal of another subgraph by its meaning (contract.py).
        codes |= {code.name for code in MEANING.values()}
    return codes


@pytest.mark.parametrize("name", SUBGRAPHS)
def test_the_sdl_lists_exactly_the_error_codes_the_subgraph_can_answer(name: str) -> None:
    enum = graphql_schema(name).type_map["ErrorCode"]
    assert isinstance(enum, GraphQLEnumType)
    assert set(enum.values) == answerable(name)


def test_every_error_code_is_answered_somewhere() -> None:
    """The supergraph is the union of the subgraphs' values: together they must cover the contract."""
    assert set().union(*(answerable(name) for name in SUBGRAPHS)) == {code.name for code in ErrorCode}


def test_a_code_the_schema_does_not_list_is_never_answered() -> None:
    @strawberry.type
    class Query:
        @strawberry.field(description="A failure with a code this schema does not list.")
        def failure(self) -> UserError:
            return UserError(code=ErrorCode.CART_EMPTY, message="no")

    schema = make_schema(query=Query, error_codes=[ErrorCode.INVALID_INPUT])
    result = asyncio.run(schema.execute("{ failure { code } }"))
    assert result.data is None and result.errors
