"""Whole operations for the fuzzer: hypothesis-graphql over the served schema, one root field each.

Every operation is valid against the schema (hypothesis-graphql generates only valid ones, and
the selection is pruned below the gateway's depth limit). Each argument is, at random, an
inline literal or a variable: lone surrogates only survive as variables, since the gateway's
lexer refuses them in the operation text, and Decimals travel both as literals and as JSON.
Each operation carries the traits of its values, which is how a failure is matched to a class.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import mutations, queries

from .strategies import Known, forged_cursors, scalars

#: graphql-armor refuses operations deeper than 10 at the gateway; pruning below keeps each request useful.
MAX_DEPTH = 8
#: Longer strings than this count as "long" (the unbounded-lengths class); over HUGE_STRING no
#: field of a store has a use for them, so a mutation that takes one stores it unbounded.
LONG_STRING = 1_000
HUGE_STRING = 10_000
CANONICAL_DECIMAL = re.compile(r"-?\d+(\.\d{1,2})?")
SURROGATE = re.compile("[\ud800-\udfff]")
#: Page sizes that pass the `first` check, so that the cursor beside them is decoded at all.
PAGE_SIZES = st.one_of(st.just(graphql.NullValueNode()), st.integers(min_value=0, max_value=100).map(
    lambda size: graphql.IntValueNode(value=str(size))))


@dataclass(frozen=True)
class Operation:
    """One request: the root field it exercises, the operation text, its variables, and its values' traits."""

    field: str
    query: str
    variables: dict[str, Any]
    traits: frozenset[str] = field(default_factory=frozenset)

    def key(self) -> str:
        return json.dumps([self.query, self.variables], sort_keys=True)


def operations(
    schema: graphql.GraphQLSchema, root: str, name: str, known: Known,
    extra: dict[str, st.SearchStrategy[graphql.ValueNode]] | None = None,
) -> st.SearchStrategy[Operation]:
    """Operations selecting the root field `name` of `root` ("query" or "mutation"); `extra` scalars beside ours."""
    generate = queries if root == "query" else mutations
    custom = {**scalars(known), **(extra or {})}
    documents = generate(schema, fields=[name], custom_scalars=custom, print_ast=lambda document: document)
    root_type = schema.query_type if root == "query" else schema.mutation_type
    assert root_type is not None
    # Half of the `after` arguments are cursors, ours or forged, beside a valid `first`: random ones rarely get that far.
    cursors = st.one_of(st.sampled_from(known.all_cursors() or ("",)), forged_cursors()).map(
        lambda value: graphql.StringValueNode(value=value))

    @st.composite
    def build(draw: st.DrawFn) -> Operation:
        document: graphql.DocumentNode = draw(documents)
        definition = document.definitions[0]
        assert isinstance(definition, graphql.OperationDefinitionNode)
        # First the literal operation (pruned, its cursors aimed), whose traits are read; then its variables.
        literal = Lifted(draw, schema, cursors=cursors).selection_set(definition.selection_set, root_type, 1)
        whole = graphql.DocumentNode(definitions=(_copy(definition, selection_set=literal),))
        if draw(st.integers(0, 2)) == 0:
            whole = asking_errors(schema, root_type, one_huge_string(schema, whole, draw))
            literal = whole.definitions[0].selection_set  # type: ignore[attr-defined]
        traits = traits_of(schema, whole, known.cursors.get(name, ()))
        lifted = Lifted(draw, schema)
        selections = lifted.selection_set(literal, root_type, 1)
        operation = graphql.OperationDefinitionNode(
            operation=definition.operation,
            name=graphql.NameNode(value="Fuzz"),
            variable_definitions=tuple(lifted.definitions),
            directives=(),
            selection_set=selections,
        )
        return Operation(name, graphql.print_ast(graphql.DocumentNode(definitions=(operation,))), lifted.variables, traits)

    return build()


def _copy(node: graphql.Node, **changes: Any) -> Any:
    """A changed copy: generated nodes may be shared between examples, so they are never mutated."""
    values = {key: getattr(node, key, None) for key in node.keys if key != "loc"}
    values.update(changes)
    return node.__class__(**values)


