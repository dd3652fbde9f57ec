"""Settings from environment variables, with working local defaults.

Each setting is declared once, below: its type, its default, its environment
variable (``Env``) and its bounds. Pydantic turns the variables' text into
typed values; a misconfiguration fails at start-up with a message that names
the variable and says how to fix it, never later with a stack trace from deep
inside a request. ``tests/test_settings.py`` checks that the README's
configuration table lists exactly the variables declared here.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from annotated_types import Ge, Le
from pydantic import BeforeValidator, ConfigDict, ValidationError
from pydantic.dataclasses import dataclass
from pydantic.fields import FieldInfo

from domain.notifications import ReminderPolicy
from graph.db import Timeouts

__all__ = ["DEFAULT_PASSWORD", "ConfigurationError", "Env", "Settings", "project_root"]

DEFAULT_PASSWORD = "maillage-dev-password"
_SCHEMES = {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}


class ConfigurationError(Exception):
    """A setting is wrong; the message names the variable and a valid value."""


def project_root() -> Path:
    """The checkout this package runs from (local state lives in its ``.neo4j/``)."""
    return Path(__file__).resolve().parent.parent


@dataclasses.dataclass(frozen=True)
class Env:
    """The environment variable a setting is read from (blank means the default, unless kept)."""

    name: str
    keep_blank: bool = False


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _path(value: Any) -> Any:
    return Path(value).resolve() if isinstance(value, str) else value


def _base_url(value: Any) -> Any:
    return value.strip().rstrip("/") if isinstance(value, str) else value


def _origins(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())
    return value


@dataclass(frozen=True, config=ConfigDict(strict=False))
class Settings:
    """Everything the app reads from its environment.

    Every field has a default that works on a developer's machine with the
    Neo4j that ``maillage neo4j start`` provisions.
    """

    env: Annotated[str, Env("MAILLAGE_ENV"), BeforeValidator(_lower)] = "development"
    neo4j_uri: Annotated[str, Env("NEO4J_URI")] = "bolt://127.0.0.1:7687"
    neo4j_user: Annotated[str, Env("NEO4J_USER")] = "neo4j"
    # A blank password is an error, not the default.
    neo4j_password: Annotated[str, Env("NEO4J_PASSWORD", keep_blank=True)] = DEFAULT_PASSWORD
    neo4j_database: Annotated[str, Env("NEO4J_DATABASE")] = "neo4j"
    # Bounded waits on Neo4j for the API: every request fails fast instead of hanging.
    neo4j_connect_timeout_seconds: Annotated[
        float, Env("MAILLAGE_NEO4J_CONNECT_TIMEOUT_SECONDS"), Ge(0.1)
    ] = 2.0
    neo4j_retry_seconds: Annotated[float, Env("MAILLAGE_NEO4J_RETRY_SECONDS"), Ge(0)] = 2.0
    neo4j_transaction_timeout_seconds: Annotated[
        float, Env("MAILLAGE_NEO4J_TRANSACTION_TIMEOUT_SECONDS"), Ge(0.1)
    ] = 10.0
    # The whole HTTP request (every query, the Python work between, waiting for analytics):
    # past it the caller gets a coded 503. 0: no limit.
    request_time_limit_seconds: Annotated[
        float, Env("MAILLAGE_REQUEST_TIME_LIMIT_SECONDS"), Ge(0)
    ] = 30.0
    neo4j_home: Annotated[Path, Env("MAILLAGE_NEO4J_HOME"), BeforeValidator(_path)] = field(
        default_factory=lambda: project_root() / ".neo4j" / "home"
    )
    neo4j_lib: Annotated[Path, Env("MAILLAGE_NEO4J_LIB"), BeforeValidator(_path)] = field(
        default_factory=lambda: project_root() / ".neo4j" / "lib"
    )
    host: Annotated[str, Env("MAILLAGE_HOST")] = "127.0.0.1"
    port: Annotated[int, Env("MAILLAGE_PORT"), Ge(1), Le(65535)] = 8000
    # The HTTP server: idle keep-alive connections are closed after this many seconds, and
    # past this many open connections or tasks new ones get 503 at once instead of queueing.
    http_keep_alive_seconds: Annotated[float, Env("MAILLAGE_HTTP_KEEP_ALIVE_SECONDS"), Ge(1)] = 5.0
    http_max_concurrency: Annotated[int, Env("MAILLAGE_HTTP_MAX_CONCURRENCY"), Ge(1)] = 1024
    log_level: Annotated[str, Env("MAILLAGE_LOG_LEVEL"), BeforeValidator(_upper)] = "INFO"
    max_page_size: Annotated[int, Env("MAILLAGE_MAX_PAGE_SIZE"), Ge(1), Le(1000)] = 100
    sweep_interval_seconds: Annotated[float, Env("MAILLAGE_SWEEP_INTERVAL_SECONDS"), Ge(1)] = 300.0
    # How often a subscription looks for new events in the database (all API processes).
    event_poll_seconds: Annotated[float, Env("MAILLAGE_EVENT_POLL_SECONDS"), Ge(0.05)] = 0.5
    apply_migrations_on_start: Annotated[bool, Env("MAILLAGE_MIGRATE_ON_START")] = True
    # The hardened edge: each limit is refused with a clear error before any database work.
    max_query_depth: Annotated[int, Env("MAILLAGE_MAX_QUERY_DEPTH"), Ge(1)] = 12
    max_query_tokens: Annotated[int, Env("MAILLAGE_MAX_QUERY_TOKENS"), Ge(1)] = 3000
    max_aliases: Annotated[int, Env("MAILLAGE_MAX_ALIASES"), Ge(0)] = 30
    # Counted after fragment expansion, pages multiplied by `first` (schema/query_cost.py).
    max_query_cost: Annotated[int, Env("MAILLAGE_MAX_QUERY_COST"), Ge(1)] = 20_000
    max_fragment_depth: Annotated[int, Env("MAILLAGE_MAX_FRAGMENT_DEPTH"), Ge(1)] = 20
    max_body_bytes: Annotated[int, Env("MAILLAGE_MAX_BODY_BYTES"), Ge(1024)] = 1_000_000
    max_batch_operations: Annotated[int, Env("MAILLAGE_MAX_BATCH_OPERATIONS"), Ge(1)] = 10
    rate_limit_per_minute: Annotated[int, Env("MAILLAGE_RATE_LIMIT_PER_MINUTE"), Ge(1)] = 600
    rate_limit_burst: Annotated[int, Env("MAILLAGE_RATE_LIMIT_BURST"), Ge(1)] = 120
    # A folder the workers of one machine share: the rate limit's buckets (a SQLite file) and
    # the lock that elects the one worker running the sweep and the e-mail delivery. Blank:
    # one process, on its own; `maillage serve` with several workers makes one for the run.
    shared_state_dir: Annotated[str, Env("MAILLAGE_SHARED_STATE_DIR")] = ""
    # API processes `maillage serve` starts (0: one per core in production, one otherwise).
    workers: Annotated[int, Env("MAILLAGE_WORKERS"), Ge(0), Le(64)] = 0
    max_subscriptions_per_connection: Annotated[
        int, Env("MAILLAGE_MAX_SUBSCRIPTIONS_PER_CONNECTION"), Ge(1)
    ] = 5
    # A token's principal is reused this long in each process (0: look up every request).
    # A revoked token therefore stops working within this delay everywhere.
    auth_cache_seconds: Annotated[float, Env("MAILLAGE_AUTH_CACHE_SECONDS"), Ge(0)] = 5.0
    # How long a worker may still edit or delete a presence entry they logged.
    presence_edit_days: Annotated[int, Env("MAILLAGE_PRESENCE_EDIT_DAYS"), Ge(1)] = 7
    # Web app sessions: absolute lifetime, and the idle delay after which one ends.
    session_hours: Annotated[float, Env("MAILLAGE_SESSION_HOURS"), Ge(0.1)] = 12.0
    session_idle_minutes: Annotated[float, Env("MAILLAGE_SESSION_IDLE_MINUTES"), Ge(1)] = 60.0
    # The built web app (`npm run build` in web/); served under /app, GraphiQL at /graphql.
    web_dist: Annotated[Path, Env("MAILLAGE_WEB_DIST"), BeforeValidator(_path)] = field(
        default_factory=lambda: project_root() / "web" / "dist"
    )
    allowed_origins: Annotated[
        tuple[str, ...], Env("MAILLAGE_ALLOWED_ORIGINS"), BeforeValidator(_origins)
    ] = ("http://127.0.0.1:8000", "http://localhost:8000")
    # E-mail notifications (server/mailer.py): delivered only when an SMTP host is set.
    smtp_host: Annotated[str, Env("MAILLAGE_SMTP_HOST")] = ""
    smtp_port: Annotated[int, Env("MAILLAGE_SMTP_PORT"), Ge(1), Le(65535)] = 587
    smtp_tls: Annotated[str, Env("MAILLAGE_SMTP_TLS"), BeforeValidator(_lower)] = "starttls"
    smtp_user: Annotated[str, Env("MAILLAGE_SMTP_USER")] = ""
    # Kept out of the settings' repr, so a logged or printed Settings never shows it.
    smtp_password: Annotated[str, Env("MAILLAGE_SMTP_PASSWORD")] = field(default="", repr=False)
    smtp_sender: Annotated[str, Env("MAILLAGE_SMTP_SENDER")] = "maillage@localhost"
    # Bounds every wait on the SMTP server (connecting, each command): nothing hangs.
    smtp_timeout_seconds: Annotated[float, Env("MAILLAGE_SMTP_TIMEOUT_SECONDS"), Ge(0.1)] = 10.0
    # Where the links in e-mails point; required in production when SMTP is configured.
    public_base_url: Annotated[str, Env("MAILLAGE_PUBLIC_BASE_URL"), BeforeValidator(_base_url)] = (
        ""
    )
    # The readers' time zone: dates and times in e-mails are written in it.
    time_zone: Annotated[str, Env("MAILLAGE_TIME_ZONE")] = "America/Toronto"
    # `maillage run` in development: the local SMTP catcher's port (0: any free one).
    dev_smtp_port: Annotated[int, Env("MAILLAGE_DEV_SMTP_PORT"), Ge(0), Le(65535)] = 0
    # `maillage run` with several workers: the folder its mail catcher writes to (set by it).
    dev_mail_spool: Annotated[str, Env("MAILLAGE_DEV_MAIL_SPOOL")] = ""
    notify_poll_seconds: Annotated[float, Env("MAILLAGE_NOTIFY_POLL_SECONDS"), Ge(0.05)] = 15.0
    notify_retry_min_seconds: Annotated[float, Env("MAILLAGE_NOTIFY_RETRY_MIN_SECONDS"), Ge(0)] = (
        30.0
    )
    notify_retry_max_seconds: Annotated[float, Env("MAILLAGE_NOTIFY_RETRY_MAX_SECONDS"), Ge(1)] = (
        3600.0
    )
    # Reminders to the receiver before acknowledgeBy, escalation to the coordinators.
    reminder_halfway: Annotated[bool, Env("MAILLAGE_REMINDER_HALFWAY")] = True
    reminder_hours_before: Annotated[float, Env("MAILLAGE_REMINDER_HOURS_BEFORE"), Ge(0)] = 24.0
    escalation_hours_before: Annotated[float, Env("MAILLAGE_ESCALATION_HOURS_BEFORE"), Ge(0)] = 6.0

    def __post_init__(self) -> None:
        """Checks across fields, and those whose message says more than a bound."""
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
        self._check_mail()

    def _check_mail(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ValueError, ZoneInfoNotFoundError):
            raise ConfigurationError(
                f"MAILLAGE_TIME_ZONE={self.time_zone!r} is not a time zone; use e.g. "
                "America/Toronto or UTC."
            ) from None
        if self.smtp_tls not in {"none", "starttls", "tls"}:
            raise ConfigurationError(
                f"MAILLAGE_SMTP_TLS={self.smtp_tls!r} is unknown; use none, starttls or tls."
            )
        if "@" not in self.smtp_sender:
            raise ConfigurationError(
                f"MAILLAGE_SMTP_SENDER={self.smtp_sender!r} is not an e-mail address; "
                "set it to e.g. maillage@example.org."
            )
        if self.public_base_url:
            parsed = urlparse(self.public_base_url)
            if parsed.scheme not in {"http", "https"} or not parsed.hostname:
                raise ConfigurationError(
                    f"MAILLAGE_PUBLIC_BASE_URL={self.public_base_url!r} is not a web address; "
                    "set it to e.g. https://maillage.example.org."
                )
        elif self.env == "production" and self.smtp_host:
            raise ConfigurationError(
                "MAILLAGE_SMTP_HOST is set but MAILLAGE_PUBLIC_BASE_URL is not: the e-mails' "
                "links would point nowhere; set it to e.g. https://maillage.example.org."
            )

    @property
    def development(self) -> bool:
        return self.env == "development"

    @property
    def worker_count(self) -> int:
        """How many API processes to serve with (``workers``, or its default)."""
        if self.workers:
            return self.workers
        return (os.cpu_count() or 1) if self.env == "production" else 1

    @property
    def smtp_configured(self) -> bool:
        """Whether e-mail notifications are delivered (an SMTP host is set)."""
        return bool(self.smtp_host)

    @property
    def links_base_url(self) -> str:
        """The public address links in e-mails start with (this server's, outside production)."""
        return self.public_base_url or f"http://{self.host}:{self.port}"

    @property
    def reminder_policy(self) -> ReminderPolicy:
        """When the sweep reminds receivers and tells coordinators."""
        return ReminderPolicy(
            halfway=self.reminder_halfway,
            hours_before=self.reminder_hours_before,
            escalation_hours_before=self.escalation_hours_before,
        )

    @property
    def neo4j_timeouts(self) -> Timeouts:
        """The API's bounds on every wait for Neo4j (see :class:`graph.db.Timeouts`)."""
        return Timeouts(
            connect=self.neo4j_connect_timeout_seconds,
            acquire=max(self.neo4j_connect_timeout_seconds, 5.0),
            retry=self.neo4j_retry_seconds,
            transaction=self.neo4j_transaction_timeout_seconds,
        )

    @property
    def neo4j_bolt_port(self) -> int:
        """The port in ``NEO4J_URI``; a locally provisioned server listens there."""
        return urlparse(self.neo4j_uri).port or 7687

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Environment variable -> field name, for every setting."""
        return {env.name: name for name, env in _env_of_fields(cls).items()}

    def to_env(self) -> dict[str, str]:
        """These settings as the environment variables :meth:`from_env` reads back.

        How ``maillage serve`` hands its settings, as adjusted by the command
        line, to the worker processes it starts.
        """
        out: dict[str, str] = {}
        for name, env in _env_of_fields(type(self)).items():
            value = getattr(self, name)
            if isinstance(value, bool):
                text = "true" if value else "false"
            elif isinstance(value, tuple):
                text = ",".join(value)
            else:
                text = str(value)
            out[env.name] = text
        return out

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``) and validate them."""
        source = os.environ if environ is None else environ
        values: dict[str, str] = {}
        for name, env in _env_of_fields(cls).items():
            raw = source.get(env.name)
            if raw is None or (not raw.strip() and not env.keep_blank):
                continue  # unset or blank: the default
            values[name] = raw if env.keep_blank else raw.strip()
        try:
            return cls(**values)  # type: ignore[arg-type]  # pydantic parses the text
        except ValidationError as exc:
            raise _configuration_error(cls, exc, values) from None


def _fields(cls: type[Settings]) -> dict[str, FieldInfo]:
    fields: dict[str, FieldInfo] = cls.__pydantic_fields__  # type: ignore[attr-defined]
    return fields


def _env_of_fields(cls: type[Settings]) -> dict[str, Env]:
    found: dict[str, Env] = {}
    for name, info in _fields(cls).items():
        env = next((m for m in info.metadata if isinstance(m, Env)), None)
        if env is not None:
            found[name] = env
    return found


def _configuration_error(
    cls: type[Settings], exc: ValidationError, values: Mapping[str, str]
) -> ConfigurationError:
    """The first validation error in the words of the variable that caused it."""
    error = exc.errors()[0]
    name = str(error["loc"][0]) if error["loc"] else ""
    env = _env_of_fields(cls).get(name)
    variable = env.name if env is not None else name
    raw = values.get(name)
    default = _fields(cls)[name].default if name in _fields(cls) else None
    context = error.get("ctx") or {}
    kind = error["type"]
    if kind == "int_parsing" or kind == "int_from_float":
        return ConfigurationError(
            f"{variable}={raw!r} is not a whole number; set it to e.g. {default}."
        )
    if kind == "float_parsing":
        return ConfigurationError(f"{variable}={raw!r} is not a number; set it to e.g. {default}.")
    if kind == "bool_parsing":
        return ConfigurationError(f"{variable}={raw!r} must be true or false.")
    if kind in {"greater_than_equal", "greater_than"}:
        return ConfigurationError(f"{variable}={raw} must be at least {context.get('ge', '')}.")
    if kind in {"less_than_equal", "less_than"}:
        return ConfigurationError(f"{variable}={raw} must be at most {context.get('le', '')}.")
    return ConfigurationError(f"{variable}={raw!r}: {error['msg']}.")
