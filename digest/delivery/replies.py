"""Short answers from the group inbox to one member's mail: a receipt when no job posting was
found in it ([inbox] receipts), the confirmation of an unsubscribe sent by mail.

The inbox stage decides (digest.ingest.verdict) and leaves a Reply row; this sends the pending
ones over one SMTP connection. RFC 3834: `Auto-Submitted: auto-replied`, In-Reply-To and
References set, the null return path (an answer is never answered), never to mail a machine
wrote (checked when the row is made), and at most one of each kind a day per member.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from digest.clock import utcnow
from digest.config import Config
from digest.delivery.headers import from_header, header_text
from digest.delivery.relay import Sender
from digest.delivery.render import MESSAGE_POLICY, mail_domain, message_bytes
from digest.errors import ServiceError
from digest.store.db import Database
from digest.store.models import Member, RawMessage, Reply
from digest.store.statuses import ReplyStatus
from parsers.envelope import headers_of

#: one answer of each kind per member within this time
PER_MEMBER = timedelta(days=1)
#: bodies as data, not code: what the member reads
TEXTS = {
    "receipt": (
        "Hello {name},\n\n"
        'We found no job posting in your mail "{subject}". Reply with the link to the posting '
        "and we will add it to the digest.\n\n"
        "-- {group} (an automatic reply)\n"
    ),
    "unsubscribed": (
        "Hello {name},\n\n"
        "You are unsubscribed from the {group} digest: no more digests will be sent to you. "
        "Changed your mind? Open the preferences link in any earlier digest.\n\n"
        "-- {group} (an automatic reply)\n"
    ),
}
SUBJECTS = {"receipt": "Re: {subject}", "unsubscribed": "You are unsubscribed from {group}"}


@dataclass
class RepliesResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0


def send_replies(db: Database, cfg: Config) -> RepliesResult:
    """Send every pending reply; a reply that cannot be sent stays pending for the next run."""
    result = RepliesResult()
    with db.session() as session:
        pending = list(
            session.scalars(
                select(Reply).where(Reply.status == ReplyStatus.PENDING).order_by(Reply.id)
            )
        )
    if not pending:
        return result
    sender = Sender(cfg, retry_delay=0.5)
    try:
        for reply in pending:
            _send_one(db, cfg, sender, reply.id, result)
    finally:
        sender.close()
    return result


def _send_one(
    db: Database, cfg: Config, sender: Sender, reply_id: int, result: RepliesResult
) -> None:
    with db.session() as session:
        reply = session.get_one(Reply, reply_id)
        if _recently_answered(session, reply):
            reply.status, reply.last_error = (
                ReplyStatus.SKIPPED,
                "already answered this member today",
            )
            result.skipped += 1
            return
        raw = session.get_one(RawMessage, reply.raw_message_id)
        member = session.get_one(Member, reply.member_id)
        to = raw.sender or member.email
        msg = build_reply(cfg, reply.kind, raw.raw, to, member.name)
    try:
        sender.send(to, message_bytes(msg), envelope_from="")
    except ServiceError:
        raise  # the relay is unreachable: everything stays pending
    except (smtplib.SMTPException, OSError) as exc:
        final = isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500
        _finish(db, reply_id, ReplyStatus.FAILED if final else ReplyStatus.PENDING, f"{exc}")
        result.failed += 1
        return
    _finish(db, reply_id, ReplyStatus.SENT)
    result.sent += 1


def _recently_answered(session: Session, reply: Reply) -> bool:
    since = utcnow() - PER_MEMBER
    query = select(Reply.id).where(
        Reply.member_id == reply.member_id,
        Reply.kind == reply.kind,
        Reply.status == ReplyStatus.SENT,
        Reply.sent_at >= since,
    )
    return session.scalar(query.limit(1)) is not None


def _finish(db: Database, reply_id: int, status: str, error: str = "") -> None:
    with db.session() as session:
        reply = session.get_one(Reply, reply_id)
        reply.status, reply.last_error = status, error[:2000]
        if status == ReplyStatus.SENT:
            reply.sent_at = utcnow()


def _subject(kind: str, original: str, values: dict[str, str]) -> str:
    if kind == "receipt" and original.lower().startswith("re:"):
        return original  # no "Re: Re:"
    return SUBJECTS[kind].format(**values)


def build_reply(cfg: Config, kind: str, original: bytes, to: str, name: str) -> EmailMessage:
    """The answer to `original`, threaded under it (In-Reply-To, References)."""
    head = headers_of(original)
    subject = header_text(str(head.get("Subject", ""))) or "your mail"
    values = {
        "name": header_text(name) or "there",
        "subject": subject,
        "group": header_text(cfg.group.name),
    }
    msg = EmailMessage(policy=MESSAGE_POLICY)
    msg["From"] = from_header(cfg.smtp.from_address)
    msg["To"] = header_text(to)
    msg["Subject"] = (
        SUBJECTS[kind].format(**values)
        if not subject.lower().startswith("re:") or kind != "receipt"
        else subject
    )
    msg["Date"] = format_datetime(datetime.now(UTC).astimezone(cfg.tz))
    msg["Message-ID"] = make_msgid(idstring=f"reply.{kind}", domain=mail_domain(cfg))
    original_id = " ".join(str(head.get("Message-ID", "")).split())
    if original_id:
        references = " ".join(str(head.get("References", "")).split())
        msg["In-Reply-To"] = original_id
        msg["References"] = f"{references} {original_id}".strip()
    msg["Auto-Submitted"] = "auto-replied"
    msg.set_content(TEXTS[kind].format(**values))
    return msg