class Lifted:
    """Rebuilds a selection below MAX_DEPTH, with cursors put in `after` (given `cursors`) or
    arguments turned into variables at random (without)."""

    def __init__(self, draw: st.DrawFn, schema: graphql.GraphQLSchema,
                 cursors: st.SearchStrategy[graphql.ValueNode] | None = None) -> None:
        self.draw, self.schema, self.cursors = draw, schema, cursors
        self.definitions: list[graphql.VariableDefinitionNode] = []
        self.variables: dict[str, Any] = {}

    def selection_set(self, node: graphql.SelectionSetNode, parent: Any, depth: int) -> graphql.SelectionSetNode:
        """An emptied selection (everything was too deep) asks for `__typename`."""
        kept: list[graphql.SelectionNode] = []
        for selection in node.selections:
            if isinstance(selection, graphql.FieldNode):
                kept.extend(self.field(selection, parent, depth))
            elif isinstance(selection, graphql.InlineFragmentNode):
                # A fragment does not add a level.
                condition = selection.type_condition
                inner = parent if condition is None else self.schema.get_type(condition.name.value)
                kept.append(_copy(selection, selection_set=self.selection_set(selection.selection_set, inner, depth)))
            else:
                kept.append(selection)
        if not kept:
            kept.append(graphql.FieldNode(name=graphql.NameNode(value="__typename"), arguments=(), directives=()))
        return graphql.SelectionSetNode(selections=tuple(kept))

    def field(self, node: graphql.FieldNode, parent: Any, depth: int) -> list[graphql.FieldNode]:
        if node.selection_set is not None and depth >= MAX_DEPTH:
            return []
        definition = parent.fields[node.name.value] if node.name.value in getattr(parent, "fields", {}) else None
        arguments = tuple(self.argument(argument, definition) for argument in node.arguments or ())
        selection_set = None
        if node.selection_set is not None and definition is not None:
            selection_set = self.selection_set(node.selection_set, graphql.get_named_type(definition.type), depth + 1)
        return [_copy(node, arguments=arguments, selection_set=selection_set)]

    def argument(self, node: graphql.ArgumentNode, definition: graphql.GraphQLField | None) -> graphql.ArgumentNode:
        if self.cursors is not None:
            aimed = {"after": self.cursors, "first": PAGE_SIZES}.get(node.name.value)
            if aimed is not None and self.draw(st.booleans()):
                return graphql.ArgumentNode(name=node.name, value=self.draw(aimed))
            return node
        if definition is None or not (SURROGATE.search(graphql.print_ast(node.value)) or self.draw(st.booleans())):
            return node
        name = f"v{len(self.definitions)}"
        variable = graphql.VariableNode(name=graphql.NameNode(value=name))
        type_ = definition.args[node.name.value].type
        self.definitions.append(graphql.VariableDefinitionNode(variable=variable, type=graphql.parse_type(str(type_)), directives=()))
        self.variables[name] = to_json(node.value)
        return graphql.ArgumentNode(name=node.name, value=variable)


def one_huge_string(schema: graphql.GraphQLSchema, document: graphql.DocumentNode, draw: st.DrawFn) -> graphql.DocumentNode:
    """The operation with one `String` value, at random, made far too long and every other `String`
    made plain: a bound missing on one field shows only when the rest of the input passes its checks."""
    positions = _strings(schema, document)
    if not positions:
        return document
    chosen = draw(st.sampled_from(positions))
    info = graphql.TypeInfo(schema)

    class Swap(graphql.Visitor):
        def enter_string_value(self, node: graphql.StringValueNode, *_: Any) -> Any:
            named = graphql.get_named_type(info.get_input_type())
            if id(node) == chosen:
                return graphql.StringValueNode(value="a" * (HUGE_STRING + 1))
            if named is not None and named.name == "String":
                return graphql.StringValueNode(value="Plain 1")
            return None

    return graphql.visit(document, graphql.TypeInfoVisitor(info, Swap()))


