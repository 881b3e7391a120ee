"""External sign-in against a real OpenID Connect provider (npm `oidc-provider`), driven like a browser."""

from __future__ import annotations

import html
import re
import time
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.common.errors import DomainError
from subgraphs.common.settings import Settings
from subgraphs.users.external import Provider, Providers
from subgraphs.users.models import ExternalLoginAttempt
from subgraphs.users.service import check_redirect_uri
from tests.conftest import GraphQLClient, unique
from tests.users.conftest import REDIRECT_URI

PROVIDERS = "{ authProviders { id name } }"
START = """
mutation($provider: String!, $redirectUri: String!) {
  startExternalLogin(provider: $provider, redirectUri: $redirectUri) { authorizationUrl state errors { code field } }
}"""
COMPLETE = """
mutation($state: String!, $code: String!) {
  completeExternalLogin(state: $state, code: $code) {
    accessToken refreshToken expiresIn
    user { id email displayName roles externalIdentities { provider email linkedAt } }
    errors { code field message }
  }
}"""
REGISTER = """
mutation($email: String!) {
  register(input: {email: $email, password: "correct horse", displayName: "Pat"}) { user { id } errors { code } }
}"""
ME = "{ me { id email displayName externalIdentities { provider email } } }"


async def start(users: GraphQLClient, provider: str = "test", redirect_uri: str = REDIRECT_URI) -> dict[str, Any]:
    payload: dict[str, Any] = (await users.data(START, {"provider": provider, "redirectUri": redirect_uri}))["startExternalLogin"]
    return payload


async def sign_in_at_provider(authorization_url: str, login: str) -> dict[str, str]:
    """What a browser does: the provider's login form, its consent form, then the redirect back (read, not followed)."""
    async with httpx.AsyncClient(timeout=10) as browser:
        response = await browser.get(authorization_url)
        for _ in range(20):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if location.startswith(REDIRECT_URI):
                    return dict(parse_qsl(urlsplit(location).query))
                response = await browser.get(location)
                continue
            assert response.status_code == 200, response.text
            action = re.search(r'<form[^>]*action="([^"]+)"', response.text)
            prompt = re.search(r'name="prompt" value="(\w+)"', response.text)
            assert action and prompt, response.text
            form = {"prompt": "login", "login": login, "password": "any"} if prompt[1] == "login" else {"prompt": "consent"}
            response = await browser.post(urljoin(str(response.url), html.unescape(action[1])), data=form)
    raise AssertionError("the provider never sent the browser back")


async def external_login(users: GraphQLClient, login: str, provider: str = "test") -> dict[str, Any]:
    started = await start(users, provider)
    assert started["errors"] == [] and started["state"]
    back = await sign_in_at_provider(started["authorizationUrl"], login)
    assert back["state"] == started["state"]
    payload: dict[str, Any] = (await users.data(COMPLETE, {"state": back["state"], "code": back["code"]}))["completeExternalLogin"]
    return payload


async def test_auth_providers_lists_the_configured_ones(external_users: GraphQLClient) -> None:
    assert (await external_users.data(PROVIDERS))["authProviders"] == [
        {"id": "test", "name": "Test OIDC"},
        {"id": "plain", "name": "Test OAuth 2"},
    ]


async def test_authorization_url_carries_pkce_state_and_nonce(external_users: GraphQLClient, oidc_server: Any) -> None:
    started = await start(external_users)
    query = dict(parse_qsl(urlsplit(started["authorizationUrl"]).query))
    assert started["authorizationUrl"].startswith(f"{oidc_server.issuer}/auth?")
    assert query["state"] == started["state"] and len(started["state"]) >= 43
    assert query["code_challenge_method"] == "S256" and query["code_challenge"] and query["nonce"]
    assert query["redirect_uri"] == REDIRECT_URI and query["response_type"] == "code"


async def test_first_sign_in_creates_an_account_and_the_next_one_finds_it(external_users: GraphQLClient) -> None:
    email = f"{unique()}@example.com"
    first = await external_login(external_users, email)
    assert first["errors"] == [] and first["accessToken"] and first["refreshToken"] and first["expiresIn"] == 900
    user = first["user"]
    assert user["email"] == email and user["roles"] == ["CUSTOMER"] and user["displayName"] == f"Test {email.split('@')[0]}"
    assert [(i["provider"], i["email"]) for i in user["externalIdentities"]] == [("test", email)]
    me = (await external_users.as_(first["accessToken"]).data(ME))["me"]
    assert me["id"] == user["id"] and me["externalIdentities"] == [{"provider": "test", "email": email}]

    again = await external_login(external_users, email)
    assert again["errors"] == [] and again["user"]["id"] == user["id"]
    assert len(again["user"]["externalIdentities"]) == 1


