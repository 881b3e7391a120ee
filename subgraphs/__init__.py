"""The store's subgraphs: one package each, sharing the small kernel in `common`."""
