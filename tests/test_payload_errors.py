"""Every mutation answering a payload with `errors` answers a `DomainError` there (`errors.mutation`), never as "Internal error"."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from subgraphs import SUBGRAPHS
from subgraphs.common.errors import DomainError, ErrorCode, ErrorsAsPayload, UserError


def payload_mutations() -> list[tuple[str, Any]]:
    found = []
    for name in SUBGRAPHS:
        mutation = getattr(importlib.import_module(f"subgraphs.{name}.schema"), "Mutation", None)
        for field in mutation.__strawberry_definition__.fields if mutation else ():
            definition = getattr(field.type, "__strawberry_definition__", None)
            if definition is not None and any(f.python_name == "errors" for f in definition.fields):
                found.append((f"{name}.{field.python_name}", field))
    return found


def test_payload_mutations_are_found() -> None:
    assert len(payload_mutations()) >= 20


@pytest.mark.parametrize(("where", "field"), payload_mutations(), ids=lambda value: value if isinstance(value, str) else "")
def test_a_domain_error_is_answered_in_the_payload(where: str, field: Any) -> None:
    assert any(isinstance(e, ErrorsAsPayload) for e in field.extensions), f"{where}: declare it with subgraphs.common.errors.mutation"
    payload = field.type(errors=[DomainError(ErrorCode.NOT_FOUND, "No such thing.").as_user_error()])  # every other field defaults
    assert payload.errors == [UserError(code=ErrorCode.NOT_FOUND, message="No such thing.")]


async def test_the_extension_answers_the_payload_and_lets_other_failures_through() -> None:
    field = payload_mutations()[0][1]
    extension = next(e for e in field.extensions if isinstance(e, ErrorsAsPayload))

    async def refuses(_source: Any, _info: Any) -> Any:
        raise DomainError(ErrorCode.CONFLICT, "Taken.", "slug")

    async def breaks(_source: Any, _info: Any) -> Any:
        raise RuntimeError("a bug")

    answer = await extension.resolve_async(refuses, None, None)
    assert isinstance(answer, field.type) and answer.errors == [UserError(code=ErrorCode.CONFLICT, field="slug", message="Taken.")]
    with pytest.raises(RuntimeError):
        await extension.resolve_async(breaks, None, None)
