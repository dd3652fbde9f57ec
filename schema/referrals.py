"""Closed-loop referrals over GraphQL: types, queries and mutations.

The live event feed (the ``referralEvents`` subscription) is in
:mod:`schema.referral_feed`.

Access (schema/policy.py): a referral is visible to staff of its parties
(sender, receiver, and earlier parties of a redirect chain) and, as metadata
only, to coordinators of its networks. Anyone else gets NOT_FOUND, so ids
outside your reach reveal nothing. Family reference, contact details, notes
and comments are for the sender and receiver only: others get null and a
FORBIDDEN error on that path.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from domain import vocabulary as v
from domain.deadlines import is_overdue
from domain.errors import BadUserInput, Forbidden, NotFound
from domain.lifecycle import Action, is_terminal
from graph.referral import commands as g_ref
from graph.referral import reads as g_reads
from graph.validation import check_id, check_instant
from schema.access import authorize, record_personal_read
from schema.context import Info
from schema.pagination import Connection, Edge, PageInfo, decode_keyset, encode_keyset, page_window
from schema.policy import Scope, allowed, reach, referral_actor
from schema.referral_actions import ReferralAction, allowed_actions
from schema.selection import connection_nodes, projection, selects
from schema.types import Maybe, Need, Organization, Place, Service, native, prefetched

__all__ = ["ReferralEvent", "ReferralMutation", "ReferralQuery"]

ReferralStatus = v.ReferralStatus
strawberry.enum(ReferralStatus)
DeclineReason = v.DeclineReason
strawberry.enum(DeclineReason)
Urgency = v.Urgency
strawberry.enum(Urgency)
ConsentMethod = v.ConsentMethod
strawberry.enum(ConsentMethod)
EventType = v.EventType
strawberry.enum(EventType)


class _Box(str, Enum):
    INCOMING = "INCOMING"
    OUTGOING = "OUTGOING"


Box = _Box
strawberry.enum(Box, name="Box", description="INCOMING: the inbox; OUTGOING: the outbox.")


def _now(info: Info) -> datetime:
    return info.context.clock()


def _personal(info: Info, row: dict[str, Any]) -> None:
    if not allowed(
        info.context.caller, "referral.readPersonal", Scope.of([row["senderId"], row["receiverId"]])
    ):
        raise Forbidden("Only the sending and receiving organizations see family information.")


def _case_notes(info: Info, row: dict[str, Any]) -> None:
    """Notes and comments: the sender always, the receiver while consent holds (DESIGN §5)."""
    _personal(info, row)
    if row.get("consentGiven"):
        return
    if not allowed(info.context.caller, "referral.readPersonal", Scope.of([row["senderId"]])):
        raise Forbidden(
            "The family has not given, or has withdrawn, its consent: only the sending "
            "organization sees the case notes."
        )


@strawberry.type
class Consent:
    given: bool
    at: datetime | None
    method: ConsentMethod | None
    scope: str | None


@strawberry.type(description="Contact details, kept only until the retention delay passes.")
class FamilyContact:
    phone: str | None
    email: str | None
    preferred_language: str | None
    best_time: str | None


@strawberry.type(description="A pseudonymous family: the sender's own reference, never a name.")
class Family:
    id: strawberry.ID
    reference: str


@strawberry.type
class ReferralEvent:
    id: strawberry.ID
    seq: int = strawberry.field(
        description="The event's rank in its referral's timeline: 1 for the first, then 2, 3…"
    )
    type: EventType
    status: ReferralStatus
    at: datetime
    reason: str | None
    actor_organization_id: strawberry.ID | None
    _comment: strawberry.Private[str | None]
    _referral: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any], referral: dict[str, Any]) -> ReferralEvent:
        return cls(
            id=row["id"],
            seq=int(row["seq"]),
            type=v.EventType(row["type"]),
            status=v.ReferralStatus(row["status"]),
            at=native(row["at"]),
            reason=row.get("reason"),
            actor_organization_id=row.get("actorOrganizationId"),
            _comment=row.get("comment"),
            _referral=referral,
        )

    @strawberry.field(description="Free text: the sender, and the receiver while consent holds.")
    def comment(self, info: Info) -> str | None:
        if self._comment is None:
            return None
        _case_notes(info, self._referral)
        # Case notes are personal data (DESIGN.md §5): one audit entry per referral read.
        row = self._referral
        record_personal_read(
            info, "readCaseNotes", str(row["id"]), [row["senderId"], row["receiverId"]]
        )
        return self._comment

    @strawberry.field
    async def actor_organization(self, info: Info) -> Organization | None:
        if self.actor_organization_id is None:
            return None
        row = await info.context.loaders.organization.load(str(self.actor_organization_id))
        return None if row is None else Organization.from_row(row)


@strawberry.type
class Referral:
    id: strawberry.ID
    status: ReferralStatus
    urgency: Urgency
    sent_at: datetime
    acknowledge_by: datetime
    closed_at: datetime | None
    override_availability: bool
    need_codes: list[str]
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Referral:
        """From a full row (graph/referral/commands.py) or one of the selected fields only.

        Rows of graph/referral/reads.py carry what was selected, with the
        sender, receiver and service nested when they were: an attribute
        whose field was not selected stays None and is never resolved.
        """
        return cls(
            id=row["id"],
            status=v.ReferralStatus(row["status"]),
            urgency=v.Urgency(row.get("urgency") or "ROUTINE"),
            sent_at=native(row.get("sentAt")),
            acknowledge_by=native(row.get("acknowledgeBy")),
            closed_at=native(row.get("closedAt")),
            override_availability=bool(row.get("overrideAvailability")),
            need_codes=list(row.get("needCodes") or []),
            _row=row,
        )

    @strawberry.field(description="Not acknowledged and past acknowledgeBy.")
    def overdue(self, info: Info) -> bool:
        return is_overdue(self.status, self.acknowledge_by, _now(info))

    @strawberry.field(description="The sender knows the outcome: the status is terminal.")
    def loop_closed(self) -> bool:
        return is_terminal(self.status)

    @strawberry.field(
        description="The actions you may take now, for this status and your role in it."
    )
    def allowed_actions(self, info: Info) -> list[ReferralAction]:
        return allowed_actions(info.context.principal, self._row)

    @strawberry.field(graphql_type=Organization | None)
    def sender(self, info: Info) -> Maybe[Organization | None]:
        return self._party(info, "sender")

    @strawberry.field(graphql_type=Organization | None)
    def receiver(self, info: Info) -> Maybe[Organization | None]:
        return self._party(info, "receiver")

    def _party(self, info: Info, party: str) -> Maybe[Organization | None]:
        loader = info.context.loaders.organization
        return prefetched(
            self._row, party, lambda: loader.load(self._row[f"{party}Id"]), _organization
        )

    @strawberry.field(graphql_type=Service | None)
    def service(self, info: Info) -> Maybe[Service | None]:
        service_id = self._row.get("serviceId")
        if "service" not in self._row and not service_id:
            return None
        loader = info.context.loaders.service
        return prefetched(self._row, "service", lambda: loader.load(str(service_id)), _service)

    @strawberry.field
    async def needs(self, info: Info) -> list[Need]:
        return [
            Need(
                id=strawberry.ID(code),
                code=code,
                label_fr=v.label(code, "fr"),
                label_en=v.label(code, "en"),
            )
            for code in self.need_codes
        ]

    @strawberry.field
    async def place(self, info: Info) -> Place | None:
        place_id = self._row.get("placeId")
        if not place_id:
            return None
        rows = await info.context.loaders.place.load(place_id)
        return None if rows is None else Place.from_row(rows)

    @strawberry.field
    def consent(self) -> Consent:
        r = self._row
        method = r.get("consentMethod")
        return Consent(
            given=bool(r.get("consentGiven")),
            at=native(r.get("consentAt")),
            method=v.ConsentMethod(method) if method else None,
            scope=r.get("consentScope"),
        )

    @strawberry.field(description="The two parties only.")
    def family(self, info: Info) -> Family | None:
        _personal(info, self._row)
        if self._row.get("familyId") is None:
            return None
        record_personal_read(
            info, "readFamily", str(self.id), [self._row["senderId"], self._row["receiverId"]]
        )
        return Family(id=self._row["familyId"], reference=self._row["familyRef"])

    @strawberry.field(description="The two parties only; null once purged or withdrawn.")
    def contact(self, info: Info) -> FamilyContact | None:
        _personal(info, self._row)
        r = self._row
        if not any(r.get(k) for k in g_ref.CONTACT_PROPS) or not r.get("consentGiven"):
            return None
        record_personal_read(
            info, "readFamilyContact", str(self.id), [r["senderId"], r["receiverId"]]
        )
        return FamilyContact(
            phone=r.get("contactPhone"),
            email=r.get("contactEmail"),
            preferred_language=r.get("contactLanguage"),
            best_time=r.get("contactBestTime"),
        )

    @strawberry.field(description="The timeline, oldest first.")
    async def events(self, info: Info) -> list[ReferralEvent]:
        rows = await info.context.loaders.events_of_referral.load(str(self.id))
        return [ReferralEvent.from_row(e, self._row) for e in rows]

    @strawberry.field(
        description="Notes between the two parties: the sender, and the receiver while consent "
        "holds (null for anyone else)."
    )
    async def notes(self, info: Info) -> list[ReferralEvent] | None:
        _case_notes(info, self._row)
        rows = await info.context.loaders.events_of_referral.load(str(self.id))
        return [ReferralEvent.from_row(e, self._row) for e in rows if e["type"] == "NOTE"]

    @strawberry.field
    async def redirected_from(self, info: Info) -> Referral | None:
        return await _visible(info, self._row.get("redirectedFromId"))

    @strawberry.field
    async def redirected_to(self, info: Info) -> Referral | None:
        return await _visible(info, self._row.get("redirectedToId"))


async def _visible(info: Info, referral_id: str | None) -> Referral | None:
    if not referral_id:
        return None
    row = await info.context.loaders.referral.load(referral_id)
    if row is None or not _may_read(info, row):
        return None
    return Referral.from_row(row)


def _organization(row: dict[str, Any] | None) -> Organization | None:
    return None if row is None else Organization.from_row(row)


def _service(row: dict[str, Any] | None) -> Service | None:
    return None if row is None else Service.from_row(row)


def _may_read(info: Info, row: dict[str, Any]) -> bool:
    return allowed(
        info.context.caller,
        "referral.read",
        Scope.of(
            row.get("watcherIds") or [row["senderId"], row["receiverId"]],
            row.get("networkIds") or [],
        ),
    )


async def _readable(info: Info, referral_id: str) -> dict[str, Any]:
    """The referral's row, or NOT_FOUND when it does not exist or is out of reach."""
    rid = check_id(referral_id, "id")
    row = await info.context.loaders.referral.load(rid)
    if row is None or not _may_read(info, row):
        raise NotFound(f"No referral with id {rid}.", field="id")
    return row


