"""Running the store: PostgreSQL, migrations, the subgraph processes, the gateway, demo data."""

SUBGRAPHS = ("users", "catalog", "wallet", "orders", "delivery", "notifications")
