"""``/respond/{token}``: answer one referral from the intake e-mail, without an account.

GET shows what the link is for and the referral's non-personal facts (the
organizations, service, needs, urgency, deadline, network — never the
family's reference, contact, notes or comments) with a confirmation form;
POST does it, through the lifecycle (:func:`graph.referral.commands.transition`, the
event marked ``via: EMAIL_LINK``), from SENT only: accepting or declining
acknowledges first. A link is single-use (the whole message's set is spent
once one is used) and expires at ``acknowledgeBy``; an unknown, used or
expired link, or a referral already answered, gets a page that says so.
Every answer is written to the audit trail.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from domain.errors import MaillageError
from domain.lifecycle import Action
from domain.vocabulary import DeclineReason, ReferralStatus, label
from graph.access import audit
from graph.db import Database
from graph.referral import commands as referrals
from graph.referral import response_links
from server.mail_render import language_of

__all__ = ["respond_routes"]

VIA = "EMAIL_LINK"
_STEPS = {
    Action.ACKNOWLEDGE: (Action.ACKNOWLEDGE,),
    Action.ACCEPT: (Action.ACKNOWLEDGE, Action.ACCEPT),
    Action.DECLINE: (Action.ACKNOWLEDGE, Action.DECLINE),
}
# OTHER needs a written reason, which this page does not ask for (it would invite family data).
_REASONS = [r for r in DeclineReason if r is not DeclineReason.OTHER]

_T: dict[str, tuple[str, str]] = {
    "title": ("Répondre à une référence", "Answer a referral"),
    "ACKNOWLEDGE": ("Accuser réception de la référence", "Acknowledge the referral"),
    "ACCEPT": ("Accepter la référence", "Accept the referral"),
    "DECLINE": ("Refuser la référence", "Decline the referral"),
    "from": ("De", "From"),
    "to": ("À", "To"),
    "service": ("Service", "Service"),
    "needs": ("Besoins", "Needs"),
    "urgency": ("Urgence", "Urgency"),
    "deadline": ("Accusé de réception attendu avant", "Acknowledge by"),
    "network": ("Réseau", "Network"),
    "reason": ("Motif du refus", "Reason for declining"),
    "confirm": ("Confirmer", "Confirm"),
    "unknown": (
        "Ce lien n'est pas valide. Ouvrez la référence dans Maillage.",
        "This link is not valid. Open the referral in Maillage.",
    ),
    "used": (
        "Ce lien a déjà servi : chaque lien ne sert qu'une fois. "
        "Ouvrez la référence dans Maillage.",
        "This link was already used: each link works once. Open the referral in Maillage.",
    ),
    "expired": (
        "Ce lien a expiré. Ouvrez la référence dans Maillage.",
        "This link has expired. Open the referral in Maillage.",
    ),
    "answered": (
        "Cette référence a déjà reçu une réponse (statut : {status}). Rien n'a été changé.",
        "This referral was already answered (status: {status}). Nothing was changed.",
    ),
    "bad_reason": ("Choisissez un motif de refus.", "Choose a reason for declining."),
    "done": (
        "C'est noté : la référence est maintenant « {status} ». Merci.",
        "Done: the referral is now “{status}”. Thank you.",
    ),
}


def _t(key: str, lang: str, **values: str) -> str:
    text = _T[key][0 if lang == "fr" else 1]
    return text.format(**values) if values else text


def _page(lang: str, body: str, status_code: int = 200) -> HTMLResponse:
    title = html.escape(_t("title", lang))
    return HTMLResponse(
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{title}</title></head><body><main>\n<h1>{title}</h1>\n{body}\n</main></body></html>",
        status_code=status_code,
        headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"},
    )


def _message(lang: str, key: str, status_code: int, **values: str) -> HTMLResponse:
    return _page(lang, f"<p>{html.escape(_t(key, lang, **values))}</p>", status_code)


def _facts(link: dict[str, Any], lang: str) -> str:
    """The referral's non-personal facts, as a definition list."""
    e = html.escape
    rows = [("from", link["senderName"]), ("to", link["receiverName"])]
    if link.get("serviceName"):
        rows.append(("service", link["serviceName"]))
    rows.append(("needs", ", ".join(label(c, lang) for c in link.get("needCodes") or [])))
    if link.get("urgency"):
        rows.append(("urgency", label(link["urgency"], lang)))
    if link.get("acknowledgeBy") is not None:
        rows.append(("deadline", link["acknowledgeBy"].to_native().strftime("%Y-%m-%d %H:%M UTC")))
    if link.get("networkNames"):
        rows.append(("network", ", ".join(link["networkNames"])))
    items = "".join(f"<dt>{e(_t(k, lang))}</dt><dd>{e(str(v or ''))}</dd>" for k, v in rows)
    return f"<dl>{items}</dl>"


