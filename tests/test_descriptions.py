"""Every field argument and every enum value of every subgraph's schema says what it means."""

from __future__ import annotations

import importlib

import pytest
from graphql import GraphQLEnumType, GraphQLInterfaceType, GraphQLObjectType

from subgraphs import SUBGRAPHS

# Federation's own, which the subgraphs do not write: `_entities(representations)`, `link__Purpose`.
EXEMPT_ARGUMENTS = {("Query", "_entities")}
EXEMPT_ENUMS = {"link__Purpose"}


@pytest.mark.parametrize("name", SUBGRAPHS)
def test_every_argument_and_enum_value_is_described(name: str) -> None:
    missing = []
    for type_name, type_ in importlib.import_module(f"subgraphs.{name}.schema").schema._schema.type_map.items():
        if type_name.startswith("__"):
            continue
        if isinstance(type_, GraphQLEnumType) and type_name not in EXEMPT_ENUMS:
            missing += [f"{type_name}.{value}" for value, definition in type_.values.items() if not definition.description]
        if isinstance(type_, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, field in type_.fields.items():
                if (type_name, field_name) not in EXEMPT_ARGUMENTS:
                    missing += [f"{type_name}.{field_name}({arg})" for arg, definition in field.args.items() if not definition.description]
    assert not missing, f"without a description: {', '.join(sorted(missing))}"
