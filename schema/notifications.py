"""An organization's e-mail notification preferences: one mutation for its admins."""

from __future__ import annotations

import strawberry

from domain.notifications import DeliveryMode, NotificationKind
from graph.notify import delivery as g_notifications
from graph.validation import check_id
from schema.access import authorize
from schema.context import Info
from schema.policy import Scope

__all__ = ["NotificationMutation", "NotificationPreferences"]

strawberry.enum(
    DeliveryMode,
    name="NotificationDelivery",
    description="Each notification at once, or one e-mail a day.",
)
strawberry.enum(NotificationKind, description="What an e-mail notification tells.")


@strawberry.type(description="How and of what an organization's intake address is told.")
class NotificationPreferences:
    organization_id: strawberry.ID
    mode: DeliveryMode
    kinds: list[NotificationKind]
    email: str | None = strawberry.field(
        description="The intake address the e-mails go to (the organization's email)."
    )


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(
        description="Choose how (at once or a daily digest) and of what (kinds) the "
        "organization's intake address is told. ESCALATION is for coordinators only."
    )
    async def set_notification_preferences(
        self,
        info: Info,
        organization_id: strawberry.ID,
        mode: DeliveryMode,
        kinds: list[NotificationKind],
    ) -> NotificationPreferences:
        oid = check_id(organization_id, "organizationId")
        authorize(info, "organization.notificationPreferences", Scope.of([oid]))
        row = await g_notifications.set_notification_preferences(
            info.context.db,
            oid,
            mode=mode.value,
            kinds=[k.value for k in kinds],
            now=info.context.clock(),
        )
        return NotificationPreferences(
            organization_id=strawberry.ID(row["organizationId"]),
            mode=DeliveryMode(row["mode"]),
            kinds=[NotificationKind(k) for k in row["kinds"]],
            email=row["email"],
        )
