"""A query each subgraph answers only for a signed-in caller, to see whether it accepts a token.

A refused token (ended session, feed behind) fails the whole query with the refusal's code, so
`bench/revocation.py` and `tests/security` time and check revocations with the same requests.
"""

from __future__ import annotations

#: subgraph -> a query that reads the caller's own data there, or needs a signed-in caller.
PROBES = {
    "users": "{ me { id } }",
    "catalog": "{ categories { id } }",
    "wallet": "{ myWallet { id } }",
    "orders": "{ cart { itemCount } }",
    "delivery": "{ pickupPoints { id } }",
    "notifications": "{ unreadNotificationCount }",
}
