"""The collaboration report: one HTML page with PNG figures, for a coordination table's board.

``maillage report`` (see :mod:`server.analytics_cli`) gathers the aggregates
of a window (:mod:`graph.aggregates.queries`, in Cypher), computes the figures with
:mod:`analytics` and writes ``index.html`` and ``figures/*.png`` into a
folder. It describes organizations and referral flows, never a family: no
family reference, contact or comment is read. Organization names are shown:
the report is for the network's coordinators. Labels are French first, with
English where a reader may need it.
"""

from __future__ import annotations

import html
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from analytics.breakdowns import (
    black_holes,
    open_loops,
    outreach_by_place_kind,
    repeated_declines,
    service_gaps,
)
from analytics.evolution import PeriodMetrics, evolution
from analytics.funnel import funnel_overall
from analytics.model import PeriodAggregate, PlaceRow
from analytics.vulnerability import critical_organizations
from domain import vocabulary as v
from graph.aggregates import queries as g_agg
from graph.db import Database
from graph.directory import networks as g_networks
from graph.directory import services as g_services
from server import report_outreach as outreach
from server import report_plots as plots
from server.report_structure import structure_sections
from server.report_trends import plot_rate_trends

__all__ = ["ReportData", "gather_report", "write_report"]

_ROWS = 15  # longest table before "… and N more"


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, gathered from the database in one go."""

    networks: tuple[Mapping[str, Any], ...]
    window: g_agg.Window
    generated: datetime
    periods: tuple[g_agg.PeriodSlice, ...]
    evolution: tuple[PeriodMetrics, ...]
    years: tuple[PeriodAggregate, ...]
    whole: g_agg.PeriodSlice
    cells: tuple[g_agg.FunnelCell, ...]
    coverage: g_agg.Coverage
    places: tuple[PlaceRow, ...]
    overrides: tuple[g_agg.OverrideRow, ...]
    territory_names: Mapping[str, str]
    service_names: Mapping[str, str]
    outreach: outreach.OutreachSection | None = None

    @property
    def organization_names(self) -> dict[str, str]:
        return {node.id: node.name for node in self.whole.aggregate.nodes}


async def gather_report(
    db: Database, network_ids: Sequence[str], window: g_agg.Window, *, now: datetime
) -> ReportData:
    """Read the aggregates the report needs; several networks are read as one region."""
    found = await g_networks.require_networks(db, network_ids)
    ids = list(network_ids)
    before, periods = await g_agg.collaboration_with_previous(db, ids, window, now=now)
    by_year = g_agg.Window(window.start, window.end, g_agg.Period.YEAR)
    years = (
        periods
        if window.period is g_agg.Period.YEAR
        else await g_agg.collaboration(db, ids, by_year, now=now)
    )
    whole_window = g_agg.Window(window.start, window.end)
    (whole,) = await g_agg.collaboration(db, ids, whole_window, now=now)
    (cells,) = await g_agg.need_funnel(db, ids, whole_window)
    (places,) = await g_agg.place_outcomes(db, ids, whole_window)
    (overrides,) = await g_agg.availability_overrides(db, ids, whole_window)
    coverage = await g_agg.coverage(db, ids, min(window.end, now.date()))
    territories = await g_networks.list_territories(db)
    services = await g_services.services_by_id(
        db, sorted({o.service_id for o in overrides if o.service_id})
    )
    aggregates = [before.aggregate, *(s.aggregate for s in periods)]
    return ReportData(
        networks=tuple(found[i] for i in ids),
        window=window,
        generated=now,
        periods=periods,
        evolution=evolution(aggregates)[1:],
        years=tuple(s.aggregate for s in years),
        whole=whole,
        cells=cells,
        coverage=coverage,
        places=places,
        overrides=overrides,
        territory_names={t["id"]: t["name"] for t in territories},
        service_names={sid: s["name"] for sid, s in services.items()},
        outreach=await outreach.gather_outreach(db, ids, window.start, window.end),
    )


def write_report(data: ReportData, out: Path) -> Path:
    """Write ``index.html`` and its figures into ``out``; return the page's path."""
    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    aggregate = data.whole.aggregate
    drawn = [
        plots.plot_density_and_ties(data.evolution, figures / "density-ties.png"),
        plots.plot_funnel(funnel_overall(aggregate), figures / "funnel.png"),
        plots.plot_acknowledgement_delays(
            data.whole.ack_hours,
            figures / "acknowledgement.png",
            deadline=min(float(n.get("ackDelayHours") or 72) for n in data.networks),
        ),
        plots.plot_declines([s.aggregate for s in data.periods], figures / "declines.png"),
        plot_rate_trends([s.aggregate for s in data.periods], figures / "trends.png"),
    ]
    layout = plots.shared_layout(data.years)
    for year in data.years:
        label = f"{year.start.isoformat()} – {year.end.isoformat()}"
        drawn.append(
            plots.plot_network(
                year,
                layout,
                figures / f"network-{year.start.year}.png",
                title=f"Réseau de références · Referral network, {label}",
            )
        )
    presence = "" if data.outreach is None else outreach.write_outreach(data.outreach, figures, out)
    page = out / "index.html"
    page.write_text(
        _page(data, [p.relative_to(out).as_posix() for p in drawn], presence), encoding="utf-8"
    )
    return page


