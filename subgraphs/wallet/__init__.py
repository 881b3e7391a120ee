"""The wallet subgraph: wallets and their ledger of top-ups, payments and refunds."""
