"""Network analytics over GraphQL: who sees what, the shape of the answers, bad input.

The network N has three members (A, B, C). In January 2025 A sent B six
referrals (all acknowledged 2 h later, five accepted, three completed, one
declined NO_CAPACITY) and B sent C two (never acknowledged). February is empty.
Counted by hand: January has 3 organizations, 2 ties, 8 referrals, density
2 / (3 × 2) = 1/3. Researchers see counts of 1 to 4 as null.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from analytics.disclosure import Pseudonyms
from domain.lifecycle import Action
from graph.access import identity
from graph.access.research_projects import research_project_key
from graph.db import Database
from graph.directory import networks, organizations
from graph.directory.organizations import OrganizationInput
from graph.referral import commands as g_ref
from graph.referral.commands import ReferralInput
from tests.conftest import Api, unique

COLLABORATION = """
query($id: ID!, $from: Date!, $to: Date!) {
  network(id: $id) {
    collaboration(from: $from, to: $to) {
      from to period deidentified
      periods {
        start end
        metrics { organizations ties referrals density reciprocity components communities }
        nodes { id name kind inStrength outStrength inDegree acknowledgementRate
                medianHoursToAcknowledge overdue }
        edges { source target sent acknowledged accepted completed declined overdue
                declinedByReason { reason count } medianHoursToAcknowledge }
      }
    }
  }
}
"""
EVOLUTION = """
query($id: ID!, $from: Date!, $to: Date!, $period: Period!) {
  network(id: $id) {
    evolution(from: $from, to: $to, period: $period) {
      periods { start end organizations ties density newTies dissolvedTies persistingTies
                jaccard communityStability }
    }
  }
}
"""
BREAKDOWNS = """
query($id: ID!, $from: Date!, $to: Date!) {
  network(id: $id) {
    breakdowns(from: $from, to: $to) {
      deidentified
      funnel { sent acknowledged accepted completed declined acknowledgementRate completionRate }
      byReceiver { receiverId sent acknowledged }
      byNeed { needCode sent }
      repeatedDeclines { sourceId }
      blackHoles { organizationId }
      openLoops { sourceId targetId sent open overdue }
      criticalOrganizations { organizationId name disconnects }
    }
  }
}
"""
PROFILE = """
query($id: ID!, $from: Date!, $to: Date!, $network: ID) {
  organization(id: $id) {
    collaborationProfile(from: $from, to: $to, networkId: $network) {
      organizationId networkIds deidentified
      periods { start member sent received outDegree inDegree acknowledgementRate
                partnersGained partnersLost }
    }
  }
}
"""
JANUARY_TO_FEBRUARY = {"from": "2025-01-01", "to": "2025-02-28"}
FIRST_QUARTER = {"from": "2025-01-01", "to": "2025-03-31"}
QUARTERLY_COLLABORATION = COLLABORATION.replace(
    "collaboration(from: $from, to: $to)", "collaboration(from: $from, to: $to, period: QUARTER)"
).replace("periods {", "periods { partnerships { source }", 1)


@dataclass
class Setting:
    network: str
    other_network: str
    a: str
    b: str
    c: str
    tokens: dict[str, str]

    def api(self, client: httpx.AsyncClient, who: str) -> Api:
        return Api(client, self.tokens[who])


async def _caller(
    db: Database, role: str, *, org: str | None = None, net: str | None = None
) -> str:
    user = await identity.create_user(db, email=f"{unique('u')}@test.maillage", name=role)
    if org is not None:
        await identity.assign_organization_role(
            db, user_id=user["id"], organization_id=org, role=role
        )
    if net is not None:
        await identity.assign_network_role(db, user_id=user["id"], network_id=net, role=role)
    secret, _ = await identity.create_token(db, user_id=user["id"])
    return secret


async def _member(db: Database, network: str, name: str) -> str:
    org = await organizations.create_organization(
        db, OrganizationInput(name=unique(f"{name} "), kind="COMMUNITY"),
        network_id=network, member_since=date(2024, 1, 1),
    )  # fmt: skip
    return str(org["id"])


async def _referral(db: Database, sender: str, receiver: str, when: datetime) -> str:
    referral, _ = await g_ref.send_referral(
        db,
        ReferralInput(
            to_organization_id=receiver, need_codes=["FOOD_SECURITY"],
            family_reference=f"F-{unique()}-1", idempotency_key=unique("key-"),
            consent_given=True, consent_method="VERBAL", consent_scope="referral",
        ),
        sender_id=sender, actor_user_id=None, now=when,
    )  # fmt: skip
    return str(referral["id"])


async def _advance(db: Database, rid: str, actor: str, steps: list[Action], when: datetime) -> None:
    status = "SENT"
    for i, action in enumerate(steps):
        row = await g_ref.transition(
            db, rid, action, expected_status=status, actor_user_id=None, actor_org_id=actor,
            now=when + timedelta(hours=2 + i),
            reason="NO_CAPACITY" if action is Action.DECLINE else None,
        )  # fmt: skip
        status = row["status"]


@pytest.fixture(scope="module")
async def setting(db: Database) -> Setting:
    net = (await networks.create_network(db, name=unique("Réseau analytique ")))["id"]
    other = (await networks.create_network(db, name=unique("Autre réseau ")))["id"]
    a, b, c = [await _member(db, net, name) for name in "ABC"]
    ack, accept = Action.ACKNOWLEDGE, Action.ACCEPT
    journeys = [
        [ack, accept, Action.RECORD_CONTACT, Action.COMPLETE],
        [ack, accept, Action.RECORD_CONTACT, Action.COMPLETE],
        [ack, accept, Action.RECORD_CONTACT, Action.COMPLETE],
        [ack, accept],
        [ack, accept],
        [ack, Action.DECLINE],
    ]
    for day, steps in enumerate(journeys, start=5):
        when = datetime(2025, 1, day, 9, tzinfo=UTC)
        await _advance(db, await _referral(db, a, b, when), b, steps, when)
    for day in (20, 21):
        await _referral(db, b, c, datetime(2025, 1, day, 9, tzinfo=UTC))
    tokens = {
        "coordinator": await _caller(db, "COORDINATOR", net=net),
        "researcher": await _caller(db, "RESEARCHER", net=net),
        "staff": await _caller(db, "ORG_STAFF", org=a),
        "outsider": await _caller(db, "COORDINATOR", net=other),
    }
    return Setting(net, other, a, b, c, tokens)


def _code(body: dict[str, Any]) -> str | None:
    errors = body.get("errors")
    return None if not errors else str(errors[0]["extensions"]["code"])


async def test_a_coordinator_sees_names_and_exact_counts(
    client: httpx.AsyncClient, setting: Setting
) -> None:
    data = await setting.api(client, "coordinator").data(
        COLLABORATION, {"id": setting.network, **JANUARY_TO_FEBRUARY}
    )
    collaboration = data["network"]["collaboration"]
    assert collaboration["period"] == "MONTH"
    assert collaboration["deidentified"] is False
    january, february = collaboration["periods"]
    assert (january["start"], january["end"]) == ("2025-01-01", "2025-01-31")
    assert january["metrics"] == {
        "organizations": 3, "ties": 2, "referrals": 8, "density": pytest.approx(1 / 3),
        "reciprocity": 0.0, "components": 1, "communities": january["metrics"]["communities"],
    }  # fmt: skip
    edges = {(e["source"], e["target"]): e for e in january["edges"]}
    assert edges[setting.a, setting.b] == {
        "source": setting.a, "target": setting.b, "sent": 6, "acknowledged": 6, "accepted": 5,
        "completed": 3, "declined": 1, "overdue": 0,
        "declinedByReason": [{"reason": "NO_CAPACITY", "count": 1}],
        "medianHoursToAcknowledge": 2.0,
    }  # fmt: skip
    assert edges[setting.b, setting.c]["sent"] == 2
    assert edges[setting.b, setting.c]["overdue"] == 2
    nodes = {n["id"]: n for n in january["nodes"]}
    assert all(n["name"] for n in nodes.values())
    assert nodes[setting.b]["inStrength"] == 6
    assert nodes[setting.b]["acknowledgementRate"] == 1.0
    assert nodes[setting.b]["medianHoursToAcknowledge"] == 2.0
    assert nodes[setting.c]["overdue"] == 2
    assert february["edges"] == []
    assert february["metrics"]["referrals"] == 0


async def _pseudonyms(client: httpx.AsyncClient, setting: Setting, db: Database) -> Pseudonyms:
    """The researcher's project pseudonyms, from the key kept in Neo4j (never sent)."""
    me = await setting.api(client, "researcher").data("{ me { user { id } } }")
    _, key = await research_project_key(db, me["me"]["user"]["id"])
    return Pseudonyms(key)


