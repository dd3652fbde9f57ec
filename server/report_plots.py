"""The figures of the collaboration report, drawn with matplotlib's Agg backend.

Each function writes one PNG and returns its path. Labels are French first,
English second, for a coordination table's board. Figures are built on
:class:`matplotlib.figure.Figure` objects, never pyplot's global state, so
several reports can be drawn at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import networkx as nx
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from analytics.build import partnership_graph, referral_graph
from analytics.evolution import PeriodMetrics
from analytics.model import FunnelRow, PeriodAggregate
from domain import vocabulary as v

__all__ = [
    "plot_acknowledgement_delays",
    "plot_declines",
    "plot_density_and_ties",
    "plot_funnel",
    "plot_network",
    "shared_layout",
]

_DPI = 110
_BLUE, _ORANGE, _GREY = "#1f5a96", "#d9822b", "#8a8f98"
_KIND_COLOURS = {
    "COMMUNITY": "#1f77b4",
    "HEALTH_SOCIAL_SERVICES": "#d62728",
    "SCHOOL": "#9467bd",
    "CHILDCARE": "#e377c2",
    "FOOD_SECURITY": "#2ca02c",
    "HOUSING": "#8c564b",
    "EMPLOYMENT": "#ff7f0e",
    "MUNICIPAL": "#17becf",
    "OTHER": "#7f7f7f",
}
_REASON_COLOURS = {
    "NO_CAPACITY": "#d62728",
    "SERVICE_NOT_ADAPTED": "#ff7f0e",
    "OUT_OF_TERRITORY": "#9467bd",
    "NOT_ELIGIBLE": "#8c564b",
    "FAMILY_UNREACHABLE": "#17becf",
    "FAMILY_DECLINED": "#2ca02c",
    "DUPLICATE": "#bcbd22",
    "OTHER": "#7f7f7f",
}


def _label(code: str) -> str:
    """``Français (English)`` for a vocabulary code."""
    fr, en = v.label(code, "fr"), v.label(code, "en")
    return fr if fr == en else f"{fr} ({en})"


def _period_labels(starts: Sequence[object]) -> list[str]:
    return [str(s)[:7] for s in starts]


def _thin_ticks(count: int) -> int:
    return max(1, math.ceil(count / 12))


def plot_density_and_ties(periods: Sequence[PeriodMetrics], path: Path) -> Path:
    """Density (left axis) and number of ties (right axis) per period."""
    fig = Figure(figsize=(9, 4), dpi=_DPI)
    ax = fig.add_subplot()
    x = list(range(len(periods)))
    density = [p.network.density for p in periods]
    ties = [p.network.ties for p in periods]
    ax.plot(x, density, color=_BLUE, marker="o", markersize=3, label="Densité (density)")
    ax.set_ylabel("Densité (density)", color=_BLUE)
    ax.set_ylim(bottom=0)
    right = ax.twinx()
    right.bar(x, ties, color=_ORANGE, alpha=0.35, label="Liens (ties)")
    right.set_ylabel("Liens de référence (referral ties)", color=_ORANGE)
    right.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_zorder(right.get_zorder() + 1)
    ax.patch.set_visible(False)
    step = _thin_ticks(len(x))
    ax.set_xticks(x[::step], _period_labels([p.start for p in periods])[::step], rotation=45)
    ax.set_title("Densité et liens du réseau par période · Network density and ties")
    handles = [
        Line2D([], [], color=_BLUE, marker="o", label="Densité (density)"),
        Line2D([], [], color=_ORANGE, linewidth=8, alpha=0.35, label="Liens (ties)"),
    ]
    # Above the plot area, never over a bar or a point.
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2,
              frameon=False)  # fmt: skip
    ax.set_title(ax.get_title(), pad=24)
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot_funnel(row: FunnelRow, path: Path) -> Path:
    """Horizontal bars: referrals sent, acknowledged, accepted, contacted, completed."""
    stages = [
        ("SENT", row.sent),
        ("ACKNOWLEDGED", row.acknowledged),
        ("ACCEPTED", row.accepted),
        ("CONTACTED", row.contacted),
        ("COMPLETED", row.completed),
    ]
    fig = Figure(figsize=(8, 3.6), dpi=_DPI)
    ax = fig.add_subplot()
    labels = [_label(code) for code, _ in stages][::-1]
    values = [n for _, n in stages][::-1]
    bars = ax.barh(labels, values, color=_BLUE)
    for bar, n in zip(bars, values, strict=True):
        share = f" ({n / row.sent:.0%})" if row.sent else ""
        ax.text(
            bar.get_width(),
            bar.get_y() + bar.get_height() / 2,
            f" {n}{share}",
            va="center",
            fontsize=9,
        )
    ax.set_xlim(0, max([*values, 1]) * 1.25)
    # The declined total goes under the axis: in the title it ran off the figure.
    declined = f" · refusées (declined): {row.declined_total}" if row.declined_total else ""
    ax.set_xlabel(f"Références (referrals){declined}")
    ax.set_title("Parcours des références · Referral funnel")
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot_acknowledgement_delays(
    hours: Mapping[str, float], path: Path, *, deadline: float = 72.0
) -> Path:
    """Histogram of receivers' median hours from sending to acknowledgement.

    ``deadline`` is the network's acknowledgement delay (``ackDelayHours``).
    """
    fig = Figure(figsize=(8, 3.6), dpi=_DPI)
    ax = fig.add_subplot()
    values = sorted(hours.values())
    if values:
        top = max(values)
        bins = list(range(0, int(max(top, deadline)) + 8, 4))  # 4-hour bins
        ax.hist(values, bins=bins, color=_BLUE, edgecolor="white")
        ax.axvline(deadline, color=_ORANGE, linestyle="--",
                   label=f"{deadline:.0f} h (délai attendu · deadline)")  # fmt: skip
        middle = (
            values[len(values) // 2]
            if len(values) % 2
            else (values[len(values) // 2 - 1] + values[len(values) // 2]) / 2
        )
        ax.axvline(middle, color=_GREY, linestyle=":", label=f"médiane (median) {middle:.0f} h")
        ax.legend(frameon=False, loc="upper right")
        ax.set_xlim(0, min(max(top, deadline) * 1.1, 400))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        ax.text(
            0.5,
            0.5,
            "Aucun accusé de réception · No acknowledgement",
            ha="center",
            transform=ax.transAxes,
        )
    ax.set_xlabel("Heures médianes avant l'accusé de réception (median hours to acknowledge)")
    ax.set_ylabel("Organismes (organizations)")
    ax.set_title("Délai d'accusé de réception par organisme · Time to acknowledge, per receiver")
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot_declines(aggregates: Sequence[PeriodAggregate], path: Path) -> Path:
    """Stacked bars of declined referrals per period, by reason."""
    fig = Figure(figsize=(11, 4), dpi=_DPI)
    ax = fig.add_subplot()
    x = list(range(len(aggregates)))
    bottom = [0] * len(aggregates)
    for reason, colour in _REASON_COLOURS.items():
        counts = [sum(t.declined.get(reason, 0) for t in a.ties) for a in aggregates]
        if any(counts):
            ax.bar(x, counts, bottom=bottom, color=colour, label=_label(reason))
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    step = _thin_ticks(len(x))
    ax.set_xticks(x[::step], _period_labels([a.start for a in aggregates])[::step], rotation=45)
    ax.set_ylabel("Références refusées (declined referrals)")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Refus par motif · Declines by reason")
    if any(bottom):
        # Right of the plot area, never over a bar.
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path)
    return path


def shared_layout(aggregates: Sequence[PeriodAggregate], *, seed: int = 7) -> dict[str, object]:
    """Spring layout of all periods' organizations together, so drawings line up.

    Fruchterman–Reingold (``networkx.spring_layout``) on the union of the
    periods' undirected ties weighted by referrals, with a fixed seed.
    """
    union = nx.Graph()
    for aggregate in aggregates:
        union.add_nodes_from(sorted(n.id for n in aggregate.nodes))
        for tie in aggregate.ties:
            weight = union.get_edge_data(tie.source, tie.target, {"weight": 0})["weight"]
            union.add_edge(tie.source, tie.target, weight=weight + tie.sent)
    if len(union) == 0:
        return {}
    k = 1.6 / math.sqrt(len(union))
    return dict(nx.spring_layout(union, seed=seed, k=k, weight="weight", iterations=100))


def plot_network(
    aggregate: PeriodAggregate,
    layout: Mapping[str, object],
    path: Path,
    *,
    title: str,
    names: bool = True,
) -> Path:
    """One period's referral graph: colour by kind, size by referrals received.

    Edge width grows with the referrals sent (log scale); declared
    partnerships are dashed. The eight organizations with the most referrals
    (sent + received) are named when ``names`` is set.
    """
    graph = referral_graph(aggregate)
    partners = partnership_graph(aggregate)
    fig = Figure(figsize=(9, 7.5), dpi=_DPI)
    ax = fig.add_subplot()
    ax.set_axis_off()
    pos = {n: layout[n] for n in graph if n in layout}
    if not pos:
        ax.text(0.5, 0.5, "Aucun organisme · No organization", ha="center", transform=ax.transAxes)
        fig.savefig(path)
        return path
    received = {n: graph.in_degree(n, weight="weight") for n in graph}
    volume = {n: received[n] + graph.out_degree(n, weight="weight") for n in graph}
    nx.draw_networkx_edges(
        partners, pos, ax=ax, style="dashed", edge_color=_GREY, alpha=0.6, width=1.0
    )
    widths = [0.4 + 1.2 * math.log1p(d["weight"]) for _, _, d in graph.edges(data=True)]
    nx.draw_networkx_edges(
        graph,
        pos,
        ax=ax,
        width=widths,
        edge_color="#4d4d4d",
        alpha=0.45,
        arrows=True,
        arrowsize=7,
        connectionstyle="arc3,rad=0.08",
        node_size=60,
    )
    nx.draw_networkx_nodes(
        graph,
        pos,
        ax=ax,
        node_color=[_KIND_COLOURS.get(graph.nodes[n]["kind"], _GREY) for n in graph],
        node_size=[60 + 40 * math.sqrt(received[n]) for n in graph],
        edgecolors="white",
        linewidths=0.6,
    )
    if names:
        busiest = sorted(graph, key=lambda n: (-volume[n], n))[:8]
        labels = {n: _short(graph.nodes[n]["name"]) for n in busiest if volume[n] > 0}
        nx.draw_networkx_labels(
            graph,
            {n: pos[n] for n in labels},
            labels=labels,
            ax=ax,
            font_size=8,
            verticalalignment="bottom",
            bbox={"facecolor": "white", "alpha": 0.7, "pad": 1, "edgecolor": "none"},
        )
    kinds = sorted({graph.nodes[n]["kind"] for n in graph})
    handles = [
        Line2D([], [], marker="o", linestyle="", color=_KIND_COLOURS.get(k, _GREY), label=_label(k))
        for k in kinds
    ] + [Line2D([], [], color=_GREY, linestyle="--", label="Partenariat déclaré (partnership)")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=3,
              fontsize=7, frameon=False)  # fmt: skip
    ax.set_title(
        f"{title}\n{graph.number_of_nodes()} organismes, {graph.number_of_edges()} liens "
        f"({graph.number_of_edges()} ties)",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(path)
    return path


def _short(name: str, limit: int = 26) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
