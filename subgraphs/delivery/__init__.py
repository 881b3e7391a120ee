"""Pickup points, the delivery queue and its statuses, which drive the order's status."""
