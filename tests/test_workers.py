"""Serving with several workers: one rate limit for all of them, settings handed down intact,
a revoked token refused by every worker, and the development mail page the same in each.

The buckets' arithmetic is checked by hand on a clock the test moves; the sharing, with
two real processes taking from one SQLite file (and, for contrast, from their own
memory); the whole, with ``maillage serve --workers 2`` against the suite's Neo4j.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import multiprocessing
import os
import smtplib
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from graph.access import identity
from graph.db import Database
from server.app import LEADER_RETRY_SECONDS, create_app
from server.limits import MemoryBuckets, SharedBuckets
from server.mail_catcher import MailCatcher, MailSpool, mail_routes
from server.settings import Settings, project_root
from tests.conftest import World, unique
from tests.resilience.test_bounded_waits import free_port

ME = {"query": "{ me { roles } }"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("kind", ["memory", "shared"])
def test_a_bucket_refills_at_its_rate_up_to_its_burst(kind: str, tmp_path: Path) -> None:
    # 60 a minute is one a second; a burst of 2. By hand: two takes empty it; the third
    # waits 1 s; half a second later it still waits 0.5 s; a second later one is back.
    clock = Clock()
    buckets = (
        MemoryBuckets(60, 2, clock)
        if kind == "memory"
        else SharedBuckets(tmp_path / "b.sqlite3", 60, 2, monotonic=clock)
    )
    assert [buckets.take("a"), buckets.take("a")] == [0.0, 0.0]
    assert buckets.take("a") == pytest.approx(1.0)
    assert buckets.take("b") == 0.0  # another caller has its own bucket
    clock.now += 0.5
    assert buckets.take("a") == pytest.approx(0.5)
    clock.now += 0.5
    assert buckets.take("a") == 0.0
    clock.now += 3600  # idle for an hour: full again, but no fuller than the burst
    assert [buckets.take("a"), buckets.take("a")] == [0.0, 0.0]
    assert buckets.take("a") > 0


def _take_many(kind: str, path: str, times: int) -> int:
    """In a process of its own: take ``times`` requests from key k; return how many were let in."""
    buckets = (
        MemoryBuckets(1, 40) if kind == "memory" else SharedBuckets(Path(path), 1, 40)
    )  # 1 a minute: nothing refills during the test
    return sum(buckets.take("k") == 0.0 for _ in range(times))


@pytest.mark.parametrize(("kind", "served"), [("shared", 40), ("memory", 80)])
def test_two_processes_share_one_burst_through_the_file(
    kind: str, served: int, tmp_path: Path
) -> None:
    # Burst 40. Two processes take 100 each: sharing the file, 40 in all get in; each with
    # its own memory, 40 each — the limit enforced twice over, which the file prevents.
    path = str(tmp_path / "shared.sqlite3")
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        counts = list(pool.map(_take_many, [kind, kind], [path, path], [100, 100]))
    assert sum(counts) == served


def test_a_locked_file_falls_back_to_the_workers_memory_within_the_wait(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "locked.sqlite3"
    buckets = SharedBuckets(path, 60, 3, busy_timeout=0.05)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holding the write lock, and not letting go
    try:
        with caplog.at_level(logging.WARNING, logger="maillage.limits"):
            waits = [buckets.take("k") for _ in range(4)]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # Counted in memory instead (burst 3): three in, the fourth waits; warned once.
    assert waits[:3] == [0.0, 0.0, 0.0] and waits[3] > 0
    warnings = [r for r in caplog.records if "shared rate-limit store" in r.getMessage()]
    assert len(warnings) == 1
    assert buckets.take("other") == 0.0  # the file answers again once the lock is released


def test_settings_survive_the_trip_to_the_workers_environment() -> None:
    changed = Settings(
        env="test",
        neo4j_password="a-password-of-one's-own",
        port=8123,
        allowed_origins=("https://a.example", "https://b.example"),
        apply_migrations_on_start=False,
        rate_limit_burst=7,
        request_time_limit_seconds=2.5,
        shared_state_dir="/tmp/maillage-state",
        workers=3,
        smtp_password="kept, not printed",
    )
    assert Settings.from_env(changed.to_env()) == changed
    assert set(changed.to_env()) == set(Settings.variables())


def test_one_worker_by_default_outside_production_and_one_per_core_in_it() -> None:
    assert Settings(env="test").worker_count == 1
    assert Settings(env="development").worker_count == 1
    production = Settings(env="production", neo4j_password="not-the-default-one")
    assert production.worker_count == (os.cpu_count() or 1)
    assert (
        Settings(env="production", neo4j_password="not-the-default-one", workers=3).worker_count
        == 3
    )


def _cpu_ticks(pid: int) -> int:
    """User + system CPU ticks the process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _workers(pid: int) -> list[int]:
    """The worker processes uvicorn spawned (not multiprocessing's resource tracker)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return [c for c in found if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


@pytest.fixture
async def two_workers(settings: Settings) -> AsyncIterator[tuple[str, list[int]]]:
    """``maillage serve --workers 2``: burst 40, one request a minute, identity looked up always.

    Ready once both workers have logged that their application started (awaited on the
    server's own log, bounded), not after a guessed delay.
    """
    port = free_port()
    env = dict(
        os.environ,
        MAILLAGE_ENV="test",
        NEO4J_URI=settings.neo4j_uri,
        NEO4J_USER=settings.neo4j_user,
        NEO4J_PASSWORD=settings.neo4j_password,
        MAILLAGE_RATE_LIMIT_PER_MINUTE="1",
        MAILLAGE_RATE_LIMIT_BURST="40",
        MAILLAGE_AUTH_CACHE_SECONDS="0",
        MAILLAGE_LOG_LEVEL="INFO",  # uvicorn says "Application startup complete" per worker
    )
    env.pop("MAILLAGE_SHARED_STATE_DIR", None)
    proc = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "server.cli", "serve", "--workers", "2", "--port", str(port)],
        cwd=project_root(),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    stderr = proc.stderr
    seen: list[str] = []

    async def both_started() -> None:
        started = 0
        while started < 2:
            line = (await stderr.readline()).decode(errors="replace")
            assert line, "maillage serve exited:\n" + "".join(seen[-20:])
            seen.append(line)
            started += "Application startup complete" in line

    async def drain() -> None:  # keep reading, so the workers never block on a full pipe
        while await stderr.readline():
            pass

    drainer = None
    try:
        await asyncio.wait_for(both_started(), timeout=90)
        drainer = asyncio.create_task(drain())
        workers = _workers(proc.pid)
        assert len(workers) == 2
        yield f"http://127.0.0.1:{port}", workers
    finally:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), timeout=20)
        except TimeoutError:
            proc.kill()
            await asyncio.wait_for(proc.wait(), timeout=10)
        if drainer is not None:
            drainer.cancel()


async def _fresh_connection_posts(url: str, token: str, count: int) -> list[int]:
    """``count`` POSTs, each on a new connection, so the kernel spreads them over the workers."""

    async def one() -> int:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(
                f"{url}/graphql", json=ME, headers={"Authorization": f"Bearer {token}"}
            )
            return response.status_code

    statuses: list[int] = []
    for _ in range(count // 10):
        statuses += await asyncio.gather(*[one() for _ in range(10)])
    return statuses


async def test_two_workers_enforce_one_rate_limit_and_both_refuse_a_revoked_token(
    two_workers: tuple[str, list[int]], world: World, db: Database
) -> None:
    url, workers = two_workers
    staff = await world.caller("PLATFORM_ADMIN")
    before = [_cpu_ticks(pid) for pid in workers]
    statuses = await _fresh_connection_posts(url, str(staff.token), 100)
    after = [_cpu_ticks(pid) for pid in workers]
    assert all(b > a for a, b in zip(before, after, strict=True)), "a worker served nothing"
    # Burst 40 shared by the two workers: 40 served, not 80; the rest refused at once.
    assert (statuses.count(200), statuses.count(429)) == (40, 60)

    # A revoked token: with identity looked up on every request, no worker lets it in.
    user = await identity.create_user(
        db, email=f"{unique('revoked')}@test.maillage", name="Revoked Soon", platform_admin=True
    )
    secret, token = await identity.create_token(db, user_id=user["id"])
    assert await _fresh_connection_posts(url, secret, 10) == [200] * 10
    await identity.revoke_token(db, token["id"])
    assert await _fresh_connection_posts(url, secret, 20) == [401] * 20


async def test_a_worker_shows_the_mail_another_process_caught(tmp_path: Path) -> None:
    # `maillage run --workers N`: the catcher lives in the parent; each worker's /dev/mail
    # reads its spool folder, so the page is the same whichever worker answers.
    catcher = MailCatcher(spool=tmp_path).start()
    try:
        for n, to in enumerate(["a@org.example", "b@org.example"]):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "m@x.example", to, f"Sujet {n}"
            message.set_content(f"Bonjour.\nhttp://127.0.0.1:8000/r/{n}\n")
            with smtplib.SMTP("127.0.0.1", catcher.port, timeout=5) as smtp:
                smtp.send_message(message)
        catcher.wait_for(lambda m: m.subject == "Sujet 1", timeout=5)
    finally:
        catcher.stop()
    spool = MailSpool(tmp_path, catcher.port)
    assert spool.messages == catcher.messages
    assert [m.recipients for m in spool.messages] == [("a@org.example",), ("b@org.example",)]
    assert not list(tmp_path.glob("*.part"))
    app = Starlette(routes=mail_routes(spool))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://worker") as client:
        listing = (await client.get("/dev/mail")).text
        assert listing.index("Sujet 1") < listing.index("Sujet 0")  # newest first
        assert "http://127.0.0.1:8000/r/1" in (await client.get("/dev/mail/1")).text
        assert "n’existe pas" in (await client.get("/dev/mail/2")).text


async def test_one_worker_of_several_runs_the_background_work_and_another_takes_over(
    settings: Settings, tmp_path: Path
) -> None:
    # Two apps sharing one state folder, as two workers of `maillage serve` do: one leads
    # (sweeps and delivers); when it stops, the other takes over at its next try.
    shared = dataclasses.replace(settings, shared_state_dir=str(tmp_path))
    first, second = create_app(shared), create_app(shared)
    async with contextlib.AsyncExitStack() as stack:
        stops = [await stack.enter_async_context(_lifespan(app)) for app in (first, second)]
        await asyncio.wait_for(_either_leads(first, second), timeout=10)
        leader, other = (first, second) if first.state.leading.is_set() else (second, first)
        assert not other.state.leading.is_set()
        await stops[[first, second].index(leader)]()
        await asyncio.wait_for(other.state.leading.wait(), timeout=LEADER_RETRY_SECONDS + 5)


async def _either_leads(*apps: Starlette) -> None:
    waits = [asyncio.ensure_future(app.state.leading.wait()) for app in apps]
    _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for waiting in pending:
        waiting.cancel()


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """The app's lifespan, with a way to end it early (a worker stopping)."""
    context = app.router.lifespan_context(app)
    await context.__aenter__()
    ended = False

    async def stop() -> None:
        nonlocal ended
        if not ended:
            ended = True
            await context.__aexit__(None, None, None)

    try:
        yield stop
    finally:
        await stop()
