"""``maillage import …`` and ``maillage export …`` sub-commands.

``maillage import hsds PATH`` reads an Open Referral HSDS 3.0 source (a JSON
file or a folder of HSDS CSV tables) and creates or updates its organizations,
services and taxonomy terms; running it twice changes nothing.
``maillage export hsds DIR [--network ID]`` writes ``organizations.json`` and
``services.json`` in HSDS 3.0. Both print what they did; errors reach
``server.cli.main``, which prints them on one line.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from domain.vocabulary import OrganizationKind
from graph.db import Database
from graph.hsds import read_hsds
from graph.hsds import store as hsds_store
from graph.hsds.schema import check_source
from server.settings import Settings

__all__ = ["add_commands"]

T = TypeVar("T")


class WithDb(Protocol):
    """How the CLI runs one unit of work against the configured Neo4j."""

    def __call__(self, settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T: ...


def add_commands(sub: Any, with_db: WithDb) -> None:
    """Register the import and export commands on the CLI's sub-parsers."""
    importing = sub.add_parser("import", help="import a directory into Maillage")
    import_formats = importing.add_subparsers(dest="format", required=True)
    hsds_in = import_formats.add_parser(
        "hsds", help="Open Referral HSDS 3.0: a JSON file or a folder of HSDS CSV tables"
    )
    hsds_in.add_argument("path", type=Path, help="HSDS JSON file or tabular folder")
    hsds_in.add_argument(
        "--kind",
        default=OrganizationKind.OTHER.value,
        choices=[kind.value for kind in OrganizationKind],
        help="kind of the organizations this creates (HSDS has none; default OTHER)",
    )
    hsds_in.set_defaults(func=lambda settings, args: import_hsds(settings, args, with_db))
    from server import dataset_cli

    dataset_cli.add_import_format(import_formats, with_db)

    exporting = sub.add_parser("export", help="export Maillage's directory")
    export_formats = exporting.add_subparsers(dest="format", required=True)
    hsds_out = export_formats.add_parser(
        "hsds", help="Open Referral HSDS 3.0: organizations.json and services.json"
    )
    hsds_out.add_argument("dir", type=Path, help="folder to write (created if missing)")
    hsds_out.add_argument("--network", help="only the current members of this network (id)")
    hsds_out.set_defaults(func=lambda settings, args: export_hsds(settings, args, with_db))


def import_hsds(settings: Settings, args: argparse.Namespace, with_db: WithDb) -> int:
    check_source(args.path)  # against the HSDS 3.0 schemas, before connecting
    directory = read_hsds(args.path)
    counts = with_db(
        settings, lambda db: hsds_store.import_directory(db, directory, kind_default=args.kind)
    )
    print(f"imported {args.path}")
    print(f"  organizations:  {counts.organizations}")
    print(f"  services:       {counts.services}")
    print(f"  taxonomy terms: {counts.taxonomy_terms}")
    if counts.unmapped:
        print(f"  left out (no Maillage equivalent): {', '.join(counts.unmapped)}")
    return 0


def export_hsds(settings: Settings, args: argparse.Namespace, with_db: WithDb) -> int:
    counts = with_db(
        settings,
        lambda db: hsds_store.export_directory(db, args.dir, network_id=args.network),
    )
    organizations_file, services_file = counts.files
    print(f"exported to {args.dir}")
    print(f"  organizations: {counts.organizations:>5}  ({organizations_file.name})")
    print(f"  services:      {counts.services:>5}  ({services_file.name})")
    return 0
