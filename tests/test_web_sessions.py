"""Signing in to the web app: an HttpOnly, SameSite=Strict cookie, CSRF-proof POSTs, real sign-out.

The browser never holds the API token: ``POST /session`` trades it for a
session cookie JavaScript cannot read. A POST to ``/graphql`` with the cookie
must carry the session's CSRF token and come from an allowed origin; signing
out, or revoking the token the session was opened with, ends the session at
the next request. Every answer carries the security headers.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx

from domain.lifecycle import ACTIONS, Action, Party
from graph.access import identity
from schema.referral_actions import ReferralAction
from tests.conftest import World, referral_through_graph

ME = {"query": "{ me { user { name } } }"}
ORIGIN = "http://maillage.test"


async def _token(world: World) -> tuple[str, str]:
    org = await world.organization()
    api = await world.caller("ORG_STAFF", org)
    assert api.token is not None
    return api.token, api.user_id  # type: ignore[attr-defined]


async def _sign_in(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await client.post("/session", json={"token": token}, headers={"Origin": ORIGIN})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_sign_in_sets_a_strict_http_only_cookie_and_never_returns_the_token(
    client: httpx.AsyncClient, world: World
) -> None:
    token, _ = await _token(world)
    response = await client.post("/session", json={"token": token}, headers={"Origin": ORIGIN})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("maillage_session=mls_")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert token not in response.text
    key = client.cookies["maillage_session"]
    # The CSRF token is the session key's HMAC (computed here with the standard library).
    expected = hmac.new(key.encode(), b"maillage-csrf", hashlib.sha256).hexdigest()
    assert response.json()["csrfToken"] == expected
    assert response.headers["cache-control"] == "no-store"
    again = await client.get("/session")
    assert again.status_code == 200 and again.json()["csrfToken"] == expected


async def test_bad_sign_in_attempts_are_refused_with_codes(
    client: httpx.AsyncClient, world: World
) -> None:
    unknown = await client.post("/session", json={"token": "mlg_nope"}, headers={"Origin": ORIGIN})
    assert unknown.status_code == 401
    assert unknown.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    form = await client.post("/session", data={"token": "mlg_x"}, headers={"Origin": ORIGIN})
    assert form.status_code == 415  # a cross-site HTML form cannot sign anyone in
    empty = await client.post("/session", json={}, headers={"Origin": ORIGIN})
    assert empty.status_code == 400
    token, _ = await _token(world)
    elsewhere = await client.post(
        "/session", json={"token": token}, headers={"Origin": "https://evil.example"}
    )
    assert elsewhere.status_code == 403
    assert "maillage_session" not in client.cookies


async def test_cookie_posts_need_the_csrf_token_and_an_allowed_origin(
    client: httpx.AsyncClient, world: World
) -> None:
    token, _ = await _token(world)
    csrf = (await _sign_in(client, token))["csrfToken"]
    missing = await client.post("/graphql", json=ME)
    assert missing.status_code == 403
    assert missing.json()["errors"][0]["extensions"]["code"] == "CSRF_REJECTED"
    # Change the last character to one it is not, so the wrong token is never the right one.
    tampered = csrf[:-1] + ("1" if csrf.endswith("0") else "0")
    wrong = await client.post("/graphql", json=ME, headers={"X-CSRF-Token": tampered})
    assert wrong.status_code == 403
    foreign = await client.post(
        "/graphql", json=ME, headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    good = await client.post("/graphql", json=ME, headers={"X-CSRF-Token": csrf, "Origin": ORIGIN})
    assert good.status_code == 200
    assert good.json()["data"]["me"]["user"]["name"].startswith("Org_Staff")


async def test_sign_out_and_token_revocation_end_the_session(
    client: httpx.AsyncClient, world: World
) -> None:
    token, _ = await _token(world)
    csrf = (await _sign_in(client, token))["csrfToken"]
    key = client.cookies["maillage_session"]
    refused = await client.delete("/session")  # without the CSRF token
    assert refused.status_code == 403
    out = await client.delete("/session", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204
    # Even a browser that kept the cookie is refused: the session is revoked in the graph.
    client.cookies.set("maillage_session", key)
    after = await client.post("/graphql", json=ME, headers={"X-CSRF-Token": csrf})
    assert after.status_code == 401
    assert "session has ended" in after.json()["errors"][0]["message"]

    client.cookies.clear()
    token2, user_id = await _token(world)
    csrf2 = (await _sign_in(client, token2))["csrfToken"]
    assert (
        await client.post("/graphql", json=ME, headers={"X-CSRF-Token": csrf2})
    ).status_code == 200
    tokens = await identity.user_tokens(world.db, user_id)
    await identity.revoke_token(world.db, tokens[0]["token"]["id"])
    revoked = await client.post("/graphql", json=ME, headers={"X-CSRF-Token": csrf2})
    assert revoked.status_code == 401
    assert (await client.get("/session")).status_code == 401


async def test_bearer_tokens_still_work_for_programs_and_ignore_csrf(
    client: httpx.AsyncClient, world: World
) -> None:
    token, _ = await _token(world)
    response = await client.post("/graphql", json=ME, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and "errors" not in response.json()


async def test_security_headers_on_the_api_the_app_and_health(client: httpx.AsyncClient) -> None:
    for path in ("/graphql", "/app", "/app/referrals/x", "/healthz", "/session"):
        response = await client.get(path, headers={"Accept": "text/html"})
        headers = response.headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "no-referrer", path
        assert headers["cache-control"] == "no-store", path


async def test_the_app_is_served_from_its_build_with_immutable_assets(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/app/referrals/anything")
    assert page.status_code == 200 and '<div id="root">' in page.text
    assert "http" not in page.text.split("<body>")[0].replace("http-equiv", "")  # no CDN
    asset = page.text.split('src="')[1].split('"')[0]
    assert asset.startswith("/app/assets/")
    served = await client.get(asset)
    assert served.status_code == 200
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_allowed_actions_follow_the_lifecycle_and_the_party(
    client: httpx.AsyncClient, world: World
) -> None:
    network = await world.network()
    sender_org, receiver_org = await world.organization(network), await world.organization(network)
    sender = await world.caller("ORG_STAFF", sender_org)
    receiver = await world.caller("ORG_STAFF", receiver_org)
    outsider = await world.caller("ORG_STAFF", await world.organization())
    query = "query($id: ID!) { referral(id: $id) { allowedActions } }"
    # Expected lists written from DESIGN §4 by hand, not from the table.
    cases = {
        (): (["ACKNOWLEDGE", "NOTE"], ["CANCEL", "NOTE", "WITHDRAW_CONSENT"]),
        (Action.ACKNOWLEDGE,): (
            ["ACCEPT", "DECLINE", "REDIRECT", "NOTE"],
            ["CANCEL", "NOTE", "WITHDRAW_CONSENT"],
        ),
        (Action.ACKNOWLEDGE, Action.ACCEPT): (
            ["RECORD_CONTACT", "RECORD_NO_SHOW", "NOTE"],
            ["CANCEL", "NOTE", "WITHDRAW_CONSENT"],
        ),
        (Action.ACKNOWLEDGE, Action.DECLINE): (["NOTE"], ["NOTE", "WITHDRAW_CONSENT"]),
    }
    for actions, (as_receiver, as_sender) in cases.items():
        rid = await referral_through_graph(
            world.db, sender_org["id"], receiver_org["id"], list(actions)
        )
        got_r = (await receiver.data(query, {"id": rid}))["referral"]["allowedActions"]
        got_s = (await sender.data(query, {"id": rid}))["referral"]["allowedActions"]
        assert (got_r, got_s) == (as_receiver, as_sender), actions
        hidden = await outsider(query, {"id": rid})
        assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_the_api_names_every_action_a_user_may_take_and_no_other() -> None:
    users = {a.value for a, rule in ACTIONS.items() if rule.party is not Party.SYSTEM}
    assert {a.value for a in ReferralAction} == users | {"WITHDRAW_CONSENT"}
