"""Referral events reduced in Cypher (graph/aggregates/queries.py), checked against hand counts.

One small network is built through the graph functions with explicit times,
then every aggregate is compared with figures worked out below by hand.

Organizations (all members from 2024-01-01 unless said): A (T1), B (T1),
C (T2), D (T1, joins 2025-02-15), E (T2, leaves after 2025-01-31).
Services: B "food" FOOD_SECURITY in T1 (OPEN) and "food-full" FOOD_SECURITY
in T1 (FULL); C "housing" HOUSING + INCOME in T1 and T2; D "food-closed"
FOOD_SECURITY in T2 (CLOSED); E "food-e" FOOD_SECURITY in T2.
Partnership A–B AGREEMENT from 2025-02-10. Place P (PARK) in T2.

Referrals (UTC; acknowledgeBy = sent + 72 h):

====  =====  ================  ==========================================================
 id   pair   sent              what happens
====  =====  ================  ==========================================================
 r1   A→B    01-06 09:00 (P)   ack +10 h, accept, contact, complete
 r2   A→B    01-10 09:00       food-full with override; ack +24 h, decline NO_CAPACITY
 r3   A→B    01-31 23:00       nothing (overdue from 02-03 23:00)
 r4   A→C    01-15 10:00       HOUSING+INCOME; ack +120 h (late, not overdue), redirect
 r4'  C→B    01-20 10:00       created by the redirect; nothing (overdue)
 r5   B→A    02-01 00:00       ack +6 h, accept, no-show
 r6   A→B    02-03 12:00       cancelled 02-04 (before acknowledgeBy: not overdue)
====  =====  ================  ==========================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from analytics.model import CoverageRow, FunnelRow, Partnership, PlaceRow, ReferralTie
from domain.errors import BadUserInput
from domain.lifecycle import Action
from graph.aggregates import queries as agg
from graph.aggregates.queries import Period, Window
from graph.db import Database
from graph.directory import networks, organizations, services
from graph.directory.organizations import OrganizationInput
from graph.directory.services import ServiceInput
from graph.projection import Projection
from graph.referral import commands as g_ref
from graph.referral.commands import ReferralInput
from graph.referral.reads import referral_page
from tests.conftest import unique

NOW = datetime.now(UTC)
SINCE = date(2024, 1, 1)


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


@dataclass
class Scenario:
    network: str
    territories: dict[str, str]
    orgs: dict[str, str]
    services: dict[str, str]
    place: str
    redirected: str


async def _org(db: Database, name: str, territory: str | None, network: str, **member: Any) -> str:
    org = await organizations.create_organization(
        db, OrganizationInput(name=unique(f"{name} "), kind="COMMUNITY", territory_id=territory)
    )
    await networks.add_network_member(
        db, network_id=network, organization_id=org["id"], since=member.get("since", SINCE)
    )
    if "until" in member:
        await networks.end_network_membership(
            db, network_id=network, organization_id=org["id"], until=member["until"]
        )
    return str(org["id"])


async def _service(
    db: Database, org: str, needs: list[str], areas: list[str], availability: str = "OPEN"
) -> str:
    created = await services.create_service(
        db,
        ServiceInput(
            organization_id=org,
            name=unique("Service "),
            need_codes=needs,
            territory_ids=areas,
            availability=availability,
        ),
    )
    return str(created["id"])


async def _send(db: Database, sender: str, receiver: str, when: datetime, **fields: Any) -> str:
    referral, _ = await g_ref.send_referral(
        db,
        ReferralInput(
            to_organization_id=receiver,
            need_codes=fields.pop("needs", ["FOOD_SECURITY"]),
            family_reference=f"F-{unique()}-1",
            idempotency_key=unique("key-"),
            consent_given=True,
            consent_method="VERBAL",
            consent_scope="referral",
            **fields,
        ),
        sender_id=sender,
        actor_user_id=None,
        now=when,
    )
    return str(referral["id"])


async def _walk(
    db: Database, referral: str, actor: str, steps: list[tuple[Action, datetime]], **extra: Any
) -> dict[str, Any]:
    status = "SENT"
    row: dict[str, Any] = {}
    for action, when in steps:
        row = await g_ref.transition(
            db,
            referral,
            action,
            expected_status=status,
            actor_user_id=None,
            actor_org_id=actor,
            now=when,
            **(extra if action in (Action.DECLINE, Action.REDIRECT, Action.CANCEL) else {}),
        )
        status = row["status"]
    return row


@pytest.fixture(scope="module")
async def scenario(db: Database) -> Scenario:
    t1 = await networks.create_territory(db, code=unique("T").upper(), name="T1")
    t2 = await networks.create_territory(db, code=unique("T").upper(), name="T2")
    net = await networks.create_network(
        db, name=unique("Réseau agrégé "), territory_codes=[t1["code"], t2["code"]]
    )
    n = net["id"]
    a = await _org(db, "A", t1["id"], n)
    b = await _org(db, "B", t1["id"], n)
    c = await _org(db, "C", t2["id"], n)
    d = await _org(db, "D", t1["id"], n, since=date(2025, 2, 15))
    e = await _org(db, "E", t2["id"], n, until=date(2025, 1, 31))
    food = await _service(db, b, ["FOOD_SECURITY"], [t1["id"]])
    full = await _service(db, b, ["FOOD_SECURITY"], [t1["id"]], "FULL")
    housing = await _service(db, c, ["HOUSING", "INCOME"], [t1["id"], t2["id"]])
    await _service(db, d, ["FOOD_SECURITY"], [t2["id"]], "CLOSED")
    await _service(db, e, ["FOOD_SECURITY"], [t2["id"]])
    await networks.declare_partnership(
        db, organization_id=a, partner_id=b, kind="AGREEMENT", since=date(2025, 2, 10)
    )
    place = await networks.create_place(
        db, name=unique("Parc "), kind="PARK", territory_id=t2["id"]
    )

    r1 = await _send(db, a, b, at(1, 6, 9), service_id=food, place_id=place["id"])
    await _walk(
        db,
        r1,
        b,
        [
            (Action.ACKNOWLEDGE, at(1, 6, 19)),
            (Action.ACCEPT, at(1, 7)),
            (Action.RECORD_CONTACT, at(1, 8)),
            (Action.COMPLETE, at(1, 20)),
        ],
    )
    r2 = await _send(db, a, b, at(1, 10, 9), service_id=full, override_availability=True)
    await _walk(
        db,
        r2,
        b,
        [(Action.ACKNOWLEDGE, at(1, 11, 9)), (Action.DECLINE, at(1, 12))],
        reason="NO_CAPACITY",
    )
    await _send(db, a, b, at(1, 31, 23))
    r4 = await _send(db, a, c, at(1, 15, 10), service_id=housing, needs=["HOUSING", "INCOME"])
    redirected = await _walk(
        db,
        r4,
        c,
        [(Action.ACKNOWLEDGE, at(1, 20, 10)), (Action.REDIRECT, at(1, 20, 10))],
        redirect_to=(b, None),
    )
    r5 = await _send(db, b, a, at(2, 1, 0))
    await _walk(
        db,
        r5,
        a,
        [
            (Action.ACKNOWLEDGE, at(2, 1, 6)),
            (Action.ACCEPT, at(2, 2)),
            (Action.RECORD_NO_SHOW, at(2, 10)),
        ],
    )
    r6 = await _send(db, a, b, at(2, 3, 12))
    await _walk(db, r6, a, [(Action.CANCEL, at(2, 4))], reason="family moved")
    return Scenario(
        network=n,
        territories={"T1": t1["id"], "T2": t2["id"]},
        orgs={"A": a, "B": b, "C": c, "D": d, "E": e},
        services={"food": food, "full": full, "housing": housing},
        place=place["id"],
        redirected=str(redirected["redirectedToId"]),
    )


async def _months(db: Database, s: Scenario, start: date, end: date) -> tuple[agg.PeriodSlice, ...]:
    return await agg.collaboration(db, [s.network], Window(start, end, Period.MONTH), now=NOW)


def _ties(slice_: agg.PeriodSlice, s: Scenario) -> dict[tuple[str, str], ReferralTie]:
    names = {v: k for k, v in s.orgs.items()}
    return {(names[t.source], names[t.target]): t for t in slice_.aggregate.ties}


def _members(slice_: agg.PeriodSlice, s: Scenario) -> list[str]:
    names = {v: k for k, v in s.orgs.items()}
    return sorted(names[n.id] for n in slice_.aggregate.nodes)


async def test_january_ties_count_every_stage_each_referral_reached(
    db: Database, scenario: Scenario
) -> None:
    (january,) = await _months(db, scenario, date(2025, 1, 1), date(2025, 1, 31))
    ties = _ties(january, scenario)
    assert set(ties) == {("A", "B"), ("A", "C"), ("C", "B")}
    a, b, c = (scenario.orgs[k] for k in "ABC")
    # r1, r2, r3: two acknowledged (10 h and 24 h), r1 completed, r2 declined, r3 overdue.
    assert ties["A", "B"] == ReferralTie(
        a, b, sent=3, acknowledged=2, accepted=1, contacted=1, completed=1,
        declined={"NO_CAPACITY": 1}, overdue=1, median_hours_to_ack=17.0,
    )  # fmt: skip
    # r4: acknowledged 120 h after sending, past the 72 h deadline, then redirected:
    # acknowledged late, so no longer overdue (overdue means still SENT).
    assert ties["A", "C"] == ReferralTie(
        a,
        c,
        sent=1,
        acknowledged=1,
        redirected=1,
        overdue=0,
        acknowledged_late=1,
        median_hours_to_ack=120.0,
    )
    # r4': the redirect's new referral, never acknowledged.
    assert ties["C", "B"] == ReferralTie(c, b, sent=1, overdue=1)


async def test_february_counts_a_no_show_and_a_cancellation_in_time_is_not_overdue(
    db: Database, scenario: Scenario
) -> None:
    (february,) = await _months(db, scenario, date(2025, 2, 1), date(2025, 2, 28))
    ties = _ties(february, scenario)
    a, b = scenario.orgs["A"], scenario.orgs["B"]
    assert ties == {
        ("B", "A"): ReferralTie(
            b, a, sent=1, acknowledged=1, accepted=1, no_show=1, median_hours_to_ack=6.0
        ),
        ("A", "B"): ReferralTie(a, b, sent=1, cancelled=1),
    }


async def test_a_referral_sent_on_the_last_evening_of_a_month_stays_in_that_month(
    db: Database, scenario: Scenario
) -> None:
    january, february = await _months(db, scenario, date(2025, 1, 1), date(2025, 2, 28))
    # r3 (01-31 23:00) is January's third A→B referral; r5 (02-01 00:00) opens February.
    assert _ties(january, scenario)["A", "B"].sent == 3
    assert _ties(february, scenario)["B", "A"].sent == 1
    assert (january.aggregate.start, january.aggregate.end) == (date(2025, 1, 1), date(2025, 1, 31))
    assert (february.aggregate.start, february.aggregate.end) == (
        date(2025, 2, 1), date(2025, 2, 28)
    )  # fmt: skip


async def test_members_are_those_whose_membership_overlaps_the_period(
    db: Database, scenario: Scenario
) -> None:
    january, february, march = await _months(db, scenario, date(2025, 1, 1), date(2025, 3, 31))
    assert _members(january, scenario) == ["A", "B", "C", "E"]  # D joins on 02-15
    assert _members(february, scenario) == ["A", "B", "C", "D"]  # E left after 01-31
    assert _members(march, scenario) == ["A", "B", "C", "D"]


async def test_an_empty_month_keeps_its_members_and_has_no_tie(
    db: Database, scenario: Scenario
) -> None:
    (march,) = await _months(db, scenario, date(2025, 3, 1), date(2025, 3, 31))
    assert march.aggregate.ties == ()
    assert len(march.aggregate.nodes) == 4
    assert march.ack_hours == {}


async def test_receivers_median_hours_to_acknowledge_pool_all_their_referrals(
    db: Database, scenario: Scenario
) -> None:
    january, february = await _months(db, scenario, date(2025, 1, 1), date(2025, 2, 28))
    o = scenario.orgs
    # B acknowledged r1 (10 h) and r2 (24 h); C acknowledged r4 (120 h); A r5 (6 h).
    assert january.ack_hours == {o["B"]: 17.0, o["C"]: 120.0}
    assert february.ack_hours == {o["A"]: 6.0}


async def test_partnerships_appear_from_the_period_they_start(
    db: Database, scenario: Scenario
) -> None:
    january, february = await _months(db, scenario, date(2025, 1, 1), date(2025, 2, 28))
    assert january.aggregate.partnerships == ()
    a, b = scenario.orgs["A"], scenario.orgs["B"]
    assert february.aggregate.partnerships == (Partnership(a, b, "AGREEMENT"),)


async def test_quarters_and_a_whole_window_add_up_the_months(
    db: Database, scenario: Scenario
) -> None:
    (quarter,) = await agg.collaboration(
        db, [scenario.network], Window(date(2025, 1, 1), date(2025, 3, 31), Period.QUARTER),
        now=NOW,
    )  # fmt: skip
    (whole,) = await agg.collaboration(
        db, [scenario.network], Window(date(2025, 1, 1), date(2025, 3, 31)), now=NOW
    )
    for slice_ in (quarter, whole):
        ties = _ties(slice_, scenario)
        assert ties["A", "B"].sent == 4  # r1, r2, r3 and r6
        assert ties["A", "B"].cancelled == 1
        assert ties["B", "A"].sent == 1
        # B: 10 h and 24 h; C: 120 h; A: 6 h.
        assert slice_.ack_hours == {
            scenario.orgs["B"]: 17.0, scenario.orgs["C"]: 120.0, scenario.orgs["A"]: 6.0
        }  # fmt: skip
        assert _members(slice_, scenario) == ["A", "B", "C", "D", "E"]


async def test_a_window_starting_mid_month_clips_its_first_period(
    db: Database, scenario: Scenario
) -> None:
    first, second = await _months(db, scenario, date(2025, 1, 12), date(2025, 2, 2))
    assert (first.aggregate.start, first.aggregate.end) == (date(2025, 1, 12), date(2025, 1, 31))
    assert (second.aggregate.start, second.aggregate.end) == (date(2025, 2, 1), date(2025, 2, 2))
    # From 01-12: r3, r4 and r4' (r1 and r2 were sent before); r5 on 02-01 only.
    assert {k: t.sent for k, t in _ties(first, scenario).items()} == {
        ("A", "B"): 1, ("A", "C"): 1, ("C", "B"): 1
    }  # fmt: skip
    assert {k: t.sent for k, t in _ties(second, scenario).items()} == {("B", "A"): 1}


def _named(rows: tuple[FunnelRow, ...], s: Scenario) -> dict[tuple[str | None, ...], FunnelRow]:
    names = {v: k for k, v in s.territories.items()}
    return {tuple(names.get(str(p), p) for p in row.key): row for row in rows}


async def test_funnel_by_need_and_family_territory(db: Database, scenario: Scenario) -> None:
    (cells,) = await agg.need_funnel(
        db, [scenario.network], Window(date(2025, 1, 1), date(2025, 1, 31))
    )
    # Family territory: r1 was met at P (T2); r2, r3, r4 come from A (T1); r4' from C (T2).
    rows = _named(agg.funnel_by_need_and_territory(cells), scenario)
    assert rows == {
        ("FOOD_SECURITY", "T1"): FunnelRow(
            ("FOOD_SECURITY", scenario.territories["T1"]), sent=2, acknowledged=1,
            declined={"NO_CAPACITY": 1},
        ),
        ("FOOD_SECURITY", "T2"): FunnelRow(
            ("FOOD_SECURITY", scenario.territories["T2"]), sent=1, acknowledged=1, accepted=1,
            contacted=1, completed=1,
        ),
        ("HOUSING", "T1"): FunnelRow(("HOUSING", scenario.territories["T1"]), 1, 1),
        ("HOUSING", "T2"): FunnelRow(("HOUSING", scenario.territories["T2"]), 1),
        ("INCOME", "T1"): FunnelRow(("INCOME", scenario.territories["T1"]), 1, 1),
        ("INCOME", "T2"): FunnelRow(("INCOME", scenario.territories["T2"]), 1),
    }  # fmt: skip
    by_need = {row.key: row.sent for row in agg.funnel_by_need(cells)}
    assert by_need == {("FOOD_SECURITY",): 3, ("HOUSING",): 2, ("INCOME",): 2}
    # By territory each referral counts once, although r4 and r4' have two needs.
    by_territory = {
        k: r.sent for k, r in _named(agg.funnel_by_family_territory(cells), scenario).items()
    }
    assert by_territory == {("T1",): 3, ("T2",): 2}


async def test_coverage_lists_current_members_services_that_are_not_closed(
    db: Database, scenario: Scenario
) -> None:
    found = await agg.coverage(db, [scenario.network], date.today())
    t1, t2 = scenario.territories["T1"], scenario.territories["T2"]
    o = scenario.orgs
    # D's T2 food service is CLOSED and E left the network: nobody feeds T2.
    assert set(found.rows) == {
        CoverageRow(t1, "FOOD_SECURITY", frozenset({o["B"]})),  # open and FULL services
        CoverageRow(t1, "HOUSING", frozenset({o["C"]})),
        CoverageRow(t2, "HOUSING", frozenset({o["C"]})),
        CoverageRow(t1, "INCOME", frozenset({o["C"]})),
        CoverageRow(t2, "INCOME", frozenset({o["C"]})),
    }
    assert found.territories == tuple(sorted([t1, t2]))
    assert found.uncovered == ((t2, "FOOD_SECURITY"),)


async def test_coverage_before_a_service_existed_does_not_count_it(
    db: Database, scenario: Scenario
) -> None:
    found = await agg.coverage(db, [scenario.network], date(2025, 1, 15))
    assert found.rows == ()


async def test_place_outcomes_and_overrides_are_counted_per_period(
    db: Database, scenario: Scenario
) -> None:
    window = Window(date(2025, 1, 1), date(2025, 2, 28), Period.MONTH)
    january, february = await agg.place_outcomes(db, [scenario.network], window)
    assert january == (PlaceRow(scenario.place, "PARK", referrals=1, completed=1),)
    assert february == ()
    january_o, february_o = await agg.availability_overrides(db, [scenario.network], window)
    assert january_o == (agg.OverrideRow(scenario.orgs["B"], scenario.services["full"], 1, 1, 0),)
    assert february_o == ()


async def test_a_network_of_one_organization_has_one_node_and_no_tie(db: Database) -> None:
    net = await networks.create_network(db, name=unique("Réseau seul "))
    only = await _org(db, "Seul", None, net["id"])
    slices = await agg.collaboration(
        db, [net["id"]], Window(date(2025, 1, 1), date(2025, 3, 31), Period.MONTH), now=NOW
    )
    assert [len(s.aggregate.nodes) for s in slices] == [1, 1, 1]
    assert all(s.aggregate.ties == () for s in slices)
    assert slices[0].aggregate.nodes[0].id == only
    assert slices[0].aggregate.nodes[0].territory_id is None


async def test_an_unknown_network_gives_empty_periods(db: Database) -> None:
    slices = await agg.collaboration(
        db, [unique("no-such-")], Window(date(2025, 1, 1), date(2025, 1, 31)), now=NOW
    )
    assert [s.aggregate.nodes for s in slices] == [()]


@pytest.mark.parametrize(
    ("start", "end", "period", "expected"),
    [
        pytest.param(date(2025, 1, 1), date(2025, 1, 1), Period.MONTH,
                     [(date(2025, 1, 1), date(2025, 1, 1))], id="one-day"),
        pytest.param(date(2024, 11, 15), date(2025, 2, 10), Period.QUARTER,
                     [(date(2024, 11, 15), date(2024, 12, 31)),
                      (date(2025, 1, 1), date(2025, 2, 10))], id="quarters-clipped"),
        pytest.param(date(2024, 2, 1), date(2024, 3, 31), Period.MONTH,
                     [(date(2024, 2, 1), date(2024, 2, 29)),
                      (date(2024, 3, 1), date(2024, 3, 31))], id="leap-february"),
        pytest.param(date(2023, 6, 1), date(2025, 1, 1), Period.YEAR,
                     [(date(2023, 6, 1), date(2023, 12, 31)),
                      (date(2024, 1, 1), date(2024, 12, 31)),
                      (date(2025, 1, 1), date(2025, 1, 1))], id="years"),
        pytest.param(date(2025, 3, 3), date(2025, 4, 4), None,
                     [(date(2025, 3, 3), date(2025, 4, 4))], id="whole-window"),
    ],
)  # fmt: skip
def test_a_window_is_cut_into_calendar_periods_clipped_to_it(
    start: date, end: date, period: Period | None, expected: list[tuple[date, date]]
) -> None:
    assert list(Window(start, end, period).periods()) == expected


def test_the_period_before_a_window_is_a_whole_calendar_unit() -> None:
    assert Window(date(2025, 1, 12), date(2025, 3, 1), Period.MONTH).previous().periods() == (
        (date(2024, 12, 1), date(2024, 12, 31)),
    )
    assert Window(date(2025, 5, 1), date(2025, 5, 10), Period.QUARTER).previous().periods() == (
        (date(2025, 1, 1), date(2025, 3, 31)),
    )


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        pytest.param(date(2025, 2, 1), date(2025, 1, 31), "to", id="to-before-from"),
        pytest.param(date(2010, 1, 1), date(2025, 1, 1), "from", id="fifteen-years"),
    ],
)
def test_a_window_ending_before_it_starts_or_too_long_is_refused(
    start: date, end: date, field: str
) -> None:
    with pytest.raises(BadUserInput) as caught:
        Window(start, end, Period.MONTH)
    assert caught.value.field == field


def test_ten_years_is_the_longest_window() -> None:
    Window(date(2015, 1, 1), date(2024, 12, 31), Period.MONTH)  # no error
    assert len(Window(date(2015, 1, 1), date(2024, 12, 31), Period.MONTH).periods()) == 120
    assert timedelta(days=agg.MAX_WINDOW_DAYS) >= date(2025, 1, 1) - date(2015, 1, 1)


async def test_the_aggregates_overdue_is_the_inbox_overdue(
    db: Database, scenario: Scenario
) -> None:
    # By hand: r3 and r4' are still SENT past their deadline; r4 was acknowledged
    # late (not overdue any more), r6 cancelled in time, the others acknowledged.
    (whole,) = await agg.collaboration(
        db, [scenario.network], Window(date(2025, 1, 1), date(2025, 3, 31)), now=NOW
    )
    in_aggregates = sum(tie.overdue for tie in whole.aggregate.ties)
    inbox = await referral_page(
        db,
        g_ref.ReferralFilter(network_ids=[scenario.network], overdue=True),
        Projection(),
        now=NOW,
        after=None,
        limit=50,
        with_total=True,
        with_counts=False,
    )
    assert in_aggregates == inbox.total == 2
