"""docker-compose.yml, Dockerfile and .dockerignore, checked by reading them.

No Docker engine is needed: the files are parsed and their wiring compared
(the password variable, the Bolt address, health checks, the volume). Where
a Docker client with the compose plugin exists, ``docker compose config``
is run as well.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from server.settings import DEFAULT_PASSWORD

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = f"${{NEO4J_PASSWORD:-{DEFAULT_PASSWORD}}}"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def service(compose: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(compose["services"][name])


def environment(compose: dict[str, Any], name: str) -> dict[str, str]:
    """A service's environment, whether written as a mapping or as KEY=value lines."""
    raw = service(compose, name).get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {key: str(value) for key, value in raw.items()}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    logical = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    instructions = []
    for line in logical.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


# ------------------------------------------------------------ docker-compose.yml


def test_compose_runs_neo4j_and_the_api(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"neo4j", "api"}


def test_neo4j_is_the_5_26_community_image(compose: dict[str, Any]) -> None:
    assert service(compose, "neo4j")["image"] == "neo4j:5.26-community"


def test_neo4j_publishes_bolt_only(compose: dict[str, Any]) -> None:
    assert service(compose, "neo4j")["ports"] == ["7687:7687"]


def test_api_publishes_port_8000(compose: dict[str, Any]) -> None:
    assert service(compose, "api")["ports"] == ["8000:8000"]


def test_neo4j_is_configured_by_environment(compose: dict[str, Any]) -> None:
    env = environment(compose, "neo4j")
    assert env["NEO4J_server_memory_pagecache_size"] == "256m"
    assert env["NEO4J_dbms_usage__report_enabled"] == "false"


def test_both_services_take_the_password_from_one_variable(compose: dict[str, Any]) -> None:
    assert environment(compose, "neo4j")["NEO4J_AUTH"] == f"neo4j/{PASSWORD}"
    assert environment(compose, "api")["NEO4J_PASSWORD"] == PASSWORD


def test_default_password_is_long_enough_for_neo4j() -> None:
    assert len(DEFAULT_PASSWORD) >= 8


def test_neo4j_container_gets_no_variable_its_image_would_misread_as_a_setting(
    compose: dict[str, Any],
) -> None:
    # The image writes every NEO4J_* variable into neo4j.conf (NEO4J_PASSWORD -> "PASSWORD"),
    # and Neo4j 5 refuses to start on a setting it does not know.
    assert "NEO4J_PASSWORD" not in environment(compose, "neo4j")


def test_api_reaches_neo4j_by_service_name_and_bolt_port(compose: dict[str, Any]) -> None:
    env = environment(compose, "api")
    assert env["NEO4J_URI"] == "bolt://neo4j:7687"
    assert env["NEO4J_USER"] == environment(compose, "neo4j")["NEO4J_AUTH"].split("/")[0]
    assert env["MAILLAGE_ENV"] == "development"


def test_api_is_built_from_the_repository_dockerfile(compose: dict[str, Any]) -> None:
    build = service(compose, "api")["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    assert (ROOT / context / "Dockerfile").resolve() == (ROOT / "Dockerfile").resolve()


def test_api_waits_for_a_healthy_neo4j(compose: dict[str, Any]) -> None:
    assert service(compose, "api")["depends_on"] == {"neo4j": {"condition": "service_healthy"}}


@pytest.mark.parametrize("name", ["neo4j", "api"])
def test_each_service_has_a_complete_healthcheck(compose: dict[str, Any], name: str) -> None:
    healthcheck = service(compose, name)["healthcheck"]
    assert healthcheck["test"][0] in {"CMD", "CMD-SHELL"}
    assert len(healthcheck["test"]) > 1
    assert {"interval", "timeout", "retries", "start_period"} <= healthcheck.keys()


def test_neo4j_healthcheck_runs_a_query_with_the_containers_own_password(
    compose: dict[str, Any],
) -> None:
    command = " ".join(service(compose, "neo4j")["healthcheck"]["test"][1:])
    assert "cypher-shell" in command
    assert "RETURN 1" in command
    assert "$${NEO4J_AUTH" in command  # "$$": expanded in the container, not by compose


def test_api_healthcheck_asks_healthz_with_python_not_curl(compose: dict[str, Any]) -> None:
    test = service(compose, "api")["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    assert "urllib.request" in test[3]
    assert "http://localhost:8000/healthz" in test[3]


def test_compose_interpolates_only_the_password_variable() -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8").replace("$$", "")
    text = "\n".join(line.split("#")[0] for line in text.splitlines())  # comments aside
    assert set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text)) == {"NEO4J_PASSWORD"}