# --- the page ----------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1000px; margin: 2em auto; color: #222;
       line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.1em; }
h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
.en { color: #666; font-weight: normal; font-size: 0.85em; }
.cards { display: flex; flex-wrap: wrap; gap: 0.8em; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.6em 1em; min-width: 150px; }
.card b { display: block; font-size: 1.5em; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; margin: 0.6em 0; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 0.3em 0.5em; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; } .note { color: #555; font-size: 0.9em; }
"""


def _page(data: ReportData, figures: Sequence[str], presence: str = "") -> str:
    names = ", ".join(str(n["name"]) for n in data.networks)
    w = data.window
    period = {"MONTH": "mois (month)", "QUARTER": "trimestre (quarter)", "YEAR": "année (year)"}
    parts = [
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'>",
        f"<title>Rapport de collaboration — {_e(names)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Rapport de collaboration — {_e(names)}</h1>",
        "<p class='en'>Collaboration report</p>",
        f"<p>Du {w.start.isoformat()} au {w.end.isoformat()} · par "
        f"{period.get(w.period.value if w.period else '', 'période')} · produit le "
        f"{data.generated:%Y-%m-%d %H:%M} UTC</p>",
        "<p class='note'>Ce rapport décrit les organismes et les références entre eux; il ne "
        "contient aucune donnée sur les familles. <span class='en'>Organizations and referral "
        "flows only; no family data.</span></p>",
        _summary(data),
        _section("Évolution du réseau", "How the network develops", figures[0]),
        _evolution_table(data.evolution),
        structure_sections(data),
        _section("Tendances en graphique", "Trends, plotted", figures[4]),
        _section("Parcours des références", "Referral funnel", figures[1]),
        _section("Délai d'accusé de réception", "Time to acknowledge", figures[2]),
        _section("Refus par motif", "Declines by reason", figures[3]),
        "<h2>Réseau par année <span class='en'>Network per year</span></h2>",
        "<p class='note'>Couleur: type d'organisme; taille: références reçues; trait: références "
        "envoyées; tirets: partenariats déclarés. Même disposition pour chaque année.</p>",
        *(f"<img src='{_e(f)}' alt='network'>" for f in figures[5:]),
        _black_holes(data),
        _service_gaps(data),
        _critical(data),
        _declines_and_loops(data),
        _outreach(data),
        presence,
        _method(),
        "</body></html>",
    ]
    return "\n".join(parts)


def _summary(data: ReportData) -> str:
    aggregate = data.whole.aggregate
    funnel = funnel_overall(aggregate)
    medians = list(data.whole.ack_hours.values())
    loops = sum(row.open for row in open_loops(aggregate))
    cards = [
        ("Organismes membres", "member organizations", str(len(aggregate.nodes))),
        ("Références envoyées", "referrals sent", str(funnel.sent)),
        ("Accusées de réception", "acknowledged", _pct(funnel.acknowledgement_rate)),
        ("Acceptées", "accepted", _pct(funnel.acceptance_rate)),
        ("Complétées / acceptées", "completed / accepted", _pct(funnel.completion_rate)),
        (
            "Délai médian d'accusé",
            "median receiver, hours",
            f"{statistics.median(medians):.0f} h" if medians else "—",
        ),
        ("En retard", "overdue", str(sum(t.overdue for t in aggregate.ties))),
        (
            "Accusées après l'échéance",
            "acknowledged late",
            str(sum(t.acknowledged_late for t in aggregate.ties)),
        ),
        ("Boucles ouvertes", "open loops", str(loops)),
    ]
    body = "".join(
        f"<div class='card'>{_e(fr)}<b>{_e(value)}</b><span class='en'>{_e(en)}</span></div>"
        for fr, en, value in cards
    )
    return f"<h2>En bref <span class='en'>Summary</span></h2><div class='cards'>{body}</div>"


def _section(fr: str, en: str, figure: str) -> str:
    return (
        f"<h2>{_e(fr)} <span class='en'>{_e(en)}</span></h2><img src='{_e(figure)}' alt='{_e(en)}'>"
    )


def _evolution_table(rows: Sequence[PeriodMetrics]) -> str:
    body = [
        [
            r.start.isoformat(),
            r.network.organizations,
            r.network.ties,
            f"{r.network.density:.3f}",
            f"{r.network.reciprocity:.2f}",
            r.network.components,
            _opt(r.ties_change.new if r.ties_change else None),
            _opt(r.ties_change.dissolved if r.ties_change else None),
            _num(r.ties_change.jaccard if r.ties_change else None, 2),
        ]
        for r in rows
    ]
    headers = [
        "Période (period)",
        "Organismes",
        "Liens (ties)",
        "Densité",
        "Réciprocité",
        "Composantes",
        "Nouveaux liens (new)",
        "Liens perdus (dissolved)",
        "Jaccard",
    ]
    return _table(headers, body, limit=None)


def _black_holes(data: ReportData) -> str:
    names = data.organization_names
    rows = [
        [names.get(h.org_id, h.org_id), h.sent, h.acknowledged, _pct(h.acknowledgement_rate)]
        for h in black_holes(data.whole.aggregate)
    ]
    return (
        "<h2>Trous noirs <span class='en'>Black holes</span></h2>"
        "<p class='note'>Organismes ayant reçu au moins 5 références et accusé réception de moins "
        "de 20 %. <span class='en'>Receivers sent ≥ 5 referrals that acknowledged "
        "&lt; 20%.</span></p>"
        + _table(["Organisme", "Reçues (received)", "Accusées (acknowledged)", "Taux (rate)"], rows)
    )


def _service_gaps(data: ReportData) -> str:
    territory = data.territory_names
    providers = {(c.territory_id, c.need_code): len(c.provider_ids) for c in data.coverage.rows}
    gaps = service_gaps(g_agg.funnel_by_need_and_territory(data.cells))
    rows = [
        [
            _need(g.need_code),
            territory.get(str(g.territory_id), g.territory_id or "—"),
            g.sent,
            g.gap_declines,
            _pct(g.gap_share),
            providers.get((str(g.territory_id), str(g.need_code)), 0),
        ]
        for g in gaps
    ]
    uncovered = [[territory.get(t, t), _need(n)] for t, n in data.coverage.uncovered]
    return (
        "<h2>Lacunes de services <span class='en'>Service gaps</span></h2>"
        "<p class='note'>Besoins refusés faute de places (NO_CAPACITY) ou de service adapté "
        "(SERVICE_NOT_ADAPTED), selon le territoire de la famille.</p>"
        + _table(
            [
                "Besoin (need)",
                "Territoire",
                "Envoyées (sent)",
                "Refus (gap declines)",
                "Part (share)",
                "Fournisseurs (providers)",
            ],
            rows,
        )
        + f"<h3>Besoins sans fournisseur au {data.coverage.on.isoformat()} "
        "<span class='en'>Needs with no provider</span></h3>"
        + _table(["Territoire", "Besoin (need)"], uncovered)
    )


def _critical(data: ReportData) -> str:
    names, territory = data.organization_names, data.territory_names
    rows = [
        [
            names.get(c.org_id, c.org_id),
            "oui (yes)" if c.disconnects else "non (no)",
            "; ".join(f"{_need(n)} — {territory.get(t, t)}" for t, n in c.sole_provider_of) or "—",
        ]
        for c in critical_organizations(data.whole.aggregate, data.coverage.rows)
    ]
    return (
        "<h2>Organismes critiques <span class='en'>Critical organizations</span></h2>"
        "<p class='note'>Leur perte coupe le réseau des références (point d'articulation) ou "
        "laisse un besoin sans fournisseur dans un territoire.</p>"
        + _table(
            ["Organisme", "Coupe le réseau (disconnects)", "Seul fournisseur de (sole provider)"],
            rows,
        )
    )


def _declines_and_loops(data: ReportData) -> str:
    names = data.organization_names
    aggregate = data.whole.aggregate
    declines = [
        [
            names.get(d.source, d.source),
            names.get(d.target, d.target),
            d.sent,
            d.declined,
            ", ".join(f"{v.label(r)} {n}" for r, n in sorted(d.reasons.items())),
        ]
        for d in repeated_declines(aggregate)
    ]
    loops = [
        [names.get(o.source, o.source), names.get(o.target, o.target), o.sent, o.open, o.overdue]
        for o in open_loops(aggregate)
    ]
    overrides = [
        [
            names.get(o.organization_id, o.organization_id),
            data.service_names.get(str(o.service_id), "—"),
            o.referrals,
            o.declined_no_capacity,
            o.completed,
        ]
        for o in data.overrides
    ]
    return (
        "<h2>Refus répétés <span class='en'>Repeated declines</span></h2>"
        + _table(["De (from)", "Vers (to)", "Envoyées", "Refusées", "Motifs (reasons)"], declines)
        + "<h2>Boucles ouvertes <span class='en'>Open loops</span></h2>"
        "<p class='note'>Références sans issue connue de l'organisme qui a référé.</p>"
        + _table(["De (from)", "Vers (to)", "Envoyées", "Ouvertes (open)", "En retard"], loops)
        + "<h2>Références malgré la disponibilité <span class='en'>Sent despite "
        "availability</span></h2>"
        + _table(
            ["Organisme", "Service", "Références", "Refus NO_CAPACITY", "Complétées"], overrides
        )
    )


def _outreach(data: ReportData) -> str:
    rows = [
        [v.label(p.place_kind), p.referrals, p.completed, _pct(p.completion_rate)]
        for p in outreach_by_place_kind(data.places)
    ]
    return "<h2>Travail de proximité <span class='en'>Outreach places</span></h2>" + _table(
        ["Type de lieu (place kind)", "Références", "Complétées", "Taux (rate)"], rows
    )


def _method() -> str:
    return (
        "<h2>Méthode <span class='en'>Method</span></h2><ul class='note'>"
        "<li>Une référence compte à une étape si elle l'a atteinte, quel que soit son statut "
        "actuel. <span class='en'>A referral counts at every stage it ever reached.</span></li>"
        "<li>Un lien (tie) relie deux organismes lorsqu'au moins une référence a été envoyée "
        "dans la période; densité = liens / (n (n − 1)).</li>"
        "<li>En retard: toujours « envoyée » après l'échéance d'accusé de réception (72 h "
        "par défaut), comme dans la boîte de réception; une référence expirée n'est pas en "
        "retard. <span class='en'>Overdue: still SENT past acknowledgeBy, as in the inbox; "
        "expired referrals are not overdue.</span></li>"
        "<li>Territoire de la famille: celui du lieu de proximité d'origine, sinon celui de "
        "l'organisme qui réfère.</li>"
        "<li>Communautés: Louvain (graine 0); stabilité: information mutuelle normalisée.</li>"
        "</ul>"
    )


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], limit: int | None = _ROWS) -> str:
    if not rows:
        return "<p class='note'>Aucun · None.</p>"
    shown = rows if limit is None else rows[:limit]
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in shown)
    more = (
        ""
        if len(shown) == len(rows)
        else (f"<p class='note'>… et {len(rows) - len(shown)} de plus (more).</p>")
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def _cell(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"<td class='n'>{_e(value)}</td>"
    return f"<td>{_e(value)}</td>"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def _num(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _opt(value: int | None) -> str:
    return "—" if value is None else str(value)


def _need(code: str | None) -> str:
    return "—" if code is None else v.label(code, "fr")
