"""Sending the period's digests: compose each member's, claim it in the ledger, hand it to the relay.

See ledger.py for the exactly-once states, lock.py for why one sender runs at a time.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from digest.config import Config
from digest.delivery.audience import compose_all
from digest.delivery.compose import MemberDigest
from digest.delivery.ledger import claim, count_sent, finish, interrupted, skip
from digest.delivery.lock import send_lock
from digest.delivery.periods import period_of
from digest.delivery.relay import Sender
from digest.delivery.render import Links, build_message, message_bytes
from digest.delivery.smtp import describe, reply_text
from digest.delivery.tokens import Signer
from digest.errors import ServiceError
from digest.inbox.bounces import apply_bounces
from digest.store.db import Database
from digest.store.models import Member


@dataclass
class SendResult:
    period: str
    sent: int = 0
    skipped_no_leads: int = 0
    already: int = 0
    failed: int = 0
    resent_after_crash: int = 0
    written: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.period}: {self.sent} sent, {self.already} already sent, "
            f"{self.skipped_no_leads} without leads, {self.failed} failed"
        )


def send_digests(
    db: Database,
    cfg: Config,
    period: str | None = None,
    member_email: str | None = None,
    dry_run: Path | None = None,
    progress: Callable[[int], None] | None = None,
    retry_delay: float = 2.0,
) -> SendResult:
    """Send the period's digests; safe to run any number of times, and after a crash."""
    period = period or period_of(datetime.now(UTC), cfg.tz)
    signer = Signer.from_config(cfg)
    if dry_run is not None:
        return _write_all(db, cfg, period, member_email, dry_run, signer)
    result = SendResult(period)
    with send_lock(db):
        with db.session() as session:
            apply_bounces(session)
        result.already = count_sent(db, period) if member_email is None else 0
        resume = interrupted(db, period)
        sender = Sender(cfg, retry_delay=retry_delay)
        try:
            for digest in compose_all(db, cfg, period, member_email, pending_only=True):
                if progress:
                    progress(1)
                _send_one(db, cfg, sender, signer, digest, resume, result)
        finally:
            sender.close()
    return result


def _send_one(
    db: Database, cfg: Config, sender: Sender, signer: Signer, digest: MemberDigest,
    resume: dict[int, str], result: SendResult,
) -> None:  # fmt: skip
    member = digest.member
    if not digest.leads and not member.always_send:
        skip(db, member.id, digest.period)
        result.skipped_no_leads += 1
        return
    msg = build_message(
        cfg, digest, Links(cfg, signer, member.id), message_id=resume.get(member.id) or None
    )
    delivery_id = claim(
        db,
        member.id,
        digest.period,
        str(msg["Message-ID"]),
        [lead.posting.id for lead in digest.leads],
    )
    if delivery_id is None:
        result.already += 1
        return
    result.resent_after_crash += member.id in resume
    try:
        sender.send(member.email, message_bytes(msg))
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        _fail(
            db,
            delivery_id,
            "bounced" if code >= 500 else "failed",
            reply_text(code, reply),
            member,
            result,
        )
    except smtplib.SMTPResponseException as exc:
        _fail(db, delivery_id, "failed", describe(exc), member, result)
    except ServiceError as exc:  # cannot connect or log in: every other member would fail too
        _fail(db, delivery_id, "failed", str(exc), member, result)
        raise
    except (smtplib.SMTPException, OSError) as exc:
        _fail(db, delivery_id, "failed", describe(exc), member, result)
    else:
        finish(db, delivery_id, "sent")
        result.sent += 1


def _fail(
    db: Database, delivery_id: int, status: str, error: str, member: Member, result: SendResult
) -> None:
    finish(db, delivery_id, status, error)
    result.failed += 1
    result.errors.append(f"{member.email}: {error}")


def _write_all(
    db: Database, cfg: Config, period: str, member_email: str | None, folder: Path, signer: Signer
) -> SendResult:
    """--dry-run: every digest that would be sent, as files; nothing is recorded."""
    result = SendResult(period)
    for digest in compose_all(db, cfg, period, member_email):
        if not digest.leads and not digest.member.always_send:
            result.skipped_no_leads += 1
            continue
        result.written.append(
            write_eml(
                folder,
                digest.member.email,
                build_message(cfg, digest, Links(cfg, signer, digest.member.id)),
            )
        )
    return result


def write_eml(folder: Path, email: str, msg: EmailMessage) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{email}.eml"
    path.write_bytes(message_bytes(msg))
    html = msg.get_body(("html",))
    if html is not None:
        (folder / f"{email}.html").write_text(html.get_content(), encoding="utf-8")
    return path
