"""What counts as an internal error, and which known class a failing request belongs to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .operations import Operation

#: Codes that mean the server, not the caller, went wrong.
INTERNAL_CODES = {"INTERNAL_SERVER_ERROR", "DOWNSTREAM_SERVICE_ERROR"}
MASKED = {"Internal error.", "Unexpected error."}

#: Classes of failure, by the trait of the request that triggers them (each was found, and mended, once).
CLASSES = {
    "nul-surrogate": "NUL bytes / lone surrogates in strings",
    "malformed-id": "malformed ids",
    "cursor": "cursors of wrong types",
    "decimal": "non-canonical or inline-literal Decimals",
    "long-string": "unbounded string lengths",
    "entities": "private fields on _entities",
}
#: Found by the fuzzer itself rather than by a review.
FOUND = {
    "representation": "malformed _entities representations (no id, an id not a string, a type not here)",
}


def internal_errors(status: int, body: Any) -> list[str]:
    """Why this answer is an internal error; empty when it is not (validation and business errors are fine)."""
    found: list[str] = []
    if status >= 500:
        found.append(f"HTTP {status}")
    if not isinstance(body, dict):
        return [*found, "no JSON body"]
    for error in body.get("errors") or []:
        extensions = error.get("extensions") or {}
        code = extensions.get("code")
        if code is None or code in INTERNAL_CODES or error.get("message") in MASKED:
            service = extensions.get("serviceName", "the server that answered")
            found.append(f"{code or 'no code'} from {service}: {str(error.get('message'))[:120]}")
    found.extend(f"UserError INTERNAL: {message}" for message in _internal_user_errors(body.get("data")))
    return found


def _internal_user_errors(value: Any) -> Iterator[str]:
    """A payload's `errors { code: INTERNAL }`: the store's own word for an unexpected failure."""
    if isinstance(value, dict):
        if value.get("code") == "INTERNAL":
            yield str(value.get("message", ""))[:120]
        for item in value.values():
            yield from _internal_user_errors(item)
    elif isinstance(value, list):
        for item in value:
            yield from _internal_user_errors(item)


#: Words of an error that name its class, for a request with several triggers.
HINTS = {"Decimal": "decimal", "cursor": "cursor", "UUID": "malformed-id", "uuid": "malformed-id"}


def accepted_huge(operation: Operation, body: dict[str, Any]) -> list[tuple[str, str]]:
    """The unbounded-lengths oracle: a mutation that took a string of over 10,000 characters and said
    it succeeded (its payload's `errors` is selected and empty) stored it without a bound."""
    if "huge-string" not in operation.traits or not operation.query.startswith("mutation") or body.get("errors"):
        return []
    payload = (body.get("data") or {}).get(operation.field)
    if isinstance(payload, dict) and payload.get("errors") == []:
        return [("long-string", f"{operation.field} accepted a string of over 10,000 characters")]
    return []


def classify(traits: frozenset[str], problems: list[str]) -> str:
    """The known class of a failing request, or "new" when none of its values is a known trigger."""
    if "entities" in traits:
        return CLASSES["entities"]
    for trait, name in FOUND.items():
        if trait in traits:
            return name
    for word, trait in HINTS.items():
        if trait in traits and any(word in problem for problem in problems):
            return CLASSES[trait]
    for trait, name in CLASSES.items():
        if trait in traits:
            return name
    return "new"
