"""Family privacy: consent, withdrawal, retention, who sees what, and nothing personal in logs.

DESIGN.md §5: family contact and case notes are for the sending and receiving
organizations only (the receiver with the family's consent); coordinators see
a referral's metadata, never the family; outside your reach a referral does
not exist. §3: contact details are purged after closure. Issue 4: a family
may withdraw consent, which purges its contact at once, and no log line
carries a contact detail or a family reference.

Where the database is searched for a contact detail, every property of every
node and relationship is read, so a copy anywhere (a redirected referral, an
event, an audit entry) would be found.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from graph.db import Database
from graph.referral import sweep
from server.app import create_app
from server.logs import JsonFormatter, configure_logging
from server.settings import Settings
from tests.conftest import Api, MovableClock, World, graph_size, unique

REFERRAL = """
  id status consent { given }
  family { id reference } contact { phone email preferredLanguage bestTime }
  events { type status actorOrganizationId comment }
"""
SEND = f"mutation($input: SendReferralInput!) {{ sendReferral(input: $input) {{ {REFERRAL} }} }}"
READ = f"query($id: ID!) {{ referral(id: $id) {{ {REFERRAL} }} }}"


@dataclass
class Family:
    """One family's details, unique to a test so a search finds only this test's copies."""

    reference: str
    phone: str
    email: str
    best_time: str

    @classmethod
    def new(cls) -> Family:
        digits = str(uuid.uuid4().int)[:7]
        return cls(
            reference=f"F-{digits}-{unique()}",
            phone=f"438-{digits[:3]}-{digits[3:]}",
            email=f"famille.{unique()}@exemple.qc.ca",
            best_time=f"mardi matin {unique()}",
        )

    @property
    def contact_details(self) -> tuple[str, ...]:
        return (self.phone, self.phone.replace("-", ""), self.email, self.best_time)


@dataclass
class Parties:
    network: dict[str, Any]
    sender: dict[str, Any]
    receiver: dict[str, Any]
    third: dict[str, Any]
    sender_staff: Api
    receiver_staff: Api
    third_staff: Api
    coordinator: Api
    family: Family

    def send_input(self, **overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "toOrganizationId": self.receiver["id"],
            "needCodes": ["FOOD_SECURITY"],
            "familyReference": self.family.reference,
            "consent": {"given": True, "method": "VERBAL", "scope": "référence et suivi"},
            "contact": {
                "phone": self.family.phone,
                "email": self.family.email,
                "preferredLanguage": "fr",
                "bestTime": self.family.best_time,
            },
            "comment": "Première rencontre au parc",
            "idempotencyKey": unique("key-"),
        }
        data.update(overrides)
        return data

    async def send(self, **overrides: Any) -> dict[str, Any]:
        data = await self.sender_staff.data(SEND, {"input": self.send_input(**overrides)})
        return dict(data["sendReferral"])


@pytest.fixture
async def parties(world: World) -> Parties:
    network = await world.network()
    sender = await world.organization(network)
    receiver = await world.organization(network)
    third = await world.organization(network)
    return Parties(
        network=network,
        sender=sender,
        receiver=receiver,
        third=third,
        sender_staff=await world.caller("ORG_STAFF", organization=sender),
        receiver_staff=await world.caller("ORG_STAFF", organization=receiver),
        third_staff=await world.caller("ORG_STAFF", organization=third),
        coordinator=await world.caller("COORDINATOR", network=network),
        family=Family.new(),
    )


TRACES = """
MATCH (n)
WITH labels(n) AS what, properties(n) AS props
UNWIND keys(props) AS key
WITH what, key, CASE WHEN props[key] IS :: LIST<ANY> THEN props[key] ELSE [props[key]] END AS values
WHERE any(v IN values WHERE any(needle IN $needles WHERE toString(v) CONTAINS needle))
RETURN what, key
UNION ALL
MATCH ()-[r]->()
WITH [type(r)] AS what, properties(r) AS props
UNWIND keys(props) AS key
WITH what, key, CASE WHEN props[key] IS :: LIST<ANY> THEN props[key] ELSE [props[key]] END AS values
WHERE any(v IN values WHERE any(needle IN $needles WHERE toString(v) CONTAINS needle))
RETURN what, key
"""


async def traces(db: Database, needles: tuple[str, ...]) -> list[str]:
    """Where any of ``needles`` appears: every property of every node and relationship."""
    return [f"{row['what']}.{row['key']}" for row in await db.rows(TRACES, needles=list(needles))]


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def _act(api: Api, call: str, referral_id: str) -> dict[str, Any]:
    return dict(await api(f"mutation($id: ID!) {{ {call} {{ {REFERRAL} }} }}", {"id": referral_id}))


# ---------------------------------------------------------------------------
# Consent


@pytest.mark.parametrize(
    "contact",
    [
        pytest.param({"phone": "438-555-0100"}, id="a-phone"),
        pytest.param({"email": "famille@exemple.qc.ca"}, id="an-email"),
        pytest.param({"preferredLanguage": "es"}, id="a-language"),
        pytest.param({"bestTime": "le soir"}, id="a-time-to-call"),
    ],
)
async def test_contact_details_without_consent_are_refused_and_nothing_is_written(
    parties: Parties, db: Database, contact: dict[str, str]
) -> None:
    before = await graph_size(db)
    body = await parties.sender_staff(
        SEND,
        {
            "input": parties.send_input(
                consent={"given": False, "method": "VERBAL", "scope": "aucune"}, contact=contact
            )
        },
    )
    assert _codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "contact"
    assert await graph_size(db) == before


async def test_a_referral_without_consent_carries_no_contact(parties: Parties) -> None:
    referral = await parties.send(
        consent={"given": False, "method": "VERBAL", "scope": "aucune"}, contact=None
    )
    assert referral["consent"] == {"given": False}
    assert referral["contact"] is None


# ---------------------------------------------------------------------------
# Withdrawal and retention


async def test_withdrawing_consent_purges_the_contact_at_once_and_everywhere(
    parties: Parties, db: Database
) -> None:
    referral = await parties.send()
    assert referral["contact"]["phone"] == parties.family.phone
    await _act(parties.receiver_staff, "acknowledgeReferral(id: $id)", referral["id"])
    assert await traces(db, parties.family.contact_details)  # the search finds it while kept

    body = await _act(parties.sender_staff, "withdrawConsent(id: $id)", referral["id"])
    assert _codes(body) == []
    withdrawn = body["data"]["withdrawConsent"]
    assert withdrawn["contact"] is None
    assert withdrawn["consent"] == {"given": False}
    assert withdrawn["status"] == "ACKNOWLEDGED"  # withdrawal records, it does not close
    last = withdrawn["events"][-1]
    assert (last["type"], last["actorOrganizationId"]) == (
        "CONSENT_WITHDRAWN",
        parties.sender["id"],
    )
    assert await traces(db, parties.family.contact_details) == []
    seen = await parties.receiver_staff(READ, {"id": referral["id"]})
    assert seen["data"]["referral"]["contact"] is None
    # Without consent the receiver no longer reads case notes either (DESIGN.md §5).
    assert {e["path"][-1] for e in seen.get("errors", [])} <= {"comment"}
    assert {e["extensions"]["code"] for e in seen.get("errors", [])} <= {"FORBIDDEN"}
    again = await _act(parties.sender_staff, "withdrawConsent(id: $id)", referral["id"])
    assert _codes(again) == ["CONFLICT"]


@pytest.mark.parametrize(
    "told",
    [
        pytest.param("first", id="told-the-first-sender"),
        pytest.param("second", id="told-the-organization-that-redirected"),
    ],
)
async def test_withdrawing_consent_purges_the_contact_from_the_whole_redirect_chain(
    parties: Parties, db: Database, told: str
) -> None:
    referral = await parties.send()
    await _act(parties.receiver_staff, "acknowledgeReferral(id: $id)", referral["id"])
    moved = await parties.receiver_staff.data(
        "mutation($id: ID!, $to: ID!) { redirectReferral(id: $id, toOrganizationId: $to) "
        "{ redirectedTo { id } } }",
        {"id": referral["id"], "to": parties.third["id"]},
    )
    onward = moved["redirectReferral"]["redirectedTo"]["id"]
    copy = await parties.third_staff.data(READ, {"id": onward})
    assert copy["referral"]["contact"]["phone"] == parties.family.phone

    # each link's own sender may record the withdrawal; it reaches every link
    body = await (
        _act(parties.sender_staff, "withdrawConsent(id: $id)", referral["id"])
        if told == "first"
        else _act(parties.receiver_staff, "withdrawConsent(id: $id)", onward)
    )
    assert _codes(body) == []
    assert await traces(db, parties.family.contact_details) == []
    for api, referral_id in ((parties.sender_staff, referral["id"]), (parties.third_staff, onward)):
        after = (await api.data(READ, {"id": referral_id}))["referral"]
        assert after["contact"] is None
        assert after["consent"] == {"given": False}
        assert after["events"][-1]["type"] == "CONSENT_WITHDRAWN"


@pytest.mark.parametrize(
    ("who", "code"),
    [
        pytest.param("receiver_staff", "FORBIDDEN", id="the-receiver"),
        pytest.param("coordinator", "FORBIDDEN", id="the-coordinator"),
        pytest.param("third_staff", "NOT_FOUND", id="another-organization"),
    ],
)
async def test_only_the_sender_withdraws_consent(
    parties: Parties, db: Database, who: str, code: str
) -> None:
    referral = await parties.send()
    body = await _act(getattr(parties, who), "withdrawConsent(id: $id)", referral["id"])
    assert _codes(body) == [code]
    assert len(await traces(db, (parties.family.phone,))) == 1


async def test_the_retention_purge_leaves_no_trace_of_the_contact(
    parties: Parties, db: Database, clock: MovableClock
) -> None:
    referral = await parties.send()
    await _act(parties.receiver_staff, "acknowledgeReferral(id: $id)", referral["id"])
    await _act(
        parties.receiver_staff, "declineReferral(id: $id, reason: NO_CAPACITY)", referral["id"]
    )
    await sweep.sweep(db, clock() + timedelta(days=89))
    assert await traces(db, parties.family.contact_details)  # still within retention
    await sweep.sweep(db, clock() + timedelta(days=91))
    assert await traces(db, parties.family.contact_details) == []
    seen = await parties.sender_staff.data(READ, {"id": referral["id"]})
    assert seen["referral"]["contact"] is None
    assert seen["referral"]["events"][-1]["type"] == "CONTACT_PURGED"


# ---------------------------------------------------------------------------
# Who sees the family


async def test_coordinators_get_null_and_forbidden_on_family_contact_notes_and_comments(
    parties: Parties,
) -> None:
    referral = await parties.send()
    await parties.receiver_staff.data(
        'mutation($id: ID!) { addReferralNote(id: $id, text: "rappeler jeudi") { id } }',
        {"id": referral["id"]},
    )
    body = await parties.coordinator(
        "query($id: ID!) { referral(id: $id) { status needCodes sender { id } receiver { id } "
        "family { reference } contact { phone } notes { comment } "
        "events { type comment } } }",
        {"id": referral["id"]},
    )
    seen = body["data"]["referral"]
    assert seen["status"] == "SENT"
    assert seen["needCodes"] == ["FOOD_SECURITY"]
    assert (seen["sender"]["id"], seen["receiver"]["id"]) == (
        parties.sender["id"],
        parties.receiver["id"],
    )
    assert seen["family"] is None and seen["contact"] is None and seen["notes"] is None
    assert [e["comment"] for e in seen["events"]] == [None, None]
    refused = sorted(tuple(e["path"]) for e in body["errors"])
    assert refused == [
        ("referral", "contact"),
        ("referral", "events", 0, "comment"),
        ("referral", "events", 1, "comment"),
        ("referral", "family"),
        ("referral", "notes"),
    ]
    assert set(_codes(body)) == {"FORBIDDEN"}
    text = json.dumps(body["data"], ensure_ascii=False)
    assert parties.family.reference not in text and parties.family.phone not in text


async def test_a_coordinators_network_listing_shows_no_family_either(parties: Parties) -> None:
    await parties.send()
    body = await parties.coordinator(
        "query($net: ID!) { referrals(networkId: $net) { totalCount edges { node { "
        "status family { reference } contact { phone } } } } }",
        {"net": parties.network["id"]},
    )
    page = body["data"]["referrals"]
    assert page["totalCount"] == 1
    assert page["edges"][0]["node"]["status"] == "SENT"
    assert page["edges"][0]["node"]["family"] is None
    assert page["edges"][0]["node"]["contact"] is None
    assert set(_codes(body)) == {"FORBIDDEN"}


async def test_both_parties_see_the_family_and_its_contact(parties: Parties) -> None:
    referral = await parties.send()
    for api in (parties.sender_staff, parties.receiver_staff):
        seen = (await api.data(READ, {"id": referral["id"]}))["referral"]
        assert seen["family"]["reference"] == parties.family.reference
        assert seen["contact"] == {
            "phone": parties.family.phone,
            "email": parties.family.email,
            "preferredLanguage": "fr",
            "bestTime": parties.family.best_time,
        }
        assert seen["events"][0]["comment"] == "Première rencontre au parc"


async def test_no_one_outside_a_referrals_reach_learns_that_it_exists(
    parties: Parties, world: World
) -> None:
    # people of another network, and a researcher of this one (aggregates only)
    elsewhere = await world.network()
    outsider_org = await world.organization(elsewhere)
    outsiders = {
        "staff": await world.caller("ORG_STAFF", organization=outsider_org),
        "admin": await world.caller("ORG_ADMIN", organization=outsider_org),
        "coordinator": await world.caller("COORDINATOR", network=elsewhere),
        "researcher": await world.caller("RESEARCHER", network=parties.network),
    }
    real = (await parties.send())["id"]
    nowhere = str(uuid.uuid4())
    for who, api in outsiders.items():
        answers = []
        for referral_id in (real, nowhere):
            for call in (
                "query($id: ID!) { referral(id: $id) { id } }",
                "mutation($id: ID!) { acknowledgeReferral(id: $id) { id } }",
                "mutation($id: ID!) { withdrawConsent(id: $id) { id } }",
            ):
                body = await api(call, {"id": referral_id})
                assert body["data"] is None, (who, body)
                error = body["errors"][0]
                answers.append((error["extensions"], error["message"].replace(referral_id, "<id>")))
        # a referral that exists and one that does not get the very same answer
        half = len(answers) // 2
        assert answers[:half] == answers[half:], who
        assert {ext["code"] for ext, _ in answers} == {"NOT_FOUND"}, who
    # nor can they list the network's or an organization's referrals
    for who, api in outsiders.items():
        for arguments in (
            {"organizationId": parties.sender["id"]},
            {"networkId": parties.network["id"]},
        ):
            body = await api(
                "query($org: ID, $net: ID) { referrals(organizationId: $org, "
                "networkId: $net) { totalCount } }",
                {"org": arguments.get("organizationId"), "net": arguments.get("networkId")},
            )
            assert _codes(body) == ["NOT_FOUND"], (who, arguments, body)


# ---------------------------------------------------------------------------
# Nothing personal in logs


class _Everything(logging.Handler):
    """Keeps every record, formatted as the production JSON line (extra fields included)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def every_log_line() -> Iterator[_Everything]:
    """The app's own logging set-up at its most verbose, plus a handler that keeps everything."""
    root = logging.getLogger()
    saved = (
        root.level,
        list(root.handlers),
        logging.getLogger("neo4j").level,
        logging.getLogger("uvicorn.access").disabled,
    )
    configure_logging("DEBUG")
    handler = _Everything()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.handlers[:] = saved[1]
        root.setLevel(saved[0])
        logging.getLogger("neo4j").setLevel(saved[2])
        logging.getLogger("uvicorn.access").disabled = saved[3]


