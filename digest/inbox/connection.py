"""The one seam where IMAP connections are made: TLS verified by default."""

from __future__ import annotations

import contextlib
import ssl

from imapclient import IMAPClient

from digest.config import Config
from digest.errors import ServiceError, UserError


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
    except (OSError, ssl.SSLError) as exc:
        raise ServiceError(f"IMAP {inbox.host}:{inbox.port}: cannot connect: {exc}") from None
    except IMAPClient.Error as exc:
        raise ServiceError(
            f"IMAP {inbox.host}:{inbox.port}: login as {inbox.username} failed: {exc}"
        ) from None
    return client


def logout_quietly(client: IMAPClient) -> None:
    """Close a session whose connection may already be gone; nothing left to report then."""
    with contextlib.suppress(Exception):
        client.logout()
