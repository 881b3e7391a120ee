"""Sessions: refresh rotation, reuse detection, logout, and every way a token must be refused."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from subgraphs.common.settings import Settings
from tests.conftest import GraphQLClient
from tests.users.test_accounts import ME, register

REFRESH = """
mutation($token: String!) {
  refreshSession(refreshToken: $token) { accessToken refreshToken expiresIn user { id } errors { code } }
}"""
LOGOUT = "mutation { logout }"


async def refresh(users: GraphQLClient, token: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await users.data(REFRESH, {"token": token}))["refreshSession"]
    return payload


async def test_refresh_rotates_and_reuse_ends_the_session(users: GraphQLClient) -> None:
    signed_up = await register(users)
    first = await refresh(users, signed_up["refreshToken"])
    assert first["errors"] == [] and first["refreshToken"] != signed_up["refreshToken"]
    assert first["user"]["id"] == signed_up["user"]["id"]
    assert (await users.as_(first["accessToken"]).data(ME))["me"]["id"] == signed_up["user"]["id"]

    # The old token again: a thief or a replay. The whole session ends, the newest token included.
    reused = await refresh(users, signed_up["refreshToken"])
    assert [e["code"] for e in reused["errors"]] == ["INVALID_CREDENTIALS"] and reused["accessToken"] is None
    assert [e["code"] for e in (await refresh(users, first["refreshToken"]))["errors"]] == ["INVALID_CREDENTIALS"]
    body = await users.as_(first["accessToken"]).execute(ME)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_concurrent_use_of_one_refresh_token_yields_at_most_one_session(users: GraphQLClient) -> None:
    token = (await register(users))["refreshToken"]
    results = await asyncio.gather(*(refresh(users, token) for _ in range(5)))
    assert sum(1 for r in results if not r["errors"]) <= 1


async def test_unknown_refresh_token_is_refused(users: GraphQLClient) -> None:
    assert (await refresh(users, "no-such-token"))["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_logout_ends_the_session_at_once(users: GraphQLClient) -> None:
    signed_up = await register(users)
    me = users.as_(signed_up["accessToken"])
    assert (await me.data(LOGOUT))["logout"] is True
    assert (await me.execute(ME))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await refresh(users, signed_up["refreshToken"]))["errors"][0]["code"] == "INVALID_CREDENTIALS"
    # Signing in again (as anyone) works right after.
    other = await register(users)
    assert (await users.as_(other["accessToken"]).data(ME))["me"]["id"] == other["user"]["id"]


async def test_logout_needs_a_session(users: GraphQLClient) -> None:
    assert (await users.execute(LOGOUT))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def _claims(settings: Settings, **override: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": str(uuid.uuid4()), "roles": ["ADMIN"], "sid": str(uuid.uuid4()), "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience, "iat": now, "exp": now + 600, "jti": "x",
    }
    return {**claims, **override}


def _forged(settings: Settings, signing_pem: str) -> dict[str, str]:
    """Tokens that must all be refused, by name."""
    own = serialization.load_pem_private_key(signing_pem.encode(), password=None)
    stranger = Ed25519PrivateKey.generate()
    public_pem = settings.jwt_public_key or ""
    none_token = jwt.encode(_claims(settings), None, algorithm="none")
    header = {"alg": "HS256", "typ": "JWT"}
    import base64, hashlib, hmac, json  # noqa: E401  (HS256 by hand: pyjwt refuses a PEM as an HMAC secret)

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(_claims(settings)).encode())}"
    mac = hmac.new(public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    return {
        "expired": jwt.encode(_claims(settings, exp=int(time.time()) - 5), own, algorithm="EdDSA"),
        "wrong signature": jwt.encode(_claims(settings), stranger, algorithm="EdDSA"),
        "alg none": none_token,
        "HS256 with the public key": f"{signing_input}.{b64(mac)}",
        "wrong audience": jwt.encode(_claims(settings, aud="someone-else"), own, algorithm="EdDSA"),
        "wrong issuer": jwt.encode(_claims(settings, iss="evil"), own, algorithm="EdDSA"),
        "no session claim": jwt.encode({k: v for k, v in _claims(settings).items() if k != "sid"}, own, algorithm="EdDSA"),
        "garbage": "not.a.jwt",
    }


@pytest.mark.parametrize(
    "kind",
    ["expired", "wrong signature", "alg none", "HS256 with the public key", "wrong audience", "wrong issuer", "no session claim", "garbage"],
)
async def test_bad_tokens_are_refused(users: GraphQLClient, settings: Settings, signing_pem: str, kind: str) -> None:
    body = await users.as_(_forged(settings, signing_pem)[kind]).execute(ME)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", kind
    assert body.get("data") is None


async def test_jwks_serves_the_verifying_key(users: GraphQLClient, signing_pem: str) -> None:
    jwks = (await users.http.get("/.well-known/jwks.json")).json()
    key = jwt.PyJWKSet.from_dict(jwks).keys[0]
    token = jwt.encode({"x": 1}, serialization.load_pem_private_key(signing_pem.encode(), password=None), algorithm="EdDSA")
    assert jwt.decode(token, key.key, algorithms=["EdDSA"]) == {"x": 1}
