"""External sign-in providers: OpenID Connect (discovery, a verified id_token) or plain OAuth 2 with a
userinfo endpoint (Yandex). The code flow always carries PKCE (S256), a state and, for OIDC, a nonce.

    providers = Providers.from_settings(settings)
    url = await providers.authorization_url(provider, redirect_uri, state=..., code_verifier=..., nonce=...)
    identity = await providers.identify(provider, redirect_uri, code, code_verifier=..., nonce=...)
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from subgraphs.common.errors import DomainError, ErrorCode

if TYPE_CHECKING:
    from subgraphs.common.settings import Settings

DEFAULT_SCOPE = "openid email profile"
# Asymmetric only: an id_token signed with the client secret (HS256) or unsigned is refused.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
TIMEOUT = 10.0
# Clock skew tolerated on exp/iat/nbf, in seconds.
LEEWAY = 60


@dataclass(frozen=True)
class Provider:
    """One configured provider, as `SHOP_OIDC_PROVIDERS` lists it (or a preset makes it)."""

    id: str
    name: str
    client_id: str
    client_secret: str
    scope: str = DEFAULT_SCOPE
    kind: str = "oidc"  # "oidc" (discovery at issuer) or "oauth2" (the three URLs below)
    issuer: str | None = None
    authorize_url: str | None = None
    token_url: str | None = None
    userinfo_url: str | None = None
    # Yandex wants `Authorization: OAuth <token>` at its userinfo endpoint.
    token_scheme: str = "Bearer"

    @classmethod
    def from_dict(cls, raw: dict[str, str]) -> Provider:
        """A provider from settings; ValueError names what is missing or unknown."""
        unknown = set(raw) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"Unknown keys for provider {raw.get('id')!r}: {sorted(unknown)}")
        missing = {"id", "name", "client_id", "client_secret"} - set(raw)
        if missing:
            raise ValueError(f"Provider {raw.get('id')!r} lacks {sorted(missing)}")
        provider = cls(**raw)
        if provider.kind not in ("oidc", "oauth2"):
            raise ValueError(f"Provider {provider.id!r}: kind must be 'oidc' or 'oauth2'")
        if provider.kind == "oidc" and not provider.issuer:
            raise ValueError(f"OpenID Connect provider {provider.id!r} needs an issuer")
        if provider.kind == "oauth2" and not (provider.authorize_url and provider.token_url and provider.userinfo_url):
            raise ValueError(f"OAuth 2 provider {provider.id!r} needs authorize_url, token_url and userinfo_url")
        return provider


def presets(settings: Settings) -> list[Provider]:
    """Google, Microsoft and Yandex, each when its client id and secret are set."""
    found: list[Provider] = []
    if settings.google_client_id and settings.google_client_secret:
        found.append(Provider("google", "Google", settings.google_client_id, settings.google_client_secret, issuer="https://accounts.google.com"))
    if settings.microsoft_client_id and settings.microsoft_client_secret:
        # `common` serves work, school and personal accounts; its metadata's issuer is a {tenantid} template.
        issuer = "https://login.microsoftonline.com/common/v2.0"
        found.append(Provider("microsoft", "Microsoft", settings.microsoft_client_id, settings.microsoft_client_secret, issuer=issuer))
    if settings.yandex_client_id and settings.yandex_client_secret:
        found.append(
            Provider(
                "yandex", "Yandex", settings.yandex_client_id, settings.yandex_client_secret,
                scope="login:email login:info", kind="oauth2",
                authorize_url="https://oauth.yandex.ru/authorize", token_url="https://oauth.yandex.ru/token",
                userinfo_url="https://login.yandex.ru/info?format=json", token_scheme="OAuth",
            )
        )
    return found


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in."""

    subject: str
    email: str | None
    email_verified: bool
    name: str | None

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Identity:
        """OIDC claims, or a userinfo answer in Yandex's shape (`id`, `default_email`, `real_name`)."""
        subject = claims.get("sub") or claims.get("id")
        if not subject:
            raise _failed("The provider named no subject.")
        verified = claims.get("email_verified")
        return cls(
            subject=str(subject),
            email=claims.get("email") or claims.get("default_email"),
            email_verified=verified is True or verified == "true",
            name=claims.get("name") or claims.get("real_name") or claims.get("display_name"),
        )


def _failed(message: str) -> DomainError:
    return DomainError(ErrorCode.PROVIDER_ERROR, message)


