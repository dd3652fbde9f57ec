"""Test fixtures: one real Neo4j for the whole session, started by the project's own tooling.

The server runs on a non-default port (17687) with its own home under
``.neo4j/test-home``, so tests never touch a developer's data. Set
``MAILLAGE_TEST_NEO4J_URI`` (+ ``_USER``/``_PASSWORD``) to use another
server instead. Tests isolate themselves with unique ids and names, so they
can share the database and run in any order.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from domain.lifecycle import Action
from graph import neo4j_server as local
from graph.access import identity
from graph.db import Database
from graph.directory import networks, organizations, services
from graph.directory.organizations import OrganizationInput
from graph.directory.services import ServiceInput
from graph.referral import commands as referrals
from server.app import create_app
from server.settings import Settings, project_root

TEST_PORT = int(os.environ.get("MAILLAGE_TEST_NEO4J_PORT", "17687"))
TEST_PASSWORD = "maillage-test-password"
# One home per port, so test servers on other ports (parallel checkouts) never share data.
TEST_HOME = "test-home" if TEST_PORT == 17687 else f"test-home-{TEST_PORT}"


@pytest.fixture(scope="session")
def neo4j_uri() -> Iterator[tuple[str, str, str]]:
    """A running Neo4j: ``(uri, user, password)``."""
    external = os.environ.get("MAILLAGE_TEST_NEO4J_URI")
    if external:
        yield (
            external,
            os.environ.get("MAILLAGE_TEST_NEO4J_USER", "neo4j"),
            os.environ.get("MAILLAGE_TEST_NEO4J_PASSWORD", TEST_PASSWORD),
        )
        return
    root = project_root() / ".neo4j"
    server = local.LocalNeo4j(
        home=root / TEST_HOME,
        lib=root / "lib",
        port=TEST_PORT,
        password=TEST_PASSWORD,
    )
    already = local.status(server) == "running"
    local.start(server, timeout=240)
    try:
        yield server.uri, server.user, server.password
    finally:
        if not already and not os.environ.get("MAILLAGE_TEST_KEEP_NEO4J"):
            local.stop(server)


def shell_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a shell pointed at the test server, plus ``extra`` variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "MAILLAGE_"))}
    env.update(
        NEO4J_URI=settings.neo4j_uri,
        NEO4J_USER=settings.neo4j_user,
        NEO4J_PASSWORD=settings.neo4j_password,
        MAILLAGE_ENV="test",
        **extra,
    )
    return env


@pytest.fixture(scope="session")
def settings(neo4j_uri: tuple[str, str, str]) -> Settings:
    uri, user, password = neo4j_uri
    return Settings(
        env="test",
        neo4j_uri=uri,
        neo4j_user=user,
        neo4j_password=password,
        max_page_size=100,
        # Tests send many requests per token; test_edge_limits builds its own strict app.
        rate_limit_per_minute=1_000_000,
        rate_limit_burst=1_000_000,
        # Roles change within a test (and revocations must bite at once): no principal cache.
        auth_cache_seconds=0,
        # The shared app's database also serves the tests' own heavy reads (whole-graph
        # checksums on a loaded machine); tests of the API's limit build their own app.
        neo4j_transaction_timeout_seconds=300,
    )


class MovableClock:
    """The app's clock: real time plus an offset a test can move (and the fixture resets)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture(scope="session")
def test_clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def clock(test_clock: MovableClock) -> Iterator[MovableClock]:
    test_clock.offset = timedelta(0)
    yield test_clock
    test_clock.offset = timedelta(0)


