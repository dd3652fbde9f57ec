"""The worker in the server and on the command line; settings; an SMTP server that never answers."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from graph.db import Database
from server import cli
from server.app import create_app
from server.mailer import deliver_once
from server.settings import ConfigurationError, Settings
from tests.conftest import MovableClock, shell_env
from tests.notifications.conftest import Parties, SmtpServer, notifications_of, send, wait_until
from tests.test_cli import maillage


async def test_the_server_delivers_in_the_background_when_smtp_is_configured(
    mail_settings: Settings, smtp: SmtpServer, parties: Parties, clock: MovableClock
) -> None:
    settings = dataclasses.replace(mail_settings, notify_poll_seconds=0.1)
    app = create_app(settings, clock=clock, run_sweeper=False)
    async with app.router.lifespan_context(app):
        rid, _ = await send(app.state.db, parties, datetime.now(UTC))
        await wait_until(lambda: len(smtp.inbox.raw_to(parties.receiver["email"])) == 1)
        await wait_until(lambda: _states(app.state.db, rid, {"DELIVERED"}))


async def _states(db: Database, rid: str, wanted: set[str]) -> bool:
    return {n["state"] for n in await notifications_of(db, [rid])} == wanted


@pytest.fixture
def silent_smtp() -> Iterator[int]:
    """A port that accepts connections and never says a word (a hung SMTP server)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


async def test_an_smtp_server_that_never_answers_fails_the_attempt_within_the_timeout(
    db: Database, mail_settings: Settings, silent_smtp: int, parties: Parties, clock: MovableClock
) -> None:
    settings = dataclasses.replace(mail_settings, smtp_port=silent_smtp, smtp_timeout_seconds=0.3)
    rid, _ = await send(db, parties, datetime.now(UTC))

    report = await asyncio.wait_for(deliver_once(db, settings, clock=clock), timeout=60)

    assert report.retried >= 1
    [notification] = await db.rows(
        "MATCH (n:Notification {referralId: $id}) RETURN n.state AS state, "
        "n.attempts AS attempts, n.lastError AS error",
        id=rid,
    )
    assert (notification["state"], notification["attempts"]) == ("PENDING", 1)
    assert "timed out" in notification["error"] or "Timeout" in notification["error"]


def test_production_refuses_smtp_without_a_public_base_url() -> None:
    with pytest.raises(ConfigurationError, match="MAILLAGE_PUBLIC_BASE_URL"):
        Settings.from_env(
            {
                "MAILLAGE_ENV": "production",
                "NEO4J_PASSWORD": "a real secret",
                "MAILLAGE_SMTP_HOST": "smtp.example.org",
            }
        )
    ok = Settings.from_env(
        {
            "MAILLAGE_ENV": "production",
            "NEO4J_PASSWORD": "a real secret",
            "MAILLAGE_SMTP_HOST": "smtp.example.org",
            "MAILLAGE_PUBLIC_BASE_URL": "https://maillage.example.org/",
        }
    )
    assert ok.smtp_configured and ok.links_base_url == "https://maillage.example.org"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        pytest.param("MAILLAGE_SMTP_TLS", "ssl3", id="tls-mode"),
        pytest.param("MAILLAGE_SMTP_SENDER", "maillage", id="sender"),
        pytest.param("MAILLAGE_PUBLIC_BASE_URL", "maillage.example.org", id="base-url"),
        pytest.param("MAILLAGE_SMTP_PORT", "70000", id="port"),
    ],
)
def test_a_bad_mail_setting_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        Settings.from_env({variable: value})


def test_notify_deliver_without_smtp_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MAILLAGE_SMTP_HOST", raising=False)
    assert cli.main(["notify", "deliver", "--once"]) == 2
    assert "MAILLAGE_SMTP_HOST" in capsys.readouterr().err


async def test_notify_deliver_once_on_the_command_line_delivers_what_is_due(
    db: Database, mail_settings: Settings, smtp: SmtpServer, parties: Parties
) -> None:
    rid, _ = await send(db, parties, datetime.now(UTC))
    env = shell_env(
        mail_settings,
        MAILLAGE_SMTP_HOST="127.0.0.1",
        MAILLAGE_SMTP_PORT=str(smtp.port),
        MAILLAGE_SMTP_TLS="none",
        MAILLAGE_SMTP_SENDER="avis@maillage.test",
        MAILLAGE_PUBLIC_BASE_URL="https://maillage.test",
    )
    done = await asyncio.to_thread(maillage, env, "notify", "deliver", "--once")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("delivered ")
    assert len(smtp.inbox.raw_to(parties.receiver["email"])) == 1
    assert {n["state"] for n in await notifications_of(db, [rid])} == {"DELIVERED"}


def test_the_smtp_password_is_never_in_the_settings_repr() -> None:
    settings = Settings.from_env(
        {"MAILLAGE_SMTP_HOST": "smtp.example.org", "MAILLAGE_SMTP_PASSWORD": "s3cret-pass"}
    )
    assert settings.smtp_password == "s3cret-pass"
    assert "s3cret-pass" not in repr(settings)
