"""Running the store: PostgreSQL, migrations, the subgraph processes, the gateway, demo data."""

from subgraphs import SUBGRAPHS

__all__ = ["SUBGRAPHS"]
