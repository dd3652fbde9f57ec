"""The API process SIGKILLed in the middle of a burst: the calls in flight are in doubt, and a
retry with the same idempotency key settles each one — nothing lost, nothing sent twice.

A real uvicorn process serves the API against the suite's Neo4j. Eight clients
send referrals concurrently; after a few dozen answers the process is killed
with SIGKILL. The calls in flight get a connection error: the client cannot
know whether its referral was written. A new process is started and every call
without an answer is retried with its key. Then every key has exactly one
referral, and every referral's status is its last event's.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from typing import Any

import httpx

from graph.db import Database
from server.settings import project_root
from tests.conftest import TEST_PASSWORD, World
from tests.resilience.test_bounded_waits import free_port

SEND = """mutation($input: SendReferralInput!) { sendReferral(input: $input) { id } }"""
CLIENTS, PER_CLIENT, KILL_AFTER = 8, 12, 30


def _start_api(port: int, neo4j_uri: str) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        MAILLAGE_ENV="test",
        NEO4J_URI=neo4j_uri,
        NEO4J_PASSWORD=TEST_PASSWORD,
        MAILLAGE_RATE_LIMIT_PER_MINUTE="1000000",
        MAILLAGE_RATE_LIMIT_BURST="1000000",
        MAILLAGE_MIGRATE_ON_START="false",
        MAILLAGE_LOG_LEVEL="WARNING",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=project_root(),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _ready(url: str, timeout: float = 60.0) -> None:
    """Wait until /readyz says ready (a process start has no event to await); bounded."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            # A child process offers no readiness event to await: a bounded poll of /readyz.
            await asyncio.sleep(0.2)  # poll, bounded by the deadline above
    raise AssertionError(f"the API did not become ready within {timeout:.0f} s")


async def test_api_killed_mid_burst_then_retries_settle_every_call(
    world: World, db: Database, neo4j_uri: tuple[str, str, str]
) -> None:
    network = await world.network()
    sender, receiver = await world.organization(network), await world.organization(network)
    api = await world.caller("ORG_STAFF", sender)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    keys = [f"api-kill-{uuid.uuid4()}" for _ in range(CLIENTS * PER_CLIENT)]
    answered: dict[str, str] = {}
    in_doubt: set[str] = set()
    in_flight: set[str] = set()
    killed = asyncio.Event()

    def body(key: str) -> dict[str, Any]:
        return {
            "query": SEND,
            "variables": {
                "input": {
                    "toOrganizationId": receiver["id"],
                    "fromOrganizationId": sender["id"],
                    "needCodes": ["FOOD_SECURITY"],
                    "familyReference": f"K-{int(key[-6:], 16):08d}",  # digits: a file number
                    "consent": {"given": True, "method": "VERBAL", "scope": "référence"},
                    "idempotencyKey": key,
                }
            },
        }

    headers = {"Authorization": f"Bearer {api.token}"}
    process = _start_api(port, neo4j_uri[0])
    try:
        await _ready(url)

        async def client(mine: list[str]) -> None:
            async with httpx.AsyncClient(base_url=url, timeout=10, headers=headers) as http:
                for key in mine:
                    if killed.is_set():
                        in_doubt.add(key)  # never reached the server: also unanswered
                        continue
                    try:
                        response = await http.post("/graphql", json=body(key))
                        answered[key] = response.json()["data"]["sendReferral"]["id"]
                    except httpx.TransportError:
                        in_doubt.add(key)
                        in_flight.add(key)
                    if len(answered) >= KILL_AFTER and not killed.is_set():
                        process.send_signal(signal.SIGKILL)
                        killed.set()

        await asyncio.wait_for(
            asyncio.gather(*(client(keys[i::CLIENTS]) for i in range(CLIENTS))), 120
        )
        assert killed.is_set()
        process.wait(timeout=10)
        first_answers = len(answered)

        process = _start_api(port, neo4j_uri[0])
        await _ready(url)
        async with httpx.AsyncClient(base_url=url, timeout=10, headers=headers) as http:
            for key in sorted(in_doubt):
                response = await http.post("/graphql", json=body(key))
                answered[key] = response.json()["data"]["sendReferral"]["id"]
    finally:
        process.kill()
        process.wait(timeout=10)

    rows = await db.rows(
        "MATCH (:Organization {id: $org})-[:SENT]->(r:Referral) "
        "OPTIONAL MATCH (r)-[:HAS_EVENT]->(e:ReferralEvent) WITH r, e ORDER BY e.seq "
        "WITH r, collect(e) AS events "
        "RETURN r.id AS id, r.idempotencyKey AS key, r.status AS status, "
        "last(events).status AS last, size(events) AS events",
        org=sender["id"],
    )
    by_key: dict[str, list[str]] = {}
    for row in rows:
        by_key.setdefault(row["key"], []).append(row["id"])
    duplicated = sum(len(ids) - 1 for ids in by_key.values())
    lost = [k for k in keys if k not in by_key]
    print(
        f"\nAPI SIGKILLed after {first_answers} answers: {len(in_flight)} calls in flight got a "
        f"connection error, {len(in_doubt) - len(in_flight)} not sent; all retried with their "
        f"keys; {len(rows)} referrals for {len(keys)} keys: lost {len(lost)}, "
        f"duplicated {duplicated}, status ≠ last event "
        f"{sum(r['status'] != r['last'] for r in rows)}"
    )
    assert in_flight, "the kill landed between two calls"
    assert (lost, duplicated) == ([], 0)
    assert all(answered[k] == by_key[k][0] for k in keys)  # the retry returned the same referral
    assert all(r["status"] == r["last"] == "SENT" and r["events"] == 1 for r in rows)