@strawberry.type
class StatusCount:
    status: ReferralStatus
    count: int


@strawberry.type
class ReferralConnection(Connection[Referral]):
    counts_by_status: list[StatusCount]


def _referral_connection(page: g_reads.ReferralPage, *, has_previous: bool) -> ReferralConnection:
    """The GraphQL page; an unselected total or counts (None) are never resolved."""
    edges = [
        Edge(cursor=encode_keyset(row["cursorAt"], row["id"]), node=Referral.from_row(row))
        for row in page.rows
    ]
    return ReferralConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=0 if page.total is None else page.total,
        counts_by_status=[
            StatusCount(status=v.ReferralStatus(s), count=n) for s, n in (page.counts or {}).items()
        ],
    )


@strawberry.input
class ConsentInput:
    given: bool
    method: ConsentMethod
    scope: str
    at: datetime | None = None


@strawberry.input
class ContactInput:
    phone: str | None = None
    email: str | None = None
    preferred_language: str | None = None
    best_time: str | None = None


@strawberry.input
class SendReferralInput:
    to_organization_id: strawberry.ID
    need_codes: list[str]
    family_reference: str = strawberry.field(
        description="Your own file number for the family (with digits), never a name."
    )
    consent: ConsentInput
    idempotency_key: str = strawberry.field(
        description="Any unique string per referral: resending with it returns the first."
    )
    from_organization_id: strawberry.ID | None = None
    service_id: strawberry.ID | None = None
    place_id: strawberry.ID | None = None
    urgency: Urgency = v.Urgency.ROUTINE
    contact: ContactInput | None = None
    comment: str | None = None
    override_availability: bool = False


