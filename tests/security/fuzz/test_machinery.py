"""The fuzzer's own parts, without a stack: its oracle, and that what it generates is valid and bounded."""

from __future__ import annotations

import json

import graphql

from subgraphs.common.settings import ROOT

from .operations import MAX_DEPTH, operations
from .oracle import classify, internal_errors
from .runner import generate
from .strategies import Known

KNOWN = Known(ids=("0b7b5a8e-4a5e-4b7e-9f54-0d3c1f0b9a11",), cursors={"products": ("WyJhIiwiYiJd",)}, emails=("a@example.com",))


def api_schema() -> graphql.GraphQLSchema:
    """The composed supergraph (its Query and Mutation are those the gateway serves)."""
    return graphql.build_schema((ROOT / "router" / "supergraph.graphql").read_text())


def test_internal_errors_are_told_from_answers_with_a_code() -> None:
    fine = {"errors": [{"message": "`after` is not a valid cursor.", "extensions": {"code": "BAD_USER_INPUT"}}],
            "data": {"topUpWallet": {"errors": [{"code": "INVALID_INPUT", "message": "no"}]}}}
    assert internal_errors(200, fine) == []
    assert internal_errors(200, {"errors": [{"message": "Internal error.", "extensions": {"code": "DOWNSTREAM_SERVICE_ERROR"}}]})
    assert internal_errors(200, {"errors": [{"message": "Something"}]})  # no code at all
    assert internal_errors(502, {"data": None})
    assert internal_errors(200, None)
    assert internal_errors(200, {"data": {"placeOrder": {"errors": [{"code": "INTERNAL", "message": "boom"}]}}})


def test_a_failure_belongs_to_the_class_its_values_trigger() -> None:
    assert classify(frozenset({"nul-surrogate"}), ["Internal error."]) == "NUL bytes / lone surrogates in strings"
    assert classify(frozenset({"malformed-id", "decimal"}), ["Value cannot represent a Decimal"]).startswith("non-canonical")
    assert classify(frozenset(), ["Internal error."]) == "new"


def test_operations_are_valid_distinct_and_below_the_depth_limit() -> None:
    schema = api_schema()
    for root, type_ in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert type_ is not None
        for name in ("myOrders", "products", "me") if root == "query" else ("placeOrder", "topUpWallet", "createPickupPoint"):
            drawn = generate(operations(schema, root, name, KNOWN), 10)
            assert len({operation.key() for operation in drawn}) == len(drawn) >= 5
            for operation in drawn:
                document = graphql.parse(operation.query)
                assert graphql.validate(schema, document) == [], operation.query
                assert depth(document.definitions[0].selection_set) <= MAX_DEPTH  # type: ignore[attr-defined]
                json.dumps(operation.variables)


def depth(selection_set: graphql.SelectionSetNode | None) -> int:
    if selection_set is None:
        return 0
    return max((depth(getattr(selection, "selection_set", None)) + isinstance(selection, graphql.FieldNode)
                for selection in selection_set.selections), default=0)