def test_neo4j_data_lives_in_a_declared_named_volume(compose: dict[str, Any]) -> None:
    mounts = service(compose, "neo4j")["volumes"]
    named = [mount.split(":")[0] for mount in mounts if mount.split(":")[1] == "/data"]
    assert len(named) == 1
    assert named[0] in (compose.get("volumes") or {})


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="no docker client with the compose plugin here",
)
def test_docker_compose_accepts_the_file() -> None:
    result = subprocess.run(
        ["docker", "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


# ------------------------------------------------------------ Dockerfile


def test_image_builds_on_python_3_11() -> None:
    stages = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "FROM"]
    # The last stage is the image; an earlier one builds the web app with Node.js 20.
    assert stages[-1].startswith("python:3.11")
    assert [s for s in stages[:-1] if s.startswith("node:20")], stages


def test_image_serves_the_web_app_built_in_its_node_stage() -> None:
    instructions = dockerfile_instructions()
    copies = [arguments for keyword, arguments in instructions if keyword == "COPY"]
    assert "--from=web /web/dist /srv/web" in copies
    envs = [arguments for keyword, arguments in instructions if keyword == "ENV"]
    assert "MAILLAGE_WEB_DIST=/srv/web" in envs


def test_image_copies_pyproject_and_installs_the_project() -> None:
    instructions = dockerfile_instructions()
    copies = [arguments.split() for keyword, arguments in instructions if keyword == "COPY"]
    assert any("pyproject.toml" in sources for sources in copies)
    runs = [arguments for keyword, arguments in instructions if keyword == "RUN"]
    assert any(re.search(r"\bpip install (\S+ )*\.(\s|$)", run) for run in runs)


def test_image_copies_every_package_the_project_ships() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {name for name in found if "." not in name}  # subpackages come with their parent
    copied = {
        source.rstrip("/")
        for keyword, arguments in dockerfile_instructions()
        if keyword == "COPY"
        for source in arguments.split()[:-1]
    }
    assert packages <= copied


def test_image_runs_as_a_user_other_than_root() -> None:
    instructions = dockerfile_instructions()
    users = [index for index, (keyword, _) in enumerate(instructions) if keyword == "USER"]
    assert users, "the Dockerfile never leaves root"
    user = instructions[users[-1]][1].split(":")[0]
    assert user not in {"root", "0"}
    last_run = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "RUN")
    assert users[-1] > last_run  # the install ran as root, the server does not


def test_image_serves_maillage_on_all_interfaces_port_8000() -> None:
    instructions = dict(dockerfile_instructions())
    assert json.loads(instructions["CMD"]) == [
        "maillage",
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
    ]
    assert instructions["EXPOSE"] == "8000"


# ------------------------------------------------------------ .dockerignore


def dockerignore() -> set[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_build_context_leaves_out_the_virtualenv_local_neo4j_and_git() -> None:
    assert {".venv", ".neo4j", ".git"} <= dockerignore()


def test_build_context_keeps_what_the_image_copies() -> None:
    copied = {
        source.rstrip("/").rstrip("*")
        for keyword, arguments in dockerfile_instructions()
        if keyword == "COPY"
        for source in arguments.split()[:-1]
    }
    assert not copied & dockerignore()
