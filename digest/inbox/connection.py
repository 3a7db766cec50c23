"""The one seam where IMAP connections are made: TLS verified by default."""

from __future__ import annotations

import contextlib
import socket
import ssl

from imapclient import IMAPClient

from digest.config import Config
from digest.errors import LoginRefused, ServiceError, UserError, readable


def tls_context(ca_file: str) -> ssl.SSLContext:
    """A verifying context; a private CA file may be added, verification is never turned off."""
    ctx = ssl.create_default_context()
    if ca_file:
        try:
            ctx.load_verify_locations(cafile=ca_file)
        except (FileNotFoundError, ssl.SSLError) as exc:
            raise UserError(f"inbox.ca_file: cannot load {ca_file}: {exc}") from None
    return ctx


def connect(cfg: Config, timeout: float = 30.0) -> IMAPClient:
    """Log in to the group inbox as configured; raises ServiceError with what to check."""
    inbox = cfg.inbox
    if not inbox.host:
        raise UserError("inbox.host is not set in the config ([inbox] section)")
    password = cfg.secret(inbox.password_env, "inbox.password_env")
    ca = str((cfg.base_dir / inbox.ca_file).resolve()) if inbox.ca_file else ""
    ctx = tls_context(ca)
    try:
        client = IMAPClient(
            inbox.host,
            port=inbox.port,
            ssl=inbox.security == "ssl",
            ssl_context=ctx,
            timeout=timeout,
        )
        if inbox.security == "starttls":
            client.starttls(ctx)
        client.login(inbox.username, password)
    except ssl.SSLCertVerificationError as exc:
        raise ServiceError(
            f"IMAP {inbox.host}:{inbox.port}: the server's certificate is not trusted "
            f"({exc.verify_message}); set inbox.ca_file for a private CA"
        ) from None
    except (OSError, ssl.SSLError) as exc:
        raise ServiceError(
            f"IMAP {inbox.host}:{inbox.port}: cannot connect: {_socket_problem(exc)}"
        ) from None
    except IMAPClient.Error as exc:
        raise LoginRefused(
            f"IMAP {inbox.host}:{inbox.port}: login as {inbox.username} refused "
            f"({_imap_text(exc)}); check inbox.username and the password in ${inbox.password_env}"
        ) from None
    return client


def _imap_text(exc: Exception) -> str:
    """imaplib puts the server's bytes in the message ("b'[AUTHENTICATIONFAILED] ...'")."""
    text = readable(exc.args[0] if exc.args else exc)
    if text.startswith(("b'", 'b"')) and text.endswith(("'", '"')):
        text = text[2:-1]
    return text or type(exc).__name__


def _socket_problem(exc: OSError) -> str:
    if isinstance(exc, socket.gaierror):
        return "cannot find that host name (check inbox.host)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (check inbox.host, inbox.port and inbox.security)"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "no answer in time (check inbox.host, inbox.port and the firewall)"
    return exc.strerror or str(exc) or type(exc).__name__


def logout_quietly(client: IMAPClient) -> None:
    """Close a session whose connection may already be gone; nothing left to report then."""
    with contextlib.suppress(Exception):
        client.logout()
