"""The codebook (analytics/codebook.py) describes every column of every CSV file the research
export writes, and nothing else; the export's README is generated from it.

The export is that of the small network of tests/test_report.py (8 quarters, declines, so
``declined_<REASON>`` columns exist), written as CSV.
"""

from __future__ import annotations

import csv
from pathlib import Path

from analytics import codebook
from analytics.event_log import EVENT_COLUMNS
from server.settings import Settings
from tests.test_report import Network, _research, network  # noqa: F401  (fixture)


def test_every_csv_column_is_in_the_codebook_and_every_codebook_column_in_a_csv(
    settings: Settings,
    network: Network,  # noqa: F811
    tmp_path: Path,
) -> None:
    _research(settings, network, tmp_path, "csv")
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.csv"))
    assert "event_log.csv" in written and "panel/wave-1.csv" in written
    described: set[str] = set()
    for path in written:
        with (tmp_path / path).open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        documented = codebook.csv_columns(path)
        described.add("panel/wave-<n>.csv" if path.startswith("panel/wave-") else path)
        undocumented = [c for c in header if not any(codebook.column_matches(d, c)
                                                     for d in documented)]  # fmt: skip
        assert undocumented == [], path
        unwritten = [d for d in documented if not any(codebook.column_matches(d, c)
                                                      for c in header)]  # fmt: skip
        assert unwritten == [], path
    expected = {f"{t}.csv" for t in codebook.TABLE_COLUMNS} | set(codebook.PANEL_COLUMNS)
    assert described == expected  # no file described that is not written


def test_the_readme_is_the_codebook(settings: Settings, network: Network, tmp_path: Path) -> None:  # noqa: F811
    _research(settings, network, tmp_path, "csv")
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert readme.endswith(codebook.readme([], "csv", list(codebook.TABLE_COLUMNS)).split(
        "## Disclosure control")[1])  # fmt: skip
    for rule in codebook.disclosure_rules():
        assert rule in readme
    section = readme.split("## `network_metrics.csv`")[1].split("\n## ")[0]
    assert "| `modularity` | precomputed |" in section
    assert "| `density` | reproducible |" in section


def test_the_event_log_columns_are_documented_in_the_order_written() -> None:
    assert tuple(codebook.TABLE_COLUMNS["event_log"]) == EVENT_COLUMNS
