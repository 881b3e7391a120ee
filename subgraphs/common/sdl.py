"""Writes each subgraph's committed `schema.graphql` from its Strawberry schema (what composition reads).

    python -m subgraphs.common.sdl                 # every subgraph in subgraphs.SUBGRAPHS
    python -m subgraphs.common.sdl users           # only these
    python -m subgraphs.common.sdl --check         # exit 1 when a committed file has drifted
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from subgraphs import SUBGRAPHS

from .schema import export_sdl

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def sdl_path(name: str) -> Path:
    """Where a subgraph's SDL is committed."""
    return PACKAGE_ROOT / name / "schema.graphql"


def current_sdl(name: str) -> str:
    """The SDL of `subgraphs.<name>.schema.schema`, as it would be committed."""
    module = importlib.import_module(f"subgraphs.{name}.schema")
    return export_sdl(module.schema)


def main(argv: Sequence[str] | None = None) -> int:
    """Writes (or with `--check` compares) the SDL files; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m subgraphs.common.sdl", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on drift")
    parser.add_argument("names", nargs="*", metavar="name", help=f"subgraphs (default: {' '.join(SUBGRAPHS)})")
    args = parser.parse_args(argv)

    unknown = sorted(set(args.names) - set(SUBGRAPHS))
    if unknown:
        parser.error(f"unknown subgraph(s): {', '.join(unknown)}; known: {', '.join(SUBGRAPHS)}")

    drifted = []
    for name in args.names or SUBGRAPHS:
        path = sdl_path(name)
        try:
            sdl = current_sdl(name)
        except ModuleNotFoundError as exc:
            if exc.name != f"subgraphs.{name}.schema":
                raise
            drifted.append(name)
            print(f"subgraphs/{name}/schema.py does not exist", file=sys.stderr)
            continue
        committed = path.read_text() if path.exists() else None
        if args.check:
            if committed != sdl:
                drifted.append(name)
                print(f"{path.relative_to(PACKAGE_ROOT.parent)} is out of date", file=sys.stderr)
        elif committed != sdl:
            path.write_text(sdl)
            print(f"wrote {path.relative_to(PACKAGE_ROOT.parent)}")
        else:
            print(f"{path.relative_to(PACKAGE_ROOT.parent)} is up to date")
    if drifted:
        if args.check:
            print(f"regenerate with: python -m subgraphs.common.sdl {' '.join(drifted)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