def asking_errors(schema: graphql.GraphQLSchema, root_type: graphql.GraphQLObjectType, document: graphql.DocumentNode) -> graphql.DocumentNode:
    """The operation with its payload's `errors { code field }` selected: how a stored value shows it was taken."""
    definition = document.definitions[0]
    assert isinstance(definition, graphql.OperationDefinitionNode)
    fields = []
    for selection in definition.selection_set.selections:
        if isinstance(selection, graphql.FieldNode) and selection.selection_set is not None:
            payload = graphql.get_named_type(root_type.fields[selection.name.value].type)
            asked = {getattr(inner, "name", None) and inner.name.value for inner in selection.selection_set.selections}
            if "errors" in getattr(payload, "fields", {}) and "errors" not in asked:
                errors = graphql.parse("{ errors { code field } }").definitions[0].selection_set.selections[0]  # type: ignore[attr-defined]
                selection = _copy(selection, selection_set=graphql.SelectionSetNode(
                    selections=(*selection.selection_set.selections, errors)))
        fields.append(selection)
    body = graphql.SelectionSetNode(selections=tuple(fields))
    return graphql.DocumentNode(definitions=(_copy(definition, selection_set=body),))


def _strings(schema: graphql.GraphQLSchema, document: graphql.DocumentNode) -> list[int]:
    """The identities of the `String` values in the operation, in order."""
    info = graphql.TypeInfo(schema)
    found: list[int] = []

    class Strings(graphql.Visitor):
        def enter_string_value(self, node: graphql.StringValueNode, *_: Any) -> None:
            named = graphql.get_named_type(info.get_input_type())
            if named is not None and named.name == "String":
                found.append(id(node))

    graphql.visit(document, graphql.TypeInfoVisitor(info, Strings()))
    return found


def to_json(value: graphql.ValueNode) -> Any:
    """The variable's JSON for a literal, as a client would have sent it."""
    if isinstance(value, graphql.IntValueNode):
        return int(value.value)
    if isinstance(value, graphql.FloatValueNode):
        return float(value.value)
    if isinstance(value, (graphql.StringValueNode, graphql.EnumValueNode)):
        return value.value
    if isinstance(value, graphql.BooleanValueNode):
        return value.value
    if isinstance(value, graphql.NullValueNode):
        return None
    if isinstance(value, graphql.ListValueNode):
        return [to_json(item) for item in value.values]
    if isinstance(value, graphql.ObjectValueNode):
        return {item.name.value: to_json(item.value) for item in value.fields}
    raise TypeError(f"no JSON for {value.kind}")


def traits_of(schema: graphql.GraphQLSchema, document: graphql.DocumentNode, cursors: tuple[str, ...]) -> frozenset[str]:
    """What the operation's values contain, by the input type each value is for."""
    info = graphql.TypeInfo(schema)
    found: set[str] = set()

    class Values(graphql.Visitor):
        def enter_argument(self, node: graphql.ArgumentNode, *_: Any) -> None:
            if node.name.value == "after" and isinstance(node.value, graphql.StringValueNode) and node.value.value not in cursors:
                found.add("cursor")

        def enter_object_field(self, node: graphql.ObjectFieldNode, *_: Any) -> None:
            # Inside a custom scalar (`_Any` representations) there is no input type: `id` is still an id.
            inner = node.value
            if info.get_input_type() is None and node.name.value == "id" and not (
                isinstance(inner, graphql.StringValueNode) and _is_uuid(inner.value)
            ):
                found.add("malformed-id")

        def enter_string_value(self, node: graphql.StringValueNode, *_: Any) -> None:
            found.update(_string_traits(node.value))
            named = graphql.get_named_type(info.get_input_type())
            if named is not None and named.name == "ID" and not _is_uuid(node.value):
                found.add("malformed-id")
            if named is not None and named.name == "Decimal" and not CANONICAL_DECIMAL.fullmatch(node.value):
                found.add("decimal")

        def enter_int_value(self, node: graphql.IntValueNode, *_: Any) -> None:
            named = graphql.get_named_type(info.get_input_type())
            if named is not None and named.name == "ID":
                found.add("malformed-id")
            if named is not None and named.name == "Decimal":
                found.add("decimal")

        enter_float_value = enter_int_value

    graphql.visit(document, graphql.TypeInfoVisitor(info, Values()))
    return frozenset(found)


def _string_traits(value: str) -> Iterator[str]:
    if "\x00" in value or SURROGATE.search(value):
        yield "nul-surrogate"
    if len(value) > LONG_STRING:
        yield "long-string"
    if len(value) > HUGE_STRING:
        yield "huge-string"


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
