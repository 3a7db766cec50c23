"""A real SMTP server for tests (aiosmtpd) that records what it receives and can misbehave.

The sending code must cope with greylisting (451 then 250) and bounces (550 for one recipient);
`fail_next` and `reject_recipient` make a real server answer that way on the wire.
"""

from __future__ import annotations

import atexit
import email
import email.policy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from ._lifecycle import Lifecycle
from ._net import LOOPBACK, free_port
from .errors import ServerError
from .tls import TlsFiles

Stage = Literal["RCPT", "DATA"]
START_ATTEMPTS = 3


@dataclass(frozen=True)
class ReceivedMessage:
    """One accepted message as it arrived on the wire."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    authenticated_as: str | None
    tls: bool

    def message(self) -> EmailMessage:
        """The message parsed with the modern email policy."""
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass(frozen=True)
class Attempt:
    """What a custom responder sees: the stage, the envelope so far, the address (for RCPT)."""

    stage: Stage
    mail_from: str
    rcpt_tos: tuple[str, ...]
    address: str | None
    #: the client's (host, port): which process is sending, for tests that kill it
    peer: tuple[str, int] | None = None


Responder = Callable[[Attempt], str | None]


class _Rules:
    """Scripted replies; each returns an SMTP reply line, or None to let the server accept."""

    def __init__(self) -> None:
        self.failures: dict[Stage, list[str]] = {"RCPT": [], "DATA": []}
        self.rejected: dict[str, str] = {}
        self.custom: Responder | None = None

    def reply(self, attempt: Attempt) -> str | None:
        if self.custom is not None and (answer := self.custom(attempt)) is not None:
            return answer
        if attempt.address is not None and attempt.address.lower() in self.rejected:
            return self.rejected[attempt.address.lower()]
        queue = self.failures[attempt.stage]
        return queue.pop(0) if queue else None


class _Handler:
    """aiosmtpd hooks; all shared state goes through the owning server's lock."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self.server._reply(_attempt("RCPT", envelope, address))
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, smtp: SMTP, session: Session, envelope: Envelope
    ) -> str:
        reply = self.server._reply(_attempt("DATA", envelope, None, session.peer))
        if reply is not None:
            return reply
        self.server._record(_received(smtp, session, envelope))
        return "250 2.0.0 Message accepted for delivery"


