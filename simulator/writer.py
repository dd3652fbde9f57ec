"""Writing datasets as interchange JSON Lines (docs/interchange.md).

One JSON object per line, UTF-8, compact separators, keys in the documented
order; ``manifest.json`` is indented. :func:`write_dataset` writes a dataset
held in memory; :func:`write_simulation` streams a simulation straight to the
files, so memory stays flat however many referrals there are. Both produce the
same bytes for the same parameters and seed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from simulator.params import SimulationParams
from simulator.params import preset as preset_params
from simulator.records import FILES, Dataset
from simulator.simulation import Progress, Simulation

__all__ = ["run", "write_dataset", "write_simulation"]

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def write_dataset(dataset: Dataset, directory: Path | str) -> Path:
    """Write ``dataset`` as interchange files plus ``manifest.json`` into ``directory``.

    The directory is created if needed; existing files are replaced.
    Returns the directory.
    """
    out = _prepare(directory)
    for name, _ in FILES:
        with _open(out / name) as handle:
            _write_lines(handle, dataset.records(name))
    _write_manifest(out, dataset.manifest)
    return out


def write_simulation(
    params: SimulationParams,
    seed: int,
    directory: Path | str,
    progress: Progress | None = None,
) -> Path:
    """Simulate and write to ``directory`` as the records are generated.

    Memory holds the directory of organizations and bounded referral memories,
    never the referrals or events themselves. The files are byte-identical to
    ``write_dataset(simulate(params, seed), directory)``.
    """
    out = _prepare(directory)
    simulation = Simulation(params, seed)
    counts: dict[str, int] = {}
    for name, records in simulation.small_files().items():
        with _open(out / name) as handle:
            counts[name] = _write_lines(handle, records)
    if progress is not None:
        progress("directory", 1, 1)
    with _open(out / "presence.jsonl") as handle:
        counts["presence.jsonl"] = _write_lines(handle, simulation.presence())
    if progress is not None:
        progress("presence", 1, 1)
    referral_count = event_count = 0
    with _open(out / "referrals.jsonl") as referrals, _open(out / "events.jsonl") as events:
        write_referral, write_event = referrals.write, events.write
        for referral, referral_events in simulation.referrals(progress):
            write_referral(_encode(referral) + "\n")
            for event in referral_events:
                write_event(_encode(event) + "\n")
            referral_count += 1
            event_count += len(referral_events)
    counts["referrals.jsonl"] = referral_count
    counts["events.jsonl"] = event_count
    _write_manifest(out, simulation.manifest(counts))
    return out


def run(preset: str, seed: int, out_dir: Path | str, progress: Progress | None = None) -> Path:
    """Entry point of ``maillage simulate --preset NAME --seed N --out DIR``.

    Streams the named preset ("demo", "medium" or "large") to ``out_dir``
    (created if needed) and returns that directory; its ``manifest.json``
    holds the counts and the planted events.

    Raises
    ------
    ValueError
        If ``preset`` is not a preset name; the message lists the known ones.
    """
    return write_simulation(preset_params(preset), seed, out_dir, progress)


def _prepare(directory: Path | str) -> Path:
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out} exists and is not a directory; choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _open(path: Path) -> IO[str]:
    return path.open("w", encoding="utf-8", newline="\n", buffering=1 << 20)


def _write_lines(handle: IO[str], records: Iterable[Any]) -> int:
    count = 0
    write = handle.write
    for record in records:
        write(_encode(record) + "\n")
        count += 1
    return count


def _write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (out / "manifest.json").write_text(text, encoding="utf-8")
