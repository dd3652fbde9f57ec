"""The web app in a real browser: Debian's Chromium driven by Playwright, against a real server.

One uvicorn server (in a thread, with its own event loop and Neo4j driver) serves
the built app over HTTP on a free port, against the tests' Neo4j holding the demo
network and its accounts. Chromium is found at ``MAILLAGE_CHROMIUM`` or
``/usr/bin/chromium``; browser downloads do not work here, so nothing else is tried.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import socket
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright

from graph.access import identity
from graph.db import open_database
from graph.directory import services
from graph.directory.services import ServiceInput
from graph.directory.showcase import ExampleIds
from server import demo
from server.app import create_app
from server.mail_catcher import MailCatcher
from server.settings import Settings, project_root
from tests.web.chromium import CHROMIUM, CHROMIUM_ARGS

SCREENSHOTS = Path(os.environ.get("MAILLAGE_SCREENSHOTS", project_root() / "docs" / "screenshots"))
FULL_SERVICE_NAME = "Hébergement d'urgence (service du test navigateur)"
# Every wait in the browser is bounded; the machine has 2 cores shared with Neo4j.
WAIT_MS = 20_000


@dataclass(frozen=True)
class LiveApp:
    """The running app: its address, the demo's tokens and example ids, a third organization."""

    url: str
    tokens: dict[str, str]
    ids: ExampleIds
    outsider_token: str
    full_service_id: str
    open_service_id: str
    mail: MailCatcher


class _Server(uvicorn.Server):
    """uvicorn that says when it listens (an event to wait on, not a sleep)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _prepare(settings: Settings, tokens_path: Path) -> dict[str, Any]:
    """The demo network and accounts, a user of a third organization, a FULL service."""
    db = open_database(
        settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password, settings.neo4j_database
    )
    try:
        setup = await demo.prepare_demo(db, tokens_path)
        assert setup.ids is not None
        ids = setup.ids
        third = await db.row(
            "MATCH (:Network {id: $net})<-[:MEMBER_OF]-(o:Organization) "
            "WHERE NOT o.id IN [$s, $r] RETURN o.id AS id ORDER BY o.name LIMIT 1",
            net=ids.network_id,
            s=ids.sender_id,
            r=ids.receiver_id,
        )
        assert third is not None
        email = "outsider-web-test@maillage.demo"
        user = await identity.user_by_email(db, email) or await identity.create_user(
            db, email=email, name="Intervenant d'un autre organisme"
        )
        await identity.assign_organization_role(
            db, user_id=user["id"], organization_id=third["id"], role="ORG_STAFF"
        )
        outsider, _ = await identity.create_token(db, user_id=user["id"], label="web test")
        # A second service of the receiver for the same need and territory: the override test
        # makes it FULL from the receiver's services page.
        full = await db.row(
            "MATCH (:Organization {id: $r})-[:OFFERS]->(s:Service {name: $name}) RETURN s.id AS id",
            r=ids.receiver_id,
            name=FULL_SERVICE_NAME,
        ) or await services.create_service(
            db,
            ServiceInput(
                organization_id=ids.receiver_id,
                name=FULL_SERVICE_NAME,
                need_codes=[ids.need_code],
                availability="OPEN",
                territory_ids=[ids.territory_id],
            ),
        )
        # The OPEN service the main test refers to: the README's, unless that is the one above.
        open_service = await db.row(
            "MATCH (:Organization {id: $r})-[:OFFERS]->(s:Service)-[:ADDRESSES]->"
            "(:Need {code: $need}) MATCH (s)-[:AVAILABLE_IN]->(:Territory {id: $t}) "
            "WHERE s.id <> $full AND s.availability = 'OPEN' "
            "RETURN s.id AS id ORDER BY s.name LIMIT 1",
            r=ids.receiver_id,
            need=ids.need_code,
            t=ids.territory_id,
            full=full["id"],
        )
        assert open_service is not None, "the demo receiver has no other OPEN service"
        return {
            "open": open_service["id"],
            "tokens": {a.key: a.token for a in setup.accounts},
            "ids": ids,
            "outsider": outsider,
            "full": full["id"],
        }
    finally:
        await db.close()


# Package scope: the server (and its notification worker) stops when the browser tests end,
# so it never delivers another test's notifications.
@pytest.fixture(scope="package")
async def live_app(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveApp]:
    if not (project_root() / "web" / "dist" / "index.html").is_file():
        pytest.fail("The web app is not built: run `make web` (the README's `make test` does).")
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    # The development set-up of `maillage run` over the suite's settings (its Neo4j, no
    # rate limit, no principal cache): notifications go to a local SMTP catcher.
    catcher = MailCatcher().start()
    settings = dataclasses.replace(
        settings,
        env="development",
        event_poll_seconds=0.2,
        neo4j_transaction_timeout_seconds=120,
        allowed_origins=(origin,),
        smtp_host="127.0.0.1",
        smtp_port=catcher.port,
        smtp_tls="none",
        public_base_url=origin,
        notify_poll_seconds=0.3,
    )
    prepared = await _prepare(settings, tmp_path_factory.mktemp("web") / "tokens.json")
    server = _Server(
        uvicorn.Config(
            create_app(settings, run_sweeper=False, mail_catcher=catcher),
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
            ws="websockets-sansio",
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, name="web-test-server", daemon=True)
    thread.start()
    if not await asyncio.to_thread(server.ready.wait, 60):
        pytest.fail("the test server did not start within 60 s")
    try:
        yield LiveApp(
            url=origin,
            tokens=prepared["tokens"],
            ids=prepared["ids"],
            outsider_token=prepared["outsider"],
            full_service_id=prepared["full"],
            open_service_id=prepared["open"],
            mail=catcher,
        )
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 30)
        catcher.stop()


@pytest.fixture(scope="package")
async def playwright_session() -> AsyncIterator[Playwright]:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    async with async_playwright() as p:
        yield p


@pytest.fixture(scope="package")
async def browser(playwright_session: Playwright) -> AsyncIterator[Browser]:
    chromium = await playwright_session.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield chromium
    finally:
        await chromium.close()


class Person:
    """One user in their own browser context (own cookies), with the page's problems recorded."""

    def __init__(self, app: LiveApp, context: BrowserContext, page: Page) -> None:
        self.app = app
        self.context = context
        self.page = page
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda m: self.problems.append(m.text) if m.type == "error" else None,
        )
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))

    @classmethod
    async def open(cls, browser: Browser, app: LiveApp, width: int = 1280) -> Person:
        context = await browser.new_context(
            locale="fr-CA",
            timezone_id="America/Toronto",
            viewport={"width": width, "height": 900},
        )
        context.set_default_timeout(WAIT_MS)
        return cls(app, context, await context.new_page())

    async def sign_in(self, token: str) -> None:
        await self.page.goto(f"{self.app.url}/app")
        await self.page.fill("#token", token)
        await self.page.click("button[type=submit]")
        await self.page.wait_for_selector("header.top")

    async def go(self, path: str) -> None:
        await self.page.goto(f"{self.app.url}/app{path}")

    async def close(self) -> None:
        await self.context.close()