async def test_a_researcher_gets_pseudonyms_and_no_count_that_subtraction_reveals(
    client: httpx.AsyncClient, setting: Setting, db: Database
) -> None:
    data = await setting.api(client, "researcher").data(
        QUARTERLY_COLLABORATION, {"id": setting.network, **FIRST_QUARTER}
    )
    collaboration = data["network"]["collaboration"]
    assert collaboration["deidentified"] is True
    (quarter,) = collaboration["periods"]
    names = await _pseudonyms(client, setting, db)
    a, b, c = names(setting.a), names(setting.b), names(setting.c)
    ids = {n["id"] for n in quarter["nodes"]} | {e["source"] for e in quarter["edges"]}
    assert ids == {a, b, c}  # pseudonyms only: no directory id
    assert quarter["partnerships"] == []
    # 8 = 6 + 2 would give B→C's 2 back: the total is withheld.
    assert quarter["metrics"]["referrals"] is None
    assert quarter["metrics"]["ties"] == 2  # organizations and ties are never suppressed
    edges = {(e["source"], e["target"]): e for e in quarter["edges"]}
    ab, bc = edges[a, b], edges[b, c]
    # A→B: 6 sent, 6 acknowledged; 5 accepted would give 6 - 5 = 1 decline: suppressed too.
    assert (ab["sent"], ab["acknowledged"], ab["accepted"]) == (6, 6, None)
    assert (ab["completed"], ab["declined"]) == (None, None)  # 3 and 1
    assert ab["declinedByReason"] == [{"reason": "NO_CAPACITY", "count": None}]
    assert (bc["sent"], bc["acknowledged"], bc["overdue"]) == (None, 0, None)  # 2, 0, withheld
    assert bc["medianHoursToAcknowledge"] is None
    nodes = {n["id"]: n for n in quarter["nodes"]}
    assert all(n["name"] is None for n in nodes.values())
    assert nodes[b]["inStrength"] == 6 and nodes[b]["acknowledgementRate"] == 1.0
    assert nodes[a]["outStrength"] == 6
    # B sent only to C (2): its out-strength would be that edge, so withheld with it.
    assert nodes[b]["outStrength"] is None
    assert (nodes[c]["inStrength"], nodes[c]["acknowledgementRate"]) == (None, None)
    assert nodes[c]["inDegree"] == 1  # a count of organizations, published


