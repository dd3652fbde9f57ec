"""The research export's panel files, on the small network of tests/test_report.py, by hand.

Quarterly ties (2024 Q1 … 2025 Q4 = waves 1 … 8): A→B in waves 1–7 (2024
every quarter, 2025 Q1–Q3), B→C in 1–2, C→D in 5–7, A→C in 5. Ties per wave:
2, 2, 1, 1, 3, 2, 2, 0. Jaccard with the previous wave: 1 (same two), 1/2,
1, 1/3 ({A→B} vs {A→B, C→D, A→C}), 2/3, 1, 0. Every organization is a member
throughout (since 2023): present in waves 1–8.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from server.settings import Settings
from tests.test_report import WINDOW, Network, _cli, network  # noqa: F401  (fixture)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_panel_waves_composition_and_spells_match_the_hand_count(
    settings: Settings,
    network: Network,  # noqa: F811
    tmp_path: Path,
) -> None:
    argv = ["export", "research", "--network", network.id, *WINDOW, "--period", "quarter",
            "--format", "csv", "--out", str(tmp_path)]  # fmt: skip
    assert _cli(settings, argv) == 0
    panel = tmp_path / "panel"
    waves = _read(panel / "waves.csv")
    assert [int(w["ties"]) for w in waves] == [2, 2, 1, 1, 3, 2, 2, 0]
    assert [int(w["organizations"]) for w in waves] == [4] * 8
    similarity = [None if w["jaccard_with_previous"] == "" else float(w["jaccard_with_previous"])
                  for w in waves]  # fmt: skip
    assert similarity == [None, 1.0, 0.5, 1.0, pytest.approx(1 / 3), pytest.approx(2 / 3), 1.0,
                          0.0]  # fmt: skip
    composition = _read(panel / "composition.csv")
    assert len(composition) == 4 and {c["present"] for c in composition} == {"1-8"}
    spells = Counter((int(s["first_wave"]), int(s["last_wave"]))
                     for s in _read(panel / "tie_spells.csv"))  # fmt: skip
    assert spells == Counter({(1, 7): 1, (1, 2): 1, (5, 7): 1, (5, 5): 1})
    # Each matrix is the edge list of its wave: reproducible from edges.csv alone.
    edges = _read(tmp_path / "edges.csv")
    for n, wave in enumerate(waves, start=1):
        matrix = _read(panel / f"wave-{n}.csv")
        ones = {(row["id"], col) for row in matrix for col, v in row.items()
                if col != "id" and v == "1"}  # fmt: skip
        assert ones == {(e["source"], e["target"]) for e in edges if e["period"] == wave["period"]}
