"""Fuzzing at the gateway: every query and mutation of the served schema, anonymous, as a customer and as an admin.

The property: no internal error, ever. A validation error or a business error with its code is a
fine answer to a strange request; "Internal error.", an error without a code,
INTERNAL_SERVER_ERROR / DOWNSTREAM_SERVICE_ERROR, a 5xx, or a payload's `INTERNAL` UserError is not.

Bounded by FUZZ_EXAMPLES operations per root field and role (6 in `make test`, hypothesis
derandomized: the same operations on every run); `make fuzz` runs more, and FUZZ_SEED picks
another set. Failures of a class that another change is fixing (`oracle.KNOWN`) make the test
an expected failure listing them; any other failure fails it.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from subgraphs.common.settings import Settings
from tests.conftest import GraphQLClient

from .operations import Operation, operations
from .runner import EXAMPLES, Planned, fuzz, generate, summary
from .world import Cast, Role, served_schema


def verdict(failures: list[dict[str, Any]]) -> None:
    """Fails on a failure of no known class; an expected failure when only known classes remain."""
    new = [failure for failure in failures if failure["class"] == "new"]
    assert not new, summary(new)
    if failures:
        pytest.xfail(f"known classes still open:\n{summary(failures)}")


def write_report(settings: Settings, name: str, operations_run: int, seconds: float, failures: list[dict[str, Any]]) -> None:
    report = settings.data_dir / f"{name}.json"
    report.write_text(json.dumps({"operations": operations_run, "seconds": round(seconds, 1), "failures": failures}, indent=1))
    print(f"\n{name}: {operations_run} operations in {seconds:.1f}s, {len(failures)} failed ({report})\n{summary(failures)}")


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
                plan.extend((role.name, caller(role, gateway, drawn[position]), drawn[position], None) for position in share)
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
