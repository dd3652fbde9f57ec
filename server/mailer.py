"""The notification worker: deliver the outbox by SMTP, once, with retries, never hanging.

:func:`deliver_once` claims the due notifications (``graph/notify/delivery.py``),
drops those no longer needed (the intake notice of a referral acknowledged
meanwhile; an audit entry says so), renders the others
(``server/mail_render.py``) and hands each message to the SMTP server. A
notification is marked DELIVERED right after the server accepted it; on any
failure it stays PENDING and is tried again later, the delay doubling from
``MAILLAGE_NOTIFY_RETRY_MIN_SECONDS`` up to ``MAILLAGE_NOTIFY_RETRY_MAX_SECONDS``.
Its ``Message-ID`` is its id, so the one duplicate a crash between acceptance
and marking can cause is recognisable.

The server runs :func:`deliver_forever` as a background task when SMTP is
configured; ``maillage notify deliver [--once]`` runs the same loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Protocol

from domain.notifications import ANSWERABLE, NotificationKind, retry_delay, still_needed
from graph.access import audit
from graph.db import Database
from graph.notify import delivery as outbox
from graph.referral import response_links
from server.mail_render import Item, language_of, render
from server.settings import Settings

__all__ = ["DeliveryReport", "SmtpTransport", "Transport", "deliver_forever", "deliver_once"]

log = logging.getLogger("maillage.mailer")


class Transport(Protocol):
    """Hands a message to a mail server; raises when the server did not accept it."""

    async def send(self, message: EmailMessage) -> None: ...


class SmtpTransport:
    """SMTP with ``smtplib`` in a thread; each wait bounded by ``MAILLAGE_SMTP_TIMEOUT_SECONDS``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _send_blocking(self, message: EmailMessage) -> None:
        s = self.settings
        timeout = s.smtp_timeout_seconds
        client: smtplib.SMTP
        if s.smtp_tls == "tls":
            client = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=timeout)
        with client:
            if s.smtp_tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                client.login(s.smtp_user, s.smtp_password)
            client.send_message(message)

    async def send(self, message: EmailMessage) -> None:
        """Send ``message``; raises on refusal, on a network error or past the time bound."""
        # smtplib's timeout bounds each socket wait; this bounds the whole exchange.
        await asyncio.wait_for(
            asyncio.to_thread(self._send_blocking, message),
            timeout=self.settings.smtp_timeout_seconds * 4,
        )


@dataclass
class DeliveryReport:
    """What one pass did: messages accepted, notifications retried later, dropped."""

    delivered: int = 0
    retried: int = 0
    dropped: int = 0

    def add(self, other: DeliveryReport) -> None:
        self.delivered += other.delivered
        self.retried += other.retried
        self.dropped += other.dropped


async def _drop(db: Database, notification: dict[str, Any], now: datetime, reason: str) -> bool:
    if not await outbox.drop(db, notification, now, reason=reason):
        return False
    org = notification.get("recipientOrgId")
    await audit.append_tokenless(
        db,
        at=now,
        operation=f"dropNotification:{reason}",
        request_id="notification-worker",
        target_id=notification["id"],
        organization_ids=(org,) if org else (),
    )
    return True


async def _sendable(
    db: Database, notification: dict[str, Any], now: datetime
) -> tuple[Item, dict[str, Any]] | None:
    """The notification's item and context, or None after dropping it."""
    context = await outbox.message_context(db, notification)
    kind = NotificationKind(notification["kind"])
    reason = None
    if context is None:
        reason = "REFERRAL_GONE"
    elif not still_needed(kind, context["status"]):
        reason = "NO_LONGER_NEEDED"
    elif not context["address"]:
        reason = "NO_ADDRESS"
    if reason is not None or context is None:
        await _drop(db, notification, now, reason or "REFERRAL_GONE")
        return None
    return Item(notification["id"], kind, context), context


