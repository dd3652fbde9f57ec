"""Provision and run a local Neo4j Community server, without Docker.

Neo4j is not a Debian or PyPI package, but Maven Central carries it. The jars
are fetched once with Maven (``graph/neo4j/pom.xml``) into a git-ignored
folder, and the server runs as a plain ``java`` process from that classpath:

    java <flags> -cp 'lib/*' org.neo4j.server.CommunityEntryPoint \
        --home-dir=HOME --config-dir=HOME/conf

Started this way Neo4j ignores the heap and JVM settings of ``neo4j.conf``,
so they are passed on the command line here.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

__all__ = [
    "NEO4J_VERSION",
    "LocalNeo4j",
    "Neo4jServerError",
    "fetch_jars",
    "start",
    "status",
    "stop",
]

NEO4J_VERSION = "5.26.30"
POM = Path(__file__).resolve().parent / "neo4j" / "pom.xml"

JVM_FLAGS = (
    "-Xms512m",
    "-Xmx512m",
    "-XX:+UseG1GC",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dfile.encoding=UTF-8",
)


class Neo4jServerError(Exception):
    """Provisioning or running the local server failed; the message says why."""


@dataclass(frozen=True)
class LocalNeo4j:
    """Where a local server lives and how to reach it."""

    home: Path
    lib: Path
    port: int = 7687
    user: str = "neo4j"
    password: str = "maillage-dev-password"
    heap: str = "512m"
    pagecache: str = "256m"

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "maillage-neo4j.pid"

    @property
    def console_log(self) -> Path:
        return self.home / "logs" / "console.log"


# How many jars the pom resolves to (for the progress display; a different count is fine).
EXPECTED_JARS = 213
FetchProgress = Callable[[str, int, int | None], None]


def fetch_jars(lib: Path, *, progress: FetchProgress | None = None) -> bool:
    """Fetch Neo4j's jars from Maven Central into ``lib`` unless they are there.

    Returns True when it downloaded, False when the cached jars were used.
    ``progress(stage, done, total)`` is told of each jar downloaded from
    Maven Central and each jar copied into ``lib``.
    """
    marker = lib / f".complete-{NEO4J_VERSION}"
    if marker.exists():
        return False
    mvn = shutil.which("mvn")
    if mvn is None:
        raise Neo4jServerError(
            "Maven (mvn) is not installed; it fetches Neo4j from Maven Central. "
            "Install it (e.g. apt-get install maven) or point NEO4J_URI at your own Neo4j."
        )
    lib.mkdir(parents=True, exist_ok=True)
    # Maven's own log, line by line: "Downloaded from central: ….jar" then "Copying ….jar".
    cmd = [
        mvn,
        "-B",
        "-Dmaven.artifact.threads=8",
        "-f",
        str(POM),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={lib}",
    ]
    log: deque[str] = deque(maxlen=30)
    counts = {"Downloaded": 0, "Copying": 0}
    stages = {"Downloaded": "Neo4j jars from Maven Central", "Copying": "Neo4j jars into place"}
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            log.append(line.rstrip())
            for word in counts:
                if f"] {word} " in line and ".jar" in line:
                    counts[word] += 1
                    if progress is not None:  # downloads include Maven's own plugins: no total
                        total = EXPECTED_JARS if word == "Copying" else None
                        progress(stages[word], counts[word], total)
    if proc.returncode != 0:
        raise Neo4jServerError("Fetching Neo4j from Maven Central failed:\n" + "\n".join(log))
    if not any(lib.glob(f"neo4j-{NEO4J_VERSION}.jar")):
        raise Neo4jServerError(f"Maven ran but {lib} has no neo4j-{NEO4J_VERSION}.jar.")
    marker.write_text(NEO4J_VERSION)
    return True


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    candidate = Path(java_home) / "bin" / "java" if java_home else None
    if candidate is not None and candidate.exists():
        return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise Neo4jServerError("Java 17 or newer is needed to run Neo4j; none is on PATH.")
    return found


def _write_config(server: LocalNeo4j) -> None:
    home = server.home
    for sub in ("conf", "data", "logs", "run", "plugins", "import"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    (home / "conf" / "neo4j.conf").write_text(
        "\n".join(
            [
                "# Written by `maillage neo4j start`; edits are overwritten.",
                "server.default_listen_address=127.0.0.1",
                "server.bolt.enabled=true",
                f"server.bolt.listen_address=127.0.0.1:{server.port}",
                "server.http.enabled=false",
                "server.https.enabled=false",
                f"server.memory.pagecache.size={server.pagecache}",
                "dbms.security.auth_enabled=true",
                "dbms.usage_report.enabled=false",
                f"server.directories.data={home / 'data'}",
                f"server.directories.logs={home / 'logs'}",
                f"server.directories.run={home / 'run'}",
                f"server.directories.plugins={home / 'plugins'}",
                f"server.directories.import={home / 'import'}",
                "db.tx_log.rotation.retention_policy=2 files",
                # No wait for another transaction's lock lasts forever; the API also bounds
                # each of its transactions (MAILLAGE_NEO4J_TRANSACTION_TIMEOUT_SECONDS).
                "db.lock.acquisition.timeout=10s",
                "",
            ]
        )
    )


def _set_initial_password(server: LocalNeo4j, java: str) -> None:
    env = dict(os.environ, NEO4J_HOME=str(server.home), NEO4J_CONF=str(server.home / "conf"))
    proc = subprocess.run(
        [
            java,
            "-cp",
            f"{server.lib}/*",
            "org.neo4j.cli.AdminTool",
            "dbms",
            "set-initial-password",
            server.password,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise Neo4jServerError(
            "Setting Neo4j's initial password failed:\n" + _tail(proc.stdout + proc.stderr, 20)
        )


def _pid(server: LocalNeo4j) -> int | None:
    try:
        pid = int(server.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _alive(pid) else None


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _answers(server: LocalNeo4j) -> bool:
    try:
        with GraphDatabase.driver(
            server.uri, auth=(server.user, server.password), connection_timeout=2
        ) as driver:
            driver.verify_connectivity()
        return True
    except (ServiceUnavailable, OSError):
        return False
    except AuthError as exc:
        raise Neo4jServerError(
            f"Neo4j at {server.uri} refused the password. The home {server.home} was "
            "initialised with another NEO4J_PASSWORD: use that one, or delete the home "
            "folder to start afresh (its data is lost)."
        ) from exc


def _log_tail(server: LocalNeo4j) -> str:
    parts = []
    for log in (server.home / "logs" / "neo4j.log", server.console_log):
        if log.exists():
            parts.append(f"--- {log} ---\n" + _tail(log.read_text(errors="replace"), 25))
    return "\n".join(parts) or "(no log written)"


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def status(server: LocalNeo4j) -> str:
    """``running`` (process alive and Bolt answers), ``starting`` or ``stopped``."""
    pid = _pid(server)
    if pid is None:
        return "stopped"
    try:
        return "running" if _answers(server) else "starting"
    except Neo4jServerError:
        return "running"


def start(server: LocalNeo4j, *, timeout: float = 180.0) -> float:
    """Start the server unless it runs; wait until Bolt answers.

    Returns the seconds it took (0.0 when it was already running). Raises
    :class:`Neo4jServerError` with the tail of Neo4j's log on failure.
    """
    began = time.monotonic()
    if _pid(server) is not None:
        if _answers(server):
            return 0.0
    elif _port_in_use(server.port):
        raise Neo4jServerError(
            f"Port {server.port} is taken by another process. Stop it, or choose another "
            "port in NEO4J_URI (e.g. bolt://127.0.0.1:7688)."
        )
    fetch_jars(server.lib)
    java = _java()
    first_start = not (server.home / "data" / "databases" / "system").exists()
    _write_config(server)
    if first_start:
        _set_initial_password(server, java)
    if _pid(server) is None:
        heap = (f"-Xms{server.heap}", f"-Xmx{server.heap}")
        cmd = [
            java,
            *heap,
            *JVM_FLAGS[2:],
            "-cp",
            # As Neo4j's own launcher: the plugins' jars on the classpath too (APOC needs it).
            f"{server.lib}/*:{server.home / 'plugins'}/*",
            "org.neo4j.server.CommunityEntryPoint",
            f"--home-dir={server.home}",
            f"--config-dir={server.home / 'conf'}",
        ]
        env = dict(os.environ, NEO4J_HOME=str(server.home), NEO4J_CONF=str(server.home / "conf"))
        with server.console_log.open("ab") as console:
            proc = subprocess.Popen(
                cmd,
                cwd=server.home,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server.pid_file.write_text(str(proc.pid))
    deadline = began + timeout
    while time.monotonic() < deadline:
        if _pid(server) is None:
            server.pid_file.unlink(missing_ok=True)
            raise Neo4jServerError("Neo4j exited during start-up.\n" + _log_tail(server))
        if _answers(server):
            return time.monotonic() - began
        time.sleep(0.5)
    raise Neo4jServerError(
        f"Neo4j did not answer on {server.uri} within {timeout:.0f} s.\n" + _log_tail(server)
    )


def stop(server: LocalNeo4j, *, timeout: float = 60.0) -> bool:
    """Stop the server cleanly (SIGTERM, then SIGKILL after ``timeout``).

    Returns False when it was not running.
    """
    pid = _pid(server)
    if pid is None:
        server.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            break
        time.sleep(0.2)
    else:
        os.kill(pid, signal.SIGKILL)
    server.pid_file.unlink(missing_ok=True)
    return True


def _alive(pid: int) -> bool:
    try:
        # Reap it if it is our child, so it does not linger as a zombie.
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