async def test_a_verified_email_links_the_existing_password_account(external_users: GraphQLClient) -> None:
    email = f"{unique()}@example.com"
    registered = (await external_users.data(REGISTER, {"email": email}))["register"]
    assert registered["errors"] == []
    linked = await external_login(external_users, email)
    assert linked["errors"] == [] and linked["user"]["id"] == registered["user"]["id"]
    assert linked["user"]["displayName"] == "Pat"  # the account keeps its own name
    me = (await external_users.as_(linked["accessToken"]).data(ME))["me"]
    assert me["id"] == registered["user"]["id"] and me["externalIdentities"] == [{"provider": "test", "email": email}]


async def test_an_unverified_email_does_not_take_over_an_existing_account(external_users: GraphQLClient) -> None:
    email = f"{unique()}@example.com"
    registered = (await external_users.data(REGISTER, {"email": email}))["register"]
    refused = await external_login(external_users, f"unverified:{email}")
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("EMAIL_TAKEN", "email")]
    assert refused["accessToken"] is None and refused["user"] is None
    signed_in = await external_users.data(
        'mutation($e: String!) { login(input: {email: $e, password: "correct horse"}) { accessToken user { id externalIdentities { provider } } } }',
        {"e": email},
    )
    assert signed_in["login"]["user"] == {"id": registered["user"]["id"], "externalIdentities": []}


async def test_a_replayed_state_is_refused(external_users: GraphQLClient) -> None:
    started = await start(external_users)
    back = await sign_in_at_provider(started["authorizationUrl"], f"{unique()}@example.com")
    first = (await external_users.data(COMPLETE, {"state": back["state"], "code": back["code"]}))["completeExternalLogin"]
    assert first["errors"] == []
    replay = (await external_users.data(COMPLETE, {"state": back["state"], "code": back["code"]}))["completeExternalLogin"]
    assert [e["code"] for e in replay["errors"]] == ["INVALID_CREDENTIALS"] and replay["accessToken"] is None
    unknown = (await external_users.data(COMPLETE, {"state": "no-such-state", "code": back["code"]}))["completeExternalLogin"]
    assert [e["code"] for e in unknown["errors"]] == ["INVALID_CREDENTIALS"]


async def test_an_expired_state_is_refused(external_users: GraphQLClient, db: async_sessionmaker[AsyncSession]) -> None:
    started = await start(external_users)
    back = await sign_in_at_provider(started["authorizationUrl"], f"{unique()}@example.com")
    async with db.begin() as session:
        await session.execute(
            update(ExternalLoginAttempt).where(ExternalLoginAttempt.state == back["state"]).values(expires_at=ExternalLoginAttempt.created_at)
        )
    expired = (await external_users.data(COMPLETE, {"state": back["state"], "code": back["code"]}))["completeExternalLogin"]
    assert [e["code"] for e in expired["errors"]] == ["INVALID_CREDENTIALS"]


async def test_unknown_provider_and_foreign_redirect_uri_are_invalid_input(external_users: GraphQLClient) -> None:
    unknown = await start(external_users, provider="nope")
    assert [(e["code"], e["field"]) for e in unknown["errors"]] == [("INVALID_INPUT", "provider")]
    assert unknown["authorizationUrl"] is None and unknown["state"] is None
    for uri in ["https://evil.example/callback", "javascript:alert(1)", REDIRECT_URI.replace("/callback", "/other"), "not a uri"]:
        refused = await start(external_users, redirect_uri=uri)
        assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID_INPUT", "redirectUri")], uri


async def test_a_wrong_code_is_a_provider_error(external_users: GraphQLClient) -> None:
    started = await start(external_users)
    wrong = (await external_users.data(COMPLETE, {"state": started["state"], "code": "not-a-real-code"}))["completeExternalLogin"]
    assert [e["code"] for e in wrong["errors"]] == ["PROVIDER_ERROR"] and wrong["accessToken"] is None


