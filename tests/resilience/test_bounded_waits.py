"""Nothing hangs: every wait on Neo4j is bounded, and its failure is a coded, retryable error.

Each test bounds its own wait with ``asyncio.wait_for`` (a hang fails the test
instead of stalling the suite) and prints what it measured; run with ``-s``
to read the figures. They are not speed targets: they show that the answer
comes within the configured bounds and says what happened.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import httpx
import pytest

from graph.db import Database
from server.app import create_app
from server.settings import Settings
from tests.conftest import Api, World, referral_through_graph

# Generous outer bounds: far above the configured timeouts, far below a hang.
PATIENCE = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def unreachable_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose Neo4j address has nothing listening (as when the server is down)."""
    app = create_app(
        replace(
            settings,
            neo4j_uri=f"bolt://127.0.0.1:{free_port()}",
            apply_migrations_on_start=False,
            neo4j_connect_timeout_seconds=1.0,
            neo4j_retry_seconds=1.0,
        ),
        run_sweeper=False,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://maillage.test") as c:
            yield c


async def test_an_unreachable_database_gives_a_coded_503_with_a_request_id_not_a_hang(
    unreachable_client: httpx.AsyncClient,
) -> None:
    began = time.monotonic()
    response = await asyncio.wait_for(
        unreachable_client.post(
            "/graphql",
            json={"query": "{ me { roles } }"},
            headers={"Authorization": "Bearer mlg_not-looked-up-yet"},
        ),
        PATIENCE,
    )
    seconds = time.monotonic() - began
    print(f"\nunreachable Neo4j: HTTP {response.status_code} after {seconds:.2f} s")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-request-id"]
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "reason": "DATABASE_UNREACHABLE"}
    assert "nothing was changed" in error["message"]


ACKNOWLEDGE = "mutation($id: ID!) { acknowledgeReferral(id: $id) { id status } }"


@asynccontextmanager
async def _app_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of an app built with ``settings``, over the shared test Neo4j."""
    app = create_app(settings, run_sweeper=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://maillage.test") as c:
            yield c


@pytest.fixture
async def impatient(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The API with a one-second transaction limit, over the shared test Neo4j."""
    async with _app_client(replace(settings, neo4j_transaction_timeout_seconds=1.0)) as c:
        yield c


async def _status(db: Database, referral_id: str) -> tuple[str, int]:
    row = await db.row(
        "MATCH (r:Referral {id: $id}) RETURN r.status AS status, "
        "COUNT { (r)-[:HAS_EVENT]->() } AS events",
        id=referral_id,
    )
    assert row is not None
    return row["status"], row["events"]


async def test_a_referral_locked_elsewhere_answers_within_the_limit_and_changes_nothing(
    world: World, db: Database, impatient: httpx.AsyncClient
) -> None:
    network = await world.network()
    sender, receiver = await world.organization(network), await world.organization(network)
    locked = await referral_through_graph(db, sender["id"], receiver["id"], [])
    free = await referral_through_graph(db, sender["id"], receiver["id"], [])
    staff = await world.caller("ORG_STAFF", receiver)
    api = Api(impatient, staff.token)

    async with db.driver.session(database=db.database) as session:
        holder = await session.begin_transaction()
        try:  # another writer holds the referral's lock and does not let go
            await holder.run("MATCH (r:Referral {id: $id}) SET r.heldBy = 'test'", id=locked)
            began = time.monotonic()
            body = await asyncio.wait_for(api(ACKNOWLEDGE, {"id": locked}), PATIENCE)
            waited = time.monotonic() - began
            # An unrelated referral moves while the lock is still held.
            other = await asyncio.wait_for(api.data(ACKNOWLEDGE, {"id": free}), PATIENCE)
        finally:
            await holder.rollback()
    print(f"\nlocked referral: coded answer after {waited:.2f} s (limit 1 s)")
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert error["extensions"]["reason"] == "TIMEOUT"
    assert body["data"] is None
    assert await _status(db, locked) == ("SENT", 1)  # nothing written
    assert other["acknowledgeReferral"]["status"] == "ACKNOWLEDGED"
    # Once the lock is gone the same request succeeds.
    again = await api.data(ACKNOWLEDGE, {"id": locked})
    assert again["acknowledgeReferral"]["status"] == "ACKNOWLEDGED"


async def test_the_command_line_keeps_no_transaction_limit_for_long_batch_work(
    settings: Settings,
) -> None:
    # The API's bound is a setting; batch commands drop it (see server/cli.py).
    assert settings.neo4j_timeouts.transaction == settings.neo4j_transaction_timeout_seconds
    assert replace(settings.neo4j_timeouts, transaction=None).transaction is None


