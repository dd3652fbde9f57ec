"""The local Neo4j the project provisions (graph/neo4j_server.py): status and refusals.

These tests start no server of their own: they look at the test server that
``tests/conftest.py`` runs, and at homes where nothing runs.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from graph import neo4j_server as local
from server.settings import Settings, project_root
from tests.conftest import TEST_HOME, TEST_PASSWORD, TEST_PORT


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def elsewhere(tmp_path: Path, port: int) -> local.LocalNeo4j:
    """A server description with a fresh home, sharing the test server's jars."""
    return local.LocalNeo4j(
        home=tmp_path / "home",
        lib=project_root() / ".neo4j" / "lib",
        port=port,
        password=TEST_PASSWORD,
    )


@pytest.fixture
def test_server(settings: Settings) -> local.LocalNeo4j:
    if os.environ.get("MAILLAGE_TEST_NEO4J_URI"):
        pytest.skip("the tests use an external Neo4j, not the one the project provisions")
    assert urlparse(settings.neo4j_uri).port == TEST_PORT
    root = project_root() / ".neo4j"
    return local.LocalNeo4j(
        home=root / TEST_HOME, lib=root / "lib", port=TEST_PORT, password=TEST_PASSWORD
    )


def test_the_test_server_is_running(test_server: local.LocalNeo4j) -> None:
    assert local.status(test_server) == "running"
    assert test_server.uri == f"bolt://127.0.0.1:{TEST_PORT}"


def test_starting_a_running_server_returns_at_once(test_server: local.LocalNeo4j) -> None:
    assert local.start(test_server) == 0.0


def test_a_server_never_started_is_stopped(tmp_path: Path) -> None:
    server = elsewhere(tmp_path, free_port())
    assert local.status(server) == "stopped"
    assert local.stop(server) is False


def test_a_pid_file_of_a_dead_process_means_stopped(tmp_path: Path) -> None:
    server = elsewhere(tmp_path, free_port())
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    server.pid_file.parent.mkdir(parents=True)
    server.pid_file.write_text(str(dead.pid))
    assert local.status(server) == "stopped"
    assert local.stop(server) is False
    assert not server.pid_file.exists()  # the stale file is cleared


def test_starting_on_a_port_the_test_server_holds_is_refused_naming_the_port(
    test_server: local.LocalNeo4j, tmp_path: Path
) -> None:
    server = elsewhere(tmp_path, test_server.port)
    with pytest.raises(local.Neo4jServerError, match=rf"Port {test_server.port} is taken"):
        local.start(server, timeout=5)
    assert local.status(server) == "stopped"
    assert not server.pid_file.exists()  # nothing was started