async def _answer_links(
    db: Database, notification: dict[str, Any], context: dict[str, Any], now: datetime, base: str
) -> dict[str, str]:
    """Fresh one-click links for an intake notice or reminder, valid until ``acknowledgeBy``."""
    org = notification.get("recipientOrgId")
    if NotificationKind(notification["kind"]) not in ANSWERABLE or not org:
        return {}
    tokens = await response_links.issue_links(
        db,
        referral_id=context["referralId"],
        organization_id=org,
        notification_id=notification["id"],
        now=now,
        expires_at=context["acknowledgeBy"].to_native(),
    )
    return {action.value: f"{base}/respond/{token}" for action, token in tokens.items()}


def _groups(claimed: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """One group per message: each immediate notification alone, a digest per recipient."""
    singles: list[list[dict[str, Any]]] = []
    digests: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for n in claimed:
        if n.get("digest"):
            digests.setdefault((n.get("recipientOrgId"), n.get("recipientUserId")), []).append(n)
        else:
            singles.append([n])
    return singles + list(digests.values())


async def _deliver_group(
    db: Database,
    group: list[dict[str, Any]],
    settings: Settings,
    transport: Transport,
    clock: Callable[[], datetime],
) -> DeliveryReport:
    report = DeliveryReport()
    now = clock()
    ready: list[tuple[dict[str, Any], Item, dict[str, Any]]] = []
    for notification in group:
        found = await _sendable(db, notification, now)
        if found is None:
            report.dropped += 1
            continue
        item, context = found
        links = await _answer_links(db, notification, context, now, settings.links_base_url)
        ready.append((notification, dataclasses.replace(item, links=links), context))
    if not ready:
        return report
    context = ready[0][2]
    message = render(
        [item for _, item, _ in ready],
        lang=language_of(context["languages"]),
        sender=settings.smtp_sender,
        to=context["address"],
        base_url=settings.links_base_url,
        now=now,
        time_zone=settings.time_zone,
    )
    try:
        await transport.send(message)
    except Exception as exc:  # any failure to hand over: try again later
        later = clock()
        for notification, _, _ in ready:
            delay = retry_delay(
                int(notification["attempts"]) + 1,
                base_seconds=settings.notify_retry_min_seconds,
                cap_seconds=settings.notify_retry_max_seconds,
            )
            await outbox.mark_failed(
                db, notification, later, error=f"{type(exc).__name__}: {exc}", delay_seconds=delay
            )
        log.warning(
            "notification not delivered; will retry",
            extra={"notifications": [n["id"] for n, _, _ in ready], "error": type(exc).__name__},
        )
        report.retried += len(ready)
        return report
    accepted = clock()
    for notification, _, _ in ready:
        await outbox.mark_delivered(db, notification, accepted)
    report.delivered += len(ready)
    return report


async def deliver_once(
    db: Database,
    settings: Settings,
    *,
    clock: Callable[[], datetime],
    transport: Transport | None = None,
    batch: int = 50,
) -> DeliveryReport:
    """Deliver every notification due when the pass starts (claimed in batches); report it.

    Only what was due at the start is claimed, so a notice that fails during
    the pass waits for its next attempt instead of being retried in a loop.
    """
    sender = transport or SmtpTransport(settings)
    report = DeliveryReport()
    lease = max(60.0, settings.smtp_timeout_seconds * 6)
    start = clock()
    while True:
        claimed = await outbox.claim_due(
            db, clock(), lease_seconds=lease, limit=batch, due_by=start
        )
        for group in _groups(claimed):
            report.add(await _deliver_group(db, group, settings, sender, clock))
        if len(claimed) < batch:
            return report


async def deliver_forever(
    db: Database,
    settings: Settings,
    *,
    clock: Callable[[], datetime],
    transport: Transport | None = None,
) -> None:
    """Deliver, then wait ``MAILLAGE_NOTIFY_POLL_SECONDS``, until cancelled."""
    while True:
        try:
            report = await deliver_once(db, settings, clock=clock, transport=transport)
            if report.delivered or report.retried or report.dropped:
                log.info(
                    "notifications",
                    extra={
                        "delivered": report.delivered,
                        "retried": report.retried,
                        "dropped": report.dropped,
                    },
                )
        except Exception:
            log.exception("notification delivery failed; will retry")
        await asyncio.sleep(settings.notify_poll_seconds)
