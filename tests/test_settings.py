"""Settings from the environment: working defaults, and errors that name the variable."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from server.settings import DEFAULT_PASSWORD, ConfigurationError, Settings, project_root


def test_an_empty_environment_gives_the_local_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.env == "development"
    assert settings.development
    assert settings.neo4j_uri == "bolt://127.0.0.1:7687"
    assert (settings.neo4j_user, settings.neo4j_password) == ("neo4j", DEFAULT_PASSWORD)
    assert settings.neo4j_home == project_root() / ".neo4j" / "home"
    assert (settings.host, settings.port, settings.max_page_size) == ("127.0.0.1", 8000, 100)
    assert settings.apply_migrations_on_start is True


def test_variables_override_the_defaults(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "MAILLAGE_ENV": " Production ",
            "NEO4J_URI": "neo4j+s://abcd1234.databases.neo4j.io",
            "NEO4J_PASSWORD": "a real secret",
            "MAILLAGE_NEO4J_HOME": str(tmp_path / "home"),
            "MAILLAGE_PORT": "9000",
            "MAILLAGE_LOG_LEVEL": "debug",
            "MAILLAGE_MAX_PAGE_SIZE": "50",
            "MAILLAGE_SWEEP_INTERVAL_SECONDS": "60",
            "MAILLAGE_MIGRATE_ON_START": "off",
        }
    )
    assert settings.env == "production"
    assert not settings.development
    assert settings.neo4j_password == "a real secret"
    assert settings.neo4j_home == tmp_path / "home"
    assert (settings.port, settings.log_level, settings.max_page_size) == (9000, "DEBUG", 50)
    assert settings.sweep_interval_seconds == 60.0
    assert settings.apply_migrations_on_start is False


def test_blank_variables_fall_back_to_the_defaults() -> None:
    settings = Settings.from_env({"NEO4J_URI": "  ", "MAILLAGE_PORT": "", "MAILLAGE_ENV": ""})
    assert (settings.neo4j_uri, settings.port, settings.env) == (
        "bolt://127.0.0.1:7687",
        8000,
        "development",
    )


@pytest.mark.parametrize(
    ("uri", "port"),
    [
        pytest.param("bolt://127.0.0.1:17687", 17687, id="explicit"),
        pytest.param("neo4j://db.example.org", 7687, id="default-port"),
    ],
)
def test_the_bolt_port_is_the_one_in_the_uri(uri: str, port: int) -> None:
    assert Settings.from_env({"NEO4J_URI": uri}).neo4j_bolt_port == port


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        pytest.param({"MAILLAGE_PORT": "eighty"}, "MAILLAGE_PORT", id="port-not-a-number"),
        pytest.param({"MAILLAGE_PORT": "0"}, "MAILLAGE_PORT", id="port-zero"),
        pytest.param({"MAILLAGE_ENV": "staging"}, "MAILLAGE_ENV", id="unknown-env"),
        pytest.param({"NEO4J_URI": "http://127.0.0.1:7474"}, "NEO4J_URI", id="http-uri"),
        pytest.param({"NEO4J_URI": "bolt://"}, "NEO4J_URI", id="uri-without-host"),
        pytest.param({"NEO4J_PASSWORD": ""}, "NEO4J_PASSWORD", id="empty-password"),
        pytest.param({"NEO4J_PASSWORD": "short"}, "NEO4J_PASSWORD", id="short-password"),
        pytest.param({"MAILLAGE_LOG_LEVEL": "LOUD"}, "MAILLAGE_LOG_LEVEL", id="log-level"),
        pytest.param({"MAILLAGE_MAX_PAGE_SIZE": "5000"}, "MAILLAGE_MAX_PAGE_SIZE", id="page-size"),
        pytest.param(
            {"MAILLAGE_AUTH_CACHE_SECONDS": "-3"}, "MAILLAGE_AUTH_CACHE_SECONDS", id="negative"
        ),
        pytest.param(
            {"MAILLAGE_MIGRATE_ON_START": "maybe"}, "MAILLAGE_MIGRATE_ON_START", id="flag"
        ),
        pytest.param(
            {"MAILLAGE_SWEEP_INTERVAL_SECONDS": "5 min"},
            "MAILLAGE_SWEEP_INTERVAL_SECONDS",
            id="interval-with-unit",
        ),
    ],
)
def test_a_bad_value_is_a_configuration_error_naming_the_variable(
    environ: dict[str, str], variable: str
) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        Settings.from_env(environ)


def test_production_refuses_the_default_password() -> None:
    with pytest.raises(ConfigurationError, match="MAILLAGE_ENV=production with the default"):
        Settings.from_env({"MAILLAGE_ENV": "production"})


def test_development_and_test_accept_the_default_password() -> None:
    for env in ("development", "test"):
        assert Settings.from_env({"MAILLAGE_ENV": env}).neo4j_password == DEFAULT_PASSWORD


def test_a_bad_number_says_what_a_good_one_looks_like() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({"MAILLAGE_PORT": "eighty"})
    assert str(caught.value) == "MAILLAGE_PORT='eighty' is not a whole number; set it to e.g. 8000."


def test_seconds_may_be_fractions_and_every_field_is_read_from_its_variable() -> None:
    settings = Settings.from_env(
        {"MAILLAGE_EVENT_POLL_SECONDS": "0.25", "MAILLAGE_AUTH_CACHE_SECONDS": "1.5"}
    )
    assert (settings.event_poll_seconds, settings.auth_cache_seconds) == (0.25, 1.5)
    declared = {f.name for f in dataclasses.fields(Settings)}
    assert set(Settings.variables().values()) == declared


def test_origins_are_a_comma_separated_list_without_trailing_slashes() -> None:
    settings = Settings.from_env({"MAILLAGE_ALLOWED_ORIGINS": " https://a.org/ , https://b.org"})
    assert settings.allowed_origins == ("https://a.org", "https://b.org")


def _readme_configuration_variables() -> set[str]:
    text = (project_root() / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z0-9_]+)`", row.split("|")[1])}


def test_the_readme_configuration_table_lists_exactly_the_declared_settings() -> None:
    assert _readme_configuration_variables() == set(Settings.variables())