@pytest.fixture
async def person(browser: Browser, live_app: LiveApp) -> AsyncIterator[Any]:
    opened: list[Person] = []

    async def make(width: int = 1280) -> Person:
        p = await Person.open(browser, live_app, width)
        opened.append(p)
        return p

    yield make
    for p in opened:
        await p.close()


AXE = project_root() / "web" / "node_modules" / "axe-core" / "axe.min.js"


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page as it is now."""
    # Evaluated through the DevTools protocol, so the page's CSP (no inline script) still holds.
    await page.evaluate(AXE.read_text())
    result: dict[str, Any] = await page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


async def slide_to(page: Page, periods: list[dict[str, Any]], day: date) -> dict[str, Any]:
    """Move the time slider to the period holding ``day``; wait until the map draws it and
    shows its breakdowns."""
    index = next(
        i for i, p in enumerate(periods)
        if date.fromisoformat(p["start"]) <= day <= date.fromisoformat(p["end"])
    )  # fmt: skip
    await page.evaluate(
        """(i) => { const s = document.querySelector('#period-slider');
                    s.value = String(i); s.dispatchEvent(new Event('input', {bubbles: true})); }""",
        index,
    )
    period = periods[index]
    await page.locator(f"[data-testid=breakdowns][data-start='{period['start']}']").wait_for()
    # Drawn, not only chosen: the period may come in a run the map is still loading.
    await page.wait_for_function("(i) => window.maillageMap.period() === i", arg=index)
    return period


async def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)
