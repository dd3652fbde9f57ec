"""Live referral events over graphql-transport-ws, across two separate API processes."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from websockets.typing import Subprotocol

from graph.referral import feed as event_feed
from server.settings import Settings, project_root
from tests.conftest import World, unique

SUBSCRIBE = """
subscription($org: ID!, $after: Int) {
  referralEvents(organizationId: $org, after: $after) {
    referralId position event { type status seq }
  }
}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def two_servers(settings: Settings) -> Iterator[list[str]]:
    """Two uvicorn processes serving the app against the same Neo4j."""
    env = dict(
        os.environ,
        NEO4J_URI=settings.neo4j_uri,
        NEO4J_USER=settings.neo4j_user,
        NEO4J_PASSWORD=settings.neo4j_password,
        MAILLAGE_ENV="test",
        MAILLAGE_LOG_LEVEL="WARNING",
    )
    procs, urls = [], []
    for _ in range(2):
        port = _free_port()
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "server.app:app_factory",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                ],
                cwd=project_root(),
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        )
        urls.append(f"127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        for url, proc in zip(urls, procs, strict=True):
            while True:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                try:
                    if httpx.get(f"http://{url}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "API process did not become ready"
                time.sleep(0.2)  # poll, bounded by the deadline above
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)


async def _subscribe(url: str, token: str | None, org: str) -> Any:
    ws = await websockets.connect(
        f"ws://{url}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]
    )
    await ws.send(
        json.dumps(
            {
                "type": "connection_init",
                "payload": {"Authorization": f"Bearer {token}"} if token else {},
            }
        )
    )
    return ws


async def _next_event(ws: Any, timeout: float = 15.0) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if message["type"] == "next":
            return dict(message["payload"]["data"]["referralEvents"])
        assert message["type"] not in {"error", "complete"}, message


async def _post(url: str, token: str, query: str, variables: dict[str, Any]) -> Any:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"http://{url}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def test_both_parties_see_events_written_by_another_api_process(
    two_servers: list[str], world: World
) -> None:
    a, b = two_servers
    network = await world.network()
    sender = await world.organization(network)
    receiver = await world.organization(network)
    service = await world.service(receiver)
    sender_staff = await world.caller("ORG_STAFF", organization=sender)
    receiver_staff = await world.caller("ORG_STAFF", organization=receiver)

    # Both subscriptions start after the latest event: nothing written from here is missed,
    # however long the servers take to open them.
    now = {
        org["id"]: await event_feed.latest_position(world.db, org["id"])
        for org in (sender, receiver)
    }
    inbox = await _subscribe(a, receiver_staff.token, receiver["id"])
    outbox = await _subscribe(b, sender_staff.token, sender["id"])
    try:
        for ws, org in ((inbox, receiver["id"]), (outbox, sender["id"])):
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {
                            "query": SUBSCRIBE,
                            "variables": {"org": org, "after": now[org]},
                        },
                    }
                )
            )

        # sent through process B, seen live by the receiver on process A
        sent = await _post(
            b,
            str(sender_staff.token),
            "mutation($i: SendReferralInput!) { sendReferral(input: $i) { id } }",
            {
                "i": {
                    "toOrganizationId": receiver["id"],
                    "serviceId": service["id"],
                    "needCodes": ["FOOD_SECURITY"],
                    "familyReference": f"F-{unique()}-9",
                    "consent": {"given": True, "method": "WRITTEN", "scope": "referral"},
                    "idempotencyKey": unique(),
                }
            },
        )
        referral_id = sent["sendReferral"]["id"]
        seen_by_receiver = await _next_event(inbox)
        assert seen_by_receiver["referralId"] == referral_id
        assert seen_by_receiver["event"]["type"] == "SENT"

        # acknowledged through process A, seen live by the sender on process B
        await _post(
            a,
            str(receiver_staff.token),
            "mutation($id: ID!) { acknowledgeReferral(id: $id) { id } }",
            {"id": referral_id},
        )
        first = await _next_event(outbox)
        second = await _next_event(outbox)
        assert [first["event"]["type"], second["event"]["type"]] == ["SENT", "ACKNOWLEDGED"]
        assert (first["event"]["seq"], second["event"]["seq"]) == (1, 2)  # the referral's timeline
        # the sender's feed: its next two positions, in commit order
        assert [first["position"], second["position"]] == [
            now[sender["id"]] + 1,
            now[sender["id"]] + 2,
        ]
        also = await _next_event(inbox)
        assert also["event"]["type"] == "ACKNOWLEDGED"
    finally:
        await inbox.close()
        await outbox.close()


async def test_a_websocket_without_a_valid_token_is_rejected(two_servers: list[str]) -> None:
    ws = await _subscribe(two_servers[0], "mlg_wrong", "x")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_staff_cannot_follow_another_organizations_events(
    two_servers: list[str], world: World
) -> None:
    network = await world.network()
    mine, theirs = await world.organization(network), await world.organization(network)
    staff = await world.caller("ORG_STAFF", organization=mine)
    ws = await _subscribe(two_servers[0], staff.token, theirs["id"])
    try:
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": SUBSCRIBE, "variables": {"org": theirs["id"]}},
                }
            )
        )
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    finally:
        await ws.close()