class FailingOnce:
    """A clock that fails when asked to: an unexpected error inside a resolver."""

    def __init__(self) -> None:
        self.fail_next = False

    def __call__(self) -> datetime:
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("the clock stopped")
        return datetime.now(UTC)


async def test_a_whole_referral_loop_logs_no_contact_detail_and_no_family_reference(
    settings: Settings, world: World, db: Database, every_log_line: _Everything
) -> None:
    clock = FailingOnce()
    app = create_app(settings, clock=clock, run_sweeper=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://maillage.test"
        ) as client,
    ):
        network = await world.network()
        sender, receiver = await world.organization(network), await world.organization(network)
        staff = {
            org["id"]: Api(client, (await world.caller("ORG_STAFF", organization=org)).token)
            for org in (sender, receiver)
        }
        sending, receiving = staff[sender["id"]], staff[receiver["id"]]
        family = Family.new()
        contact = {"phone": family.phone, "email": family.email, "bestTime": family.best_time}
        data = {
            "toOrganizationId": receiver["id"],
            "needCodes": ["HOUSING"],
            "familyReference": family.reference,
            "contact": contact,
            "consent": {"given": True, "method": "WRITTEN", "scope": "logement"},
            "idempotencyKey": unique("key-"),
        }

        # refused inputs that echo personal data back to the caller, never to the log
        wrong_type = await sending(
            SEND, {"input": {**data, "contact": {"phone": int(family.phone.replace("-", ""))}}}
        )
        assert _codes(wrong_type) == ["BAD_USER_INPUT"]
        no_consent = await sending(
            SEND,
            {"input": {**data, "consent": {"given": False, "method": "VERBAL", "scope": "aucune"}}},
        )
        assert _codes(no_consent) == ["BAD_USER_INPUT"]

        referral = (await sending.data(SEND, {"input": data}))["sendReferral"]
        rid, family_id = referral["id"], referral["family"]["id"]
        await sending.data(SEND, {"input": data})  # the idempotent replay
        await receiving.data(READ, {"id": rid})
        for call in (
            "acknowledgeReferral(id: $id)",
            "acceptReferral(id: $id)",
            f'addReferralNote(id: $id, text: "joindre au {family.phone}")',
            "recordReferralContact(id: $id)",
        ):
            assert _codes(await _act(receiving, call, rid)) == []
        # unexpected errors: in a resolver (masked for the client, logged with its
        # traceback), and while writing the audit trail of a read of the family's contact
        clock.fail_next = True
        failed = await _act(receiving, "completeReferral(id: $id)", rid)
        assert _codes(failed) == ["INTERNAL_SERVER_ERROR"]
        clock.fail_next = True
        read = await receiving.data(
            "query($id: ID!) { referral(id: $id) { contact { phone } } }", {"id": rid}
        )
        assert read["referral"]["contact"]["phone"] == family.phone
        assert _codes(await _act(receiving, "completeReferral(id: $id)", rid)) == []
        assert _codes(await _act(sending, "withdrawConsent(id: $id)", rid)) == []

    lines = every_log_line.lines
    assert any(
        '"unexpected error in completeReferral' in line and "the clock stopped" in line
        for line in lines
    )
    assert any(
        '"could not write the audit trail' in line and "the clock stopped" in line for line in lines
    )
    assert any('"request"' in line and '"request_id"' in line for line in lines)
    for secret in (*family.contact_details, family.reference, family_id):
        leaks = [line for line in lines if secret in line]
        assert leaks == [], f"{secret!r} appears in the logs"
