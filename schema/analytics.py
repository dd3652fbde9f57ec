"""Network analytics over GraphQL: collaboration, evolution, breakdowns, an organization's profile.

Resolvers aggregate in Cypher (:mod:`graph.aggregates.queries`), analyse with
:mod:`analytics` in a worker thread, and map the plain figures
(:mod:`schema.analytics_mapping`) to the types of :mod:`schema.analytics_types`.
Definitions live with the functions that compute them: every field's
description names its source.

Who sees what (DESIGN.md §5, rules ``analytics.*`` of :mod:`schema.policy`):

- a network's ``collaboration``, ``evolution`` and ``breakdowns``: its
  coordinators and researchers; anyone else gets FORBIDDEN (the network
  itself is directory data and stays visible);
- an organization's ``collaborationProfile``: its staff, and coordinators and
  researchers of the networks it is measured in;
- **identified** figures — names and exact counts — go to callers who may
  already list the underlying referrals (``referral.list`` on the same scope:
  the network's coordinators, the organization's staff). Everyone else
  allowed (researchers) gets **de-identified** figures: organization ids,
  kinds and territories but no names, and every referral count from 1 to 4
  replaced by null, with any rate or median computed from it
  (:mod:`analytics.suppression`). Network-level counts of organizations and
  ties are never suppressed; they count organizations, not families. Names
  are public directory data, so leaving them out makes the released figures
  pseudonymous by default, the same as a research export. Suppression is
  primary only: a suppressed cell may be recovered from a published total
  minus its other parts (see :mod:`analytics.suppression`).

**Researchers** are served by :mod:`schema.analytics_research` under the
policy of :mod:`analytics.disclosure`: their research project's pseudonyms
instead of directory ids, complementary suppression so no small count comes
back by subtraction, whole calendar quarters only, and no organization
profile read by directory id (it would join the pseudonyms to the directory).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

import strawberry

from analytics.disclosure import Pseudonyms, check_research_window
from domain.errors import BadUserInput, Forbidden
from graph.access.research_projects import research_project_key
from graph.aggregates import queries as g_agg
from graph.validation import check_id
from schema.analytics_mapping import (
    Audience,
    breakdowns,
    collaboration_periods,
    evolution_period,
    profile_periods,
)
from schema.analytics_research import research_breakdowns, research_collaboration_periods
from schema.analytics_shared import asks_brokerage, shared_collaboration, shared_evolution
from schema.analytics_types import Breakdowns, Collaboration, CollaborationProfile, Evolution
from schema.policy import Scope, allowed, denial

if TYPE_CHECKING:
    from schema.context import Info

__all__ = [
    "network_breakdowns",
    "network_collaboration",
    "network_evolution",
    "organization_profile",
]


# --- resolvers ---------------------------------------------------------------------------


async def network_collaboration(
    info: Info, network_id: str, start: date, end: date, period: g_agg.Period
) -> Collaboration:
    """``Network.collaboration``: the referral graph of each period with its measures."""
    audience = _network_audience(info, network_id)
    window = g_agg.Window(start, end, period)
    if not audience.identified:
        names = await _research_names(info, window)
        before, slices = await shared_collaboration(info, [network_id], window)
        evolved = await shared_evolution(info, [network_id], window)
        research = partial(
            research_collaboration_periods, evolved=evolved, brokerage=asks_brokerage(info)
        )
        periods = await asyncio.to_thread(research, before, slices, names)
        return Collaboration(start=start, end=end, period=period, deidentified=True,
                             periods=periods)  # fmt: skip
    before, slices = await shared_collaboration(info, [network_id], window)
    evolved = await shared_evolution(info, [network_id], window)
    periods = await asyncio.to_thread(
        partial(collaboration_periods, evolved=evolved, brokerage=asks_brokerage(info)),
        before, slices, audience,
    )  # fmt: skip
    return Collaboration(start=start, end=end, period=period, deidentified=not audience.identified,
                         periods=periods)  # fmt: skip


async def network_evolution(
    info: Info, network_id: str, start: date, end: date, period: g_agg.Period
) -> Evolution:
    """``Network.evolution``: network measures and tie dynamics per period."""
    audience = _network_audience(info, network_id)
    window = g_agg.Window(start, end, period)
    rows = await shared_evolution(info, [network_id], window)
    periods = [evolution_period(row) for row in rows[1:]]
    if not audience.identified:
        for row in periods:
            row.referral_load_gini = None  # weighted: could give a suppressed count back
    return Evolution(start=start, end=end, period=period, periods=periods)


async def network_breakdowns(info: Info, network_id: str, start: date, end: date) -> Breakdowns:
    """``Network.breakdowns``: where referrals stall over the whole window."""
    audience = _network_audience(info, network_id)
    window = g_agg.Window(start, end)
    db, now = info.context.db, info.context.clock()
    ids = [network_id]
    names = None if audience.identified else await _research_names(info, window)
    (whole,) = await g_agg.collaboration(db, ids, window, now=now)
    (cells,) = await g_agg.need_funnel(db, ids, window)
    (places,) = await g_agg.place_outcomes(db, ids, window)
    if names is not None:
        cover = await g_agg.coverage(db, ids, min(end, now.date()))
        return await asyncio.to_thread(
            research_breakdowns, whole.aggregate, cells, cover, places, names
        )
    (overrides,) = await g_agg.availability_overrides(db, ids, window)
    coverage = await g_agg.coverage(db, ids, min(end, now.date()))
    return await asyncio.to_thread(
        breakdowns, whole.aggregate, cells, coverage, places, overrides, audience
    )


async def organization_profile(
    info: Info,
    organization_id: str,
    start: date,
    end: date,
    period: g_agg.Period,
    network_id: str | None,
) -> CollaborationProfile:
    """``Organization.collaborationProfile``: its measures in each period."""
    org = check_id(organization_id, "id")
    window = g_agg.Window(start, end, period)
    db = info.context.db
    member_of = await g_agg.organization_networks(db, org, window)
    if network_id is not None:
        wanted = check_id(network_id, "networkId")
        if wanted not in member_of:
            raise BadUserInput(
                "This organization was not a member of that network between from and to.",
                field="networkId",
            )
        member_of = [wanted]
    audience = _profile_audience(info, org, member_of)
    before, slices = await shared_collaboration(info, member_of, window)
    periods = await asyncio.to_thread(profile_periods, org, before, slices, audience)
    return CollaborationProfile(
        organization_id=strawberry.ID(org), network_ids=[strawberry.ID(n) for n in member_of],
        start=start, end=end, period=period, deidentified=not audience.identified,
        periods=periods,
    )  # fmt: skip


# --- access ------------------------------------------------------------------------------


def _network_audience(info: Info, network_id: str) -> Audience:
    caller = info.context.caller
    scope = Scope.of(networks=[check_id(network_id, "id")])
    if not allowed(caller, "analytics.network", scope):
        hint = (
            " Your own organization's figures are in organization(id) { collaborationProfile }."
            if caller.org_roles
            else ""
        )
        raise Forbidden(
            denial(caller, "analytics.network", scope) + hint, operation="analytics.network"
        )
    return Audience(identified=allowed(caller, "referral.list", scope))


def _profile_audience(info: Info, organization_id: str, networks: Sequence[str]) -> Audience:
    caller = info.context.caller
    if allowed(caller, "analytics.organization", Scope.of([organization_id])):
        return Audience(identified=True)  # the organization's own staff
    scopes = [Scope.of([organization_id], [n]) for n in networks]
    if not scopes or not all(allowed(caller, "analytics.organization", s) for s in scopes):
        scope = Scope.of([organization_id], tuple(networks))
        raise Forbidden(
            denial(caller, "analytics.organization", scope)
            + " Researchers read pseudonymous figures in network(id) { collaboration }; "
            "coordinators of one of its networks: pass networkId.",
            operation="analytics.organization",
        )
    return Audience(identified=all(allowed(caller, "referral.list", s) for s in scopes))


async def _research_names(info: Info, window: g_agg.Window) -> Pseudonyms:
    """The caller's research project pseudonyms, once the window is whole quarters."""
    problem = check_research_window(
        window.start, window.end, window.period.value if window.period else None
    )
    if problem is not None:
        raise BadUserInput(problem, field="from")
    _, key = await research_project_key(info.context.db, info.context.caller.user_id)
    return Pseudonyms(key)
