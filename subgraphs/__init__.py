"""The store's subgraphs: one package each, sharing the small kernel in `common`.

`SUBGRAPHS` is the one list of them, in start order; a subgraph's development port is 4000 plus its
place in it (users 4001 … notifications 4006). Everything else follows it: `shop` starts them, the
SDL export and the tests walk them, `supergraph.yaml` and `compose.yaml` are written from it
(`python -m shop.manifests`, part of `make schemas`), and a test fails when those drift.
"""

SUBGRAPHS: tuple[str, ...] = ("users", "catalog", "wallet", "orders", "delivery", "notifications")
