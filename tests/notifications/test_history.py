"""Your history: newest first, keyset pages, unread only, marking read, the unread count."""

from __future__ import annotations

import uuid

from tests.conftest import GraphQLClient
from tests.notifications.support import Events, order_event

PAGE = """
query($first: Int, $after: String, $unreadOnly: Boolean) {
  myNotifications(first: $first, after: $after, unreadOnly: $unreadOnly) {
    edges { cursor node { id title readAt createdAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
COUNT = "{ unreadNotificationCount }"
MARK = "mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) { count errors { code field } } }"
STATUSES = ["PENDING", "CONFIRMED", "SHIPPED", "DELIVERED"]


async def history(client: GraphQLClient, **variables) -> dict:
    return (await client.data(PAGE, variables))["myNotifications"]


async def made(events: Events, user_id: uuid.UUID) -> list[str]:
    """Four notifications for one order, oldest first; their ids."""
    order_id = uuid.uuid4()
    return [(await events.post(order_event(user_id, order_id, status))).json()["notification_id"] for status in STATUSES]


async def test_newest_first_in_keyset_pages(events: Events, user) -> None:
    user_id, client = user
    ids = await made(events, user_id)
    first = await history(client, first=3)
    assert [e["node"]["id"] for e in first["edges"]] == ids[::-1][:3]
    assert first["pageInfo"]["hasNextPage"] is True and first["pageInfo"]["hasPreviousPage"] is False
    # A newer notification does not shift the next page.
    await events.post(order_event(user_id))
    rest = await history(client, first=3, after=first["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in rest["edges"]] == [ids[0]]
    assert rest["pageInfo"]["hasNextPage"] is False and rest["pageInfo"]["hasPreviousPage"] is True


async def test_only_your_own(events: Events, user, notifications: GraphQLClient, token_for) -> None:
    user_id, _client = user
    await made(events, user_id)
    stranger = notifications.as_(token_for(uuid.uuid4()))
    assert (await history(stranger))["edges"] == []
    assert (await stranger.data(COUNT))["unreadNotificationCount"] == 0


async def test_mark_some_read_then_unread_only_and_the_count(events: Events, user) -> None:
    user_id, client = user
    ids = await made(events, user_id)
    assert (await client.data(COUNT))["unreadNotificationCount"] == 4

    result = (await client.data(MARK, {"ids": ids[:2]}))["markNotificationsRead"]
    assert result == {"count": 2, "errors": []}
    assert (await client.data(COUNT))["unreadNotificationCount"] == 2
    unread = await history(client, unreadOnly=True)
    assert [e["node"]["id"] for e in unread["edges"]] == [ids[3], ids[2]]
    everything = await history(client)
    assert [e["node"]["readAt"] is not None for e in everything["edges"]] == [False, False, True, True]

    # Marking again changes nothing, so counts nothing.
    assert (await client.data(MARK, {"ids": ids[:2]}))["markNotificationsRead"]["count"] == 0


async def test_null_marks_all_of_mine_and_others_ids_are_ignored(events: Events, user, notifications: GraphQLClient, token_for) -> None:
    user_id, client = user
    mine = await made(events, user_id)
    other_id = uuid.uuid4()
    theirs = await made(events, other_id)
    other = notifications.as_(token_for(other_id))

    assert (await client.data(MARK, {"ids": theirs}))["markNotificationsRead"] == {"count": 0, "errors": []}
    assert (await other.data(COUNT))["unreadNotificationCount"] == 4

    assert (await client.data(MARK, {"ids": None}))["markNotificationsRead"]["count"] == len(mine)
    assert (await client.data(COUNT))["unreadNotificationCount"] == 0
    assert (await other.data(COUNT))["unreadNotificationCount"] == 4
    # Omitting `ids` is the same as null.
    await events.post(order_event(user_id))
    assert (await client.data("mutation { markNotificationsRead { count } }"))["markNotificationsRead"]["count"] == 1


async def test_a_malformed_id_is_invalid_input_and_marks_nothing(events: Events, user) -> None:
    user_id, client = user
    ids = await made(events, user_id)
    result = (await client.data(MARK, {"ids": [ids[0], "not-an-id"]}))["markNotificationsRead"]
    assert result == {"count": 0, "errors": [{"code": "INVALID_INPUT", "field": "ids"}]}
    assert (await client.data(COUNT))["unreadNotificationCount"] == 4


async def test_bad_paging_is_bad_user_input(user) -> None:
    _user_id, client = user
    for variables in ({"first": 101}, {"first": -1}, {"after": "garbage!"}):
        body = await client.execute(PAGE, variables)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", variables


async def test_anonymous_is_unauthenticated(notifications: GraphQLClient) -> None:
    for query in (PAGE, COUNT, MARK):
        body = await notifications.execute(query)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", query


async def test_a_refused_token_is_unauthenticated(notifications: GraphQLClient) -> None:
    body = await notifications.as_("not.a.token").execute(COUNT)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
