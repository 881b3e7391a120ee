"""Values for the fuzzer's scalars: what an attacker would put in a valid operation.

UUIDs of real objects, random UUIDs and garbage ids; Decimals canonical and not, and inline
numbers; strings with NUL bytes or lone surrogates, strings far too long, cursors of ours and
forged ones.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timezone
from dataclasses import dataclass

import graphql
from hypothesis import strategies as st


@dataclass(frozen=True)
class Known:
    """Real values of the fuzzer's stack, so that some requests reach the objects themselves."""

    ids: tuple[str, ...]
    #: Real cursors by the root field whose connection gave them.
    cursors: dict[str, tuple[str, ...]]
    emails: tuple[str, ...] = ()

    def all_cursors(self) -> tuple[str, ...]:
        return tuple(cursor for group in self.cursors.values() for cursor in group)


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def string_node(text: st.SearchStrategy[str]) -> st.SearchStrategy[graphql.ValueNode]:
    return text.map(lambda value: graphql.StringValueNode(value=value))


def forged_cursors() -> st.SearchStrategy[str]:
    """Cursors in our format (base64 of a JSON list) whose parts have the wrong types or arity."""
    part = st.one_of(
        st.integers(min_value=-(2**63), max_value=2**63),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.none(),
        st.booleans(),
        st.sampled_from([{"t": "2026-01-01T00:00:00+00:00"}, {"t": "yesterday"}, {"d": "1.5"}, {"d": "NaN"},
                         {"d": "x"}, {"u": str(uuid.UUID(int=1))}, {"u": "nope"}, {"x": 1}, {}]),
        st.lists(st.integers(), max_size=2),
    )
    return st.one_of(
        # Most keys are two parts long (sort key, id): the right arity gets past the first check.
        st.lists(part, min_size=2, max_size=2).map(lambda parts: _b64(json.dumps(parts))),
        st.lists(part, min_size=0, max_size=4).map(lambda parts: _b64(json.dumps(parts))),
        st.sampled_from(["", "=", "not-base64!", _b64("{}"), _b64("null"), _b64("[1,2"), _b64("\x00")]),
    )


def strings(known: Known) -> st.SearchStrategy[graphql.ValueNode]:
    """Any `String`: ordinary text, NUL bytes, lone surrogates, huge lengths, cursors, emails, URLs."""
    ordinary = st.text(max_size=30)
    return string_node(
        st.one_of(
            ordinary,
            ordinary,
            st.sampled_from(["google", "oidc", "http://localhost:5173/callback", "https://evil.example/cb", "RUB"]),
            st.sampled_from(known.emails) if known.emails else ordinary,
            st.emails().map(str),
            st.builds(lambda a, b: f"{a}\x00{b}", ordinary, ordinary),
            st.builds(lambda a, s, b: f"{a}{s}{b}", ordinary, st.sampled_from(["\ud800", "\udfff", "\udc00x"]), ordinary),
            st.sampled_from([1_001, 5_000]).map(lambda n: "a" * n),
            st.sampled_from(known.all_cursors()) if known.all_cursors() else ordinary,
            forged_cursors(),
        )
    )


def ids(known: Known) -> st.SearchStrategy[graphql.ValueNode]:
    """Any `ID`: a real object's, a random UUID, or garbage (malformed, other spellings, numbers)."""
    good = st.one_of(st.sampled_from(known.ids), st.uuids().map(str)) if known.ids else st.uuids().map(str)
    garbage = st.one_of(
        st.sampled_from(["not-a-uuid", "", "0", "-1", "00000000-0000-0000-0000-00000000000g",
                         "{12345678-1234-5678-1234-567812345678}", "12345678123456781234567812345678"]),
        st.uuids().map(lambda u: str(u).upper()),
        st.text(max_size=40),
    )
    return st.one_of(
        string_node(good),
        string_node(good),
        string_node(garbage),
        st.integers(min_value=-(2**31), max_value=2**31 - 1).map(lambda n: graphql.IntValueNode(value=str(n))),
    )


def decimals() -> st.SearchStrategy[graphql.ValueNode]:
    """Any `Decimal`: canonical strings, non-canonical or junk strings, and inline numbers."""
    canonical = st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False).map(str)
    odd = st.sampled_from(["1e2", "1E+2", "01.50", " 1", "1,5", "NaN", "-NaN", "sNaN", "Infinity", "-0", "1.234",
                           "1e1000000", "0x10", "\u0661\u0662", "", "1_000", "+5", ".5", "5."])
    return st.one_of(
        string_node(canonical),
        string_node(canonical),
        string_node(odd),
        string_node(st.text(max_size=12)),
        st.integers(min_value=-(10**30), max_value=10**30).map(lambda n: graphql.IntValueNode(value=str(n))),
        st.floats(allow_nan=False, allow_infinity=False).map(lambda x: graphql.FloatValueNode(value=repr(x))),
    )


def datetimes() -> st.SearchStrategy[graphql.ValueNode]:
    """Any `DateTime` (no input takes one today; ready for the first that does)."""
    iso = st.datetimes(timezones=st.just(timezone.utc)).map(lambda moment: moment.isoformat())
    return string_node(st.one_of(iso, st.text(max_size=20)))


def scalars(known: Known) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    return {"String": strings(known), "ID": ids(known), "Decimal": decimals(), "DateTime": datetimes()}