class SmtpServer(Lifecycle):
    """aiosmtpd on 127.0.0.1: `port` speaks plain SMTP with STARTTLS, `ssl_port` implicit TLS.

    With `auth=(user, password)` AUTH PLAIN/LOGIN is offered after STARTTLS (or on the TLS
    port); `auth_required=True` makes the server refuse mail from unauthenticated clients.
    """

    def __init__(
        self,
        tls: TlsFiles | None = None,
        auth: tuple[str, str] | None = None,
        auth_required: bool = False,
    ) -> None:
        self.host = LOOPBACK
        self.port = 0
        self.ssl_port = 0
        self.tls = tls
        self.auth = auth
        self.auth_required = auth_required
        self.start_seconds = 0.0
        self._lock = threading.Lock()
        self._messages: list[ReceivedMessage] = []
        self._attempts = 0
        self._rules = _Rules()
        self._controllers: list[Controller] = []

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> SmtpServer:
        """Start the listener(s); returns when they answer."""
        began = time.monotonic()
        atexit.register(self.stop)
        self.port = self._start_controller(implicit_tls=False)
        if self.tls is not None:
            self.ssl_port = self._start_controller(implicit_tls=True)
        self.start_seconds = time.monotonic() - began
        return self

    def stop(self) -> None:
        atexit.unregister(self.stop)
        while self._controllers:
            self._controllers.pop().stop()

    # -- what was received ------------------------------------------------------------------

    @property
    def messages(self) -> list[ReceivedMessage]:
        """A snapshot of the accepted messages, in arrival order."""
        with self._lock:
            return list(self._messages)

    @property
    def attempts(self) -> int:
        """How many times a client reached DATA (accepted or refused): counts retries."""
        with self._lock:
            return self._attempts

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMessage]:
        """Wait until at least `count` messages arrived (for senders running in a thread)."""
        deadline = time.monotonic() + timeout
        while len(messages := self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return messages

    # -- scripted behaviour -----------------------------------------------------------------

    def fail_next(
        self,
        count: int,
        reply: str = "451 4.7.1 Greylisted, please try again later",
        stage: Stage = "DATA",
    ) -> None:
        """Answer `reply` to the next `count` commands of `stage`, then behave normally."""
        with self._lock:
            self._rules.failures[stage].extend([reply] * count)

    def reject_recipient(
        self, address: str, reply: str = "550 5.1.1 Mailbox unavailable: user unknown"
    ) -> None:
        """Refuse RCPT TO for `address` (case-insensitive) every time."""
        with self._lock:
            self._rules.rejected[address.lower()] = reply

    def respond_with(self, responder: Responder | None) -> None:
        """Install a custom responder consulted first at every RCPT and DATA."""
        with self._lock:
            self._rules.custom = responder

    def reset(self) -> None:
        """Forget received messages, attempts and scripted replies (between tests)."""
        with self._lock:
            self._messages.clear()
            self._attempts = 0
            self._rules = _Rules()

    # -- internals --------------------------------------------------------------------------

    def _reply(self, attempt: Attempt) -> str | None:
        with self._lock:
            if attempt.stage == "DATA":
                self._attempts += 1
            return self._rules.reply(attempt)

    def _record(self, message: ReceivedMessage) -> None:
        with self._lock:
            self._messages.append(message)

    def _start_controller(self, implicit_tls: bool) -> int:
        """Bind a free port; retried because another process may take the port in between."""
        for attempt in range(START_ATTEMPTS):
            port = free_port()
            controller = Controller(_Handler(self), **self._controller_kwargs(port, implicit_tls))
            try:
                controller.start()
            except (OSError, RuntimeError) as exc:
                if attempt == START_ATTEMPTS - 1:
                    raise ServerError(f"aiosmtpd could not listen on {port}: {exc}") from exc
                continue
            self._controllers.append(controller)
            return port
        raise AssertionError("unreachable")

    def _controller_kwargs(self, port: int, implicit_tls: bool) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "hostname": self.host,
            "port": port,
            "server_hostname": "localhost",  # skips socket.getfqdn(), a DNS lookup
            "enable_SMTPUTF8": True,
            "ready_timeout": 10.0,
        }
        if self.tls is not None:
            context = self.tls.server_context()
            kwargs["ssl_context" if implicit_tls else "tls_context"] = context
        if self.auth is not None:
            kwargs["authenticator"] = self._authenticate
            kwargs["auth_required"] = self.auth_required
            # aiosmtpd only counts STARTTLS as TLS; on the implicit-TLS port it is TLS already.
            kwargs["auth_require_tls"] = not implicit_tls
        return kwargs

    def _authenticate(
        self, smtp: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        """PLAIN and LOGIN against the one configured account."""
        if self.auth is None or not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = data.login.decode("utf-8", "replace")
        ok = (login, data.password.decode("utf-8", "replace")) == self.auth
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)


def _attempt(stage: Stage, envelope: Envelope, address: str | None, peer: object = None) -> Attempt:
    client = tuple(peer)[:2] if isinstance(peer, tuple | list) else None
    return Attempt(stage, envelope.mail_from or "", tuple(envelope.rcpt_tos), address, client)  # type: ignore[arg-type]


def _received(smtp: SMTP, session: Session, envelope: Envelope) -> ReceivedMessage:
    raw = envelope.original_content or envelope.content or b""
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    user = session.auth_data if session.authenticated else None
    transport = smtp.transport
    tls = transport is not None and transport.get_extra_info("ssl_object") is not None
    return ReceivedMessage(
        mail_from=envelope.mail_from or "",
        rcpt_tos=tuple(envelope.rcpt_tos),
        data=data,
        authenticated_as=str(user) if user is not None else None,
        tls=tls,
    )
