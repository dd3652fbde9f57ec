"""Shared benchmark plumbing: a Neo4j of its own, an API process, latency statistics."""

from __future__ import annotations

import asyncio
import os
import select
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


# The Neo4j GraphQL Library writes DateTime values with APOC functions: the peer needs it.
APOC = "org.neo4j.procedure:apoc-core:5.26.0:jar:core"


@contextmanager
def bench_neo4j(
    heap: str = "1g", pagecache: str = "512m", port: int = BENCH_PORT, apoc: bool = False
) -> Iterator[Settings]:
    """A Neo4j for benchmarks, started and stopped here (kept with ``MAILLAGE_BENCH_KEEP_NEO4J``).

    Its home is ``.neo4j/bench-home`` on the default port 17787 and
    ``.neo4j/bench-home-<port>`` on any other, so two benchmarks on two ports
    keep their data apart. ``MAILLAGE_BENCH_NEO4J_URI`` uses a running server instead.
    ``apoc`` puts APOC core in its plugins (from Maven Central, once).
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
    if apoc:
        _fetch_apoc(server.home / "plugins")
    started = local.start(server, timeout=300)
    print(f"Neo4j {local.NEO4J_VERSION} on {server.uri} (ready in {started:.1f} s)", flush=True)
    try:
        yield Settings(env="test", neo4j_uri=server.uri, neo4j_password=BENCH_PASSWORD)
    finally:
        if not os.environ.get("MAILLAGE_BENCH_KEEP_NEO4J"):
            local.stop(server)


def _fetch_apoc(plugins: Path) -> None:
    if list(plugins.glob("apoc-core-*.jar")):
        return
    plugins.mkdir(parents=True, exist_ok=True)
    print(f"Fetching APOC core into {plugins} (Maven Central)…", flush=True)
    fetch = ["dependency:copy", f"-Dartifact={APOC}", f"-DoutputDirectory={plugins}"]
    subprocess.run(
        ["mvn", "-q", "-B", *fetch],
        check=True,
        timeout=600,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def api_process(
    settings: Settings, *, env_name: str = "test", app_dir: Path | None = None, workers: int = 1
) -> Iterator[str]:
    """The API served by uvicorn in its own process; yields its base URL.

    ``env_name`` is its ``MAILLAGE_ENV`` (``production``: no GraphiQL, no
    introspection); ``app_dir`` serves the code of another checkout (an
    earlier commit, to measure before and after in one run); ``workers`` > 1
    serves it with ``maillage serve --workers`` (this checkout only).
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
        # An imported history has thousands of referrals past due at once; the server's
        # first sweep would expire them in the middle of the timing. Not during a benchmark.
        MAILLAGE_SWEEP_INTERVAL_SECONDS="86400",
    )
    command = [sys.executable, "-m", "uvicorn", "--factory", "server.app:app_factory",
               "--log-level", "warning", "--no-access-log"]  # fmt: skip
    if workers > 1:
        assert app_dir is None, "several workers: this checkout's `maillage serve` only"
        command = [sys.executable, "-m", "server.cli", "serve", "--workers", str(workers)]
    proc = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)], cwd=root, env=env
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


PEER_DIR = Path(__file__).resolve().parent / "peer"


@contextmanager
def peer_process(settings: Settings) -> Iterator[str]:
    """The Neo4j GraphQL Library on Apollo Server (``benchmarks/peer``); yields its URL.

    Its npm packages are installed from the lockfile the first time (``npm ci``).
    """
    if not (PEER_DIR / "node_modules" / ".package-lock.json").exists():
        print("Installing the peer's npm packages (npm ci in benchmarks/peer)…", flush=True)
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=PEER_DIR,
            check=True,
            timeout=600,
        )
    port = free_port()
    env = dict(
        os.environ,
        NEO4J_URI=settings.neo4j_uri,
        NEO4J_USER=settings.neo4j_user,
        NEO4J_PASSWORD=settings.neo4j_password,
        PORT=str(port),
        NODE_ENV="production",
    )
    proc = subprocess.Popen(
        ["node", "server.mjs"], cwd=PEER_DIR, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        # "ready <url>" once it listens, EOF if it failed; 60 s at most.
        readable, _, _ = select.select([proc.stdout], [], [], 60)
        line = proc.stdout.readline() if readable else ""
        if not line.startswith("ready "):
            raise RuntimeError(f"the peer did not start: {line!r}")
        yield f"http://127.0.0.1:{port}"
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
