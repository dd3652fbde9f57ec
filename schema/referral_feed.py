"""The live event feed over GraphQL: the ``referralEvents`` subscription.

A subscriber follows one organization's feed (:mod:`graph.referral.feed`): every
event on a referral it sent or received, by feed position, gap-free and in
commit order, whichever API process wrote it. ``after`` resumes from a
position the client already has. The caller is checked again while the
subscription is open, so a revoked token or a lost role closes it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from domain.errors import BadUserInput, Forbidden, Unauthenticated
from graph.access import identity
from graph.referral import commands as g_ref
from graph.referral import feed as event_feed
from graph.validation import check_id
from schema.access import authorize
from schema.context import Context, Info
from schema.policy import Scope, allowed, denial
from schema.referrals import ReferralEvent

__all__ = ["ReferralEventNotice", "ReferralSubscription"]


@strawberry.type(description="One event of a subscription, with where it stands in the feed.")
class ReferralEventNotice:
    referral_id: strawberry.ID
    event: ReferralEvent
    position: int = strawberry.field(
        description="The event's position in the subscribed organization's feed (1, 2, 3… "
        "in commit order, no gaps). Keep the last one: resume with `after: position`."
    )


@strawberry.type
class ReferralSubscription:
    @strawberry.subscription(
        description="Every new event on the organization's referrals, "
        "including those written by other API processes."
    )
    async def referral_events(
        self,
        info: Info,
        organization_id: strawberry.ID,
        after: Annotated[
            int | None,
            strawberry.argument(
                description="Resume: every event after this feed position "
                "(ReferralEventNotice.position), in order, then the new ones. "
                "Without it, only events from now on."
            ),
        ] = None,
    ) -> AsyncGenerator[ReferralEventNotice, None]:
        context: Context = info.context
        org = check_id(organization_id, "organizationId")
        if after is not None and after < 0:
            raise BadUserInput(
                "after is a feed position (ReferralEventNotice.position): 0 or more.",
                field="after",
            )
        authorize(info, "referral.subscribe", Scope.of([org]))
        cap = context.settings.max_subscriptions_per_connection
        if context.active_subscriptions >= cap:
            raise BadUserInput(
                f"At most {cap} subscriptions per connection; close one first.",
                field="organizationId",
            )
        context.active_subscriptions += 1
        try:
            async for notice in _follow(context, org, after):
                yield notice
        finally:
            context.active_subscriptions -= 1


async def _still_allowed(context: Context, org: str) -> None:
    """Re-check the caller of a long-lived subscription: a revoked token or a lost role ends it."""
    token_id = context.caller.token_id
    principal = await identity.principal_for_token_id(context.db, token_id) if token_id else None
    if principal is None:
        raise Unauthenticated("This API token was revoked; the subscription is closed.")
    if not allowed(principal, "referral.subscribe", Scope.of([org])):
        raise Forbidden(
            denial(principal, "referral.subscribe", Scope.of([org]))
            + " The subscription is closed.",
            operation="referral.subscribe",
        )
    context.principal = principal


async def _follow(
    context: Context, org: str, after: int | None
) -> AsyncGenerator[ReferralEventNotice, None]:
    """Poll the organization's event feed by position; every API process sees every commit.

    The caller is checked again at least every ``auth_cache_seconds`` (and
    before each batch of events when that is 0), so revoking its token or
    its role closes the subscription within the same delay as any request.
    """
    cursor = await event_feed.latest_position(context.db, org) if after is None else after
    every = context.settings.auth_cache_seconds
    checked = time.monotonic()
    while True:
        rows = await event_feed.events_after(context.db, cursor, org)
        if rows or time.monotonic() - checked >= every:
            await _still_allowed(context, org)
            checked = time.monotonic()
        if not rows:
            await asyncio.sleep(context.settings.event_poll_seconds)
            continue
        referrals = await g_ref.referrals_by_id(context.db, sorted({r["referralId"] for r in rows}))
        for row in rows:
            cursor = max(cursor, int(row["position"]))
            yield ReferralEventNotice(
                referral_id=row["referralId"],
                event=ReferralEvent.from_row(row["event"], referrals[row["referralId"]]),
                position=int(row["position"]),
            )
