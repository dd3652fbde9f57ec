"""Settings from environment variables, with working local defaults.

A misconfiguration fails at start-up with a message that says how to fix it,
never later with a stack trace from deep inside a request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

__all__ = ["DEFAULT_PASSWORD", "ConfigurationError", "Settings", "project_root"]

DEFAULT_PASSWORD = "maillage-dev-password"
_SCHEMES = {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}


class ConfigurationError(Exception):
    """A setting is wrong; the message names the variable and a valid value."""


def project_root() -> Path:
    """The checkout this package runs from (local state lives in its ``.neo4j/``)."""
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment.

    Every field has a default that works on a developer's machine with the
    Neo4j that ``maillage neo4j start`` provisions.
    """

    env: str = "development"
    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: str = DEFAULT_PASSWORD
    neo4j_database: str = "neo4j"
    neo4j_home: Path = field(default_factory=lambda: project_root() / ".neo4j" / "home")
    neo4j_lib: Path = field(default_factory=lambda: project_root() / ".neo4j" / "lib")
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    max_page_size: int = 100
    ack_delay_hours: int = 72
    retention_days: int = 90
    sweep_interval_seconds: float = 300.0
    event_poll_seconds: float = 0.5
    apply_migrations_on_start: bool = True
    # The hardened edge: each limit is refused with a clear error before any database work.
    max_query_depth: int = 12
    max_query_tokens: int = 3000
    max_aliases: int = 30
    max_body_bytes: int = 1_000_000
    max_batch_operations: int = 10
    rate_limit_per_minute: int = 600
    rate_limit_burst: int = 120
    max_subscriptions_per_connection: int = 5
    # A token's principal is reused this long in each process (0: look up every request).
    # A revoked token therefore stops working within this delay everywhere.
    auth_cache_seconds: float = 5.0
    # How long a worker may still edit or delete a presence entry they logged.
    presence_edit_days: int = 7
    allowed_origins: tuple[str, ...] = (
        "http://127.0.0.1:8000",
        "http://localhost:8000",
    )

    @property
    def development(self) -> bool:
        return self.env == "development"

    @property
    def neo4j_bolt_port(self) -> int:
        """The port in ``NEO4J_URI``; a locally provisioned server listens there."""
        return urlparse(self.neo4j_uri).port or 7687

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``) and validate them."""
        env = os.environ if environ is None else environ
        defaults = cls()

        def text(name: str, default: str) -> str:
            return env.get(name, default).strip() or default

        def integer(name: str, default: int, minimum: int = 1) -> int:
            raw = env.get(name)
            if raw is None or not raw.strip():
                return default
            try:
                value = int(raw)
            except ValueError:
                raise ConfigurationError(
                    f"{name}={raw!r} is not a whole number; set it to e.g. {default}."
                ) from None
            if value < minimum:
                raise ConfigurationError(f"{name}={value} must be at least {minimum}.")
            return value

        def flag(name: str, default: bool) -> bool:
            raw = env.get(name)
            if raw is None or not raw.strip():
                return default
            if raw.strip().lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.strip().lower() in {"0", "false", "no", "off"}:
                return False
            raise ConfigurationError(f"{name}={raw!r} must be true or false.")

        home = env.get("MAILLAGE_NEO4J_HOME")
        lib = env.get("MAILLAGE_NEO4J_LIB")
        settings = cls(
            env=text("MAILLAGE_ENV", defaults.env).lower(),
            neo4j_uri=text("NEO4J_URI", defaults.neo4j_uri),
            neo4j_user=text("NEO4J_USER", defaults.neo4j_user),
            neo4j_password=env.get("NEO4J_PASSWORD", defaults.neo4j_password),
            neo4j_database=text("NEO4J_DATABASE", defaults.neo4j_database),
            neo4j_home=Path(home).resolve() if home else defaults.neo4j_home,
            neo4j_lib=Path(lib).resolve() if lib else defaults.neo4j_lib,
            host=text("MAILLAGE_HOST", defaults.host),
            port=integer("MAILLAGE_PORT", defaults.port),
            log_level=text("MAILLAGE_LOG_LEVEL", defaults.log_level).upper(),
            max_page_size=integer("MAILLAGE_MAX_PAGE_SIZE", defaults.max_page_size),
            ack_delay_hours=integer("MAILLAGE_ACK_DELAY_HOURS", defaults.ack_delay_hours),
            retention_days=integer("MAILLAGE_RETENTION_DAYS", defaults.retention_days),
            sweep_interval_seconds=float(
                integer("MAILLAGE_SWEEP_INTERVAL_SECONDS", int(defaults.sweep_interval_seconds))
            ),
            apply_migrations_on_start=flag(
                "MAILLAGE_MIGRATE_ON_START", defaults.apply_migrations_on_start
            ),
            max_query_depth=integer("MAILLAGE_MAX_QUERY_DEPTH", defaults.max_query_depth),
            max_query_tokens=integer("MAILLAGE_MAX_QUERY_TOKENS", defaults.max_query_tokens),
            max_aliases=integer("MAILLAGE_MAX_ALIASES", defaults.max_aliases, minimum=0),
            max_body_bytes=integer("MAILLAGE_MAX_BODY_BYTES", defaults.max_body_bytes, 1024),
            max_batch_operations=integer(
                "MAILLAGE_MAX_BATCH_OPERATIONS", defaults.max_batch_operations
            ),
            rate_limit_per_minute=integer(
                "MAILLAGE_RATE_LIMIT_PER_MINUTE", defaults.rate_limit_per_minute
            ),
            rate_limit_burst=integer("MAILLAGE_RATE_LIMIT_BURST", defaults.rate_limit_burst),
            max_subscriptions_per_connection=integer(
                "MAILLAGE_MAX_SUBSCRIPTIONS_PER_CONNECTION",
                defaults.max_subscriptions_per_connection,
            ),
            auth_cache_seconds=float(
                integer("MAILLAGE_AUTH_CACHE_SECONDS", int(defaults.auth_cache_seconds), 0)
            ),
            presence_edit_days=integer("MAILLAGE_PRESENCE_EDIT_DAYS", defaults.presence_edit_days),
            allowed_origins=tuple(
                o.strip().rstrip("/")
                for o in env.get(
                    "MAILLAGE_ALLOWED_ORIGINS", ",".join(defaults.allowed_origins)
                ).split(",")
                if o.strip()
            ),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raise :class:`ConfigurationError` naming the first bad setting."""
        if self.env not in {"development", "production", "test"}:
            raise ConfigurationError(
                f"MAILLAGE_ENV={self.env!r} is unknown; use development, test or production."
            )
        parsed = urlparse(self.neo4j_uri)
        if parsed.scheme not in _SCHEMES or not parsed.hostname:
            raise ConfigurationError(
                f"NEO4J_URI={self.neo4j_uri!r} is not a Neo4j address; "
                "use e.g. bolt://127.0.0.1:7687 or neo4j+s://xxxx.databases.neo4j.io."
            )
        if not self.neo4j_password:
            raise ConfigurationError("NEO4J_PASSWORD is empty; set the Neo4j user's password.")
        if len(self.neo4j_password) < 8:
            raise ConfigurationError(
                "NEO4J_PASSWORD must have at least 8 characters (Neo4j refuses shorter ones)."
            )
        if self.env == "production" and self.neo4j_password == DEFAULT_PASSWORD:
            raise ConfigurationError(
                "MAILLAGE_ENV=production with the default NEO4J_PASSWORD; set a real password."
            )
        if self.log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ConfigurationError(
                f"MAILLAGE_LOG_LEVEL={self.log_level!r}; use DEBUG, INFO, WARNING or ERROR."
            )
        if not 1 <= self.max_page_size <= 1000:
            raise ConfigurationError("MAILLAGE_MAX_PAGE_SIZE must be between 1 and 1000.")