async def test_a_researcher_reads_whole_quarters_only(
    client: httpx.AsyncClient, setting: Setting
) -> None:
    researcher = setting.api(client, "researcher")
    body = await researcher(COLLABORATION, {"id": setting.network, **JANUARY_TO_FEBRUARY})
    assert _code(body) == "BAD_USER_INPUT"
    assert "quarter" in body["errors"][0]["message"]
    body = await researcher(
        BREAKDOWNS, {"id": setting.network, "from": "2025-01-01", "to": "2025-06-30"}
    )
    assert _code(body) == "BAD_USER_INPUT"


async def test_staff_cannot_see_the_network_but_see_their_own_profile(
    client: httpx.AsyncClient, setting: Setting
) -> None:
    staff = setting.api(client, "staff")
    for query, extra in ((COLLABORATION, {}), (EVOLUTION, {"period": "MONTH"}), (BREAKDOWNS, {})):
        body = await staff(query, {"id": setting.network, **JANUARY_TO_FEBRUARY, **extra})
        assert _code(body) == "FORBIDDEN"
        assert "collaborationProfile" in body["errors"][0]["message"]
    data = await staff.data(PROFILE, {"id": setting.a, **JANUARY_TO_FEBRUARY})
    profile = data["organization"]["collaborationProfile"]
    assert profile["networkIds"] == [setting.network]
    assert profile["deidentified"] is False
    january, february = profile["periods"]
    assert january == {
        "start": "2025-01-01", "member": True, "sent": 6, "received": 0, "outDegree": 1,
        "inDegree": 0, "acknowledgementRate": None, "partnersGained": 1, "partnersLost": 0,
    }  # fmt: skip
    assert (february["sent"], february["partnersLost"]) == (0, 1)
    body = await staff(PROFILE, {"id": setting.b, **JANUARY_TO_FEBRUARY})
    assert _code(body) == "FORBIDDEN"


