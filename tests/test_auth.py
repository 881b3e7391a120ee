"""Token verification against a JWKS served over HTTP: fetched once, cached, and an outage is not a bad token."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from subgraphs.common.auth import InvalidToken, KeySource, KeysUnavailable, TokenVerifier
from subgraphs.users.tokens import TokenSigner, generate_pem


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, TokenSigner, list[int]]]:
    signer = TokenSigner(generate_pem(), issuer="shop-users", audience="shop", ttl=60)
    hits: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            import json

            hits.append(1)
            body = json.dumps(signer.jwks()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json", signer, hits
    server.shutdown()


async def test_keys_are_fetched_once_and_verify(jwks_server: tuple[str, TokenSigner, list[int]]) -> None:
    url, signer, hits = jwks_server
    verifier = TokenVerifier(KeySource(jwks_url=url), issuer="shop-users", audience="shop")
    user = uuid.uuid4()
    for _ in range(3):
        principal = await verifier.verify(signer.issue(user, ["CUSTOMER"], uuid.uuid4()).token)
        assert principal.user_id == user and principal.roles == frozenset({"CUSTOMER"})
    assert len(hits) == 1
    stranger = TokenSigner(generate_pem(), issuer="shop-users", audience="shop", ttl=60)
    with pytest.raises(InvalidToken):  # an unknown key id: one refresh, then refused
        await verifier.verify(stranger.issue(user, ["ADMIN"], uuid.uuid4()).token)


async def test_unreachable_keys_are_an_outage_not_a_bad_token() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    signer = TokenSigner(generate_pem(), issuer="shop-users", audience="shop", ttl=60)
    verifier = TokenVerifier(KeySource(jwks_url=f"http://127.0.0.1:{port}/jwks"), issuer="shop-users", audience="shop")
    with pytest.raises(KeysUnavailable):
        await verifier.verify(signer.issue(uuid.uuid4(), ["CUSTOMER"], uuid.uuid4()).token)
