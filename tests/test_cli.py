"""The ``maillage`` command line, run as a user runs it: a process with environment variables."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from graph.db import Database
from server.settings import Settings, project_root
from tests.conftest import Api, World, shell_env, unique


@pytest.fixture
def cli_env(settings: Settings, db: Database) -> dict[str, str]:
    """The environment of a shell pointed at the test server (already migrated by ``db``)."""
    return shell_env(settings)


def maillage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=project_root(),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_migrate_on_an_up_to_date_database_says_so(cli_env: dict[str, str]) -> None:
    done = maillage(cli_env, "migrate")
    assert (done.returncode, done.stdout, done.stderr) == (0, "schema is up to date\n", "")


async def test_a_token_created_on_the_command_line_authenticates_on_the_api(
    cli_env: dict[str, str], client: httpx.AsyncClient
) -> None:
    email = f"{unique('cli')}@test.maillage"
    user = maillage(cli_env, "user", "create", "--email", email, "--name", "Agente CLI")
    assert user.returncode == 0, user.stderr
    assert user.stdout.startswith("created user ")
    assert user.stdout.rstrip().endswith(f"<{email}>")

    token = maillage(cli_env, "token", "create", "--user", email.upper(), "--label", "cli")
    assert token.returncode == 0, token.stderr
    heading, secret = token.stdout.splitlines()
    assert heading.startswith("token ") and "shown once" in heading
    me = await Api(client, secret).data("{ me { user { name } roles } }")
    assert me == {"me": {"user": {"name": "Agente CLI"}, "roles": []}}


def test_a_bad_neo4j_uri_is_one_line_naming_the_variable(cli_env: dict[str, str]) -> None:
    done = maillage({**cli_env, "NEO4J_URI": "http://127.0.0.1:7474"}, "migrate")
    assert done.returncode == 1
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("maillage: configuration error: NEO4J_URI='http://127.0.0.1:7474'")


def test_a_refused_command_prints_the_error_code_and_message(cli_env: dict[str, str]) -> None:
    email = f"{unique('cli')}@test.maillage"
    assert maillage(cli_env, "user", "create", "--email", email, "--name", "Une").returncode == 0
    again = maillage(cli_env, "user", "create", "--email", email, "--name", "Deux")
    assert again.returncode == 1
    assert again.stderr == f"maillage: CONFLICT: A user with email {email} already exists.\n"


def hsds_source(path: Path) -> tuple[Path, str, str]:
    """An HSDS service with its organization, under fresh ids."""
    organization_id, service_id = str(uuid.uuid4()), str(uuid.uuid4())
    document = {
        "id": service_id,
        "name": "Dépannage alimentaire",
        "description": "Paniers d'épicerie",
        "status": "active",
        "attributes": [
            {
                "id": str(uuid.uuid4()),
                "taxonomy_term": {
                    "id": str(uuid.uuid4()),
                    "code": "FOOD_SECURITY",
                    "name": "Food security",
                    "description": "",
                },
            }
        ],
        "organization": {
            "id": organization_id,
            "name": unique("Banque alimentaire "),
            "description": "Quartier",
            "phones": [{"id": str(uuid.uuid4()), "number": "1"}],
        },
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path, organization_id, service_id


def test_import_hsds_prints_counts_and_a_second_run_changes_nothing(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    source, _, _ = hsds_source(tmp_path / "service.json")
    first = maillage(cli_env, "import", "hsds", str(source), "--kind", "FOOD_SECURITY")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        f"imported {source}",
        "  organizations:  1 created, 0 updated, 0 unchanged",
        "  services:       1 created, 0 updated, 0 unchanged",
        "  taxonomy terms: 0 created, 0 updated, 0 unchanged",  # the term is a Maillage need
        "  left out (no Maillage equivalent): phones",
    ]
    second = maillage(cli_env, "import", "hsds", str(source))
    assert second.stdout.splitlines()[1:3] == [
        "  organizations:  0 created, 0 updated, 1 unchanged",
        "  services:       0 created, 0 updated, 1 unchanged",
    ]


def test_import_of_a_file_that_is_not_hsds_names_it(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.json"
    source.write_text('{"first": "Ann"}', encoding="utf-8")
    done = maillage(cli_env, "import", "hsds", str(source))
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"maillage: BAD_USER_INPUT: {source}: not an HSDS organization")


async def test_export_hsds_of_a_network_writes_both_files(
    cli_env: dict[str, str], world: World, tmp_path: Path
) -> None:
    network = await world.network()
    org = await world.organization(network)
    await world.service(org, needs=["HOUSING"])
    out = tmp_path / "hsds"
    done = maillage(cli_env, "export", "hsds", str(out), "--network", network["id"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"exported to {out}",
        "  organizations:     1  (organizations.json)",
        "  services:          1  (services.json)",
    ]
    (exported,) = json.loads((out / "services.json").read_text(encoding="utf-8"))
    assert (exported["organization_id"], exported["organization"]["name"]) == (
        org["id"],
        org["name"],
    )


def test_export_of_an_unknown_network_is_not_found(cli_env: dict[str, str], tmp_path: Path) -> None:
    network_id = str(uuid.uuid4())
    done = maillage(cli_env, "export", "hsds", str(tmp_path), "--network", network_id)
    assert done.returncode == 1
    assert done.stderr == f"maillage: NOT_FOUND: No network with id {network_id}.\n"


def test_import_hsds_refuses_a_source_that_breaks_the_schema_naming_record_and_field(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    source, _, service_id = hsds_source(tmp_path / "service.json")
    document = json.loads(source.read_text(encoding="utf-8"))
    document["organization"]["phones"][0]["id"] = "p1"
    source.write_text(json.dumps(document), encoding="utf-8")
    done = maillage(cli_env, "import", "hsds", str(source))
    assert done.returncode == 1
    assert f"{source}: <root> (record {service_id})" in done.stderr
    assert "field organization/phones/0/id: 'p1' is not a 'uuid'" in done.stderr
