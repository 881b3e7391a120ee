"""Fuzzing `_entities` straight at each subgraph, as an attacker who reaches a subgraph's /graphql can.

Two properties: no internal error (as at the gateway), and no private data for a stranger: an
anonymous caller, or the customer asking for the bystander's user or order, gets nothing but
`id` / `__typename` of an entity that is not public (products, categories and pickup points are).
"""

from __future__ import annotations

import time
from typing import Any

import graphql
import httpx
from hypothesis import strategies as st

from shop import SUBGRAPHS
from shop.stack import Stack
from subgraphs.common.settings import Settings
from tests.conftest import GraphQLClient

from .operations import Operation, operations
from .runner import EXAMPLES, fuzz, generate
from .strategies import ids
from .test_fuzz import verdict, write_report
from .world import Cast

PUBLIC = {"Product", "Category", "PickupPoint"}
STRANGERS = {"anonymous", "customer"}


def representations(types: list[str], cast: Cast) -> st.SearchStrategy[graphql.ValueNode]:
    """`_Any`: a representation of an entity this subgraph resolves, by a real, random or garbage id."""
    return st.builds(
        lambda typename, id_: graphql.ObjectValueNode(fields=(
            graphql.ObjectFieldNode(name=graphql.NameNode(value="__typename"), value=graphql.StringValueNode(value=typename)),
            graphql.ObjectFieldNode(name=graphql.NameNode(value="id"), value=id_),
        )),
        st.sampled_from(types),
        st.one_of(st.sampled_from(sorted(cast.others)).map(lambda value: graphql.StringValueNode(value=value)), ids(cast.known)),
    )


def leaks(role: str, cast: Cast) -> Any:
    """The oracle of privacy: what a stranger read of a private entity."""

    def check(operation: Operation, body: dict[str, Any]) -> list[str]:
        if role not in STRANGERS:
            return []
        asked = _asked(operation)
        found = []
        for (typename, id_), entity in zip(asked, (body.get("data") or {}).get("_entities") or [], strict=False):
            if not isinstance(entity, dict) or typename in PUBLIC or (role == "customer" and id_ not in cast.others):
                continue
            private = sorted(key for key, value in entity.items() if key not in {"id", "__typename"} and value is not None)
            if private:
                found.append(f"{role} read {typename} {id_}: {', '.join(private)}")
        return found

    return check


def _asked(operation: Operation) -> list[tuple[str, str]]:
    """The (typename, id) of each representation, literal or in a variable."""
    values: list[Any] = []
    for value in operation.variables.values():
        if isinstance(value, list):
            values.extend(value)
    if not values:
        document = graphql.parse(operation.query)
        for node in _representations_literal(document):
            values.append({field.name.value: getattr(field.value, "value", None) for field in node.fields})
    return [(str(item.get("__typename")), str(item.get("id"))) for item in values if isinstance(item, dict)]


def _representations_literal(document: graphql.DocumentNode) -> list[graphql.ObjectValueNode]:
    found: list[graphql.ObjectValueNode] = []

    class Representations(graphql.Visitor):
        def enter_argument(self, node: graphql.ArgumentNode, *_: Any) -> None:
            if node.name.value == "representations" and isinstance(node.value, graphql.ListValueNode):
                found.extend(item for item in node.value.values if isinstance(item, graphql.ObjectValueNode))

    graphql.visit(document, Representations())
    return found


async def test_entities_straight_at_each_subgraph(store: Stack, cast: Cast, e2e_settings: Settings) -> None:
    started, plan = time.monotonic(), []
    async with httpx.AsyncClient(timeout=30.0) as http:
        for name in SUBGRAPHS:
            direct = GraphQLClient(http, f"{e2e_settings.url(name)}/graphql")
            schema = graphql.build_client_schema(await direct.data(graphql.get_introspection_query(descriptions=False)))
            entity = schema.get_type("_Entity")
            assert isinstance(entity, graphql.GraphQLUnionType)
            known = cast.known
            strategy = operations(schema, "query", "_entities", known, extra={"_Any": representations([t.name for t in entity.types], cast)})
            drawn = generate(strategy.map(lambda op, name=name: Operation(f"{name}._entities", op.query, op.variables, op.traits)),
                             EXAMPLES * len(cast.roles))
            for index, role in enumerate(cast.roles):
                client = direct.as_(role.client.token)

                async def same(client: GraphQLClient = client) -> GraphQLClient:
                    return client

                plan.extend((role.name, same, drawn[position], leaks(role.name, cast))
                            for position in range(index, len(drawn), len(cast.roles)))
        generated = time.monotonic()
        failures = await fuzz(plan)
    print(f"\ngenerated {len(plan)} operations in {generated - started:.1f}s")
    write_report(e2e_settings, "fuzz-entities", len(plan), time.monotonic() - generated, failures)
    verdict(failures)
