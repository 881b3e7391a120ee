"""Who is calling: the client's address behind the gateway, believed only from trusted proxies.

    address = client_address(request, settings.trusted_proxies)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: What a request without a peer (an in-process test client, a Unix socket) counts as.
UNKNOWN = "unknown"


@lru_cache(maxsize=16)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def _parse(raw: str) -> Address | None:
    """An address as a proxy writes it (`1.2.3.4`, `::1`, `[::1]:5000`, `1.2.3.4:5000`), else None."""
    text = raw.strip().strip('"')
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # Node reports IPv4 peers of a dual-stack socket as ::ffff:a.b.c.d.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def resolve(peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[str]) -> str:
    """The right-most address of `forwarded_for` + `peer` that is not a trusted proxy.

    Each trusted proxy appends the address it was called from, so walking from the right, every
    entry up to the first untrusted one was written by a proxy we trust; anything left of it may
    be the client's own invention. An entry that is not an address stops the walk there.
    """
    networks = _networks(tuple(trusted))
    hops = [peer or "", *reversed([part for header in forwarded_for for part in header.split(",")])]
    chosen = UNKNOWN
    for index, hop in enumerate(hops):
        address = _parse(hop)
        if address is None:
            # An unreadable hop: keep the last address a trusted proxy vouched for.
            return chosen if index else UNKNOWN
        chosen = str(address)
        if not any(address in network for network in networks):
            return chosen
    # Every hop trusted (a client on the proxy's own host): the left-most one is the client.
    return chosen


def client_address(connection: HTTPConnection, trusted: Sequence[str]) -> str:
    """The caller's address: the peer, or what trusted proxies say in X-Forwarded-For."""
    peer = connection.client.host if connection.client else None
    return resolve(peer, connection.headers.getlist("x-forwarded-for"), trusted)
