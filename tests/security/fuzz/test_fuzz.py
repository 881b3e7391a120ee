"""Fuzzing at the gateway: every query and mutation of the served schema, anonymous, as a customer and as an admin.

The property: no internal error, ever. A validation error or a business error with its code is a
fine answer to a strange request; "Internal error.", an error without a code,
INTERNAL_SERVER_ERROR / DOWNSTREAM_SERVICE_ERROR, a 5xx, or a payload's `INTERNAL` UserError is not.

Bounded by FUZZ_EXAMPLES operations per root field and role (6 in `make test`, hypothesis
derandomized: the same operations on every run); `make fuzz` runs more, and FUZZ_SEED picks
another set. Any failure fails the test, named by its class (`oracle.CLASSES`) with the shortest
request that shows it. Its own stack (see conftest.py), so what it creates or deletes never meets
the other security tests' data.
"""

from __future__ import annotations

import time
from typing import Any

from subgraphs.common.settings import Settings
from tests.conftest import GraphQLClient

from .operations import Operation, operations
from .oracle import accepted_huge
from .runner import EXAMPLES, Planned, fuzz, generate, verdict, write_report
from .world import Cast, Role, served_schema


async def test_every_query_and_mutation_as_everyone(gateway: GraphQLClient, cast: Cast, e2e_settings: Settings) -> None:
    schema = await served_schema(gateway)
    started = time.monotonic()
    plan: list[Planned] = []
    for root, type_ in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert type_ is not None
        for name in type_.fields:
            drawn = generate(operations(schema, root, name, cast.known), EXAMPLES * len(cast.roles))
            assert drawn, f"no operation on {name}"
            # Each role asks its own share; a field with fewer distinct operations (no arguments) is asked by every role.
            for index, role in enumerate(cast.roles):
                share = sorted({(index + step * len(cast.roles)) % len(drawn) for step in range(EXAMPLES)})
                plan.extend((role.name, caller(role, gateway, drawn[position]), drawn[position], accepted_huge)
                            for position in share)
    generated = time.monotonic()
    failures = await fuzz(plan)
    print(f"\ngenerated {len(plan)} operations in {generated - started:.1f}s")
    write_report(e2e_settings, "fuzz-gateway", len(plan), time.monotonic() - generated, failures)
    verdict(failures)


def caller(role: Role, gateway: GraphQLClient, operation: Operation) -> Any:
    """The client to send with: `logout` gets a session of its own, as it would end the shared one."""
    if operation.field == "logout":
        return lambda: role.fresh_session(gateway)

    async def same() -> GraphQLClient:
        return role.client

    return same