class Providers:
    """The configured providers, with each one's discovery document and signing keys cached."""

    def __init__(self, providers: list[Provider]) -> None:
        self.by_id = {p.id: p for p in providers}
        self._metadata: dict[str, dict[str, Any]] = {}
        self._keys: dict[str, KeySet] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> Providers:
        configured = [Provider.from_dict(raw) for raw in settings.oidc_providers]
        return cls([*presets(settings), *configured])

    def get(self, provider_id: str) -> Provider | None:
        return self.by_id.get(provider_id)

    async def authorization_url(self, provider: Provider, redirect_uri: str, *, state: str, code_verifier: str, nonce: str) -> str:
        """Where to send the browser; PROVIDER_ERROR when the provider's metadata cannot be had."""
        endpoints = await self._endpoints(provider)
        extra = {"nonce": nonce} if provider.kind == "oidc" else {}
        async with self._client(provider, redirect_uri) as client:
            url, _ = client.create_authorization_url(endpoints["authorization_endpoint"], state=state, code_verifier=code_verifier, **extra)
        return str(url)

    async def identify(self, provider: Provider, redirect_uri: str, code: str, *, code_verifier: str, nonce: str) -> Identity:
        """Trades the code for tokens and reads who signed in; PROVIDER_ERROR on any failure."""
        endpoints = await self._endpoints(provider)
        try:
            async with self._client(provider, redirect_uri) as client:
                token = await client.fetch_token(endpoints["token_endpoint"], code=code, code_verifier=code_verifier)
                if provider.kind == "oauth2":
                    response = await client.get(
                        endpoints["userinfo_endpoint"], headers={"Authorization": f"{provider.token_scheme} {token['access_token']}"}
                    )
                    response.raise_for_status()
                    return Identity.from_claims(response.json())
        except (AuthlibBaseError, httpx.HTTPError, ValueError, KeyError) as exc:
            raise _failed(f"{provider.name} refused the sign-in: {exc}") from None
        if not token.get("id_token"):
            raise _failed(f"{provider.name} returned no id_token.")
        return Identity.from_claims(await self._verified_claims(provider, endpoints, str(token["id_token"]), nonce))

    async def _verified_claims(self, provider: Provider, endpoints: dict[str, Any], id_token: str, nonce: str) -> dict[str, Any]:
        try:
            decoded = jwt.decode(id_token, await self._key_set(provider, endpoints), algorithms=ALGORITHMS)
        except (JoseError, ValueError):
            # Perhaps the provider rotated its keys since they were cached: fetch them once more.
            try:
                decoded = jwt.decode(id_token, await self._key_set(provider, endpoints, fresh=True), algorithms=ALGORITHMS)
            except (JoseError, ValueError) as exc:
                raise _failed(f"{provider.name}'s id_token does not verify: {exc}") from None
        claims = dict(decoded.claims)
        # Microsoft's multi-tenant metadata says `.../{tenantid}/v2.0`; the token names its tenant in `tid`.
        issuer = str(endpoints["issuer"]).replace("{tenantid}", str(claims.get("tid", "")))
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": provider.client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise _failed(f"{provider.name}'s id_token is not for this sign-in: {exc}") from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != provider.client_id:
            raise _failed(f"{provider.name}'s id_token was issued to another party.")
        return claims

    async def _endpoints(self, provider: Provider) -> dict[str, Any]:
        if provider.kind == "oauth2":
            return {
                "authorization_endpoint": provider.authorize_url,
                "token_endpoint": provider.token_url,
                "userinfo_endpoint": provider.userinfo_url,
            }
        if provider.id not in self._metadata:
            url = f"{str(provider.issuer).rstrip('/')}/.well-known/openid-configuration"
            metadata = await self._get_json(provider, url)
            if not all(isinstance(metadata.get(k), str) for k in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")):
                raise _failed(f"{provider.name}'s discovery document is incomplete.")
            self._metadata[provider.id] = metadata
        return self._metadata[provider.id]

    async def _key_set(self, provider: Provider, endpoints: dict[str, Any], *, fresh: bool = False) -> KeySet:
        if fresh or provider.id not in self._keys:
            self._keys[provider.id] = KeySet.import_key_set(await self._get_json(provider, str(endpoints["jwks_uri"])))  # type: ignore[arg-type]
        return self._keys[provider.id]

    @staticmethod
    async def _get_json(provider: Provider, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT) as http:
                response = await http.get(url)
                response.raise_for_status()
                body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise _failed(f"{provider.name} cannot be reached: {exc}") from None
        if not isinstance(body, dict):
            raise _failed(f"{provider.name} answered {url} with something other than an object.")
        return body

    @staticmethod
    def _client(provider: Provider, redirect_uri: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            scope=provider.scope,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=TIMEOUT,
        )
