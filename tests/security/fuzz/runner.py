"""Drawing operations from hypothesis, sending them, and summing up the failures."""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from subgraphs.common.settings import Settings
from tests.conftest import GraphQLClient

from .operations import Operation
from .oracle import classify, internal_errors

#: Operations per root field and role: 6 in `make test`; `make fuzz` sets more (FUZZ_EXAMPLES).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
#: Unset: hypothesis is derandomized (the same operations every run). Set: another fixed set per value.
SEED = os.environ.get("FUZZ_SEED")
#: Set once the known classes are fixed everywhere: then any internal error fails the test.
#: Requests in flight at once: enough to keep every subgraph busy on a small machine.
CONCURRENCY = 4

#: Checks a response beyond internal errors (the privacy of `_entities`, unbounded lengths): the
#: problems it finds, each with the trait of the class it belongs to.
Oracle = Callable[[Operation, Any], list[tuple[str, str]]]


def generate(strategy: st.SearchStrategy[Operation], count: int) -> list[Operation]:
    """Up to `count` distinct operations (fewer when the field has fewer: one without arguments has one)."""
    found: dict[str, Operation] = {}

    @settings(max_examples=count + 3, derandomize=SEED is None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def collect(operation: Operation) -> None:
        found.setdefault(operation.key(), operation)

    if SEED is not None:
        collect = seed(int(SEED))(collect)
    collect()
    return list(found.values())[:count]


async def send(client: GraphQLClient, operation: Operation) -> tuple[int, Any]:
    """POSTs the operation; the body is ASCII JSON, so lone surrogates travel as `\\udXXX` escapes."""
    payload = json.dumps({"query": operation.query, "variables": operation.variables, "operationName": "Fuzz"})
    headers = {"Content-Type": "application/json"}
    if client.token:
        headers["Authorization"] = f"Bearer {client.token}"
    response = await client.http.post(client.path, content=payload.encode(), headers=headers)
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, None


#: One request to make: the role's name, how to get its client, the operation, and an oracle beyond internal errors.
Planned = tuple[str, Callable[[], Any], Operation, Oracle | None]


async def fuzz(plan: list[Planned]) -> list[dict[str, Any]]:
    """Sends every planned request; the failures, each with its request and why."""
    gate = asyncio.Semaphore(CONCURRENCY)
    failures: list[dict[str, Any]] = []

    async def one(role: str, client_for: Callable[[], Any], operation: Operation, oracle: Oracle | None) -> None:
        async with gate:
            status, body = await send(await client_for(), operation)
        problems = internal_errors(status, body)
        found = oracle(operation, body) if oracle is not None and isinstance(body, dict) else []
        if problems or found:
            # What an oracle found belongs to its class, whatever else the request carried.
            traits = frozenset(trait for trait, _ in found) or operation.traits
            failures.append({
                "class": classify(traits, problems),
                "role": role, "field": operation.field, "problems": problems + [problem for _, problem in found],
                "traits": sorted(operation.traits), "query": operation.query, "variables": operation.variables,
            })

    await asyncio.gather(*(one(*planned) for planned in plan))
    return failures


#: The fuzzer's long strings are runs of "a": the summary shows their length instead.
LONG_RUN = re.compile("a{50,}")


def summary(failures: list[dict[str, Any]]) -> str:
    """Per class: how many requests failed, on which fields, and the shortest failing request."""
    lines = []
    for name, count in Counter(failure["class"] for failure in failures).most_common():
        mine = [failure for failure in failures if failure["class"] == name]
        fields = sorted({failure["field"] for failure in mine})
        shortest = min(mine, key=lambda failure: len(failure["query"]) + len(json.dumps(failure["variables"])))
        request = f"{' '.join(shortest['query'].split())} {json.dumps(shortest['variables'])}"
        lines.append(f"{name}: {count} requests on {', '.join(fields)}; shortest ({shortest['role']}): "
                     f"{shortest['problems'][0]} <- {LONG_RUN.sub(lambda run: f'<{len(run.group())} x a>', request)[:600]}")
    return "\n".join(lines)


def verdict(failures: list[dict[str, Any]]) -> None:
    """Fails on any internal error, naming each class with its shortest failing request."""
    assert not failures, summary(failures)


def write_report(settings: Settings, name: str, operations_run: int, seconds: float, failures: list[dict[str, Any]]) -> None:
    """Every failure, with its request, into `<data_dir>/<name>.json`; the summary on the output."""
    report = settings.data_dir / f"{name}.json"
    report.write_text(json.dumps({"operations": operations_run, "seconds": round(seconds, 1), "failures": failures}, indent=1))
    print(f"\n{name}: {operations_run} operations in {seconds:.1f}s, {len(failures)} failed ({report})\n{summary(failures)}")
