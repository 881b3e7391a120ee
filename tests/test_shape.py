"""Every subgraph has one shape, the list of them is one, and the kernel depends on nothing above it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from graphql import build_schema, print_ast

from shop import manifests
from subgraphs import SUBGRAPHS
from subgraphs.catalog.feed import TRUSTED_FOR
from subgraphs.common.settings import ROOT, Settings

PACKAGES = ROOT / "subgraphs"
#: What each subgraph package holds (see README, "The pieces").
FILES = ("app.py", "schema.py", "types.py", "models.py", "service.py", "loaders.py", "schema.graphql", "migrations/env.py")
#: Where a subgraph goes without one of them, and why.
EXCEPT = {("notifications", "loaders.py"): "it answers pages of one user's history; nothing is loaded by key"}


def test_the_list_names_every_subgraph_package() -> None:
    packages = {path.parent.name for path in PACKAGES.glob("*/__init__.py")} - {"common"}
    assert sorted(packages) == sorted(SUBGRAPHS)


@pytest.mark.parametrize("name", SUBGRAPHS)
def test_every_subgraph_has_the_same_files(name: str) -> None:
    missing = [file for file in FILES if not (PACKAGES / name / file).exists() and (name, file) not in EXCEPT]
    assert missing == []
    # Settings are read once, in the kernel: a subgraph adds its fields to subgraphs/common/settings.py.
    assert not (PACKAGES / name / "settings.py").exists()


def test_generated_files_follow_the_list() -> None:
    """supergraph.yaml and the subgraph blocks of compose.yaml and router.yaml are what `python -m shop.manifests` writes."""
    for path, text in manifests.expected().items():
        assert path.read_text() == text, f"{path.name} drifted from subgraphs.SUBGRAPHS: python -m shop.manifests"


def imported(path: Path) -> set[str]:
    """The top-level packages a module imports (relative imports stay inside and are left out)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_subgraph_imports_the_runner_above_it() -> None:
    """`shop` runs the subgraphs; the kernel and the subgraphs never import it (the list lives in `subgraphs`)."""
    offenders = [str(path.relative_to(ROOT)) for path in sorted(PACKAGES.rglob("*.py")) if "shop" in imported(path)]
    assert offenders == []


def test_a_subgraph_imports_no_other_subgraph() -> None:
    """Subgraphs meet only through the kernel, internal calls and events."""
    offenders = []
    for name in SUBGRAPHS:
        for path in sorted((PACKAGES / name).rglob("*.py")):
            source = ast.parse(path.read_text(), str(path))
            for node in ast.walk(source):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("subgraphs."):
                    other = (node.module or "").split(".")[1]
                    if other not in (name, "common"):
                        offenders.append(f"{path.relative_to(ROOT)} imports subgraphs.{other}")
    assert offenders == []


def test_the_gateway_knows_every_mutation_that_changes_the_showcase() -> None:
    """router/showcaseCache.ts empties its copy only after these: every catalog mutation, and the
    orders' that reserve or give back stock. A new catalog mutation must join the list."""
    mutation = build_schema((ROOT / "router" / "supergraph.graphql").read_text()).mutation_type
    assert mutation is not None
    owners = {name: re.findall(r"graph: (\w+)", " ".join(map(print_ast, field.ast_node.directives))) for name, field in mutation.fields.items()}  # type: ignore[union-attr]
    catalog = {name for name, graphs in owners.items() if graphs == ["CATALOG"]}
    assert catalog
    listed = re.search(r"SHOWCASE_WRITES = new Set\(\[([^\]]*)\]\)", (ROOT / "router" / "showcaseCache.ts").read_text())
    assert listed is not None
    assert set(re.findall(r"'(\w+)'", listed.group(1))) == catalog | {"placeOrder", "cancelOrder"}


def test_the_freshness_budget_adds_up_to_the_promised_second() -> None:
    """A change shows in every listing within 1 s. A catalog process trusts a LISTEN that went silent
    for at most `TRUSTED_FOR`; on top of that, the gateway's copy keeps an answer for its short life,
    or, past it, while a poll under `STALE` intervals old vouched for it."""
    fields = Settings.model_fields
    bound = {name: next(m.le for m in fields[name].metadata if getattr(m, "le", None) is not None) for name in ("showcase_gateway_ttl", "showcase_gateway_poll_interval")}
    stale = re.search(r"export const STALE = (\d+);", (ROOT / "router" / "generation.ts").read_text())
    assert stale is not None
    assert TRUSTED_FOR + bound["showcase_gateway_ttl"] <= 1.0
    assert TRUSTED_FOR + int(stale.group(1)) * bound["showcase_gateway_poll_interval"] <= 1.0
