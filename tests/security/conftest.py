"""Security tests: the whole store as an attacker meets it, through the gateway and straight at each subgraph."""

from tests.e2e.conftest import admin, e2e_settings, gateway, store

__all__ = ["admin", "e2e_settings", "gateway", "store"]
