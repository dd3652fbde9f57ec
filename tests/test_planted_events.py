"""The simulator's planted events, found by the analytics in the right period and place.

The demo preset (seed 7: 60 organizations, two networks, 2024–2025, about
5,000 referrals) is simulated, imported with graph/importer/__init__.py into the test
database, and each event of its ``manifest.json`` is looked for with the
Cypher aggregates and the analytics package, the way a coordinator would:

- CAPACITY_SHOCK: NO_CAPACITY declines to the organization rise while its
  service is FULL, and referrals are sent to that service with
  ``overrideAvailability`` only then;
- BLACK_HOLE: ``breakdowns.blackHoles`` (GraphQL) names the organization;
- NEW_PARTNERSHIP: no referral tie between the two before ``since``, a new
  tie and a partnership after it;
- BROKER_CLOSURE: the broker is the articulation point with the highest
  betweenness while open; after it closes the referral network splits into
  one component per network;
- SERVICE_GAP: coverage has no provider of the need in the territory, and
  that (need, territory) has the highest share of gap declines.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from analytics.breakdowns import service_gaps
from analytics.build import referral_graph
from analytics.evolution import evolution
from analytics.organizations import betweenness
from analytics.vulnerability import articulation_organizations
from graph.aggregates import queries as agg
from graph.aggregates.queries import Period, PeriodSlice, Window
from graph.db import Database
from graph.importer import import_dataset
from simulator import run
from tests.conftest import World

pytestmark = pytest.mark.slow

NOW = datetime(2026, 1, 1, tzinfo=UTC)  # the simulated period ends here
WHOLE = Window(date(2024, 1, 1), date(2025, 12, 31))


@pytest.fixture(scope="module")
async def demo(db: Database, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo dataset imported; returns its planted events by kind and its networks."""
    folder = run("demo", 7, tmp_path_factory.mktemp("demo-7"))
    report = await import_dataset(db, Path(folder))
    assert report.ok, report.errors[:5]
    manifest = json.loads((Path(folder) / "manifest.json").read_text())
    events = {e["kind"]: e for e in manifest["plantedEvents"]}
    assert len(events) == 5
    return {"events": events, "networks": events["BROKER_CLOSURE"]["details"]["networkIds"]}


def _day(text: str | None) -> date:
    return date.max if text is None else date.fromisoformat(text)


def _during(slice_: PeriodSlice, event: dict[str, Any]) -> bool:
    """The period overlaps the event's [start, end) dates."""
    start, end = _day(event["start"]), _day(event["end"]) - timedelta(days=1)
    return slice_.aggregate.start <= end and slice_.aggregate.end >= start


async def test_a_capacity_shock_raises_no_capacity_declines_while_the_service_is_full(
    db: Database, demo: dict[str, Any]
) -> None:
    shock = demo["events"]["CAPACITY_SHOCK"]
    months = await agg.collaboration(
        db, demo["networks"], Window(date(2024, 1, 1), date(2025, 12, 31), Period.MONTH), now=NOW
    )
    declines = [
        sum(t.declined.get("NO_CAPACITY", 0) for t in m.aggregate.ties
            if t.target == shock["organizationId"])
        for m in months
    ]  # fmt: skip
    during = [n for m, n in zip(months, declines, strict=True) if _during(m, shock)]
    outside = [n for m, n in zip(months, declines, strict=True) if not _during(m, shock)]
    assert len(during) == 4  # 2024-08-02 to 2024-12-01: August to November
    assert min(during) > max(outside)
    assert sum(during) / len(during) >= 5 * (sum(outside) / len(outside))
    overrides = await agg.availability_overrides(
        db, demo["networks"], Window(date(2024, 1, 1), date(2025, 12, 31), Period.MONTH)
    )
    sent_anyway = [
        m.aggregate.start
        for m, rows in zip(months, overrides, strict=True)
        if any(o.service_id == shock["serviceId"] for o in rows)
    ]
    assert sent_anyway and all(
        _during(m, shock) for m in months if m.aggregate.start in sent_anyway
    )


async def test_the_black_hole_is_listed_by_the_breakdowns_of_its_network(
    db: Database, demo: dict[str, Any], world: World
) -> None:
    hole = demo["events"]["BLACK_HOLE"]
    (network,) = await agg.organization_networks(db, hole["organizationId"], WHOLE)
    coordinator = await world.caller("COORDINATOR", network={"id": network})
    data = await coordinator.data(
        """query($id: ID!) { network(id: $id) { breakdowns(from: "2024-01-01", to: "2025-12-31") {
             blackHoles { organizationId sent acknowledgementRate }
             byReceiver { receiverId territoryId acknowledgementRate } } } }""",
        {"id": network},
    )
    breakdowns = data["network"]["breakdowns"]
    (found,) = breakdowns["blackHoles"]
    assert found["organizationId"] == hole["organizationId"]
    assert found["acknowledgementRate"] < 0.15  # planted: about 8%
    receiver = next(
        r for r in breakdowns["byReceiver"] if r["receiverId"] == hole["organizationId"]
    )
    assert receiver["territoryId"] == hole["territoryId"]
    others = [
        r["acknowledgementRate"]
        for r in breakdowns["byReceiver"]
        if r["receiverId"] != hole["organizationId"] and r["acknowledgementRate"] is not None
    ]
    assert min(others) > 0.5  # fmt: skip