async def test_a_slow_transaction_stalls_only_the_writes_of_its_own_two_organizations(
    world: World, db: Database, impatient: httpx.AsyncClient
) -> None:
    # Events are numbered per organization (graph/referral/events.py), not by one global
    # counter: a transaction that holds A's and B's event feeds delays A's and B's
    # events only. C and D, elsewhere in the same network, write as if nothing happened.
    network = await world.network()
    a, b, c, d = [await world.organization(network) for _ in range(4)]
    between_a_and_b = await referral_through_graph(db, c["id"], b["id"], [])
    elsewhere = await referral_through_graph(db, c["id"], d["id"], [])
    b_staff = Api(impatient, (await world.caller("ORG_STAFF", b)).token)
    d_staff = Api(impatient, (await world.caller("ORG_STAFF", d)).token)
    await referral_through_graph(db, a["id"], b["id"], [])  # both feeds exist

    async with db.driver.session(database=db.database) as session:
        holder = await session.begin_transaction()
        try:  # a slow writer holds A's and B's feeds and does not let go
            await holder.run(
                "MATCH (f:EventFeed) WHERE f.organizationId IN $orgs SET f.value = f.value",
                orgs=[a["id"], b["id"]],
            )
            began = time.monotonic()
            unrelated = await asyncio.wait_for(d_staff(ACKNOWLEDGE, {"id": elsewhere}), PATIENCE)
            unrelated_seconds = time.monotonic() - began
            began = time.monotonic()
            blocked = await asyncio.wait_for(
                b_staff(ACKNOWLEDGE, {"id": between_a_and_b}), PATIENCE
            )
            blocked_seconds = time.monotonic() - began
        finally:
            await holder.rollback()
    print(
        f"\nfeeds of A and B held: C→D acknowledged in {unrelated_seconds:.2f} s; "
        f"C→B refused after {blocked_seconds:.2f} s (limit 1 s)"
    )
    assert unrelated["data"]["acknowledgeReferral"]["status"] == "ACKNOWLEDGED"
    assert "errors" not in unrelated
    (error,) = blocked["errors"]
    assert (error["extensions"]["code"], error["extensions"]["reason"]) == (
        "SERVICE_UNAVAILABLE",
        "TIMEOUT",
    )
    assert await _status(db, between_a_and_b) == ("SENT", 1)  # nothing written
    assert await _status(db, elsewhere) == ("ACKNOWLEDGED", 2)


@pytest.fixture
async def hurried(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The API with a one-second bound on the whole request (transactions keep 10 s)."""
    bounded = replace(
        settings, request_time_limit_seconds=1.0, neo4j_transaction_timeout_seconds=10.0
    )
    async with _app_client(bounded) as c:
        yield c


async def test_a_request_past_its_time_limit_is_stopped_with_a_coded_503_and_saves_nothing(
    world: World, db: Database, hurried: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    network = await world.network()
    sender, receiver = await world.organization(network), await world.organization(network)
    locked = await referral_through_graph(db, sender["id"], receiver["id"], [])
    staff = await world.caller("ORG_STAFF", receiver)

    async with db.driver.session(database=db.database) as session:
        holder = await session.begin_transaction()
        try:  # the referral stays locked longer than the request may last
            await holder.run("MATCH (r:Referral {id: $id}) SET r.heldBy = 'test'", id=locked)
            began = time.monotonic()
            response = await asyncio.wait_for(
                hurried.post(
                    "/graphql",
                    json={"query": ACKNOWLEDGE, "variables": {"id": locked}},
                    headers={"Authorization": f"Bearer {staff.token}"},
                ),
                PATIENCE,
            )
            waited = time.monotonic() - began
        finally:
            await holder.rollback()
    print(f"\nrequest time limit 1 s: HTTP {response.status_code} after {waited:.2f} s")
    assert response.status_code == 503
    assert response.headers["x-request-id"] and response.headers["retry-after"] == "2"
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "reason": "REQUEST_TIME_LIMIT"}
    assert "same idempotencyKey or expectedStatus" in error["message"]
    # The stopped request left nothing behind: the same move now succeeds, once.
    again = await Api(client, staff.token).data(ACKNOWLEDGE, {"id": locked})
    assert again["acknowledgeReferral"]["status"] == "ACKNOWLEDGED"
    assert await _status(db, locked) == ("ACKNOWLEDGED", 2)