async def test_a_researcher_cannot_read_a_profile_by_directory_id(
    client: httpx.AsyncClient, setting: Setting
) -> None:
    # It would join the pseudonymous graph to the directory (its figures match one node).
    body = await setting.api(client, "researcher")(
        PROFILE, {"id": setting.b, **JANUARY_TO_FEBRUARY}
    )
    assert _code(body) == "FORBIDDEN"
    assert "pseudonymous" in body["errors"][0]["message"]


async def test_the_coordinator_of_another_network_is_forbidden(
    client: httpx.AsyncClient, setting: Setting
) -> None:
    outsider = setting.api(client, "outsider")
    for query, extra in ((COLLABORATION, {}), (EVOLUTION, {"period": "QUARTER"}), (BREAKDOWNS, {})):
        body = await outsider(query, {"id": setting.network, **JANUARY_TO_FEBRUARY, **extra})
        assert _code(body) == "FORBIDDEN", body
        assert body["data"]["network"] is None
    body = await outsider(PROFILE, {"id": setting.a, **JANUARY_TO_FEBRUARY})
    assert _code(body) == "FORBIDDEN"
    # The network itself is directory data: still visible.
    data = await outsider.data(
        "query($id: ID!) { network(id: $id) { id } }", {"id": setting.network}
    )
    assert data["network"] == {"id": setting.network}


async def test_evolution_compares_each_month_with_the_one_before(
    client: httpx.AsyncClient, setting: Setting
) -> None:
    data = await setting.api(client, "coordinator").data(
        EVOLUTION, {"id": setting.network, **JANUARY_TO_FEBRUARY, "period": "MONTH"}
    )
    january, february = data["network"]["evolution"]["periods"]
    # December 2024 had no tie: January's two ties are new, and there were no communities
    # to compare with; February has none left.
    assert january == {
        "start": "2025-01-01", "end": "2025-01-31", "organizations": 3, "ties": 2,
        "density": pytest.approx(1 / 3), "newTies": 2, "dissolvedTies": 0,
        "persistingTies": 0, "jaccard": 0.0, "communityStability": None,
    }  # fmt: skip
    assert (february["ties"], february["newTies"], february["dissolvedTies"]) == (0, 0, 2)
    assert february["jaccard"] == 0.0


async def test_breakdowns_count_the_funnel_and_open_loops(
    client: httpx.AsyncClient, setting: Setting
) -> None:
    data = await setting.api(client, "coordinator").data(
        BREAKDOWNS, {"id": setting.network, **JANUARY_TO_FEBRUARY}
    )
    b = data["network"]["breakdowns"]
    assert b["deidentified"] is False
    # 8 sent, 6 acknowledged, 5 accepted, 3 completed, 1 declined.
    assert b["funnel"] == {
        "sent": 8, "acknowledged": 6, "accepted": 5, "completed": 3, "declined": 1,
        "acknowledgementRate": 0.75, "completionRate": 0.6,
    }  # fmt: skip
    assert {r["receiverId"]: (r["sent"], r["acknowledged"]) for r in b["byReceiver"]} == {
        setting.b: (6, 6), setting.c: (2, 0)
    }  # fmt: skip
    assert b["byNeed"] == [{"needCode": "FOOD_SECURITY", "sent": 8}]
    assert b["repeatedDeclines"] == []  # one decline only
    assert b["blackHoles"] == []  # C received 2 referrals: too few to judge
    # A→B: 6 sent, 3 completed + 1 declined closed: 2 open; B→C: 2 open, both overdue.
    assert {(o["sourceId"], o["targetId"]): (o["sent"], o["open"], o["overdue"])
            for o in b["openLoops"]} == {(setting.a, setting.b): (6, 2, 0),
                                         (setting.b, setting.c): (2, 2, 2)}  # fmt: skip
    # A–B–C is a path: B's loss splits it.
    (critical,) = b["criticalOrganizations"]
    assert (critical["organizationId"], critical["disconnects"]) == (setting.b, True)
    assert critical["name"]


