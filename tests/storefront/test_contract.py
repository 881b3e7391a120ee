"""The storefront's operations are checked against the supergraph: a contract that drifts fails the build."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from subgraphs.common.settings import ROOT

STOREFRONT = ROOT / "storefront"
CODEGEN = STOREFRONT / "node_modules" / ".bin" / "graphql-codegen"


def test_a_renamed_field_fails_the_operations_typing(tmp_path: Path) -> None:
    drifted = tmp_path / "supergraph.graphql"
    text = (ROOT / "router" / "supergraph.graphql").read_text()
    assert "  productCount: Int!" in text
    drifted.write_text(text.replace("  productCount: Int!", "  itemsInCategory: Int!"))
    result = subprocess.run(
        [str(CODEGEN), "--config", "codegen.ts"], cwd=STOREFRONT, env={**os.environ, "SHOP_SUPERGRAPH": str(drifted)},
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert 'Cannot query field "productCount" on type "Category"' in result.stdout + result.stderr
