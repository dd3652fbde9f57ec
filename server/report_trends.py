"""The report's trend figure: acknowledgement, acceptance and completion rates per period.

Rates as in :mod:`analytics.funnel` (acknowledged / sent, accepted / sent,
completed / accepted), by sending period; the legend sits above the plot
area so it never covers a point.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from analytics.funnel import funnel_overall
from analytics.model import PeriodAggregate
from server.report_plots import _BLUE, _DPI, _GREY, _ORANGE, _period_labels, _thin_ticks

__all__ = ["plot_rate_trends"]


def plot_rate_trends(aggregates: Sequence[PeriodAggregate], path: Path) -> Path:
    """Acknowledgement, acceptance and completion rates per period (a line each)."""
    fig = Figure(figsize=(9, 4), dpi=_DPI)
    ax = fig.add_subplot()
    x = list(range(len(aggregates)))
    rows = [funnel_overall(a) for a in aggregates]
    series = [
        ("Accusées / envoyées (acknowledged / sent)", [r.acknowledgement_rate for r in rows],
         _BLUE),
        ("Acceptées / envoyées (accepted / sent)", [r.acceptance_rate for r in rows], _GREY),
        ("Complétées / acceptées (completed / accepted)", [r.completion_rate for r in rows],
         _ORANGE),
    ]  # fmt: skip
    for label, values, colour in series:
        points = [(i, y) for i, y in zip(x, values, strict=True) if y is not None]
        ax.plot([p[0] for p in points], [p[1] for p in points], color=colour, marker="o",
                markersize=3, label=label)  # fmt: skip
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    step = _thin_ticks(len(x))
    ax.set_xticks(x[::step], _period_labels([a.start for a in aggregates])[::step], rotation=45)
    ax.set_title("Tendances · Trends of acknowledgement and completion", pad=44)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, frameon=False, fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    return path
