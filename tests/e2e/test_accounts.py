"""Accounts through the gateway: sign-up to logout, refresh rotation, throttling, roles."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient, unique

REGISTER = """
mutation($email: String!) {
  register(input: {email: $email, password: "correct horse", displayName: "Ann"}) {
    accessToken refreshToken expiresIn user { id email roles } errors { code field }
  }
}"""
LOGIN = """
mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { accessToken refreshToken user { id } errors { code } }
}"""
REFRESH = "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken errors { code } } }"
ME = "{ me { id email displayName defaultAddress { city } } }"
UPDATE_PROFILE = """
mutation($name: String!) {
  updateProfile(input: {displayName: $name, defaultAddress: {recipient: "Ann", country: "RU", city: "Kazan", street: "Baumana 1", postalCode: "420111"}}) {
    user { displayName defaultAddress { city } } errors { code }
  }
}"""
USERS = "query($s: String) { users(first: 5, search: $s) { edges { node { id email } } pageInfo { hasNextPage } } }"


async def sign_up(gateway: GraphQLClient) -> dict[str, Any]:
    payload: dict[str, Any] = (await gateway.data(REGISTER, {"email": f"{unique()}@example.com"}))["register"]
    assert payload["errors"] == []
    return payload


async def test_sign_up_edit_profile_log_out_and_sign_in_as_someone_else(gateway: GraphQLClient) -> None:
    ann = await sign_up(gateway)
    me = gateway.as_(ann["accessToken"])
    assert (await me.data(ME))["me"]["email"] == ann["user"]["email"]
    changed = (await me.data(UPDATE_PROFILE, {"name": "Ann Lee"}))["updateProfile"]
    assert changed == {"user": {"displayName": "Ann Lee", "defaultAddress": {"city": "Kazan"}}, "errors": []}
    assert (await me.data("mutation { logout }"))["logout"] is True
    assert (await me.execute(ME))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    bob_email = f"{unique()}@example.com"
    await gateway.data(REGISTER, {"email": bob_email})
    bob = (await gateway.data(LOGIN, {"email": bob_email, "password": "correct horse"}))["login"]
    assert (await gateway.as_(bob["accessToken"]).data(ME))["me"]["email"] == bob_email


async def test_refresh_rotation_and_reuse_detection(gateway: GraphQLClient) -> None:
    ann = await sign_up(gateway)
    rotated = (await gateway.data(REFRESH, {"t": ann["refreshToken"]}))["refreshSession"]
    assert rotated["errors"] == [] and rotated["refreshToken"] != ann["refreshToken"]
    reused = (await gateway.data(REFRESH, {"t": ann["refreshToken"]}))["refreshSession"]
    assert reused["errors"] == [{"code": "INVALID_CREDENTIALS"}]
    # Reuse ended the session: the token handed out by the rotation is dead too.
    after = (await gateway.data(REFRESH, {"t": rotated["refreshToken"]}))["refreshSession"]
    assert after["errors"] == [{"code": "INVALID_CREDENTIALS"}]


async def test_login_throttling(gateway: GraphQLClient) -> None:
    ann = await sign_up(gateway)
    email = ann["user"]["email"]
    for _ in range(5):
        wrong = (await gateway.data(LOGIN, {"email": email, "password": "wrong horse"}))["login"]
        assert wrong["errors"] == [{"code": "INVALID_CREDENTIALS"}]
    right = (await gateway.data(LOGIN, {"email": email, "password": "correct horse"}))["login"]
    assert right["errors"] == [{"code": "RATE_LIMITED"}] and right["accessToken"] is None


async def test_only_admins_see_accounts(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    ann = await sign_up(gateway)
    listed = (await admin.data(USERS, {"s": ann["user"]["email"]}))["users"]
    assert [e["node"]["id"] for e in listed["edges"]] == [ann["user"]["id"]]
    customer = await gateway.as_(ann["accessToken"]).execute(USERS)
    assert customer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await gateway.execute(USERS)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_forged_token_is_refused_by_every_subgraph(gateway: GraphQLClient) -> None:
    ann = await sign_up(gateway)
    header, payload, signature = ann["accessToken"].split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"
    for query in (ME, "{ categories { id } }"):
        body = await gateway.as_(forged).execute(query)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", query


async def test_graphiql_is_served_on_get(gateway: GraphQLClient) -> None:
    response = await gateway.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "<html" in response.text.lower()


async def test_every_subgraph_refuses_bad_tokens(gateway: GraphQLClient, e2e_settings: Any) -> None:
    """Tokens checked against the JWKS that users serves: forged, expired, `alg: none`, HS256 with
    the public key, wrong audience or issuer — each refused by catalog, wallet and orders alike."""
    from subgraphs.users.tokens import development_key, public_pem
    from tests.users.test_sessions import _forged

    pem = development_key(e2e_settings.data_dir)
    settings = e2e_settings.model_copy(update={"jwt_public_key": public_pem(pem)})
    for kind, token in _forged(settings, pem).items():
        for query in ("{ categories { id } }", "{ myWallet { id } }", "{ cart { itemCount } }"):
            body = await gateway.as_(token).execute(query)
            assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", (kind, query)