def _sender(info: Info, requested: strawberry.ID | None) -> str:
    caller = info.context.caller
    if requested is not None:
        return check_id(requested, "fromOrganizationId")
    orgs = sorted(caller.org_roles)
    if len(orgs) == 1:
        return orgs[0]
    raise BadUserInput(
        "fromOrganizationId is required: say which of your organizations sends.",
        field="fromOrganizationId",
    )


# The optional argument of every move: the status the client saw before it asked.
Expected = Annotated[
    ReferralStatus | None,
    strawberry.argument(
        description="The status you saw before asking. A retry of a move that already "
        "happened (a lost response) then returns the referral instead of INVALID_TRANSITION; "
        "if someone else moved it, CONFLICT."
    ),
]


async def _act(
    info: Info,
    referral_id: strawberry.ID,
    action: Action,
    *,
    reason: str | None = None,
    comment: str | None = None,
    redirect_to: tuple[str, str | None] | None = None,
    expected: ReferralStatus | None = None,
) -> Referral:
    row = await _readable(info, referral_id)
    caller = info.context.caller
    operation, actor_org = referral_actor(
        caller, action, sender_id=row["senderId"], receiver_id=row["receiverId"]
    )
    authorize(info, operation, Scope.of([actor_org]))
    updated = await g_ref.transition(
        info.context.db,
        row["id"],
        action,
        expected_status=row["status"] if expected is None else expected.value,
        actor_user_id=caller.user_id,
        actor_org_id=actor_org,
        now=_now(info),
        reason=reason,
        comment=comment,
        redirect_to=redirect_to,
        replay_if_done=expected is not None,
    )
    return Referral.from_row(updated)