@pytest.fixture(scope="session")
async def app(settings: Settings, test_clock: MovableClock) -> AsyncIterator[Any]:
    application = create_app(settings, clock=test_clock, run_sweeper=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def db(app: Any) -> Database:
    database: Database = app.state.db
    return database


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://maillage.test") as c:
        yield c


def unique(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


class Api:
    """POST GraphQL to the app as one caller; returns the decoded JSON body."""

    def __init__(self, client: httpx.AsyncClient, token: str | None) -> None:
        self.client = client
        self.token = token

    async def raw(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        response = await self.raw(query, variables)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        body = await self(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]


class World:
    """Builds the small graph a test needs, straight through ``graph/``."""

    def __init__(self, db: Database, client: httpx.AsyncClient) -> None:
        self.db = db
        self.client = client

    async def territory(self) -> dict[str, Any]:
        code = unique("T").upper()
        return await networks.create_territory(self.db, code=code, name=f"Territoire {code}")

    async def network(self, **kwargs: Any) -> dict[str, Any]:
        return await networks.create_network(self.db, name=unique("Réseau "), **kwargs)

    async def organization(
        self, network: dict[str, Any] | None = None, kind: str = "COMMUNITY", **kwargs: Any
    ) -> dict[str, Any]:
        return await organizations.create_organization(
            self.db,
            OrganizationInput(name=kwargs.pop("name", unique("Organisme ")), kind=kind, **kwargs),
            network_id=network["id"] if network else None,
        )

    async def service(
        self,
        organization: dict[str, Any],
        needs: list[str] | None = None,
        availability: str = "OPEN",
        territories: list[dict[str, Any]] | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:
        return await services.create_service(
            self.db,
            ServiceInput(
                organization_id=organization["id"],
                name=name or unique("Service "),
                need_codes=needs or ["FOOD_SECURITY"],
                availability=availability,
                territory_ids=[t["id"] for t in territories or []],
            ),
        )

    async def caller(
        self,
        role: str,
        organization: dict[str, Any] | None = None,
        network: dict[str, Any] | None = None,
    ) -> Api:
        """A new user holding ``role`` (and only it), as an API client."""
        user = await identity.create_user(
            self.db,
            email=f"{unique('u')}@test.maillage",
            name=f"{role.title()} {unique()}",
            platform_admin=role == "PLATFORM_ADMIN",
        )
        if role in {"ORG_STAFF", "ORG_ADMIN"}:
            assert organization is not None
            await identity.assign_organization_role(
                self.db, user_id=user["id"], organization_id=organization["id"], role=role
            )
        elif role in {"COORDINATOR", "RESEARCHER"}:
            assert network is not None
            await identity.assign_network_role(
                self.db, user_id=user["id"], network_id=network["id"], role=role
            )
        secret, _ = await identity.create_token(self.db, user_id=user["id"])
        api = Api(self.client, secret)
        api.user_id = user["id"]  # type: ignore[attr-defined]
        return api


@pytest.fixture
def world(db: Database, client: httpx.AsyncClient) -> World:
    return World(db, client)


REASONS = {Action.DECLINE: "NO_CAPACITY", Action.CANCEL: "la famille a déménagé"}


async def referral_through_graph(
    db: Database,
    sender_id: str,
    receiver_id: str,
    actions: list[Action],
    *,
    phone: str = "514-555-0100",
) -> str:
    """A fresh referral, sent and moved by ``actions`` straight through ``graph/``."""
    now = datetime.now(UTC)
    row, _ = await referrals.send_referral(
        db,
        referrals.ReferralInput(
            to_organization_id=receiver_id,
            need_codes=["FOOD_SECURITY"],
            family_reference=f"F-{unique()}-5",
            idempotency_key=unique("key-"),
            consent_given=True,
            consent_method="VERBAL",
            consent_scope="referral",
            contact_phone=phone,
        ),
        sender_id=sender_id,
        actor_user_id=None,
        now=now,
    )
    current = "SENT"
    for action in actions:
        moved = await referrals.transition(
            db,
            row["id"],
            action,
            expected_status=current,
            actor_user_id=None,
            actor_org_id=sender_id if action is Action.CANCEL else receiver_id,
            now=now,
            reason=REASONS.get(action),
        )
        current = moved["status"]
    return str(row["id"])


async def graph_size(db: Database) -> tuple[int, int]:
    """(nodes, relationships) in the whole database: a failed write must not change them."""
    row = await db.row(
        "CALL () { MATCH (n) WHERE NOT n:AuditEntry RETURN count(n) AS nodes } "
        "CALL () { MATCH (a)-[r]->(b) WHERE NOT a:AuditEntry AND NOT b:AuditEntry "
        "RETURN count(r) AS rels } RETURN nodes, rels"
    )
    assert row is not None
    return int(row["nodes"]), int(row["rels"])


@pytest.fixture
def anonymous(client: httpx.AsyncClient) -> Api:
    return Api(client, None)
