"""The committed SDL files are fresh, compose, and the supergraph keeps the public contract.

`../shared/API.graphql` (beside the repository) is the exact public API and `../shared/API.md`
says which subgraph owns which root field. Every part of the contract owned by a subgraph that
exists (`subgraphs.SUBGRAPHS`) must be in the composed supergraph with the same types, arguments and
defaults; the check grows by itself as subgraphs are added.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
import yaml
from graphql import (
    DocumentNode,
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    parse,
    print_ast,
)

from subgraphs import SUBGRAPHS
from subgraphs.common.sdl import current_sdl, sdl_path
from subgraphs.common.settings import PORT_OFFSETS

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SUPERGRAPH = ROOT / "router" / "supergraph.graphql"
COMMON = "common"  # API.graphql's types before its first section: shared by every subgraph
ROOT_TYPES = ("Query", "Mutation", "Subscription")


@pytest.mark.parametrize("name", SUBGRAPHS)
def test_committed_sdl_is_the_schema_export(name: str) -> None:
    path = sdl_path(name)
    assert path.exists(), f"{path} is missing: python -m subgraphs.common.sdl {name}"
    assert path.read_text() == current_sdl(name), f"{path} is stale: python -m subgraphs.common.sdl {name}"


def test_supergraph_yaml_lists_exactly_the_subgraphs() -> None:
    config = yaml.safe_load((ROOT / "supergraph.yaml").read_text())
    assert sorted(config["subgraphs"]) == sorted(SUBGRAPHS)
    for name, subgraph in config["subgraphs"].items():
        assert subgraph["routing_url"] == f"http://localhost:{4000 + PORT_OFFSETS[name]}/graphql"
        assert subgraph["schema"] == {"file": f"./subgraphs/{name}/schema.graphql"}


def test_committed_supergraph_is_a_fresh_composition() -> None:
    node = shutil.which("node")
    assert node, "node is not on PATH (make puts a suitable one there)"
    assert (ROOT / "router" / "node_modules").is_dir(), "router/node_modules is missing: cd router && npm ci"
    done = subprocess.run([node, "compose.mjs", "--check"], cwd=ROOT / "router", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


# --- the public contract ------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A field or an input field: its type, default and arguments (type, default), as printed."""

    type: str
    default: str | None = None
    args: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.type + ("" if self.default is None else f" = {self.default}")

    @property
    def optional(self) -> bool:
        """A client that never sends it still works (for arguments and input fields)."""
        return self.default is not None or not self.type.endswith("!")


@dataclass(frozen=True)
class Type:
    """An object, input, enum or scalar type, and the subgraph that owns it in the contract."""

    kind: str  # the AST kind: object_type_definition, input_object_type_definition, …
    fields: dict[str, Field]  # enums: their values, as fields without a type
    owner: str = COMMON


def shared_text(name: str) -> str:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared folder beside the repository holds the contract)")
    return path.read_text()


TYPE_NODES = (ObjectTypeDefinitionNode, InputObjectTypeDefinitionNode, EnumTypeDefinitionNode, ScalarTypeDefinitionNode)


def typed(node: InputValueDefinitionNode) -> tuple[str, str | None]:
    """An argument's or input field's type and default, as printed."""
    return print_ast(node.type), print_ast(node.default_value) if node.default_value else None


def types_of(document: DocumentNode) -> dict[str, Type]:
    """Every type of an SDL document but federation's machinery and @inaccessible fields."""
    types = {}
    for node in document.definitions:
        if not isinstance(node, TYPE_NODES) or re.match(r"(join|link)__", node.name.value):
            continue
        fields = {}
        for member in getattr(node, "fields", None) or getattr(node, "values", None) or ():
            if any(d.name.value == "inaccessible" for d in member.directives or ()):
                continue
            if isinstance(member, FieldDefinitionNode):
                args = {a.name.value: typed(a) for a in member.arguments or ()}
                fields[member.name.value] = Field(print_ast(member.type), args=args)
            elif isinstance(member, InputValueDefinitionNode):
                fields[member.name.value] = Field(*typed(member))
            else:  # an enum value
                fields[member.name.value] = Field("")
        types[node.name.value] = Type(node.kind, fields)
    return types


