"""Cart, orders, and the placeOrder saga that orchestrates catalog, wallet and delivery."""
