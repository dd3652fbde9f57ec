"""The report's structure sections: communities and their stability, network structure,
brokerage and per-organization measures, trends of acknowledgement and completion.

HTML tables for :mod:`server.report`, from the figures the report already
gathered (:class:`server.report.ReportData`): nothing here reads the database.
Every figure is the one the API reports (:mod:`analytics.network`,
:mod:`analytics.organizations`, :mod:`analytics.funnel`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from analytics.funnel import funnel_overall
from analytics.organizations import organization_metrics

if TYPE_CHECKING:
    from server.report import ReportData

__all__ = ["structure_sections"]

_ROWS = 15


def structure_sections(data: ReportData) -> str:
    """The four sections, in the order they appear after the evolution table."""
    return "\n".join([_structure(data), _communities(data), _trends(data), _organizations(data)])


def _structure(data: ReportData) -> str:
    rows = [
        [r.start.isoformat(), f"{r.network.transitivity:.3f}",
         f"{r.network.degree_centralization:.3f}", f"{r.network.referral_load_gini:.3f}",
         f"{r.network.largest_component_share:.0%}"]
        for r in data.evolution
    ]  # fmt: skip
    return (
        "<h2>Structure du réseau <span class='en'>Network structure</span></h2>"
        "<p class='note'>Transitivité: part des triangles fermés (liens non orientés); "
        "centralisation: de Freeman, sur les degrés (1 pour une étoile); Gini: inégalité des "
        "références reçues (0 égalité, 1 tout vers un seul organisme). <span class='en'>"
        "Transitivity, Freeman degree centralization, Gini of referrals received, share of "
        "organizations in the largest component.</span></p>"
        + _table(
            [
                "Période (period)",
                "Transitivité",
                "Centralisation",
                "Gini (reçues)",
                "Plus grande composante",
            ],
            rows,
            limit=None,
        )
    )


def _communities(data: ReportData) -> str:
    rows = [
        [r.start.isoformat(), len(r.network.communities), f"{r.network.modularity:.3f}",
         max((len(c) for c in r.network.communities), default=0),
         "—" if r.community_stability is None else f"{r.community_stability:.2f}"]
        for r in data.evolution
    ]  # fmt: skip
    return (
        "<h2>Communautés et stabilité <span class='en'>Communities and their stability"
        "</span></h2><p class='note'>Communautés de Louvain (références pondérées, graine 0); "
        "stabilité: information mutuelle normalisée (NMI) entre la partition d'une période et "
        "celle de la précédente (1: mêmes communautés). <span class='en'>Louvain communities, "
        "modularity, size of the largest, NMI with the period before.</span></p>"
        + _table(
            ["Période (period)", "Communautés", "Modularité", "La plus grande", "Stabilité (NMI)"],
            rows,
            limit=None,
        )
    )


def _trends(data: ReportData) -> str:
    rows = []
    for slice_ in data.periods:
        f = funnel_overall(slice_.aggregate)
        rows.append(
            [slice_.aggregate.start.isoformat(), f.sent, _pct(f.acknowledgement_rate),
             _pct(f.acceptance_rate), _pct(f.completion_rate)]
        )  # fmt: skip
    return (
        "<h2>Tendances <span class='en'>Trends of acknowledgement and completion</span></h2>"
        "<p class='note'>Par période d'envoi: part des références accusées, acceptées, et des "
        "acceptées menées à terme. <span class='en'>By sending period: acknowledged / sent, "
        "accepted / sent, completed / accepted.</span></p>"
        + _table(
            [
                "Période (period)",
                "Envoyées (sent)",
                "Accusées",
                "Acceptées",
                "Complétées / acceptées",
            ],
            rows,
            limit=None,
        )
    )


def _organizations(data: ReportData) -> str:
    names = data.organization_names
    metrics = organization_metrics(data.whole.aggregate, ack_hours=data.whole.ack_hours)
    ranked = sorted(metrics, key=lambda m: (-(m.betweenness or 0.0), names.get(m.org_id, m.org_id)))
    rows = [
        [names.get(m.org_id, m.org_id), m.in_degree, m.out_degree, m.in_strength,
         m.out_strength, f"{m.betweenness or 0.0:.3f}", _num(m.constraint), _num(m.effective_size),
         _pct(m.acknowledgement_rate), _pct(m.completion_rate)]
        for m in ranked
    ]  # fmt: skip
    return (
        "<h2>Courtage et organismes <span class='en'>Brokerage and organizations</span></h2>"
        "<p class='note'>Sur toute la fenêtre, par intermédiarité décroissante. Contrainte de "
        "Burt: faible pour un courtier entre des partenaires non reliés; taille effective: "
        "nombre de partenaires non redondants. <span class='en'>Whole window, by betweenness; "
        "Burt's constraint and effective size on weighted undirected ties.</span></p>"
        + _table(
            [
                "Organisme",
                "Degré entrant",
                "Degré sortant",
                "Reçues",
                "Envoyées",
                "Intermédiarité",
                "Contrainte",
                "Taille effective",
                "Accusées",
                "Complétées",
            ],
            rows,
            limit=_ROWS,
        )
    )


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], limit: int | None) -> str:
    if not rows:
        return "<p class='note'>Aucun · None.</p>"
    shown = rows if limit is None else rows[:limit]
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td class='n'>{_e(c)}</td>" if isinstance(c, int) else
                         f"<td>{_e(c)}</td>" for c in row) + "</tr>"
        for row in shown
    )  # fmt: skip
    more = (
        ""
        if len(shown) == len(rows)
        else f"<p class='note'>… et {len(rows) - len(shown)} de plus (more).</p>"
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"
