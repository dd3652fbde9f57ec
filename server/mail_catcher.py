"""The development mail catcher: a real SMTP server that keeps every message it is sent.

``maillage run`` (development, no ``MAILLAGE_SMTP_HOST``) starts one on
127.0.0.1 and points the notification worker at it, so a newcomer sees the
e-mails the demo sends at ``/dev/mail`` and can click their one-click links.
It uses aiosmtpd (a development dependency); production has no such page.

With several workers (``maillage run --workers N``) the catcher, in the parent
process, also leaves each message as a file in a folder (its *spool*); each
worker's ``/dev/mail`` reads that folder (:class:`MailSpool`), so the page
shows the same messages whichever worker answers.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

__all__ = ["CaughtMail", "CaughtMessage", "MailCatcher", "MailSpool", "mail_routes"]

_LINK = re.compile(r"https?://[^\s<>\"]+")


@dataclass(frozen=True)
class CaughtMessage:
    """One message as the catcher received it."""

    recipients: tuple[str, ...]
    raw: bytes

    @property
    def parsed(self) -> EmailMessage:
        message = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message

    @property
    def subject(self) -> str:
        return str(self.parsed["Subject"] or "")

    @property
    def text(self) -> str:
        part = self.parsed.get_body(preferencelist=("plain",))
        return "" if part is None else str(part.get_content())

    @property
    def links(self) -> list[str]:
        return list(dict.fromkeys(_LINK.findall(self.text)))


class CaughtMail(Protocol):
    """What ``/dev/mail`` shows: the caught messages, oldest first, and the catcher's port."""

    @property
    def port(self) -> int: ...

    @property
    def messages(self) -> Sequence[CaughtMessage]: ...


class MailCatcher:
    """An SMTP server on 127.0.0.1 (a free port unless given) keeping what it receives.

    With ``spool``, each message is also written there, for :class:`MailSpool` to read.
    """

    def __init__(self, port: int | None = None, spool: Path | None = None) -> None:
        self.port = port or _free_port()
        self.spool = spool
        self.messages: list[CaughtMessage] = []
        self._arrived = threading.Condition()
        self._controller: object | None = None

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        """aiosmtpd's hook: keep the message, wake whoever waits for one."""
        raw = getattr(envelope, "original_content", None) or b""
        recipients = tuple(getattr(envelope, "rcpt_tos", ()))
        with self._arrived:
            message = CaughtMessage(recipients, bytes(raw))
            if self.spool is not None:
                _write(self.spool, len(self.messages), message)
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def start(self) -> MailCatcher:
        from aiosmtpd.controller import Controller  # a development dependency

        controller = Controller(self, hostname="127.0.0.1", port=self.port)
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()  # type: ignore[attr-defined]
            self._controller = None

    def wait_for(self, predicate: Callable[[CaughtMessage], bool], timeout: float) -> CaughtMessage:
        """The first message that satisfies ``predicate``, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for message in self.messages:
                    if predicate(message):
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no matching message within {timeout:.0f} s")
                self._arrived.wait(left)


class MailSpool:
    """The messages a :class:`MailCatcher` of another process left in its spool folder."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port

    @property
    def messages(self) -> list[CaughtMessage]:
        found = []
        for path in sorted(self.folder.glob("*.eml")):
            recipients, _, raw = path.read_bytes().partition(b"\n")
            found.append(CaughtMessage(tuple(recipients.decode().split()), raw))
        return found


def _write(folder: Path, index: int, message: CaughtMessage) -> None:
    """One file per message: its recipients on the first line, then the message as sent.

    Written aside and renamed, so a reader never sees half a message.
    """
    partial = folder / f"{index:06d}.part"
    partial.write_bytes(" ".join(message.recipients).encode() + b"\n" + message.raw)
    partial.rename(folder / f"{index:06d}.eml")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{html.escape(title)}'
        f'</title><link rel="icon" href="data:,"></head><body><main>{body}</main></body></html>'
    )


def mail_routes(catcher: CaughtMail) -> list[Route]:
    """``/dev/mail``: the caught messages, newest first; ``/dev/mail/{n}``: one, with its links."""

    async def listing(request: Request) -> Response:
        items = "".join(
            f'<li><a href="/dev/mail/{i}">{html.escape(m.subject)}</a> — '
            f"{html.escape(', '.join(m.recipients))}</li>"
            for i, m in reversed(list(enumerate(catcher.messages)))
        )
        return _page(
            "Courriels de développement",
            "<h1>Courriels envoyés (développement)</h1>"
            f"<p>Reçus par le serveur SMTP local sur le port {catcher.port}.</p>"
            f"<ol reversed>{items or '<li>Aucun courriel pour l’instant.</li>'}</ol>",
        )

    async def one(request: Request) -> Response:
        index = int(request.path_params["n"])
        messages = catcher.messages
        if not 0 <= index < len(messages):
            return _page("Introuvable", "<h1>Ce courriel n’existe pas.</h1>")
        message = messages[index]
        links = "".join(
            f'<li><a href="{html.escape(u)}">{html.escape(u)}</a></li>' for u in message.links
        )
        return _page(
            message.subject,
            '<p><a href="/dev/mail">← Tous les courriels</a></p>'
            f"<h1>{html.escape(message.subject)}</h1>"
            f"<p>À : {html.escape(', '.join(message.recipients))}</p>"
            f"<pre>{html.escape(message.text)}</pre><h2>Liens</h2><ul>{links}</ul>",
        )

    return [Route("/dev/mail", listing), Route("/dev/mail/{n:int}", one)]
