"""``maillage report …`` and ``maillage export research …``: network analytics on disk.

``maillage report --network ID --from DATE --to DATE [--period month|quarter|year]
--out DIR`` writes the collaboration report (``index.html`` and its figures).
``maillage export research --network ID --from DATE --to DATE --period …
--format graphml|gexf|csv|json --out DIR`` writes a de-identified research
export. ``--network`` may be repeated: several networks are read as one region
(their union), which is how a bridge between networks shows. Both run with
the server's database credentials, so they are for the people who run
Maillage on behalf of a network's coordinators and researchers.

Register them with :func:`add_commands` after the ``export`` command of
:mod:`server.interop`, whose sub-parsers ``export research`` joins.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from graph.aggregates.queries import Period, Window
from graph.db import Database
from server.report_export import FORMATS, gather_research, write_research_export
from server.settings import Settings

__all__ = ["add_commands"]

T = TypeVar("T")


class WithDb(Protocol):
    """How the CLI runs one unit of work against the configured Neo4j."""

    def __call__(self, settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T: ...


def add_commands(sub: Any, with_db: WithDb) -> None:
    """Register ``report`` and ``export research`` on the CLI's sub-parsers."""
    report = sub.add_parser("report", help="write a network's collaboration report (HTML)")
    _window_arguments(report, period_required=False)
    report.add_argument("--out", type=Path, required=True, help="folder to write")
    report.set_defaults(func=lambda settings, args: run_report(settings, args, with_db))

    research = _export_formats(sub).add_parser(
        "research", help="de-identified graphs and tables per period, for researchers"
    )
    _window_arguments(research, period_required=True)
    # ``format`` is the dest of export's own sub-commands (``export hsds|research``).
    research.add_argument("--format", dest="export_format", choices=FORMATS, required=True)
    research.add_argument("--out", type=Path, required=True, help="folder to write")
    research.add_argument(
        "--researcher",
        help="e-mail of the researcher: use their research project's pseudonyms "
        "(default: a fresh key for this export only)",
    )
    research.set_defaults(func=lambda settings, args: run_research_export(settings, args, with_db))


def run_report(settings: Settings, args: argparse.Namespace, with_db: WithDb) -> int:
    from server.report import gather_report, write_report  # matplotlib: only when reporting

    window = _window(args)
    now = datetime.now(UTC)
    data = with_db(settings, lambda db: gather_report(db, args.network, window, now=now))
    page = write_report(data, args.out)
    figures = sorted((args.out / "figures").glob("*.png"))
    print(f"report written to {page}")
    print(f"  periods: {len(data.periods)}  figures: {len(figures)}")
    return 0


def run_research_export(settings: Settings, args: argparse.Namespace, with_db: WithDb) -> int:
    window = _window(args)
    now = datetime.now(UTC)
    data = with_db(
        settings,
        lambda db: gather_research(
            db, args.network, window, now=now, researcher=getattr(args, "researcher", None)
        ),
    )
    files = write_research_export(data, args.out, args.export_format)
    print(f"research export written to {args.out} ({len(data.periods)} periods)")
    for path in files:
        print(f"  {path.relative_to(args.out)}")
    return 0


def _window_arguments(parser: argparse.ArgumentParser, *, period_required: bool) -> None:
    parser.add_argument(
        "--network",
        action="append",
        required=True,
        help="network id (repeat for a region of several networks)",
    )
    parser.add_argument(
        "--from", dest="start", type=date.fromisoformat, required=True, help="first day, YYYY-MM-DD"
    )
    parser.add_argument(
        "--to",
        dest="end",
        type=date.fromisoformat,
        required=True,
        help="last day, included, YYYY-MM-DD",
    )
    parser.add_argument(
        "--period",
        choices=["month", "quarter", "year"],
        required=period_required,
        default=None if period_required else "month",
    )


def _window(args: argparse.Namespace) -> Window:
    """The window; a bad one raises BadUserInput, which the CLI prints on one line."""
    return Window(args.start, args.end, Period(args.period.upper()))


def _export_formats(sub: Any) -> Any:
    """The sub-parsers of ``export``, creating the command when it is not there yet."""
    exporting = sub.choices.get("export")
    if exporting is None:
        exporting = sub.add_parser("export", help="export Maillage's data")
        return exporting.add_subparsers(dest="format", required=True)
    for action in exporting._actions:  # argparse has no public accessor for sub-parsers
        if isinstance(action, argparse._SubParsersAction):
            return action
    return exporting.add_subparsers(dest="format", required=True)
