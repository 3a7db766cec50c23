"""The web app's outgoing mail (sign-in links, alias confirmations, intro requests), kept in
the database until a drainer sent it.

Held in a web process's memory, a mail died with the process, and two web processes each had
their own queue. Kept as a row (`outbox`), it waits for whichever drainer comes next: the web
process's own background thread (for promptness), `jobdigest run` or a Celery worker (the
`send_outbox` unit). A drainer claims rows before sending them, in one short transaction
(PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so drainers pass each other by; SQLite: its
write lock orders the claims), so two drainers never send one row; a drainer that dies
mid-send frees its rows after LEASE, and the mail goes out then (at most one repeat). A mail the
relay refused keeps its claim too, so it is tried again after LEASE, MAX_ATTEMPTS times.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from digest.clock import utcnow
from digest.config import Config
from digest.delivery.smtp import connect, describe, send_prepared
from digest.errors import ServiceError, UserError
from digest.store.db import Database
from digest.store.models import IntroRequest, OutboxMail

log = logging.getLogger("jobdigest.outbox")
#: a claim older than this belongs to a drainer that died: the row is free again
LEASE = timedelta(minutes=5)
#: a mail refused this many times is left with its last error, not tried forever
MAX_ATTEMPTS = 5
BATCH = 50


@dataclass
class OutboxResult:
    sent: int = 0
    failed: int = 0


def queue_mail(session: Session, msg: EmailMessage, on_sent: str = "") -> OutboxMail:
    """Keep `msg` for sending (in the caller's transaction). `on_sent`: "intro:<id>" notes
    that intro request as mailed once the server took the mail."""
    to = ", ".join(addr for _name, addr in getaddresses([str(msg["To"] or "")]) if addr)
    row = OutboxMail(to=to, message=msg.as_bytes(policy=policy.SMTP), on_sent=on_sent)
    session.add(row)
    return row


def waiting(db: Database) -> int:
    """Rows a drainer would try now (for tests and the operator's eye)."""
    with db.session() as session:
        return len(session.scalars(_sendable()).all())


def _claimable():  # type: ignore[no-untyped-def]
    """Not sent, attempts left, and claimed by nobody alive."""
    return (
        OutboxMail.sent_at.is_(None),
        OutboxMail.attempts < MAX_ATTEMPTS,
        or_(OutboxMail.claimed_at.is_(None), OutboxMail.claimed_at < utcnow() - LEASE),
    )


def _sendable():  # type: ignore[no-untyped-def]
    return select(OutboxMail.id).where(*_claimable()).order_by(OutboxMail.id)


def _claim(db: Database) -> list[int]:
    """Claim up to BATCH sendable rows: mine once this commits, nobody else's. The UPDATE
    tests the rows again, so of two drainers that listed the same rows (SQLite has no row
    locks) only the first claims each."""
    with db.session() as session:
        query = _sendable().limit(BATCH)
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(session.scalars(query))
        if not ids:
            return []
        claimed = session.scalars(
            update(OutboxMail)
            .where(OutboxMail.id.in_(ids), *_claimable())
            .values(claimed_at=utcnow(), attempts=OutboxMail.attempts + 1)
            .returning(OutboxMail.id)
        )
        return sorted(claimed)


def send_outbox(db: Database, cfg: Config) -> OutboxResult:
    """Send every mail waiting in the outbox, batch by batch, over one SMTP connection."""
    result = OutboxResult()
    if not cfg.smtp.host:
        return result
    sender = parseaddr(cfg.smtp.from_address)[1]
    while ids := _claim(db):
        try:
            conn = connect(cfg)
        except (UserError, ServiceError) as exc:
            _release(db, ids, str(exc))
            log.error("outbox: %s", exc)
            result.failed += len(ids)
            return result  # the server is down: the next drain tries again
        try:
            for mail_id in ids:
                ok = _send_one(db, conn, sender, mail_id)
                result.sent += ok
                result.failed += not ok
        finally:
            _quit(conn)
    return result


def _send_one(db: Database, conn: smtplib.SMTP, sender: str, mail_id: int) -> bool:
    with db.session() as session:
        row = session.get(OutboxMail, mail_id)
        if row is None or row.sent_at is not None:
            return True
        try:
            for recipient in row.to.split(", "):
                send_prepared(conn, sender, recipient, row.message)
        except (smtplib.SMTPException, OSError) as exc:
            row.last_error = describe(exc)  # the claim stands: tried again after LEASE
            log.error("outbox: could not send mail %d to %s: %s", row.id, row.to, row.last_error)
            with contextlib.suppress(smtplib.SMTPException, OSError):
                conn.rset()
            return False
        row.sent_at, row.last_error = utcnow(), ""
        _noted(session, row.on_sent)
    return True


def _noted(session: Session, on_sent: str) -> None:
    """What the sender of the mail wanted known once it was sent."""
    kind, _sep, ident = on_sent.partition(":")
    if kind == "intro" and ident.isdigit():
        found = session.get(IntroRequest, int(ident))
        if found is not None:
            found.mailed_at = utcnow()


def _release(db: Database, ids: list[int], error: str) -> None:
    with db.session() as session:
        session.execute(
            update(OutboxMail)
            .where(OutboxMail.id.in_(ids))
            .values(claimed_at=None, last_error=error, attempts=OutboxMail.attempts - 1)
        )


def _quit(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()
