"""The notification e-mails: French or English, plain text and HTML, no family data.

A message says which organization receives the referral, the service, the
needs, the urgency, the acknowledgement deadline, the network, and links to
the referral in the web app (``{base}/app/referrals/{id}``). It never says
the family's reference, contact, notes or comments: :func:`render` only ever
sees the fields :func:`graph.notify.delivery.message_context` reads, and every
value in the HTML part is escaped.

The ``Message-ID`` is the notification's id (or, for a digest, derived from
its notifications' ids), so a message sent again after a crash is the same
message to any mail system that looks.
"""

from __future__ import annotations

import contextvars
import html
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.notifications import NotificationKind
from domain.vocabulary import label

__all__ = ["Item", "language_of", "message_id", "render"]

K = NotificationKind

_SUBJECTS: dict[NotificationKind, tuple[str, str]] = {
    K.REFERRAL_RECEIVED: (
        "Nouvelle référence pour {receiver} : accusé de réception attendu",
        "New referral for {receiver}: please acknowledge",
    ),
    K.REFERRAL_DECLINED: ("Référence refusée par {receiver}", "Referral declined by {receiver}"),
    K.REFERRAL_REDIRECTED: (
        "Référence réorientée par {receiver}",
        "Referral redirected by {receiver}",
    ),
    K.REFERRAL_COMPLETED: (
        "Référence complétée par {receiver}",
        "Referral completed by {receiver}",
    ),
    K.REFERRAL_EXPIRED: (
        "Référence expirée sans accusé de réception de {receiver}",
        "Referral expired: {receiver} did not acknowledge it",
    ),
    K.ACKNOWLEDGE_REMINDER: (
        "Rappel : une référence attend votre accusé de réception",
        "Reminder: a referral awaits your acknowledgement",
    ),
    K.ESCALATION: (
        "Référence sans accusé de réception à {receiver}, échéance proche",
        "Referral not acknowledged by {receiver}, deadline near",
    ),
}

_INTROS: dict[NotificationKind, tuple[str, str]] = {
    K.REFERRAL_RECEIVED: (
        "{sender} vous adresse une référence. Merci d'en accuser réception avant l'échéance.",
        "{sender} sent you a referral. Please acknowledge it before the deadline.",
    ),
    K.REFERRAL_DECLINED: (
        "{receiver} a refusé la référence que vous lui avez adressée.",
        "{receiver} declined the referral you sent.",
    ),
    K.REFERRAL_REDIRECTED: (
        "{receiver} a réorienté la référence que vous lui avez adressée vers un autre organisme.",
        "{receiver} redirected the referral you sent to another organization.",
    ),
    K.REFERRAL_COMPLETED: (
        "{receiver} a complété la référence que vous lui avez adressée.",
        "{receiver} completed the referral you sent.",
    ),
    K.REFERRAL_EXPIRED: (
        "{receiver} n'a pas accusé réception de votre référence avant l'échéance : elle a expiré.",
        "{receiver} did not acknowledge your referral before its deadline: it expired.",
    ),
    K.ACKNOWLEDGE_REMINDER: (
        "Une référence de {sender} attend toujours votre accusé de réception.",
        "A referral from {sender} still awaits your acknowledgement.",
    ),
    K.ESCALATION: (
        "Une référence de {sender} à {receiver} n'a toujours pas d'accusé de réception "
        "et son échéance approche.",
        "A referral from {sender} to {receiver} is still not acknowledged and its deadline "
        "is near.",
    ),
}

_FIELDS = {
    "receiver": ("Organisme qui reçoit", "Receiving organization"),
    "service": ("Service", "Service"),
    "needs": ("Besoins", "Needs"),
    "urgency": ("Urgence", "Urgency"),
    "deadline": ("Accusé de réception attendu avant", "Acknowledge by"),
    "network": ("Réseau", "Network"),
    "link": ("Voir la référence", "Open the referral"),
}

_ANSWER = (
    "Répondre sans vous connecter (chaque lien ne sert qu'une fois) :",
    "Answer without signing in (each link works once):",
)
_ACTIONS = {
    "ACKNOWLEDGE": ("Accuser réception", "Acknowledge"),
    "ACCEPT": ("Accepter", "Accept"),
    "DECLINE": ("Refuser", "Decline"),
}

_DIGEST = (
    ("Maillage : résumé du jour ({n} avis)", "Maillage: daily digest ({n} notices)"),
    (
        "Voici les avis de la journée sur vos références.",
        "Here are today's notices about your referrals.",
    ),
)
_FOOTER = (
    "Ce courriel ne contient aucune information sur la famille ; ouvrez Maillage pour le détail.",
    "This e-mail holds no information about the family; open Maillage for the details.",
)


@dataclass(frozen=True)
class Item:
    """One notification to tell: its kind and id, and what :func:`message_context` read."""

    notification_id: str
    kind: NotificationKind
    context: dict[str, Any]
    # One-click answers: action code -> link (intake notices and reminders only).
    links: dict[str, str] = field(default_factory=dict)


def language_of(languages: Sequence[str] | None) -> str:
    """The message's language: the recipient's first of French or English, else French."""
    for lang in languages or ():
        if lang in {"fr", "en"}:
            return lang
    return "fr"


