"""Access tokens: short-lived EdDSA JWTs; the public half is served as a JWKS for everyone else."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from subgraphs.common.settings import Settings, created_once


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 key id: stable for a key, different for the next one."""
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x")}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode().rstrip("=")


def generate_pem() -> str:
    """A new Ed25519 private key as PEM."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )


def public_pem(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def development_key(data_dir: Path) -> str:
    """The development signing key, generated once into the data folder."""
    return created_once(data_dir / "keys" / "jwt-ed25519.pem", generate_pem)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int
    token_id: str


class TokenSigner:
    """Signs access tokens with one Ed25519 key."""

    def __init__(self, private_pem: str, *, issuer: str, audience: str, ttl: int) -> None:
        key = serialization.load_pem_private_key(private_pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the signing key must be Ed25519")
        self._key = key
        self.public_key: Ed25519PublicKey = key.public_key()
        self.public_jwk: dict[str, Any] = OKPAlgorithm.to_jwk(self.public_key, as_dict=True)
        self.kid = _thumbprint(self.public_jwk)
        self.issuer, self.audience, self.ttl = issuer, audience, ttl

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenSigner:
        pem = settings.jwt_private_key or development_key(settings.data_dir)
        return cls(pem, issuer=settings.jwt_issuer, audience=settings.jwt_audience, ttl=settings.access_token_ttl)

    def issue(self, user_id: UUID, roles: list[str], session_id: UUID) -> IssuedToken:
        now = int(time.time())
        jti = secrets.token_urlsafe(12)
        claims = {
            "sub": str(user_id),
            "roles": roles,
            "sid": str(session_id),
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + self.ttl,
            "jti": jti,
        }
        token = jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self.kid})
        return IssuedToken(token=token, expires_in=self.ttl, token_id=jti)

    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set that other subgraphs verify with."""
        return {"keys": [{**self.public_jwk, "kid": self.kid, "use": "sig", "alg": "EdDSA"}]}
