"""The one seam where SMTP connections are made: TLS verified, login from the environment."""

from __future__ import annotations

import re
import smtplib
import socket
import ssl

from digest.config import Config
from digest.errors import LoginRefused, ServiceError, UserError, readable


def _context(cfg: Config) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    if cfg.smtp.ca_file:
        path = (cfg.base_dir / cfg.smtp.ca_file).resolve()
        try:
            ctx.load_verify_locations(cafile=str(path))
        except (FileNotFoundError, ssl.SSLError) as exc:
            raise UserError(f"smtp.ca_file: cannot load {path}: {exc}") from None
    return ctx


def connect(cfg: Config, timeout: float = 60.0) -> smtplib.SMTP:
    smtp = cfg.smtp
    if not smtp.host:
        raise UserError("smtp.host is not set in the config ([smtp] section)")
    try:
        if smtp.security == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host,
                smtp.port,
                timeout=timeout,
                context=_context(cfg),
                local_hostname="localhost",
            )
        else:
            conn = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout, local_hostname="localhost")
            if smtp.security == "starttls":
                conn.starttls(context=_context(cfg))
        # A digest's last TLS record is small; with Nagle on it waits for the server's delayed
        # ACK (~40 ms per message on loopback). Mail is written whole, so send it at once.
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if smtp.username:
            conn.login(smtp.username, cfg.secret(smtp.password_env, "smtp.password_env"))
    except smtplib.SMTPAuthenticationError as exc:
        raise LoginRefused(
            f"SMTP {smtp.host}:{smtp.port}: login as {smtp.username} refused ({describe(exc)}); "
            f"check smtp.username and the password in ${smtp.password_env}"
        ) from None
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        raise ServiceError(f"SMTP {smtp.host}:{smtp.port}: {describe(exc)}") from None
    return conn


def describe(exc: BaseException) -> str:
    """An SMTP or socket error in words: '535 5.7.8 Authentication failed', not (535, b'...')."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {reply_text(code, reply)}"
            for address, (code, reply) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return reply_text(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the server's certificate is not trusted ({exc.verify_message}); set smtp.ca_file for a private CA"
    if isinstance(exc, socket.gaierror):
        return "cannot find that host name (check smtp.host)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (check smtp.host and smtp.port, and that the server runs)"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "no answer in time (check smtp.host, smtp.port and the firewall)"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"the server closed the connection ({exc or 'no reason given'})"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def reply_text(code: int, reply: bytes | str) -> str:
    """An SMTP reply as one line of text."""
    return f"{code} {readable(reply)}".strip()


def to_crlf(data: bytes) -> bytes:
    """Line endings as SMTP wants them, for bytes not built with email.policy.SMTP."""
    return re.sub(rb"\r\n|\r|\n", b"\r\n", data)


def send_prepared(conn: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> None:
    """One message over an open connection, like `sendmail`, minus its two regex passes over the
    body: `data` must already end lines with CRLF (digests are built with email.policy.SMTP;
    use `to_crlf` otherwise), so only dot-stuffing is left, done with one bytes.replace. On an
    85 KB digest those passes were most of the client's CPU per message.

    Raises what sendmail raises: SMTPSenderRefused, SMTPRecipientsRefused, SMTPDataError; the
    caller resets the session (RSET) before its next message."""
    conn.ehlo_or_helo_if_needed()
    code, reply = conn.mail(sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = conn.rcpt(recipient)
    if code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    conn.putcmd("data")
    code, reply = conn.getreply()
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    body = data.replace(b"\r\n.", b"\r\n..")
    if body.startswith(b"."):
        body = b"." + body
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    conn.send(body + b".\r\n")
    code, reply = conn.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)