async def test_a_new_partnership_is_followed_by_a_new_referral_tie(
    db: Database, demo: dict[str, Any]
) -> None:
    planted = demo["events"]["NEW_PARTNERSHIP"]
    a, b, since = planted["organizationId"], planted["partnerOrganizationId"], planted["start"]
    months = await agg.collaboration(
        db, demo["networks"], Window(date(2024, 1, 1), date(2025, 12, 31), Period.MONTH), now=NOW
    )
    before = [m for m in months if m.aggregate.end < date.fromisoformat(since)]
    after = [m for m in months if m.aggregate.start >= date.fromisoformat(since)]
    assert len(before) == 12 and len(after) == 12

    def pair(m: PeriodSlice) -> dict[tuple[str, str], int]:
        return {
            (t.source, t.target): t.sent for t in m.aggregate.ties if {t.source, t.target} == {a, b}
        }

    def partnered(m: PeriodSlice) -> bool:
        return any({p.source, p.target} == {a, b} for p in m.aggregate.partnerships)

    assert all(pair(m) == {} and not partnered(m) for m in before)
    assert all(partnered(m) for m in after)
    assert sum(1 for m in after if pair(m)) >= 8  # a tie in most months after
    sent = [n for m in after for (source, _), n in pair(m).items() if source == a]
    returned = [n for m in after for (source, _), n in pair(m).items() if source == b]
    assert sum(sent) > sum(returned)  # mostly from the first to the second
    # Yearly tie dynamics see the tie appear: present in 2025, absent in 2024.
    years = await agg.collaboration(
        db, demo["networks"], Window(date(2024, 1, 1), date(2025, 12, 31), Period.YEAR), now=NOW
    )
    ties = [{(t.source, t.target) for t in y.aggregate.ties} for y in years]
    assert (a, b) not in ties[0] and (a, b) in ties[1]
    (_, change) = [p.ties_change for p in evolution([y.aggregate for y in years])]
    assert change is not None and change.new >= 1


def _parts(slice_: PeriodSlice) -> list[set[str]]:
    """Weak components of the organizations that sent or received a referral."""
    graph = referral_graph(slice_.aggregate)
    graph.remove_nodes_from([n for n in list(graph) if graph.degree(n) == 0])
    return [set(c) for c in nx.weakly_connected_components(graph)]


async def test_the_broker_closure_splits_the_region_into_one_part_per_network(
    db: Database, demo: dict[str, Any]
) -> None:
    closure = demo["events"]["BROKER_CLOSURE"]
    broker, closed = closure["organizationId"], date.fromisoformat(closure["start"])
    region: Sequence[str] = demo["networks"]
    quarters = await agg.collaboration(
        db, region, Window(date(2024, 1, 1), date(2025, 12, 31), Period.QUARTER), now=NOW
    )
    open_quarters = [q for q in quarters if q.aggregate.end < closed]
    closed_quarters = [q for q in quarters if q.aggregate.start >= closed]
    assert len(open_quarters) == 5 and len(closed_quarters) == 2
    for q in open_quarters:
        graph = referral_graph(q.aggregate)
        between = betweenness(graph)
        assert max(between, key=lambda n: between[n]) == broker
        assert broker in articulation_organizations(graph)
        assert len(_parts(q)) == 1
    members = {}
    for network in region:
        (whole,) = await agg.collaboration(db, [network], WHOLE, now=NOW)
        members[network] = {n.id for n in whole.aggregate.nodes}
    for q in closed_quarters:
        assert broker not in {n.id for n in q.aggregate.nodes}
        parts = _parts(q)
        assert len(parts) == 2
        assert all(any(p <= members[n] for n in region) for p in parts)
    # The region's evolution shows it: the largest component shrinks after the closure.
    rows = evolution([q.aggregate for q in quarters])
    share = {r.start: r.network.largest_component_share for r in rows}
    assert max(share[q.aggregate.start] for q in closed_quarters) < min(
        share[q.aggregate.start] for q in open_quarters
    )


async def test_the_service_gap_has_no_provider_and_the_most_gap_declines_for_its_need(
    db: Database, demo: dict[str, Any]
) -> None:
    gap = demo["events"]["SERVICE_GAP"]
    territory, need = gap["territoryId"], gap["needCode"]
    for day in (date(2024, 6, 30), date(2025, 6, 30)):
        coverage = await agg.coverage(db, demo["networks"], day)
        assert (territory, need) in coverage.uncovered
        assert [cell for cell in coverage.uncovered if cell[1] == need] == [(territory, need)]
    (cells,) = await agg.need_funnel(db, demo["networks"], WHOLE)
    rows = [g for g in service_gaps(agg.funnel_by_need_and_territory(cells)) if g.need_code == need]
    worst = max(rows, key=lambda g: g.gap_share)
    assert worst.territory_id == territory
    assert worst.gap_share > 2 * max(g.gap_share for g in rows if g.territory_id != territory)
