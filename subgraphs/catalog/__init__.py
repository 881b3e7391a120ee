"""The catalog subgraph: categories, products, stock and full-text search."""