async def test_a_plain_oauth2_provider_signs_in_through_userinfo(external_users: GraphQLClient) -> None:
    email = f"{unique()}@example.com"
    first = await external_login(external_users, email, provider="plain")
    assert first["errors"] == [] and first["user"]["email"] == email
    assert [(i["provider"], i["email"]) for i in first["user"]["externalIdentities"]] == [("plain", email)]
    # The same person through the OIDC entry: the verified email links the second identity to the same account.
    other = await external_login(external_users, email, provider="test")
    assert other["user"]["id"] == first["user"]["id"]
    assert sorted(i["provider"] for i in other["user"]["externalIdentities"]) == ["plain", "test"]


def test_without_an_allow_list_only_local_http_redirects_are_allowed(settings: Settings) -> None:
    assert check_redirect_uri(settings, "http://localhost:5173/auth/callback") == "http://localhost:5173/auth/callback"
    assert check_redirect_uri(settings, "http://127.0.0.1/cb") == "http://127.0.0.1/cb"
    for uri in ["https://shop.example/cb", "http://localhost.evil.example/cb", "ftp://localhost/cb"]:
        with pytest.raises(DomainError):
            check_redirect_uri(settings, uri)


def test_presets_come_from_client_ids(settings: Settings) -> None:
    configured = settings.model_copy(
        update={
            "google_client_id": "g", "google_client_secret": "gs", "microsoft_client_id": "m", "microsoft_client_secret": "ms",
            "yandex_client_id": "y", "yandex_client_secret": "ys",
            "oidc_providers": [{"id": "corp", "name": "Corp SSO", "issuer": "https://sso.corp.example", "client_id": "c", "client_secret": "cs"}],
        }
    )
    providers = Providers.from_settings(configured).by_id
    assert list(providers) == ["google", "microsoft", "yandex", "corp"]
    assert providers["microsoft"].issuer == "https://login.microsoftonline.com/common/v2.0"
    assert providers["yandex"].kind == "oauth2" and providers["yandex"].userinfo_url == "https://login.yandex.ru/info?format=json"
    assert providers["corp"].scope == "openid email profile"
    with pytest.raises(ValueError):
        Provider.from_dict({"id": "x", "name": "X", "client_id": "c", "client_secret": "s"})  # no issuer


@pytest.mark.parametrize("column", ["nonce", "code_verifier"])
async def test_a_tampered_nonce_or_verifier_fails_at_the_provider(external_users: GraphQLClient, db: async_sessionmaker[AsyncSession], column: str) -> None:
    """The id_token must echo this attempt's nonce, and the provider checks the PKCE verifier."""
    started = await start(external_users)
    back = await sign_in_at_provider(started["authorizationUrl"], f"{unique()}@example.com")
    async with db.begin() as session:
        await session.execute(update(ExternalLoginAttempt).where(ExternalLoginAttempt.state == back["state"]).values({column: "x" * 43}))
    failed = (await external_users.data(COMPLETE, {"state": back["state"], "code": back["code"]}))["completeExternalLogin"]
    assert [e["code"] for e in failed["errors"]] == ["PROVIDER_ERROR"] and failed["accessToken"] is None


async def test_microsoft_tokens_are_checked_against_their_own_tenant() -> None:
    """Microsoft's `common` metadata names its issuer `.../{tenantid}/v2.0`; each token's `tid` fills it in."""
    key = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
    provider = Provider("microsoft", "Microsoft", "client", "secret", issuer="https://login.microsoftonline.com/common/v2.0")
    providers = Providers([provider])
    providers._keys["microsoft"] = KeySet([key])  # what the JWKS endpoint would have served
    endpoints = {"issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"}

    def token(issuer: str) -> str:
        claims = {"iss": issuer, "tid": "t-1", "aud": "client", "sub": "s", "nonce": "n", "exp": int(time.time()) + 60}
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)

    claims = await providers._verified_claims(provider, endpoints, token("https://login.microsoftonline.com/t-1/v2.0"), "n")
    assert claims["sub"] == "s"
    with pytest.raises(DomainError):
        await providers._verified_claims(provider, endpoints, token("https://login.microsoftonline.com/t-2/v2.0"), "n")
    with pytest.raises(DomainError):
        await providers._verified_claims(provider, endpoints, token("https://login.microsoftonline.com/t-1/v2.0"), "other-nonce")
