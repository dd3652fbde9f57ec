"""``maillage``: one command line for serving, the local Neo4j, migrating, importing, exporting.

Every sub-command reads the same settings as the server (environment
variables, see the README). Errors print one clear line and exit non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from neo4j.exceptions import AuthError, ServiceUnavailable

from domain.errors import MaillageError
from graph import migrations
from graph import neo4j_server as local
from graph.access import identity
from graph.db import Database, open_database
from server.mail_catcher import MailCatcher
from server.settings import ConfigurationError, Settings

__all__ = ["main"]

T = TypeVar("T")
log = logging.getLogger("maillage.cli")


def _local_server(settings: Settings) -> local.LocalNeo4j:
    return local.LocalNeo4j(
        home=settings.neo4j_home,
        lib=settings.neo4j_lib,
        port=settings.neo4j_bolt_port,
        user=settings.neo4j_user,
        password=settings.neo4j_password,
    )


def _with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        db = open_database(
            settings.neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password,
            settings.neo4j_database,
            # Connect fast, but let long batch work (imports, reports) run to its end.
            timeouts=dataclasses.replace(settings.neo4j_timeouts, transaction=None),
        )
        try:
            # Fail fast with a clear message rather than after a minute of retries.
            await db.driver.verify_connectivity()
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(run())


def cmd_neo4j(settings: Settings, args: argparse.Namespace) -> int:
    server = _local_server(settings)
    if args.action == "start":
        from server.dataset_cli import ProgressDisplay

        display = ProgressDisplay(unit="jars")
        try:
            downloaded = local.fetch_jars(server.lib, progress=display)
        finally:
            display.close()
        if downloaded:
            print(f"fetched Neo4j {local.NEO4J_VERSION} jars into {server.lib}")
        if local.status(server) != "running":
            print(f"Starting Neo4j on {server.uri} (home {server.home})…", flush=True)
        seconds = local.start(server, timeout=args.timeout)
        if seconds == 0.0:
            print(f"Neo4j already running on {server.uri}")
        else:
            print(f"Neo4j {local.NEO4J_VERSION} ready on {server.uri} in {seconds:.1f} s")
    elif args.action == "stop":
        print("Neo4j stopped" if local.stop(server) else "Neo4j was not running")
    else:
        state = local.status(server)
        print(f"Neo4j {state} ({server.uri}, home {server.home})")
        return 0 if state == "running" else 3
    return 0


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    applied = _with_db(settings, migrations.migrate)
    if applied:
        for m in applied:
            print(f"applied migration {m.version}: {m.name}")
    else:
        print("schema is up to date")
    return 0


def _prepare_demo(settings: Settings) -> str:
    """Load the demo (with a progress display) and return its closing description."""
    from server import demo
    from server.dataset_cli import ProgressDisplay

    display = ProgressDisplay()
    print("Loading the demo network (first time ≈ 1 min; then only a check)…", flush=True)
    try:
        setup = _with_db(
            settings,
            lambda db: demo.prepare_demo(
                db, demo.tokens_file(settings.neo4j_home), progress=display
            ),
        )
    finally:
        display.close()
    return demo.describe(setup)


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    print(_prepare_demo(settings))
    return 0


def cmd_user(settings: Settings, args: argparse.Namespace) -> int:
    user = _with_db(
        settings,
        lambda db: identity.create_user(
            db, email=args.email, name=args.name, platform_admin=args.platform_admin
        ),
    )
    print(f"created user {user['id']} <{user['email']}>")
    return 0


def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    async def work(db: Database) -> tuple[str, dict[str, Any]]:
        user = await identity.user_by_email(db, args.user)
        user_id = user["id"] if user is not None else args.user
        return await identity.create_token(db, user_id=user_id, label=args.label)

    secret, token = _with_db(settings, work)
    print(f"token {token['id']} for user {token['userId']} (shown once, keep it safe):")
    print(secret)
    return 0


def cmd_sweep(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from graph.referral import sweep

    result = _with_db(
        settings, lambda db: sweep.sweep(db, datetime.now(UTC), settings.reminder_policy)
    )
    print(
        f"expired {result.expired} referrals, purged contact details of {result.purged}, "
        f"created {result.reminded} reminders and escalations"
    )
    return 0


def cmd_notify(settings: Settings, args: argparse.Namespace) -> int:
    """Deliver the notification outbox by SMTP: one pass with ``--once``, else until Ctrl-C."""
    from datetime import UTC, datetime

    from server import mailer

    if not settings.smtp_configured:
        print(
            "maillage: MAILLAGE_SMTP_HOST is not set; notifications stay in the outbox.",
            file=sys.stderr,
        )
        return 2

    def now() -> datetime:
        return datetime.now(UTC)

    if args.once:
        report = _with_db(settings, lambda db: mailer.deliver_once(db, settings, clock=now))
        print(f"delivered {report.delivered}, to retry {report.retried}, dropped {report.dropped}")
        return 0
    _with_db(settings, lambda db: mailer.deliver_forever(db, settings, clock=now))
    return 0


def cmd_serve(
    settings: Settings, args: argparse.Namespace, mail_catcher: MailCatcher | None = None
) -> int:
    import uvicorn

    from server.app import create_app
    from server.logs import configure_logging

    configure_logging(settings.log_level)
    host = args.host or settings.host
    port = args.port or settings.port
    workers = settings.worker_count if getattr(args, "workers", None) is None else args.workers
    if not 1 <= workers <= 64:
        raise ConfigurationError(f"--workers {workers}: serve with 1 to 64 workers.")
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_config": None,
        "access_log": False,
        "ws": "websockets-sansio",
        "timeout_keep_alive": int(settings.http_keep_alive_seconds),
        "limit_concurrency": settings.http_max_concurrency,
    }
    if workers == 1:
        uvicorn.run(create_app(settings, mail_catcher=mail_catcher), **options)
        return 0
    with tempfile.TemporaryDirectory(prefix="maillage-") as state:
        if mail_catcher is not None:  # each worker's /dev/mail reads the catcher's spool
            assert mail_catcher.spool is not None, "a catcher for several workers needs a spool"
            settings = dataclasses.replace(settings, dev_mail_spool=str(mail_catcher.spool))
        # The migrations run once, here, before the workers start: they do not race.
        if settings.apply_migrations_on_start:
            _with_db(settings, migrations.migrate)
        os.environ.update(_worker_environment(settings, host, port, Path(state)))
        log.info("serving", extra={"workers": workers, "host": host, "port": port})
        uvicorn.run("server.app:app_factory", factory=True, workers=workers, **options)
    return 0


def _worker_environment(settings: Settings, host: str, port: int, state: Path) -> dict[str, str]:
    """What each worker reads its settings from: these settings, already migrated, and a
    state folder the workers share (the rate limit's buckets, the background lock) unless
    one is set."""
    shared = dataclasses.replace(
        settings,
        host=host,
        port=port,
        apply_migrations_on_start=False,
        shared_state_dir=settings.shared_state_dir or str(state),
    )
    return shared.to_env()


def _has_aiosmtpd() -> bool:
    try:
        import aiosmtpd  # noqa: F401  (a development dependency)
    except ImportError:
        print("aiosmtpd is not installed: no local mail catcher (pip install -e '.[dev]')")
        return False
    return True


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """The main job: local Neo4j, migrations, demo network, then serve."""
    if args.local_neo4j:
        cmd_neo4j(settings, argparse.Namespace(action="start", timeout=args.timeout))
    print("\n" + _prepare_demo(settings))
    host = args.host or settings.host
    port = args.port or settings.port
    catcher = None
    if settings.development and not settings.smtp_host and _has_aiosmtpd():
        # The demo's e-mails go to a local SMTP server whose messages /dev/mail shows.
        spool = Path(tempfile.mkdtemp(prefix="maillage-mail-"))
        catcher = MailCatcher(settings.dev_smtp_port or None, spool=spool).start()
        settings = dataclasses.replace(
            settings,
            smtp_host="127.0.0.1",
            smtp_port=catcher.port,
            smtp_tls="none",
            public_base_url=settings.public_base_url or f"http://{host}:{port}",
            notify_poll_seconds=min(settings.notify_poll_seconds, 2.0),
        )
        print(
            f"\nE-mails:     http://{host}:{port}/dev/mail   (caught by the local SMTP server "
            f"on port {catcher.port})",
            flush=True,
        )
    print(
        f"\nThe web app: http://{host}:{port}/app   (sign in with a token above: 'staff' sends,"
        f" 'receiver' answers)\nGraphiQL:    http://{host}:{port}/graphql   (readiness: /readyz)\n",
        flush=True,
    )
    try:
        return cmd_serve(settings, args, mail_catcher=catcher)
    finally:
        if catcher is not None:
            catcher.stop()
            if catcher.spool is not None:
                shutil.rmtree(catcher.spool, ignore_errors=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="maillage", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    neo = sub.add_parser("neo4j", help="provision and run a local Neo4j (no Docker needed)")
    neo.add_argument("action", choices=["start", "stop", "status"])
    neo.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for Bolt")
    neo.set_defaults(func=cmd_neo4j)

    sub.add_parser("migrate", help="apply schema migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("demo", help="load the demo network and accounts, print tokens").set_defaults(
        func=cmd_demo
    )
    sub.add_parser(
        "sweep", help="expire overdue referrals, purge contact past retention"
    ).set_defaults(func=cmd_sweep)

    notify = sub.add_parser("notify", help="deliver e-mail notifications")
    notify.add_argument("action", choices=["deliver"])
    notify.add_argument("--once", action="store_true", help="one pass, then exit")
    notify.set_defaults(func=cmd_notify)

    for name, func, helptext in (
        ("serve", cmd_serve, "serve the API"),
        ("run", cmd_run, "local Neo4j + demo + serve"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--host")
        p.add_argument("--port", type=int)
        p.add_argument(
            "--workers",
            type=int,
            help="API processes (default MAILLAGE_WORKERS: one per core in production)",
        )
        if name == "run":
            p.add_argument(
                "--no-local-neo4j",
                dest="local_neo4j",
                action="store_false",
                help="use the Neo4j at NEO4J_URI instead of starting one",
            )
            p.add_argument("--timeout", type=float, default=180.0)
        p.set_defaults(func=func)

    user = sub.add_parser("user", help="create a user")
    user.add_argument("action", choices=["create"])
    user.add_argument("--email", required=True)
    user.add_argument("--name", required=True)
    user.add_argument("--platform-admin", action="store_true")
    user.set_defaults(func=cmd_user)

    token = sub.add_parser("token", help="create an API token")
    token.add_argument("action", choices=["create"])
    token.add_argument("--user", required=True, help="user email or id")
    token.add_argument("--label")
    token.set_defaults(func=cmd_token)

    _add_interop(sub)
    return parser


def _add_interop(sub: Any) -> None:
    from server import analytics_cli, dataset_cli, interop

    interop.add_commands(sub, _with_db)
    dataset_cli.add_commands(sub, _with_db)
    analytics_cli.add_commands(sub, _with_db)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.getLogger("neo4j").setLevel(logging.ERROR)
    try:
        settings = Settings.from_env()
        return int(args.func(settings, args))
    except ConfigurationError as exc:
        print(f"maillage: configuration error: {exc}", file=sys.stderr)
    except local.Neo4jServerError as exc:
        print(f"maillage: {exc}", file=sys.stderr)
    except MaillageError as exc:
        print(f"maillage: {exc.code}: {exc.message}", file=sys.stderr)
    except AuthError:
        print("maillage: Neo4j refused NEO4J_USER/NEO4J_PASSWORD; check them.", file=sys.stderr)
    except (ServiceUnavailable, OSError) as exc:
        print(
            f"maillage: cannot reach Neo4j ({type(exc).__name__}). Start it with "
            "`maillage neo4j start`, or point NEO4J_URI at a running server.",
            file=sys.stderr,
        )
    except KeyboardInterrupt:
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
