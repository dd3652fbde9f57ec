"""``maillage simulate`` and ``maillage import-events``: simulated networks and the JSONL importer.

``maillage simulate --preset demo|medium|large --seed N --out DIR [--load]``
writes a simulated dataset (docs/interchange.md, simulator/README.md) and,
with ``--load``, imports it. ``maillage import-events DIR [--on-error
skip|abort] [--batch-size N]`` imports a dataset directory and prints what it
read, wrote and skipped; it exits 1 when ``abort`` found bad rows (nothing is
then written). Long work shows tqdm bars on a terminal and plain progress
lines otherwise (logs, CI).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol, TextIO, TypeVar

import simulator
from graph import migrations
from graph.db import Database
from graph.importer import ImportReport, import_dataset
from server.settings import Settings

__all__ = ["ProgressDisplay", "add_commands", "add_import_format", "print_report"]

T = TypeVar("T")
SHOWN_ERRORS = 20


class WithDb(Protocol):
    """How the CLI runs one unit of work against the configured Neo4j."""

    def __call__(self, settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T: ...


def add_commands(sub: Any, with_db: WithDb) -> None:
    """Register ``simulate`` and ``import-events`` on the CLI's sub-parsers."""
    simulate = sub.add_parser("simulate", help="write a simulated referral network (JSONL)")
    simulate.add_argument("--preset", choices=sorted(simulator.PRESETS), default="demo")
    simulate.add_argument("--seed", type=int, default=7)
    simulate.add_argument("--out", type=Path, required=True, help="directory to write")
    simulate.add_argument("--load", action="store_true", help="import it into Neo4j too")
    _import_options(simulate)
    simulate.set_defaults(func=lambda settings, args: cmd_simulate(settings, args, with_db))
    add_import_format(sub, with_db, name="import-events")


def add_import_format(formats: Any, with_db: WithDb, *, name: str = "events") -> None:
    """Register the dataset import as ``name`` on ``formats``.

    ``add_commands`` makes it the top-level ``import-events``; passing the
    format sub-parsers of ``maillage import`` makes it ``maillage import events``.
    """
    command = formats.add_parser(
        name, help="import an interchange dataset (JSONL or CSV files, docs/interchange.md)"
    )
    command.add_argument("path", type=Path, help="dataset directory")
    _import_options(command)
    command.set_defaults(func=lambda settings, args: cmd_import(settings, args, with_db))


def _import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--on-error",
        choices=["abort", "skip"],
        default="abort",
        help="abort: write nothing if any row is bad; skip: write the rest",
    )
    parser.add_argument("--batch-size", type=int, default=5000, help="rows per transaction")


def cmd_simulate(settings: Settings, args: argparse.Namespace, with_db: WithDb) -> int:
    display = ProgressDisplay()
    started = time.perf_counter()
    try:
        out = simulator.run(args.preset, args.seed, args.out, display)
    finally:
        display.close()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["counts"]
    print(
        f"simulated {args.preset} (seed {args.seed}) into {out} in "
        f"{time.perf_counter() - started:.1f} s: {counts['organizations.jsonl']:,} "
        f"organizations, {counts['referrals.jsonl']:,} referrals, "
        f"{counts['events.jsonl']:,} events, {len(manifest['plantedEvents'])} planted events"
    )
    if not args.load:
        return 0
    args.path = out
    return cmd_import(settings, args, with_db)


def cmd_import(settings: Settings, args: argparse.Namespace, with_db: WithDb) -> int:
    display = ProgressDisplay()

    async def work(db: Database) -> ImportReport:
        await migrations.migrate(db)
        return await import_dataset(
            db, args.path, on_error=args.on_error, batch_size=args.batch_size, progress=display
        )

    try:
        report = with_db(settings, work)
    finally:
        display.close()
    print_report(report, args.path)
    return 1 if report.aborted else 0


def print_report(report: ImportReport, path: Path, out: TextIO | None = None) -> None:
    """The report as a table of files, then the first errors."""
    out = out or sys.stdout
    verb = "checked" if report.aborted else "imported"
    print(f"{verb} {path} in {report.seconds:.1f} s", file=out)
    print(f"  {'file':<22} {'read':>10} {'written':>10} {'skipped':>10}", file=out)
    for file, counts in report.files.items():
        print(
            f"  {file:<22} {counts.read:>10,} {counts.written:>10,} {counts.skipped:>10,}", file=out
        )
    if not report.aborted:
        events = next((f for f in report.files if f.startswith("events.")), None)
        rate = f" ({report.rows_per_second(events):,.0f} events/s overall)" if events else ""
        print(f"  {report.events_created:,} new events{rate}", file=out)
    if report.errors:
        print(f"{len(report.errors):,} bad rows:", file=out)
        for error in report.errors[:SHOWN_ERRORS]:
            print(f"  {error}", file=out)
        if len(report.errors) > SHOWN_ERRORS:
            print(f"  … and {len(report.errors) - SHOWN_ERRORS:,} more", file=out)
    if report.aborted:
        print(
            "nothing was written: fix these rows, or import with --on-error skip to leave "
            "them (and what depends on them) out",
            file=out,
        )


class ProgressDisplay:
    """A progress callback: tqdm bars on a terminal, a plain line per stage and every 10 s else.

    Called as ``display(stage, done, total)`` by the simulator and the importer.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        interactive: bool | None = None,
        every: float = 10.0,
        unit: str = "rows",
    ) -> None:
        self.stream = stream or sys.stderr
        self.unit = unit
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.every = every
        self._stage: str | None = None
        self._bar: Any = None
        self._started, self._printed = 0.0, float("-inf")
        self._last: tuple[int, int | None] = (0, None)
        self._said: tuple[int, int | None] | None = None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage != self._stage:
            self._finish()
            self._stage, self._started = stage, time.monotonic()
            self._printed, self._said = float("-inf"), None
            if self.interactive:
                from tqdm import tqdm

                self._bar = tqdm(
                    total=total,
                    desc=stage,
                    unit=f" {self.unit}",
                    unit_scale=True,
                    file=self.stream,
                    leave=True,
                    dynamic_ncols=True,
                )
        self._last = (done, total)
        if self._bar is not None:
            self._bar.update(done - self._bar.n)
        elif time.monotonic() - self._printed >= self.every:
            self._line()

    def _line(self) -> None:
        done, total = self._last
        seconds = time.monotonic() - self._started
        of = f"/{total:,}" if total is not None else ""
        # A rate over a blink of time means nothing (a stage that arrives done says so at once).
        rate = f" ({done / seconds:,.0f} {self.unit}/s)" if seconds >= 0.5 else ""
        print(f"{self._stage}: {done:,}{of} {self.unit}{rate}", file=self.stream, flush=True)
        self._printed, self._said = time.monotonic(), self._last

    def _finish(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._stage is not None and self._said != self._last:
            self._line()  # the stage's last figures, unless a line said them already

    def close(self) -> None:
        """End the last stage's bar or line."""
        self._finish()
        self._stage = None
