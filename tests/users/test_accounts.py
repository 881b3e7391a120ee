"""Registration, sign-in, profile and the admin's view of accounts, against the users subgraph."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import GraphQLClient, unique
from tests.internal_client import InternalRoutes

REGISTER = """
mutation($input: RegisterInput!) {
  register(input: $input) {
    accessToken refreshToken expiresIn
    user { id email displayName roles defaultAddress { city } externalIdentities { provider } createdAt }
    errors { code field message }
  }
}"""
LOGIN = """
mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { accessToken refreshToken user { id email } errors { code field } }
}"""
ME = "{ me { id email displayName roles defaultAddress { recipient city postalCode } } }"
UPDATE_PROFILE = """
mutation($input: UpdateProfileInput!) {
  updateProfile(input: $input) { user { displayName defaultAddress { recipient city street postalCode } } errors { code field } }
}"""
USERS = """
query($first: Int, $after: String, $search: String) {
  users(first: $first, after: $after, search: $search) {
    edges { cursor node { id email } } pageInfo { hasNextPage endCursor }
  }
}"""
USER = "query($id: ID!) { user(id: $id) { id email } }"


async def register(users: GraphQLClient, email: str | None = None, password: str = "correct horse") -> dict[str, Any]:
    data = await users.data(REGISTER, {"input": {"email": email or f"{unique()}@example.com", "password": password, "displayName": "Ann"}})
    payload: dict[str, Any] = data["register"]
    return payload


async def test_register_signs_in_a_customer(users: GraphQLClient) -> None:
    email = f"{unique()}@Example.COM"
    payload = await register(users, email)
    assert payload["errors"] == []
    assert payload["user"]["email"] == email.lower()
    assert payload["user"]["roles"] == ["CUSTOMER"]
    assert payload["user"]["externalIdentities"] == []
    assert payload["expiresIn"] == 900
    me = await users.as_(payload["accessToken"]).data(ME)
    assert me["me"]["id"] == payload["user"]["id"]


async def test_register_refuses_bad_input_and_duplicates(users: GraphQLClient) -> None:
    email = f"{unique()}@example.com"
    await register(users, email)
    duplicate = await register(users, email.upper())
    assert [(e["code"], e["field"]) for e in duplicate["errors"]] == [("EMAIL_TAKEN", "email")]
    assert duplicate["accessToken"] is None and duplicate["user"] is None
    assert (await register(users, "not-an-email"))["errors"][0]["code"] == "INVALID_INPUT"
    short = await register(users, f"{unique()}@example.com", password="short")
    assert [(e["code"], e["field"]) for e in short["errors"]] == [("INVALID_INPUT", "password")]


async def test_login_with_the_right_password_only(users: GraphQLClient) -> None:
    email = f"{unique()}@example.com"
    await register(users, email)
    ok = (await users.data(LOGIN, {"email": email.upper(), "password": "correct horse"}))["login"]
    assert ok["errors"] == [] and ok["user"]["email"] == email
    wrong = (await users.data(LOGIN, {"email": email, "password": "wrong horse"}))["login"]
    assert [e["code"] for e in wrong["errors"]] == ["INVALID_CREDENTIALS"] and wrong["accessToken"] is None
    nobody = (await users.data(LOGIN, {"email": f"{unique()}@example.com", "password": "whatever1"}))["login"]
    assert [e["code"] for e in nobody["errors"]] == ["INVALID_CREDENTIALS"]


async def test_login_throttles_repeated_failures_without_checking_the_password(users: GraphQLClient) -> None:
    email = f"{unique()}@example.com"
    await register(users, email)
    for _ in range(5):
        failed = (await users.data(LOGIN, {"email": email, "password": "wrong horse"}))["login"]
        assert failed["errors"][0]["code"] == "INVALID_CREDENTIALS"
    throttled = (await users.data(LOGIN, {"email": email, "password": "correct horse"}))["login"]
    assert [e["code"] for e in throttled["errors"]] == ["RATE_LIMITED"] and throttled["accessToken"] is None


async def test_update_profile_changes_only_what_is_given(users: GraphQLClient) -> None:
    me = users.as_((await register(users))["accessToken"])
    address = {"recipient": "Ann", "country": "RU", "city": "Moscow", "street": "Tverskaya 1", "postalCode": "125009"}
    changed = (await me.data(UPDATE_PROFILE, {"input": {"defaultAddress": address}}))["updateProfile"]
    assert changed["errors"] == [] and changed["user"]["displayName"] == "Ann"
    assert changed["user"]["defaultAddress"]["city"] == "Moscow"
    renamed = (await me.data(UPDATE_PROFILE, {"input": {"displayName": "  Ann   Lee "}}))["updateProfile"]
    assert renamed["user"]["displayName"] == "Ann Lee" and renamed["user"]["defaultAddress"]["city"] == "Moscow"
    blank = (await me.data(UPDATE_PROFILE, {"input": {"displayName": "   "}}))["updateProfile"]
    assert blank["errors"][0]["code"] == "INVALID_INPUT" and blank["user"] is None
    bad_address = (await me.data(UPDATE_PROFILE, {"input": {"defaultAddress": {**address, "city": " "}}}))["updateProfile"]
    assert bad_address["errors"][0]["code"] == "INVALID_INPUT"
    assert (await me.data(ME))["me"]["displayName"] == "Ann Lee"


async def test_update_profile_needs_a_signed_in_caller(users: GraphQLClient) -> None:
    body = await users.execute(UPDATE_PROFILE, {"input": {"displayName": "x"}})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await users.data(ME))["me"] is None


async def test_admin_lists_and_reads_accounts(users: GraphQLClient, admin: GraphQLClient) -> None:
    marker = unique("find")
    ids = [(await register(users, f"{marker}-{i}@example.com"))["user"]["id"] for i in range(3)]
    first = (await admin.data(USERS, {"first": 2, "search": marker}))["users"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (await admin.data(USERS, {"first": 2, "search": marker, "after": first["pageInfo"]["endCursor"]}))["users"]
    seen = [e["node"]["id"] for e in first["edges"] + rest["edges"]]
    assert seen == list(reversed(ids)) and rest["pageInfo"]["hasNextPage"] is False
    assert (await admin.data(USER, {"id": ids[0]}))["user"]["id"] == ids[0]
    assert (await admin.data(USER, {"id": "not-a-uuid"}))["user"] is None


async def test_customers_cannot_list_accounts(users: GraphQLClient) -> None:
    customer = await users.as_((await register(users))["accessToken"]).execute(USERS)
    assert customer["errors"][0]["extensions"]["code"] == "FORBIDDEN" and customer["data"] is None
    anonymous = await users.execute(USER, {"id": str(uuid.uuid4())})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_bad_paging_input_is_bad_user_input(admin: GraphQLClient) -> None:
    for variables in ({"first": 101}, {"first": -1}, {"after": "garbage"}):
        body = await admin.execute(USERS, variables)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", variables


async def test_internal_account_route_needs_the_service_credential(users: GraphQLClient, settings: Any) -> None:
    payload = await register(users)
    me = users.as_(payload["accessToken"])
    address = {"recipient": "Ann", "country": "RU", "city": "Omsk", "street": "Lenina 2", "postalCode": "644000"}
    await me.data(UPDATE_PROFILE, {"input": {"defaultAddress": address}})
    path = f"/internal/users/{payload['user']['id']}"
    internal = InternalRoutes(users.http, settings.resolved_service_token())
    assert (await internal.as_(None).send("GET", path)).status_code == 401
    reply = await internal.send("GET", path)
    assert reply.status_code == 200 and reply.json()["default_address"]["city"] == "Omsk"
    assert reply.json()["email"] == payload["user"]["email"]
    missing = await internal.send("GET", f"/internal/users/{uuid.uuid4()}")
    assert missing.status_code == 404