def type_owners(api_graphql: str) -> dict[str, str]:
    """API.graphql groups its types under `# users`, `# wallet`, … comments; those before are common."""
    owners, section = {}, COMMON
    for line in api_graphql.splitlines():
        if heading := re.fullmatch(r"# (\w+)", line.strip()):
            section = heading.group(1) if heading.group(1) in SUBGRAPHS else section
        elif defined := re.match(r"(?:type|input|enum|scalar) (\w+)", line):
            owners.setdefault(defined.group(1), section)
    return owners


def field_owners(api_md: str) -> dict[tuple[str, str], str]:
    """From API.md's sections: who owns each root field, and each field added to another's entity."""
    owners: dict[tuple[str, str], str] = {}
    parts = re.split(r"^## +(\w+).*$", api_md, flags=re.M)
    for section, body in zip(parts[1::2], parts[2::2], strict=True):
        if section not in SUBGRAPHS:
            continue
        for block in re.findall(r"```graphql\n(.*?)```", body, re.S):
            for node in parse(block).definitions:
                if isinstance(node, ObjectTypeExtensionNode) or (
                    isinstance(node, ObjectTypeDefinitionNode) and node.name.value in ROOT_TYPES
                ):
                    for member in node.fields or ():
                        owners[(node.name.value, member.name.value)] = section
    return owners


def violations(api: dict[str, Type], supergraph: dict[str, Type], owners: dict[tuple[str, str], str], built: set[str]) -> list[str]:
    """What the supergraph lacks, or has otherwise, of the contract's parts that built subgraphs own."""
    problems = []
    for name, want in api.items():
        mine = [m for m in want.fields if owners.get((name, m), want.owner) in built]
        got = supergraph.get(name)
        if got is None:
            # A common type (Money, PageInfo, …) appears once some subgraph uses it.
            if want.owner != COMMON and want.owner in built:
                problems.append(f"type {name} is missing")
            continue
        if got.kind != want.kind:
            problems.append(f"{name} is a {got.kind}, the contract says {want.kind}")
            continue
        for member in mine:
            have, spec = got.fields.get(member), want.fields[member]
            if have is None:
                problems.append(f"{name}.{member} is missing")
            elif have != replace(spec, args=have.args):
                problems.append(f"{name}.{member}: {have}; the contract says {spec}")
            else:
                problems += [
                    f"{name}.{member}({a}): {Field(*have.args[a]) if a in have.args else 'missing'}; the contract says {Field(*t)}"
                    for a, t in spec.args.items()
                    if have.args.get(a) != t
                ]
                # Added arguments must be optional: clients written against the contract omit them.
                added = {a: Field(*t) for a, t in have.args.items() if a not in spec.args}
                problems += [f"{name}.{member}({a}: {f}) is a new required argument" for a, f in added.items() if not f.optional]
        if want.kind == "input_object_type_definition":
            problems += [f"{name}.{m}: {f.type} is a new required input field" for m, f in got.fields.items() if m not in want.fields and not f.optional]
    return problems


def test_supergraph_keeps_the_public_contract() -> None:
    api_text = shared_text("API.graphql")
    type_owner, owners = type_owners(api_text), field_owners(shared_text("API.md"))
    api = {name: replace(t, owner=type_owner.get(name, COMMON)) for name, t in types_of(parse(api_text)).items()}

    # API.md must name an owner for every root field, or the check would silently shrink.
    unowned = [f"{t}.{f}" for t in ROOT_TYPES if t in api for f in api[t].fields if (t, f) not in owners]
    assert unowned == [], f"API.md names no owner for {unowned}"
    assert {("User", "wallet"), ("User", "orders"), ("Order", "delivery")} <= set(owners)

    assert SUPERGRAPH.exists(), "router/supergraph.graphql is missing: cd router && npm run compose"
    supergraph = types_of(parse(SUPERGRAPH.read_text()))
    problems = violations(api, supergraph, owners, set(SUBGRAPHS) | {COMMON})
    assert problems == [], "\n".join(problems)
