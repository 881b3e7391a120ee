"""Applies every subgraph's migrations, in order."""

from __future__ import annotations

from subgraphs.common.migrations import upgrade

from . import SUBGRAPHS


def migrate_all(database_url: str, subgraphs: tuple[str, ...] = SUBGRAPHS) -> None:
    for name in subgraphs:
        upgrade(name, database_url)
