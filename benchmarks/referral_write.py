"""sendReferral end to end over HTTP vs the raw driver running the same write transaction.

Usage: ``.venv/bin/python -m benchmarks.referral_write [--requests N]``

Starts its own Neo4j (port 17787, home ``.neo4j/bench-home``) and one API
process (uvicorn, one worker). For 1, 8 and 32 concurrent clients it sends
referrals through the API (HTTP + GraphQL + auth + policy + the write
transaction) and then through the bare async driver running the same
transaction function (``graph.referral.commands.send_referral``), in the same run,
and prints throughput, p50/p95 latency and the API/raw ratio.
Target: the API reaches at least half the raw throughput at 8 clients.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from benchmarks._common import Run, api_process, bench_neo4j, drive
from graph import migrations
from graph.access import identity
from graph.db import Database, open_database
from graph.directory import networks, organizations, services
from graph.directory.organizations import OrganizationInput
from graph.directory.services import ServiceInput
from graph.referral import commands as referrals
from server.settings import Settings

MUTATION = "mutation($i: SendReferralInput!) { sendReferral(input: $i) { id status } }"


async def _setup(db: Database) -> dict[str, Any]:
    await migrations.migrate(db)
    net = await networks.create_network(db, name=f"Bench {uuid.uuid4().hex[:8]}")
    sender = await organizations.create_organization(
        db, OrganizationInput(name="Bench sender", kind="COMMUNITY"), network_id=net["id"]
    )
    receiver = await organizations.create_organization(
        db, OrganizationInput(name="Bench receiver", kind="FOOD_SECURITY"), network_id=net["id"]
    )
    service = await services.create_service(
        db,
        ServiceInput(
            organization_id=receiver["id"], name="Dépannage", need_codes=["FOOD_SECURITY"]
        ),
    )
    user = await identity.create_user(
        db, email=f"{uuid.uuid4().hex[:8]}@bench.maillage", name="Bench"
    )
    await identity.assign_organization_role(
        db, user_id=user["id"], organization_id=sender["id"], role="ORG_STAFF"
    )
    token, _ = await identity.create_token(db, user_id=user["id"])
    return {
        "sender": sender["id"],
        "receiver": receiver["id"],
        "service": service["id"],
        "token": token,
        "user": user["id"],
    }


def _payload(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "toOrganizationId": ctx["receiver"],
        "serviceId": ctx["service"],
        "needCodes": ["FOOD_SECURITY"],
        "familyReference": "F-2026-0001",
        "consent": {"given": True, "method": "VERBAL", "scope": "referral"},
        "contact": {"phone": "514-555-0100"},
        "idempotencyKey": uuid.uuid4().hex,
    }


async def bench_api(url: str, ctx: dict[str, Any], clients: int, total: int) -> Run:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        headers = {"Authorization": f"Bearer {ctx['token']}"}

        async def one() -> None:
            response = await http.post(
                "/graphql",
                headers=headers,
                json={"query": MUTATION, "variables": {"i": _payload(ctx)}},
            )
            body = response.json()
            if "errors" in body:
                raise RuntimeError(body["errors"])

        await drive(clients, min(20, total), one)  # warm-up
        seconds, latencies = await drive(clients, total, one)
    return Run("API", clients, total, seconds, latencies)


async def bench_raw(db: Database, ctx: dict[str, Any], clients: int, total: int) -> Run:
    async def one() -> None:
        p = _payload(ctx)
        await referrals.send_referral(
            db,
            referrals.ReferralInput(
                to_organization_id=p["toOrganizationId"],
                need_codes=p["needCodes"],
                family_reference=p["familyReference"],
                idempotency_key=p["idempotencyKey"],
                consent_given=True,
                consent_method="VERBAL",
                consent_scope="referral",
                service_id=p["serviceId"],
                contact_phone="514-555-0100",
            ),
            sender_id=ctx["sender"],
            actor_user_id=ctx["user"],
            now=datetime.now(UTC),
        )

    await drive(clients, min(20, total), one)
    seconds, latencies = await drive(clients, total, one)
    return Run("raw driver", clients, total, seconds, latencies)


async def main_async(settings: Settings, requests: int) -> None:
    db = open_database(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password)
    try:
        ctx = await _setup(db)
        with api_process(settings) as url:
            print(f"\n{'clients':>7} {'path':<11} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}")
            ratios = {}
            for clients in (1, 8, 32):
                api = await bench_api(url, ctx, clients, requests)
                raw = await bench_raw(db, ctx, clients, requests)
                for run in (api, raw):
                    print(
                        f"{clients:>7} {run.label:<11} {run.throughput:>8.1f} "
                        f"{run.p50:>8.1f} {run.p95:>8.1f}"
                    )
                ratios[clients] = api.throughput / raw.throughput
                print(f"{clients:>7} {'API/raw':<11} {ratios[clients]:>8.2f}")
        verdict = "met" if ratios[8] >= 0.5 else "NOT met"
        print(f"\ntarget (API >= 0.5 x raw throughput at 8 clients): {verdict} ({ratios[8]:.2f})")
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400, help="per client level and path")
    args = parser.parse_args()
    with bench_neo4j() as settings:
        asyncio.run(main_async(settings, args.requests))


if __name__ == "__main__":
    main()
