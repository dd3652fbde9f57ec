"""GraphQL output types of the network analytics: collaboration, evolution, breakdowns, profiles.

Plain Strawberry types, filled by :mod:`schema.analytics_mapping` and served by
the resolvers of :mod:`schema.analytics`. Every field's description names the
definition it reports (the :mod:`analytics` function that computes it); a
referral count is null when suppressed for a de-identified caller.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph.aggregates import queries as g_agg

if TYPE_CHECKING:
    from domain.vocabulary import DeclineReason, OrganizationKind, PartnershipKind, PlaceKind

__all__ = [
    "AvailabilityOverride",
    "BlackHole",
    "Breakdowns",
    "Collaboration",
    "CollaborationPeriod",
    "CollaborationProfile",
    "CoverageCell",
    "CriticalOrganization",
    "Evolution",
    "EvolutionPeriod",
    "FromDate",
    "FunnelCounts",
    "NetworkMeasures",
    "OpenLoop",
    "OrganizationMeasures",
    "OutreachPlace",
    "PartnershipLink",
    "Period",
    "ProfilePeriod",
    "ReasonCount",
    "ReferralFlow",
    "RepeatedDecline",
    "ServiceGap",
]

Period = g_agg.Period
strawberry.enum(
    Period, description="Calendar months, quarters or years (UTC), clipped to the window."
)
#: The ``from`` argument (a Python keyword): first day of the window, included.
FromDate = Annotated[date, strawberry.argument(name="from", description="First day, included.")]

_COUNT = "referrals; null when suppressed (researchers: 1 to 4)"


@strawberry.type(description="Referrals declined for one reason.")
class ReasonCount:
    reason: Annotated["DeclineReason", strawberry.lazy("schema.referrals")]  # noqa: UP037
    label_fr: str
    label_en: str
    count: int | None = strawberry.field(description=_COUNT)


@strawberry.type(description="Network-level measures of one period (analytics.network).")
class NetworkMeasures:
    organizations: int = strawberry.field(description="Members at any time in the period.")
    ties: int = strawberry.field(description="Ordered pairs with at least one referral.")
    referrals: int | None = strawberry.field(description=f"Referrals sent: {_COUNT}.")
    density: float = strawberry.field(description="ties / (n (n - 1)).")
    reciprocity: float = strawberry.field(description="Share of ties returned.")
    transitivity: float = strawberry.field(description="Global clustering, undirected.")
    components: int = strawberry.field(description="Weak components, isolates included.")
    largest_component_share: float
    degree_centralization: float = strawberry.field(description="Freeman, undirected.")
    referral_load_gini: float | None = strawberry.field(
        description="Gini of referrals received; for researchers, null unless every "
        "organization's in-strength is published."
    )
    communities: int = strawberry.field(description="Louvain communities (seed 0).")
    modularity: float


@strawberry.type(description="One organization in one period (analytics.organizations).")
class OrganizationMeasures:
    id: strawberry.ID
    name: str | None = strawberry.field(description="Null for de-identified callers.")
    kind: Annotated["OrganizationKind", strawberry.lazy("schema.types")]  # noqa: UP037
    territory_id: strawberry.ID | None
    community: int | None = strawberry.field(description="Index in the period's communities.")
    in_degree: int = strawberry.field(description="Organizations it received referrals from.")
    out_degree: int = strawberry.field(description="Organizations it referred to.")
    in_strength: int | None = strawberry.field(description=f"Referrals received: {_COUNT}.")
    out_strength: int | None = strawberry.field(description=f"Referrals sent: {_COUNT}.")
    betweenness: float = strawberry.field(description="Normalised, directed, unweighted.")
    constraint: float | None = strawberry.field(description="Burt's constraint.")
    effective_size: float | None = strawberry.field(description="Burt's effective size.")
    partners_gained: int | None = strawberry.field(description="Since the period before.")
    partners_lost: int | None
    acknowledgement_rate: float | None = strawberry.field(description="As receiver.")
    acceptance_rate: float | None
    completion_rate: float | None = strawberry.field(description="completed / accepted.")
    median_hours_to_acknowledge: float | None
    overdue: int | None = strawberry.field(description="Received, still SENT at acknowledgeBy.")


@strawberry.type(description="Referrals sent from one organization to another in a period.")
class ReferralFlow:
    source: strawberry.ID
    target: strawberry.ID
    sent: int | None
    acknowledged: int | None
    accepted: int | None
    contacted: int | None
    completed: int | None
    no_show: int | None
    declined: int | None
    declined_by_reason: list[ReasonCount]
    redirected: int | None
    expired: int | None
    cancelled: int | None
    overdue: int | None
    acknowledged_late: int | None = strawberry.field(
        description="Acknowledged after acknowledgeBy: late, and so no longer overdue."
    )
    median_hours_to_acknowledge: float | None


@strawberry.type(description="A declared partnership active in the period (undirected).")
class PartnershipLink:
    source: strawberry.ID
    target: strawberry.ID
    kinds: list[Annotated["PartnershipKind", strawberry.lazy("schema.types")]]  # noqa: UP037


@strawberry.type
class CollaborationPeriod:
    start: date
    end: date = strawberry.field(description="Last day, included.")
    metrics: NetworkMeasures
    nodes: list[OrganizationMeasures]
    edges: list[ReferralFlow]
    partnerships: list[PartnershipLink]


@strawberry.type(description="The weighted referral graph of each period and its measures.")
class Collaboration:
    start: date = strawberry.field(name="from")
    end: date = strawberry.field(name="to")
    period: Period
    deidentified: bool = strawberry.field(description="Names left out, small cells suppressed.")
    periods: list[CollaborationPeriod]


@strawberry.type(description="Network measures of a period and their change since the one before.")
class EvolutionPeriod:
    start: date
    end: date
    organizations: int
    ties: int
    density: float
    reciprocity: float
    transitivity: float
    components: int
    largest_component_share: float
    degree_centralization: float
    referral_load_gini: float | None = strawberry.field(
        description="Gini of referrals received; null for researchers (it could be solved "
        "for a suppressed in-strength)."
    )
    communities: int
    modularity: float
    new_ties: int | None = strawberry.field(description="Ties absent the period before.")
    dissolved_ties: int | None
    persisting_ties: int | None
    jaccard: float | None = strawberry.field(
        description="persisting / (new + dissolved + persisting)."
    )
    community_stability: float | None = strawberry.field(
        description="NMI of the Louvain partitions of this period and the one before, on the "
        "organizations in both; null when either period has no referral tie."
    )


@strawberry.type(
    description="How the network changes; the first period is compared with the one before `from`."
)
class Evolution:
    start: date = strawberry.field(name="from")
    end: date = strawberry.field(name="to")
    period: Period
    periods: list[EvolutionPeriod]


@strawberry.type(description="Funnel counts of a group of referrals; rates per analytics.funnel.")
class FunnelCounts:
    sender_id: strawberry.ID | None
    receiver_id: strawberry.ID | None
    need_code: str | None
    territory_id: strawberry.ID | None = strawberry.field(
        description="Receiver's territory in byReceiver; the family's elsewhere."
    )
    sent: int | None
    acknowledged: int | None
    accepted: int | None
    contacted: int | None
    completed: int | None
    declined: int | None
    declined_by_reason: list[ReasonCount]
    acknowledgement_rate: float | None
    acceptance_rate: float | None
    completion_rate: float | None


@strawberry.type(description="A receiver sent ≥ 5 referrals that acknowledged fewer than 20%.")
class BlackHole:
    organization_id: strawberry.ID
    name: str | None
    sent: int | None
    acknowledged: int | None
    acknowledgement_rate: float | None


@strawberry.type(description="A pair whose referrals were declined at least 3 times.")
class RepeatedDecline:
    source_id: strawberry.ID
    target_id: strawberry.ID
    sent: int | None
    declined: int | None
    declined_by_reason: list[ReasonCount]


@strawberry.type(description="A need declined NO_CAPACITY or SERVICE_NOT_ADAPTED in a territory.")
class ServiceGap:
    need_code: str | None
    territory_id: strawberry.ID | None = strawberry.field(description="Family territory.")
    sent: int | None
    gap_declines: int | None
    declined_by_reason: list[ReasonCount]
    gap_share: float | None
    providers: int = strawberry.field(description="Providers there on `to` (coverage).")


@strawberry.type(description="A (territory, need) cell; among gaps: no member provides it there.")
class CoverageCell:
    territory_id: strawberry.ID
    need_code: str


@strawberry.type(description="Referrals of a pair with no terminal outcome yet.")
class OpenLoop:
    source_id: strawberry.ID
    target_id: strawberry.ID
    sent: int | None
    open: int | None
    overdue: int | None


@strawberry.type(description="Referrals sent despite the service's availability.")
class AvailabilityOverride:
    organization_id: strawberry.ID
    service_id: strawberry.ID | None
    referrals: int | None
    declined_no_capacity: int | None
    completed: int | None


@strawberry.type(description="An articulation point or sole provider (analytics.vulnerability).")
class CriticalOrganization:
    organization_id: strawberry.ID
    name: str | None
    disconnects: bool
    sole_provider_of: list[CoverageCell]


@strawberry.type(description="Referrals originating at an outreach place (or kind of place).")
class OutreachPlace:
    place_id: strawberry.ID | None
    place_kind: Annotated["PlaceKind", strawberry.lazy("schema.types")]  # noqa: UP037
    referrals: int | None
    completed: int | None
    completion_rate: float | None = strawberry.field(description="completed / referrals.")


@strawberry.type(description="Where referrals break down over the whole window.")
class Breakdowns:
    start: date = strawberry.field(name="from")
    end: date = strawberry.field(name="to")
    deidentified: bool
    funnel: FunnelCounts
    by_receiver: list[FunnelCounts]
    by_pair: list[FunnelCounts]
    by_need: list[FunnelCounts]
    by_territory: list[FunnelCounts]
    by_need_and_territory: list[FunnelCounts]
    black_holes: list[BlackHole]
    repeated_declines: list[RepeatedDecline]
    service_gaps: list[ServiceGap]
    uncovered_needs: list[CoverageCell]
    open_loops: list[OpenLoop]
    overrides: list[AvailabilityOverride]
    critical_organizations: list[CriticalOrganization]
    outreach_places: list[OutreachPlace]
    outreach_by_place_kind: list[OutreachPlace]


@strawberry.type(description="One organization in one period; measures null when not a member.")
class ProfilePeriod:
    start: date
    end: date
    member: bool
    in_degree: int | None
    out_degree: int | None
    received: int | None = strawberry.field(description=f"Referrals received: {_COUNT}.")
    sent: int | None = strawberry.field(description=f"Referrals sent: {_COUNT}.")
    betweenness: float | None
    constraint: float | None
    effective_size: float | None
    partners_gained: int | None
    partners_lost: int | None
    acknowledgement_rate: float | None
    acceptance_rate: float | None
    completion_rate: float | None
    median_hours_to_acknowledge: float | None
    overdue: int | None
    declined_by_reason: list[ReasonCount] = strawberry.field(description="Received, declined.")


@strawberry.type(description="An organization's slice of the network analytics.")
class CollaborationProfile:
    organization_id: strawberry.ID
    network_ids: list[strawberry.ID]
    start: date = strawberry.field(name="from")
    end: date = strawberry.field(name="to")
    period: Period
    deidentified: bool
    periods: list[ProfilePeriod]
