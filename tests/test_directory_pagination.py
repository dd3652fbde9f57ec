"""Paging the directory's connections: every record once, past the end, and refused pages."""

from __future__ import annotations

import base64

import pytest

from tests.conftest import World
from tests.directory_helpers import ORGANIZATIONS, SERVICES, only_error


async def test_paging_with_after_visits_every_organization_once(world: World) -> None:
    network = await world.network()
    created = {(await world.organization(network))["id"] for _ in range(7)}
    reader = await world.caller("PLATFORM_ADMIN")
    seen: list[str] = []
    pages: list[tuple[int, bool, bool]] = []
    after = None
    while True:
        page = (
            await reader.data(
                ORGANIZATIONS,
                {"filter": {"networkId": network["id"]}, "first": 3, "after": after},
            )
        )["organizations"]
        assert page["totalCount"] == 7
        info = page["pageInfo"]
        pages.append((len(page["edges"]), info["hasPreviousPage"], info["hasNextPage"]))
        seen += [edge["node"]["id"] for edge in page["edges"]]
        assert info["startCursor"] == page["edges"][0]["cursor"]
        assert info["endCursor"] == page["edges"][-1]["cursor"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    # 7 organizations, 3 a page: 3 + 3 + 1.
    assert pages == [(3, False, True), (3, True, True), (1, True, False)]
    assert len(seen) == 7
    assert set(seen) == created


async def test_a_page_past_the_end_is_empty(world: World) -> None:
    network = await world.network()
    await world.organization(network)
    reader = await world.caller("PLATFORM_ADMIN")
    first = (
        await reader.data(ORGANIZATIONS, {"filter": {"networkId": network["id"]}, "first": 5})
    )["organizations"]
    after = first["pageInfo"]["endCursor"]
    rest = (
        await reader.data(
            ORGANIZATIONS, {"filter": {"networkId": network["id"]}, "first": 5, "after": after}
        )
    )["organizations"]
    assert rest["edges"] == []
    assert rest["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": None,
        "endCursor": None,
    }


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("first", "after", "field"),
    [
        pytest.param(101, None, "first", id="first-over-100"),
        pytest.param(-1, None, "first", id="negative-first"),
        pytest.param(10, "not-a-cursor", "after", id="garbage-cursor"),
        pytest.param(10, cursor("x:3"), "after", id="foreign-cursor"),
        pytest.param(10, cursor("o:-4"), "after", id="negative-offset"),
        pytest.param(10, cursor("o:" + "9" * 30), "after", id="offset-beyond-any-list"),
    ],
)
async def test_page_requests_the_api_cannot_serve_are_bad_input(
    world: World, first: int, after: str | None, field: str
) -> None:
    reader = await world.caller("PLATFORM_ADMIN")
    for query in (ORGANIZATIONS, SERVICES):
        error = only_error(await reader(query, {"first": first, "after": after}))
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == field
        assert field in error["message"]
