"""graphql-core's executor with a short path for plain leaf fields (an attribute read and a scalar's output).

A page of 20 products is ~200 fields, and ~70% of them are scalars read straight off an object
(`id`, `name`, `amount`, ...). For each, graphql-core builds a resolve info, calls Strawberry's
default resolver through two wrappers and completes the value through the non-null, list and leaf
checks: measured, the larger part of a page's CPU. For such a field (no resolver, no extension -
so never a guarded one -, no arguments, no middleware, a scalar or enum type) this executor reads
the attribute and coerces it directly.
Anything unusual (a missing attribute, a null, a coercion that fails or answers null) takes the
full path, which raises exactly the error it always did.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLField, GraphQLNonNull, GraphQLObjectType, Undefined, is_leaf_type
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

PLAN = "shop-lean-plan"
_NO_PLAN: Any = object()
_MISSING: Any = object()


def _plan(field_def: GraphQLField) -> tuple[Any, str, Any] | None:
    """(the default resolver, the attribute, the leaf type) of a plain leaf field, or None."""
    strawberry_field = field_def.extensions.get("strawberry-definition") if field_def.extensions else None
    # Basic: no resolver AND no extensions (a permission is an extension: `owned_field`'s guard must
    # run). Strawberry's own `_is_default` marks only the absence of a resolver, so it is not enough.
    if strawberry_field is None or not strawberry_field.is_basic_field or getattr(strawberry_field, "permission_classes", None) or field_def.args:
        return None
    if getattr(field_def.resolve, "__name__", None) != "_get_basic_result":  # Strawberry's plain attribute read, nothing else
        return None
    leaf = field_def.type.of_type if isinstance(field_def.type, GraphQLNonNull) else field_def.type
    if not is_leaf_type(leaf):
        return None
    return strawberry_field.default_resolver, strawberry_field.python_name, leaf


class LeanExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context; plain leaf fields skip the resolver machinery."""

    def execute_field(
        self, parent_type: GraphQLObjectType, source: Any, field_details_list: Any, path: Any, position_context: Any
    ) -> Any:
        node = field_details_list[0].node
        manager = self.middleware_manager
        if not node.arguments and (manager is None or not manager.middlewares):
            field_def = parent_type.fields.get(node.name.value)
            # Kept on the field itself (its own `extensions`, which Strawberry gives every field it
            # builds): as long-lived as the schema, and never confused with another schema's field.
            extensions = field_def.extensions if field_def is not None else None
            plan = extensions.get(PLAN, _NO_PLAN) if extensions and "strawberry-definition" in extensions else None
            if plan is _NO_PLAN:
                plan = extensions[PLAN] = _plan(field_def)  # type: ignore[index, arg-type]
            if plan is not None:
                resolver, attribute, leaf = plan
                try:
                    value = resolver(source, attribute) if source is not None else None
                    coerced = leaf.coerce_output_value(value) if value is not None else None
                except Exception:  # noqa: BLE001 (the full path reports it as a located error)
                    coerced = None
                if coerced is not None and coerced is not Undefined:
                    return coerced
        return super().execute_field(parent_type, source, field_details_list, path, position_context)


def lean_resolvers(schema: Any) -> int:
    """Calls resolvers of the form `(self, info)` directly: no arguments to convert, no extensions.

    Strawberry routes every resolver through argument conversion and an extension chain; for one
    that takes only `self` and `info` (e.g. `Product.category`, 20 times a page) that is all
    overhead. Resolvers with arguments, permissions or other extensions keep Strawberry's path.
    Answers how many fields were rewired.
    """
    info_class = schema.config.info_class
    rewired = 0
    for type_ in schema._schema.type_map.values():
        for field_def in (getattr(type_, "fields", None) or {}).values():
            field = (field_def.extensions or {}).get("strawberry-definition")
            resolver = getattr(field, "base_resolver", None)
            if resolver is None or field.extensions or getattr(field, "permission_classes", None) or field.arguments:
                continue
            if getattr(field, "is_subscription", False) or type_ is schema._schema.subscription_type:
                continue  # a subscription's resolver makes its stream; graphql-core calls `resolve` per event
            names = [p.name for p in resolver.signature.parameters.values()]
            if not (resolver.self_parameter and resolver.info_parameter and names == [resolver.self_parameter.name, resolver.info_parameter.name]):
                continue
            field_def.resolve = _direct(resolver.wrapped_func, field, info_class)
            rewired += 1
    return rewired


def _direct(function: Any, field: Any, info_class: Any) -> Any:
    def resolve(source: Any, info: Any, **_: Any) -> Any:
        return function(source, info_class(_raw_info=info, _field=field))

    return resolve