async def test_breakdowns_for_a_researcher_hide_small_counts_and_names(
    client: httpx.AsyncClient, setting: Setting, db: Database
) -> None:
    data = await setting.api(client, "researcher").data(
        BREAKDOWNS, {"id": setting.network, **FIRST_QUARTER}
    )
    b = data["network"]["breakdowns"]
    assert b["deidentified"] is True
    # The grand total is shared by pairs, receivers and territories: withheld.
    assert b["funnel"]["sent"] is None and b["funnel"]["completionRate"] is None
    names = await _pseudonyms(client, setting, db)
    assert {r["receiverId"]: (r["sent"], r["acknowledged"]) for r in b["byReceiver"]} == {
        names(setting.b): (6, 6), names(setting.c): (None, 0)
    }  # fmt: skip
    assert b["openLoops"] == []  # open counts overlap the published sets: withheld
    (critical,) = b["criticalOrganizations"]
    assert critical["organizationId"] == names(setting.b)
    assert critical["name"] is None


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        pytest.param({"from": "2025-03-01", "to": "2025-02-01"}, "to", id="from-after-to"),
        pytest.param({"from": "2000-01-01", "to": "2025-01-01"}, "from", id="too-long"),
    ],
)
async def test_a_bad_window_is_bad_user_input(
    client: httpx.AsyncClient, setting: Setting, variables: dict[str, str], field: str
) -> None:
    coordinator = setting.api(client, "coordinator")
    for query, extra in ((COLLABORATION, {}), (EVOLUTION, {"period": "YEAR"}), (BREAKDOWNS, {})):
        body = await coordinator(query, {"id": setting.network, **variables, **extra})
        assert _code(body) == "BAD_USER_INPUT"
        assert body["errors"][0]["extensions"]["field"] == field
    body = await setting.api(client, "staff")(PROFILE, {"id": setting.a, **variables})
    assert _code(body) == "BAD_USER_INPUT"


async def test_a_profile_in_a_network_the_organization_is_not_in_is_bad_user_input(
    client: httpx.AsyncClient, setting: Setting
) -> None:
    body = await setting.api(client, "staff")(
        PROFILE, {"id": setting.a, "network": setting.other_network, **JANUARY_TO_FEBRUARY}
    )
    assert _code(body) == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "networkId"


async def test_a_period_that_is_not_an_enum_value_is_refused_by_the_schema(
    client: httpx.AsyncClient, setting: Setting
) -> None:
    body = await setting.api(client, "coordinator")(
        EVOLUTION, {"id": setting.network, **JANUARY_TO_FEBRUARY, "period": "WEEK"}
    )
    assert body["errors"]
    assert body.get("data") is None


BROKERAGE_BY_FRAGMENT = """
fragment Brokerage on OrganizationMeasures { betweenness constraint effectiveSize }
query($id: ID!, $from: Date!, $to: Date!) { network(id: $id) {
  collaboration(from: $from, to: $to, period: QUARTER) {
    periods { nodes { id inDegree ... on OrganizationMeasures { ...Brokerage } } } } } }"""


@pytest.mark.parametrize("role", ["coordinator", "researcher"])
async def test_brokerage_asked_through_fragments_is_computed(
    client: httpx.AsyncClient, setting: Setting, db: Database, role: str
) -> None:
    """The server computes brokerage only when the selection asks for it (fragments followed).

    Q1 2025 is A → B (6 referrals), B → C (2). By hand: B lies on the one path from A to C,
    betweenness 1 / ((3 − 1)(3 − 2)) = 0.5; B's effective size is 2 (its partners are not
    tied); its constraint is 0.75² + 0.25² = 0.625 weighted by referrals (coordinators), and
    0.5² + 0.5² = 0.5 with every tie weighing 1 (researchers: a weight would reveal a count).
    A and C have one partner each: constraint 1, effective size 1.
    """
    data = await setting.api(client, role).data(
        BROKERAGE_BY_FRAGMENT, {"id": setting.network, **FIRST_QUARTER}
    )
    (quarter,) = data["network"]["collaboration"]["periods"]
    ids = {setting.a: "A", setting.b: "B", setting.c: "C"}
    if role == "researcher":
        names = await _pseudonyms(client, setting, db)
        ids = {names(k): v for k, v in ids.items()}
    measures = {
        ids[n["id"]]: (n["betweenness"], n["constraint"], n["effectiveSize"])
        for n in quarter["nodes"]
    }
    b_constraint = 0.625 if role == "coordinator" else 0.5
    assert measures["B"] == (pytest.approx(0.5), pytest.approx(b_constraint), pytest.approx(2.0))
    assert measures["A"] == measures["C"] == (0.0, pytest.approx(1.0), pytest.approx(1.0))
