"""The report's outreach section: regularity by place, yield over weeks of presence, pitfalls.

Read with :func:`gather_outreach` (one query set for the report's networks),
computed by :mod:`analytics.presence_summary`, drawn into one PNG and one
HTML section by :func:`write_outreach`. Places and organizations are named:
the report is for the networks' coordinators, and it holds no family data
(visits carry counts and need codes only).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from analytics.presence import referrals_from_rows, visits_from_rows, yield_by_continuous_weeks
from analytics.presence_summary import by_organization, by_place
from graph.aggregates import presence as g_measures
from graph.db import Database

__all__ = ["OutreachSection", "gather_outreach", "plot_outreach", "write_outreach"]

_DPI = 110
_PLACES = 15  # places shown in the figure and the table, by hours of presence


@dataclass(frozen=True)
class OutreachSection:
    """The outreach measures of the report's window."""

    places: tuple[dict[str, Any], ...]
    organizations: tuple[dict[str, Any], ...]
    yields: tuple[dict[str, Any], ...]
    place_names: Mapping[str, str]
    organization_names: Mapping[str, str]


async def gather_outreach(
    db: Database, network_ids: Sequence[str], start: date, end: date
) -> OutreachSection:
    """Presence and outreach referrals of the networks' members over ``[start, end]``."""
    data = await g_measures.network_presence(db, list(network_ids), start, end)
    visits, referrals = visits_from_rows(data.visits), referrals_from_rows(data.referrals)
    places = sorted(
        by_place(visits, referrals, data.open_needs, start, end),
        key=lambda r: (-r["hours"], r["place"]),
    )
    return OutreachSection(
        places=tuple(places),
        organizations=tuple(by_organization(visits, referrals)),
        yields=tuple(yield_by_continuous_weeks(visits, referrals)),
        place_names={r["place"]: r["placeName"] for r in data.visits},
        organization_names={r["organization"]: r["organizationName"] for r in data.visits},
    )


def plot_outreach(section: OutreachSection, path: Path) -> Path:
    """Left: share of weeks with presence per place; right: referrals per hour by weeks."""
    fig = Figure(figsize=(10, 4.6), dpi=_DPI)
    left, right = fig.subplots(1, 2, width_ratios=(1.3, 1))
    shown = list(section.places[:_PLACES])[::-1]
    labels = [_short(section.place_names.get(p["place"], p["place"])) for p in shown]
    left.barh(range(len(shown)), [p["shareOfWeeks"] or 0 for p in shown], color="#1f5a96")
    left.set_yticks(range(len(shown)), labels, fontsize=7)
    left.set_xlim(0, 1)
    left.axvline(0.75, color="#8a8f98", linestyle="--", linewidth=1)
    left.set_xlabel("Part des semaines avec présence (share of weeks)")
    left.set_title("Régularité par lieu · Regularity by place", fontsize=10)
    buckets = [f"{y['fromWeek']}–{y['toWeek']}" if y["toWeek"] else f"{y['fromWeek']}+"
               for y in section.yields]  # fmt: skip
    right.bar(buckets, [y["referralsPerHour"] or 0 for y in section.yields], color="#d9822b")
    right.set_xlabel("Semaines continues (weeks of continuous presence)", fontsize=9)
    right.set_ylabel("Références par heure (referrals per hour)")
    right.set_title("Rendement · Yield over weeks of presence", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    return path


def write_outreach(section: OutreachSection, figures: Path, relative_to: Path) -> str:
    """Draw the figure into ``figures`` and return the section's HTML (figure path relative).

    Without any presence logged in the window, the section says so and draws nothing.
    """
    title = "<h2>Présence de proximité <span class='en'>Outreach presence</span></h2>"
    if not section.places:
        return title + (
            "<p class='note'>Aucune présence consignée dans la période. "
            "<span class='en'>No outreach presence logged in this window.</span></p>"
        )
    figure = plot_outreach(section, figures / "outreach.png").relative_to(relative_to).as_posix()
    place_rows = [
        [
            section.place_names.get(p["place"], p["place"]), p["kind"], _pct(p["shareOfWeeks"]),
            p["longestGapWeeks"], _num(p["visitsPerMonth"]), _num(p["hours"], 1),
            _num(p["contactsPerHour"]), _num(p["referralsPerHour"], 3),
            "—" if p["trustLagWeeks"] is None else p["trustLagWeeks"],
        ]
        for p in section.places[:_PLACES]
    ]  # fmt: skip
    yield_rows = [
        [f"{y['fromWeek']}–{y['toWeek'] or '…'}", _num(y["hours"], 1), y["referrals"],
         _num(y["referralsPerHour"], 3)]
        for y in section.yields
    ]  # fmt: skip
    org_rows = [
        [
            section.organization_names.get(o["organization"], o["organization"]), o["places"],
            o["placeKinds"], _num(o["kindEvenness"]), _pct(o["ownServiceShare"]),
            _pct(o["needsHeardNotReferredShare"]), "oui" if o["singleKind"] else "non",
        ]
        for o in section.organizations
    ]  # fmt: skip
    return "\n".join(
        [
            title,
            f"<img src='{html.escape(figure)}' alt='outreach regularity and yield'>",
            "<p class='note'>Présence régulière: au moins 3 des 4 dernières semaines (ligne "
            "pointillée: 75 %). Délai de confiance: semaines entre la première présence "
            "régulière et la première référence issue du lieu. <span class='en'>Regular: 3 of "
            "4 weeks; trust lag: first regular week to first referral.</span></p>",
            _table(
                [
                    "Lieu (place)",
                    "Type",
                    "Semaines",
                    "Plus long écart",
                    "Visites/mois",
                    "Heures",
                    "Familles/h",
                    "Réf./h",
                    "Délai (sem.)",
                ],
                place_rows,
            ),
            _table(["Semaines continues", "Heures", "Références", "Réf./h"], yield_rows),
            "<p class='note'>Écueils: part des références vers des organismes partageant le "
            "personnel (services « maison »), besoins entendus jamais référés, un seul type "
            "de lieu. <span class='en'>Pitfalls: own-service share, needs heard never "
            "referred, one kind of place only.</span></p>",
            _table(
                [
                    "Organisme",
                    "Lieux",
                    "Types",
                    "Équitabilité (J)",
                    "Vers soi",
                    "Besoins non référés",
                    "Un seul type",
                ],
                org_rows,
            ),
        ]
    )


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _short(name: str, limit: int = 30) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
