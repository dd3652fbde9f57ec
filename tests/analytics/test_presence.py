"""Presence measures on a tiny log, against figures computed by hand."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from analytics.presence import (
    OriginatedReferral,
    Visit,
    diversity,
    first_regular_week,
    needs_heard_not_referred,
    needs_without_open_service,
    own_service_share,
    pielou_evenness,
    regularity,
    single_kind,
    trust_lag_weeks,
    yield_by_continuous_weeks,
)
from analytics.presence_summary import by_month, by_organization, by_place, by_place_kind

MONDAY = date(2026, 3, 2)


def week(n: int, weekday: int = 0) -> date:
    """Day ``weekday`` of the n-th week (1-based) from 2 March 2026."""
    return MONDAY + timedelta(weeks=n - 1, days=weekday)


# The tiny log. Organization A: park P weeks 1, 2, 4, 5, 6, 7, 8 (2 h each, Tuesday),
# food bank F weeks 1 and 5 (3 h). Organization B: park Q (another park) weeks 1 and 8 (1 h).
LOG = [
    *(
        Visit("A", "P", "PARK", week(n, 1), 2.0, contacts=4, first_contacts=1, territory="t1",
              needs=("HOUSING",) if n == 2 else ())
        for n in (1, 2, 4, 5, 6, 7, 8)
    ),
    Visit("A", "F", "FOOD_BANK", week(1, 3), 3.0, contacts=9, first_contacts=3, territory="t2",
          needs=("FOOD_SECURITY", "INCOME")),
    Visit("A", "F", "FOOD_BANK", week(5, 3), 3.0, contacts=6, first_contacts=0, territory="t2"),
    Visit("B", "Q", "PARK", week(1, 2), 1.0, contacts=1),
    Visit("B", "Q", "PARK", week(8, 2), 1.0, contacts=2, first_contacts=1),
]  # fmt: skip
REFERRALS = [
    OriginatedReferral("A", "X", "P", week(2, 1), "COMPLETED", needs=("HOUSING",)),
    OriginatedReferral("A", "X", "P", week(7, 1), "DECLINED", "NO_CAPACITY", needs=("HOUSING",)),
    OriginatedReferral("A", "Y", "P", week(8, 4), "SENT", own_service=True),
    OriginatedReferral("A", "Y", "F", week(5, 3), "DECLINED", None, needs=("FOOD_SECURITY",)),
    OriginatedReferral("B", "X", "Q", week(3, 0), "SENT"),  # a week without presence
]
START, END = week(1), week(8, 6)  # eight whole weeks: 56 days


def test_regularity_of_the_park_counts_weeks_gaps_and_visits_per_month() -> None:
    r = regularity([v.day for v in LOG if v.place == "P"], START, END)
    assert (r.weeks, r.weeks_with_presence, r.longest_gap_weeks) == (8, 7, 1)
    assert r.share_of_weeks == pytest.approx(7 / 8)
    assert r.visits_per_month == pytest.approx(7 / (56 / 30.4375))


def test_a_leading_and_a_trailing_empty_stretch_count_as_gaps() -> None:
    r = regularity([week(3), week(4)], START, END)
    assert (r.weeks_with_presence, r.longest_gap_weeks) == (2, 4)  # weeks 5–8
    assert regularity([], START, END).share_of_weeks == 0.0


def test_pielou_evenness_is_shannon_entropy_over_log_richness() -> None:
    # shares 14/22, 6/22, 2/22; by hand, -p ln p = 0.28763 + 0.35435 + 0.21799 = 0.85997 nats,
    # and ln 3 = 1.098612: J = 0.78278.
    assert pielou_evenness([14.0, 6.0, 2.0]) == pytest.approx(0.78278, abs=1e-5)
    assert pielou_evenness([1.0, 0.0]) is None  # one category with weight


def test_diversity_of_organization_a_by_hours() -> None:
    d = diversity([v for v in LOG if v.organization == "A"])
    assert (d.places, d.kinds) == (2, 2)
    # 14 h at the park, 6 h at the food bank: p = 0.7, 0.3.
    expected = -(0.7 * math.log(0.7) + 0.3 * math.log(0.3)) / math.log(2)
    assert d.place_evenness == pytest.approx(expected)
    assert d.kind_evenness == pytest.approx(expected)


def test_first_regular_week_needs_three_of_four_weeks() -> None:
    park = [v.day for v in LOG if v.place == "P"]
    # weeks 1, 2, 4: the window ending at week 4 (weeks 1–4) holds three.
    assert first_regular_week(park) == week(4)
    assert first_regular_week([week(1), week(3), week(5), week(7)]) is None  # fortnightly


def test_trust_lag_runs_from_the_first_regular_week_to_the_next_referral() -> None:
    park = [v.day for v in LOG if v.place == "P"]
    referrals = [r.day for r in REFERRALS if r.place == "P"]
    # regular from week 4; referral of week 2 is before; the next one is in week 7.
    assert trust_lag_weeks(park, referrals) == 3
    assert trust_lag_weeks(park, [week(2)]) is None
    assert trust_lag_weeks([week(1), week(5)], [week(6)]) is None  # never regular


def test_yield_by_weeks_of_continuous_presence() -> None:
    table = yield_by_continuous_weeks(LOG, REFERRALS)
    # A at P: weeks 1,2,4..8 form one run (the week-3 gap is one week): ranks 1,2,4,5,6,7,8.
    # A at F: weeks 1 and 5 (three empty weeks between): two runs of rank 1.
    # B at Q: weeks 1 and 8: two runs of rank 1; its referral of week 3 is in no bucket.
    # Weeks 1–4: P 3 visits × 2 h + F 2 × 3 h + Q 2 × 1 h = 14 h; referrals: P week 2, F week 5.
    # Weeks 5–8: P 4 × 2 h = 8 h; referrals: P week 7, P week 8.
    assert [(b["fromWeek"], b["hours"], b["referrals"]) for b in table] == [
        (1, 14.0, 2),
        (5, 8.0, 2),
        (9, 0.0, 0),
        (13, 0.0, 0),
    ]
    assert table[0]["referralsPerHour"] == pytest.approx(2 / 14)
    assert table[1]["referralsPerHour"] == pytest.approx(0.25)
    assert table[2]["referralsPerHour"] is None


def test_needs_heard_where_the_territory_has_no_open_service() -> None:
    unmet = needs_without_open_service(LOG, {"t1": frozenset({"HOUSING"}), "t2": frozenset()})
    assert unmet == {"FOOD_SECURITY": 1, "INCOME": 1}


def test_the_seeds_pitfalls_on_organization_a() -> None:
    mine = [v for v in LOG if v.organization == "A"]
    sent = [r for r in REFERRALS if r.sender == "A"]
    assert own_service_share(sent) == pytest.approx(1 / 4)
    # heard: HOUSING (week 2), FOOD_SECURITY, INCOME; referred: HOUSING, FOOD_SECURITY.
    assert needs_heard_not_referred(mine, sent) == pytest.approx(1 / 3)
    assert not single_kind(mine)
    assert single_kind([v for v in LOG if v.organization == "B"])
    assert needs_heard_not_referred([v for v in LOG if v.organization == "B"], []) is None


def test_the_place_table_of_the_park() -> None:
    rows = {r["place"]: r for r in by_place(LOG, REFERRALS, {}, START, END)}
    park = rows["P"]
    assert (park["visits"], park["hours"], park["contacts"], park["firstContacts"]) == (
        7,
        14.0,
        28,
        7,
    )
    assert park["contactsPerHour"] == pytest.approx(2.0)
    assert park["firstContactsPerHour"] == pytest.approx(0.5)
    assert (park["referrals"], park["completed"], park["declined"]) == (3, 1, {"NO_CAPACITY": 1})
    assert park["referralsPerHour"] == pytest.approx(3 / 14)
    assert (park["shareOfWeeks"], park["trustLagWeeks"]) == (pytest.approx(7 / 8), 3)
    assert rows["F"]["declined"] == {"UNSPECIFIED": 1}
    assert rows["Q"]["longestGapWeeks"] == 6


def test_the_kind_organization_and_month_tables() -> None:
    kinds = {r["kind"]: r for r in by_place_kind(LOG, REFERRALS)}
    assert (kinds["PARK"]["places"], kinds["PARK"]["hours"], kinds["PARK"]["referrals"]) == (
        2,
        16.0,
        4,
    )
    orgs = {r["organization"]: r for r in by_organization(LOG, REFERRALS)}
    assert orgs["A"]["hours"] == 20.0
    assert orgs["A"]["mostlyOwnServices"] is False
    assert orgs["B"]["singleKind"] is True
    months = {r["month"]: r for r in by_month(LOG, REFERRALS)}
    # March 2026: weeks 1–5 start on 2, 9, 16, 23, 30 March; week 5's food bank is 2 April.
    # March: P weeks 1, 2, 4, 5 (Tuesday 31 March) = 8 h; F week 1 = 3 h; Q week 1 = 1 h.
    # April: P weeks 6–8 = 6 h; F week 5 (2 April) = 3 h; Q week 8 = 1 h.
    assert months["2026-03"]["hours"] == 12.0
    assert months["2026-04"]["hours"] == 10.0