@strawberry.type
class ReferralQuery:
    @strawberry.field
    async def referral(self, info: Info, id: strawberry.ID) -> Referral:
        rid = check_id(id, "id")
        where = reach(info.context.caller, "referral.read")
        row = await g_reads.referral_read(
            info.context.db,
            rid,
            projection(info),
            organizations=None if where is None else sorted(where.organizations),
            networks=None if where is None else sorted(where.networks),
        )
        if row is None or not _may_read(info, row):
            raise NotFound(f"No referral with id {rid}.", field="id")
        return Referral.from_row(row)

    @strawberry.field(
        description="An organization's inbox (INCOMING) or outbox (OUTGOING), "
        "newest first; coordinators may list a network's referrals."
    )
    async def referrals(
        self,
        info: Info,
        box: Box | None = None,
        organization_id: strawberry.ID | None = None,
        network_id: strawberry.ID | None = None,
        status: ReferralStatus | None = None,
        need_code: str | None = None,
        overdue: bool | None = None,
        sent_after: datetime | None = None,
        sent_before: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> ReferralConnection:
        caller = info.context.caller
        _, limit = page_window(first, None, info.context.settings.max_page_size)
        keyset = decode_keyset(after)
        org = check_id(organization_id, "organizationId") if organization_id else None
        net = check_id(network_id, "networkId") if network_id else None
        networks: list[str] | None = None
        if org is not None and org in caller.org_roles:
            authorize(info, "referral.list", Scope.of([org]))
        elif net is not None or (org is not None and caller.coordinates):
            # Metadata of the networks the caller coordinates, never more.
            wanted = {net} if net else set(caller.coordinates)
            if org is not None:
                # An organization of another network is out of reach, like its referrals.
                memberships = await info.context.loaders.memberships_of_organization.load(org)
                wanted &= {m["networkId"] for m in memberships}
            networks = sorted(wanted & caller.coordinates)
            if not networks:
                raise NotFound(
                    "No such network in your reach."
                    if org is None
                    else "No such organization in your reach.",
                    field="networkId" if org is None else "organizationId",
                )
        elif org is None and len(caller.org_roles) == 1:
            org = next(iter(caller.org_roles))
        else:
            raise NotFound("No such organization in your reach.", field="organizationId")
        page = await g_reads.referral_page(
            info.context.db,
            g_ref.ReferralFilter(
                organization_id=org,
                box=None if box is None else str(box.value),
                network_ids=networks,
                status=None if status is None else status.value,
                need_code=need_code,
                overdue=overdue,
                sent_after=check_instant(sent_after, "sentAfter"),
                sent_before=check_instant(sent_before, "sentBefore"),
            ),
            connection_nodes(info),
            now=_now(info),
            after=keyset,
            limit=limit,
            with_total=selects(info, "totalCount"),
            with_counts=selects(info, "countsByStatus"),
        )
        return _referral_connection(page, has_previous=keyset is not None)


@strawberry.type
class ReferralMutation:
    @strawberry.mutation(description="Refer a family to another organization (idempotent).")
    async def send_referral(self, info: Info, input: SendReferralInput) -> Referral:
        caller = info.context.caller
        sender = _sender(info, input.from_organization_id)
        authorize(info, "referral.send", Scope.of([sender]))
        contact = input.contact or ContactInput()
        row, _ = await g_ref.send_referral(
            info.context.db,
            g_ref.ReferralInput(
                to_organization_id=str(input.to_organization_id),
                need_codes=input.need_codes,
                family_reference=input.family_reference,
                idempotency_key=input.idempotency_key,
                consent_given=input.consent.given,
                consent_method=input.consent.method.value,
                consent_scope=input.consent.scope,
                consent_at=input.consent.at,
                service_id=None if input.service_id is None else str(input.service_id),
                place_id=None if input.place_id is None else str(input.place_id),
                urgency=input.urgency.value,
                comment=input.comment,
                override_availability=input.override_availability,
                contact_phone=contact.phone,
                contact_email=contact.email,
                contact_language=contact.preferred_language,
                contact_best_time=contact.best_time,
            ),
            sender_id=sender,
            actor_user_id=caller.user_id,
            now=_now(info),
        )
        return Referral.from_row(row)

    @strawberry.mutation
    async def acknowledge_referral(
        self, info: Info, id: strawberry.ID, expected_status: Expected = None
    ) -> Referral:
        return await _act(info, id, Action.ACKNOWLEDGE, expected=expected_status)

    @strawberry.mutation
    async def accept_referral(
        self, info: Info, id: strawberry.ID, expected_status: Expected = None
    ) -> Referral:
        return await _act(info, id, Action.ACCEPT, expected=expected_status)

    @strawberry.mutation
    async def decline_referral(
        self,
        info: Info,
        id: strawberry.ID,
        reason: DeclineReason,
        comment: str | None = None,
        expected_status: Expected = None,
    ) -> Referral:
        return await _act(
            info, id, Action.DECLINE, reason=reason.value, comment=comment, expected=expected_status
        )

    @strawberry.mutation(description="End this referral REDIRECTED and send a new, linked one.")
    async def redirect_referral(
        self,
        info: Info,
        id: strawberry.ID,
        to_organization_id: strawberry.ID,
        to_service_id: strawberry.ID | None = None,
        comment: str | None = None,
        expected_status: Expected = None,
    ) -> Referral:
        return await _act(
            info,
            id,
            Action.REDIRECT,
            comment=comment,
            expected=expected_status,
            redirect_to=(
                str(to_organization_id),
                None if to_service_id is None else str(to_service_id),
            ),
        )

    @strawberry.mutation(description="First contact made with the family.")
    async def record_referral_contact(
        self, info: Info, id: strawberry.ID, expected_status: Expected = None
    ) -> Referral:
        return await _act(info, id, Action.RECORD_CONTACT, expected=expected_status)

    @strawberry.mutation
    async def complete_referral(
        self,
        info: Info,
        id: strawberry.ID,
        comment: str | None = None,
        expected_status: Expected = None,
    ) -> Referral:
        return await _act(info, id, Action.COMPLETE, comment=comment, expected=expected_status)

    @strawberry.mutation
    async def record_no_show(
        self,
        info: Info,
        id: strawberry.ID,
        comment: str | None = None,
        expected_status: Expected = None,
    ) -> Referral:
        return await _act(
            info, id, Action.RECORD_NO_SHOW, comment=comment, expected=expected_status
        )

    @strawberry.mutation(description="Sender only, from any state that is not final.")
    async def cancel_referral(
        self, info: Info, id: strawberry.ID, reason: str, expected_status: Expected = None
    ) -> Referral:
        return await _act(info, id, Action.CANCEL, reason=reason, expected=expected_status)

    @strawberry.mutation(
        description="The family withdrew consent: contact details are purged at once (sender only)."
    )
    async def withdraw_consent(
        self, info: Info, id: strawberry.ID, comment: str | None = None
    ) -> Referral:
        row = await _readable(info, id)
        authorize(info, "referral.cancel", Scope.of([row["senderId"]]))
        updated = await g_ref.withdraw_consent(
            info.context.db,
            row["id"],
            actor_user_id=info.context.caller.user_id,
            actor_org_id=row["senderId"],
            now=_now(info),
            comment=comment,
        )
        return Referral.from_row(updated)

    @strawberry.mutation(description="A note both parties see.")
    async def add_referral_note(self, info: Info, id: strawberry.ID, text: str) -> Referral:
        return await _act(info, id, Action.NOTE, comment=text)
