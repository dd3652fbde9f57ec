"""GraphiQL comes from the app's own build: it works with the machine offline.

Every request the page makes is checked: any to another host is aborted and
recorded, so a CDN asset would fail the test. Signed in to the app, GraphiQL
runs queries with the session cookie and its CSRF token.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from playwright.async_api import expect

from tests.web.conftest import LiveApp


async def test_graphiql_loads_offline_and_runs_a_query_with_the_session(
    person: Any, live_app: LiveApp
) -> None:
    user = await person()
    outside: list[str] = []

    async def only_local(route: Any) -> None:
        if urlparse(route.request.url).hostname not in {"127.0.0.1", "localhost"}:
            outside.append(route.request.url)
            await route.abort()
        else:
            await route.continue_()

    await user.context.route("**/*", only_local)
    await user.sign_in(live_app.tokens["receiver"])
    # GraphiQL introspects the schema first; run the query once it has.
    async with user.page.expect_response(
        lambda r: r.url.endswith("/graphql") and r.request.method == "POST"
    ) as introspection:
        await user.page.goto(f"{live_app.url}/graphql")
    assert (await introspection.value).status == 200
    await user.page.wait_for_selector(".graphiql-container .CodeMirror")
    # The editors come up after the schema: run once the query editor holds the default query.
    await expect(user.page.locator(".graphiql-query-editor")).to_contain_text("query Me")
    await user.page.click(".graphiql-execute-button")
    result = user.page.locator(".result-window")
    await expect(result).to_contain_text('"data"', timeout=20_000)
    assert "Accueil de la coopérative" in await result.inner_text()
    assert outside == []
    assert [m for m in user.problems if "Content Security Policy" in m] == []
