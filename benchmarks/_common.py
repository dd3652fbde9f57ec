"""Shared benchmark plumbing: a Neo4j of its own, an API process, latency statistics."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from graph import neo4j_server as local
from server.settings import Settings, project_root

BENCH_PORT = int(os.environ.get("MAILLAGE_BENCH_NEO4J_PORT", "17787"))
BENCH_PASSWORD = "maillage-bench-password"


@contextmanager
def bench_neo4j(
    heap: str = "1g", pagecache: str = "512m", port: int = BENCH_PORT
) -> Iterator[Settings]:
    """A Neo4j for benchmarks, started and stopped here (kept with ``MAILLAGE_BENCH_KEEP_NEO4J``).

    Its home is ``.neo4j/bench-home`` on the default port 17787 and
    ``.neo4j/bench-home-<port>`` on any other, so two benchmarks on two ports
    keep their data apart. ``MAILLAGE_BENCH_NEO4J_URI`` uses a running server instead.
    """
    external = os.environ.get("MAILLAGE_BENCH_NEO4J_URI")
    if external:
        yield Settings(
            env="test",
            neo4j_uri=external,
            neo4j_password=os.environ.get("NEO4J_PASSWORD", BENCH_PASSWORD),
        )
        return
    root = project_root() / ".neo4j"
    server = local.LocalNeo4j(
        home=root / ("bench-home" if port == 17787 else f"bench-home-{port}"),
        lib=root / "lib",
        port=port,
        password=BENCH_PASSWORD,
        heap=heap,
        pagecache=pagecache,
    )
    started = local.start(server, timeout=300)
    print(f"Neo4j {local.NEO4J_VERSION} on {server.uri} (ready in {started:.1f} s)", flush=True)
    try:
        yield Settings(env="test", neo4j_uri=server.uri, neo4j_password=BENCH_PASSWORD)
    finally:
        if not os.environ.get("MAILLAGE_BENCH_KEEP_NEO4J"):
            local.stop(server)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def api_process(
    settings: Settings, *, env_name: str = "test", app_dir: Path | None = None
) -> Iterator[str]:
    """The API served by uvicorn in its own process; yields its base URL.

    ``env_name`` is its ``MAILLAGE_ENV`` (``production``: no GraphiQL, no
    introspection); ``app_dir`` serves the code of another checkout (an
    earlier commit, to measure before and after in one run).
    """
    port = free_port()
    root = app_dir or project_root()
    env = dict(
        os.environ,
        PYTHONPATH=str(root),
        NEO4J_URI=settings.neo4j_uri,
        NEO4J_USER=settings.neo4j_user,
        NEO4J_PASSWORD=settings.neo4j_password,
        MAILLAGE_ENV=env_name,
        MAILLAGE_LOG_LEVEL="WARNING",
        # One token sends everything here; the per-token limit would measure itself.
        MAILLAGE_RATE_LIMIT_PER_MINUTE="100000000",
        MAILLAGE_RATE_LIMIT_BURST="100000000",
    )
    proc = subprocess.Popen(
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
            "--no-access-log",
        ],
        cwd=root,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the API process did not start")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def drive(
    clients: int, total: int, one: Callable[[], Awaitable[object]]
) -> tuple[float, list[float]]:
    """``total`` calls of ``one`` by ``clients`` workers: wall seconds and latencies (ms)."""
    latencies: list[float] = []
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            await one()
            latencies.append((time.perf_counter() - started) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(clients)])
    return time.perf_counter() - began, latencies


@dataclass(frozen=True)
class Run:
    label: str
    clients: int
    requests: int
    seconds: float
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p95(self) -> float:
        return self.percentile(0.95)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)
