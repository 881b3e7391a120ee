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

from subgraphs import SUBGRAPHS
from shop.stack import Stack
from subgraphs.common.settings import Settings
from tests.conftest import GraphQLClient

from .operations import Operation, operations
from .runner import EXAMPLES, fuzz, generate, verdict, write_report
from .strategies import ids
from .world import Cast

PUBLIC = {"Product", "Category", "PickupPoint"}
STRANGERS = {"anonymous", "customer"}
#: Operations per subgraph and role: an entity query is cheap, and a leak needs the right id and field at once.
ENTITY_EXAMPLES = 3 * EXAMPLES


def representations(types: list[str], cast: Cast) -> st.SearchStrategy[graphql.ValueNode]:
    """`_Any`: mostly a representation of an entity this subgraph resolves, by the bystander's, a real,
    a random or a garbage id; sometimes a broken one (no id, an unknown type, an id of another JSON type)."""
    def field(name: str, value: graphql.ValueNode) -> graphql.ObjectFieldNode:
        return graphql.ObjectFieldNode(name=graphql.NameNode(value=name), value=value)

    def text(value: str) -> graphql.StringValueNode:
        return graphql.StringValueNode(value=value)

    typename = st.sampled_from(types).map(lambda name: field("__typename", text(name)))
    stranger = st.sampled_from(sorted(cast.others)).map(text)
    id_ = st.one_of(stranger, stranger, ids(cast.known)).map(lambda value: field("id", value))
    broken = st.one_of(
        st.tuples(typename),
        st.tuples(st.sampled_from(["Nope", "Query", "Wallet", ""]).map(lambda name: field("__typename", text(name))), id_),
        st.tuples(typename, st.sampled_from([graphql.NullValueNode(), graphql.BooleanValueNode(value=True),
                                             graphql.ListValueNode(values=()), graphql.ObjectValueNode(fields=())])
                  .map(lambda value: field("id", value))),
        st.tuples(id_),
    )
    # One in ten is broken: a broken one fails the whole list, hiding what the others would have read.
    good = st.tuples(typename, id_)
    return st.integers(0, 9).flatmap(lambda dice: broken if dice == 0 else good).map(
        lambda fields: graphql.ObjectValueNode(fields=fields))


def leaks(role: str, cast: Cast) -> Any:
    """The oracle of privacy: what a stranger read of a private entity."""

    def check(operation: Operation, body: dict[str, Any]) -> list[tuple[str, str]]:
        if role not in STRANGERS:
            return []
        asked = _asked(operation)
        found = []
        for (typename, id_), entity in zip(asked, (body.get("data") or {}).get("_entities") or [], strict=False):
            if not isinstance(entity, dict) or typename in PUBLIC or (role == "customer" and id_ not in cast.others):
                continue
            private = sorted(key for key, value in entity.items() if key not in {"id", "__typename"} and _data(value))
            if private:
                found.append(("entities", f"{role} read {typename} {id_}: {', '.join(private)}"))
        return found

    return check


def broken(operation: Operation, types: set[str]) -> frozenset[str]:
    """The "representation" trait: a representation without a string id, or not of an entity type here."""
    asked = _asked(operation, raw=True)
    bad = any(item.get("__typename") not in types or not isinstance(item.get("id"), str) for item in asked)
    return frozenset({"representation"}) if bad else frozenset()


def _data(value: Any) -> bool:
    """Whether a value holds anything: an empty page (no edges, `hasNextPage: false`) or a null does not."""
    if isinstance(value, dict):
        return any(_data(item) for key, item in value.items() if key != "__typename")
    if isinstance(value, list):
        return any(_data(item) for item in value)
    return value is not None and value is not False


def _asked(operation: Operation, raw: bool = False) -> Any:
    """The (typename, id) of each representation, literal or in a variable (`raw`: the representations)."""
    values: list[Any] = []
    for value in operation.variables.values():
        if isinstance(value, list):
            values.extend(value)
    if not values:
        document = graphql.parse(operation.query)
        for node in _representations_literal(document):
            values.append({field.name.value: _literal(field.value) for field in node.fields})
    if raw:
        return [item for item in values if isinstance(item, dict)]
    return [(str(item.get("__typename")), str(item.get("id"))) for item in values if isinstance(item, dict)]


def _literal(value: graphql.ValueNode) -> Any:
    return value.value if isinstance(value, graphql.StringValueNode) else value


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
            types = {t.name for t in entity.types}
            drawn = generate(strategy.map(lambda op, name=name, types=types: Operation(
                f"{name}._entities", op.query, op.variables, op.traits | broken(op, types))), ENTITY_EXAMPLES * len(cast.roles))
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