def _form(link: dict[str, Any], lang: str, token: str) -> str:
    e = html.escape
    action = Action(link["action"])
    reason = ""
    if action is Action.DECLINE:
        options = "".join(
            f'<option value="{r.value}">{e(label(r.value, lang))}</option>' for r in _REASONS
        )
        reason = (
            f'<p><label for="reason">{e(_t("reason", lang))}</label>\n'
            f'<select id="reason" name="reason" required><option value=""></option>{options}'
            "</select></p>"
        )
    return (
        f"<h2>{e(_t(action.value, lang))}</h2>\n{_facts(link, lang)}\n"
        f'<form method="post" action="/respond/{e(token, quote=True)}">{reason}'
        f'<p><button type="submit">{e(_t("confirm", lang))}</button></p></form>'
    )


def _refusal(link: dict[str, Any] | None, now: datetime) -> tuple[str, int] | None:
    """Why the link cannot be used (message key, HTTP status), or None."""
    if link is None or link.get("status") is None:
        return "unknown", 404
    if link.get("usedAt") is not None:
        return "used", 410
    if link["expiresAt"].to_native() <= now:
        return "expired", 410
    return None


def respond_routes(clock: Callable[[], datetime]) -> list[Route]:
    """The two routes of the one-click answer page, reading "now" from ``clock``."""

    async def show(request: Request) -> HTMLResponse:
        token = request.path_params["token"]
        link = await response_links.find_link(request.app.state.db, token)
        lang = language_of(link["languages"]) if link else "fr"
        refused = _refusal(link, clock())
        if refused is not None:
            return _message(lang, *refused)
        assert link is not None
        if link["status"] != ReferralStatus.SENT.value:
            return _message(lang, "answered", 409, status=label(link["status"], lang))
        return _page(lang, _form(link, lang, token))

    async def answer(request: Request) -> HTMLResponse:
        token = request.path_params["token"]
        db: Database = request.app.state.db
        link = await response_links.find_link(db, token)
        lang = language_of(link["languages"]) if link else "fr"
        now = clock()
        refused = _refusal(link, now)
        if refused is not None:
            return _message(lang, *refused)
        assert link is not None
        action = Action(link["action"])
        reason = None
        if action is Action.DECLINE:
            reason = await _form_reason(request)
            if reason not in {r.value for r in _REASONS}:
                return _page(
                    lang,
                    f"<p>{html.escape(_t('bad_reason', lang))}</p>" + _form(link, lang, token),
                    400,
                )
        try:
            moved = await _answer(db, link, action, reason, now)
        except MaillageError:
            current = await response_links.find_link(db, token)
            status = current["status"] if current else link["status"]
            return _message(lang, "answered", 409, status=label(status, lang))
        await response_links.mark_used(db, link["groupId"], now)
        await _audit(db, request, link, action, now)
        return _message(lang, "done", 200, status=label(moved["status"], lang))

    return [
        Route("/respond/{token}", show, methods=["GET"]),
        Route("/respond/{token}", answer, methods=["POST"]),
    ]


async def _form_reason(request: Request) -> str:
    """The ``reason`` field of the posted form (URL-encoded, at most a few kilobytes)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > 4096:
            return ""
    values = parse_qs(body.decode("utf-8", errors="replace")).get("reason") or [""]
    return values[0]


async def _answer(
    db: Database, link: dict[str, Any], action: Action, reason: str | None, now: datetime
) -> dict[str, Any]:
    """The lifecycle moves of ``action`` from SENT, each its own checked transition."""
    seen = ReferralStatus.SENT.value
    moved: dict[str, Any] = {}
    for step in _STEPS[action]:
        moved = await referrals.transition(
            db,
            link["referralId"],
            step,
            expected_status=seen,
            actor_user_id=None,
            actor_org_id=link["receiverId"],
            now=now,
            reason=reason if step is Action.DECLINE else None,
            via=VIA,
        )
        seen = moved["status"]
    return moved


async def _audit(
    db: Database, request: Request, link: dict[str, Any], action: Action, now: datetime
) -> None:
    await audit.append_tokenless(
        db,
        at=now,
        operation=f"respondByEmailLink:{action.value}",
        request_id=getattr(request.state, "request_id", "-"),
        target_id=link["referralId"],
        organization_ids=(link["receiverId"],),
        actor_organization_ids=(link["receiverId"],),
    )
