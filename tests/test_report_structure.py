"""The report's structure sections, on the small network of tests/test_report.py.

Over 2024–2025 the directed ties are A→B, B→C, C→D and A→C. Betweenness
(directed, unweighted, normalised by (n − 1)(n − 2) = 6): C lies on the only
shortest paths A→D and B→D, so C has 2/6 = 0.333 and ranks first in the
brokerage table; B lies on none (A→C is direct). Trends by year: 2024 sent
9 (A→B 6 acknowledged and accepted, B→C 3 acknowledged): 100 % acknowledged,
6/9 = 67 % accepted, 0 of 6 completed; 2025 sent 12 (A→B 5 acknowledged and
accepted, C→D 5 never acknowledged, A→C 2 acknowledged and declined): 7/12 =
58 %, 5/12 = 42 %, 0 %. Neither year has a triangle: transitivity 0.
"""

from __future__ import annotations

import re
from pathlib import Path

from server.settings import Settings
from tests.test_report import WINDOW, Network, _cli, network  # noqa: F401  (fixture)


def _rows(page: str, title: str) -> list[list[str]]:
    section = page.split(title)[1].split("<h2>")[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in section.split("<tr>")[2:]]


def test_the_report_shows_structure_communities_trends_and_brokers(
    settings: Settings,
    network: Network,  # noqa: F811
    tmp_path: Path,
) -> None:
    argv = ["report", "--network", network.id, *WINDOW, "--period", "year", "--out",
            str(tmp_path)]  # fmt: skip
    assert _cli(settings, argv) == 0
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    for title in (
        "Network structure",
        "Communities and their stability",
        "Trends of acknowledgement and completion",
        "Brokerage and organizations",
    ):
        assert title in page  # fmt: skip
    trends = _rows(page, "Trends of acknowledgement and completion")
    assert trends == [["2024-01-01", "9", "100%", "67%", "0%"],
                      ["2025-01-01", "12", "58%", "42%", "0%"]]  # fmt: skip
    structure = _rows(page, "Network structure</span>")
    assert [r[1] for r in structure] == ["0.000", "0.000"]
    brokers = _rows(page, "Brokerage and organizations")
    assert brokers[0][0] == network.names["C"] and brokers[0][5] == "0.333"
    assert {r[0]: r[5] for r in brokers}[network.names["B"]] == "0.000"
    assert len(_rows(page, "Communities and their stability</span>")) == 2