def message_id(notification_ids: Sequence[str], domain: str) -> str:
    """A stable ``Message-ID``: the notification's id, or a digest of several ids."""
    ids = sorted(notification_ids)
    token = ids[0] if len(ids) == 1 else str(uuid.uuid5(uuid.NAMESPACE_URL, ",".join(ids)))
    return f"<{token}@{domain}>"


# The readers' time zone for the message being rendered (set by :func:`render`).
_ZONE: contextvars.ContextVar[ZoneInfo | None] = contextvars.ContextVar("mail_zone", default=None)
_DEFAULT_ZONE = ZoneInfo("America/Toronto")


def _when(value: Any, lang: str) -> str:
    at: datetime = value.to_native() if hasattr(value, "to_native") else value
    local = at.astimezone(_ZONE.get() or _DEFAULT_ZONE)
    if lang == "en":
        return local.strftime("%Y-%m-%d %H:%M %Z")
    return local.strftime("%Y-%m-%d à %H h %M (%Z)")


def _fields(item: Item, lang: str, base_url: str) -> list[tuple[str, str]]:
    """(label, value) pairs of one item: the only facts a message gives."""
    i = 0 if lang == "fr" else 1
    c = item.context
    rows = [(_FIELDS["receiver"][i], c["receiverName"] or "")]
    if c.get("serviceName"):
        rows.append((_FIELDS["service"][i], c["serviceName"]))
    needs = ", ".join(label(code, lang) for code in c.get("needCodes") or [])
    if needs:
        rows.append((_FIELDS["needs"][i], needs))
    if c.get("urgency"):
        rows.append((_FIELDS["urgency"][i], label(c["urgency"], lang)))
    if c.get("acknowledgeBy") is not None:
        rows.append((_FIELDS["deadline"][i], _when(c["acknowledgeBy"], lang)))
    if c.get("networkNames"):
        rows.append((_FIELDS["network"][i], ", ".join(c["networkNames"])))
    rows.append((_FIELDS["link"][i], f"{base_url}/app/referrals/{c['referralId']}"))
    return rows


def _intro(item: Item, lang: str) -> str:
    i = 0 if lang == "fr" else 1
    c = item.context
    return _INTROS[item.kind][i].format(sender=c["senderName"], receiver=c["receiverName"])


def _text(items: Sequence[Item], lang: str, base_url: str, lead: str | None) -> str:
    i = 0 if lang == "fr" else 1
    parts = [lead] if lead else []
    for item in items:
        lines = [_intro(item, lang), ""]
        lines += [
            f"{name} : {value}" if lang == "fr" else f"{name}: {value}"
            for name, value in _fields(item, lang, base_url)
        ]
        if item.links:
            lines += ["", _ANSWER[i]]
            lines += [f"- {_ACTIONS[a][i]} : {url}" for a, url in item.links.items()]
        parts.append("\n".join(lines))
    parts.append(_FOOTER[0 if lang == "fr" else 1])
    return "\n\n".join(parts) + "\n"


def _html(items: Sequence[Item], lang: str, base_url: str, lead: str | None) -> str:
    i = 0 if lang == "fr" else 1
    e = html.escape
    blocks = [f"<p>{e(lead)}</p>"] if lead else []
    for item in items:
        rows = []
        for name, value in _fields(item, lang, base_url):
            if value.startswith(base_url):
                cell = f'<a href="{e(value, quote=True)}">{e(value)}</a>'
            else:
                cell = e(value)
            rows.append(f'<tr><th align="left">{e(name)}</th><td>{cell}</td></tr>')
        blocks.append(f"<p>{e(_intro(item, lang))}</p>\n<table>{''.join(rows)}</table>")
        if item.links:
            answers = "".join(
                f'<li><a href="{e(url, quote=True)}">{e(_ACTIONS[a][i])}</a></li>'
                for a, url in item.links.items()
            )
            blocks.append(f"<p>{e(_ANSWER[i])}</p>\n<ul>{answers}</ul>")
    blocks.append(f"<p><small>{e(_FOOTER[0 if lang == 'fr' else 1])}</small></p>")
    body = "\n".join(blocks)
    return f'<!DOCTYPE html>\n<html lang="{lang}"><body>\n{body}\n</body></html>\n'


def render(
    items: Sequence[Item],
    *,
    lang: str,
    sender: str,
    to: str,
    base_url: str,
    now: datetime,
    time_zone: str = "America/Toronto",
) -> EmailMessage:
    """The multipart/alternative message telling ``items`` (several: a daily digest).

    Times are given in ``time_zone`` (the network's readers'), with its abbreviation.
    """
    _ZONE.set(ZoneInfo(time_zone))
    i = 0 if lang == "fr" else 1
    if len(items) == 1:
        first = items[0]
        subject = _SUBJECTS[first.kind][i].format(receiver=first.context["receiverName"])
        lead = None
    else:
        subject = _DIGEST[0][i].format(n=len(items))
        lead = _DIGEST[1][i]
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(
        [item.notification_id for item in items], sender.rpartition("@")[2] or "maillage"
    )
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_text(items, lang, base_url, lead))
    message.add_alternative(_html(items, lang, base_url, lead), subtype="html")
    # After the content: setting it clears every Content-* header.
    message["Content-Language"] = lang
    return message
