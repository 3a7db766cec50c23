"""Sending the period's digests exactly once: a delivery row per (member, period) guards each send.

States: sending (committed just before the SMTP transaction) -> sent | failed | bounced.
A row left in 'sending' by a crash may or may not have been accepted by the server; it is marked
'uncertain' and not resent (a member never gets two), and listed for the operator.
"""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from digest.compose import MemberDigest, Week, build_digest
from digest.config import Config
from digest.db import Database
from digest.models import Delivery, Member
from digest.periods import period_of, window
from digest.render import Links, build_message
from digest.smtp import connect
from digest.tokens import Signer

DONE = ("sent", "sending", "uncertain", "bounced")
RETRIES = 3


@dataclass
class SendResult:
    period: str
    sent: int = 0
    skipped_no_leads: int = 0
    already: int = 0
    failed: int = 0
    written: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def eligible_members(session, today: date, email: str | None = None) -> list[Member]:  # type: ignore[no-untyped-def]
    query = select(Member).where(Member.status == "active").order_by(Member.id)
    if email:
        query = select(Member).where(Member.email == email.lower())
    members = list(session.scalars(query))
    return [m for m in members if not (m.paused_until and m.paused_until > today)]


def compose_all(db: Database, cfg: Config, period: str, member_email: str | None = None) -> Iterable[MemberDigest]:
    begin, end = window(period, cfg.tz, cfg.digest.period_days)
    with db.session() as session:
        week = Week(session, period, begin, end)
        members = eligible_members(session, datetime.now(cfg.tz).date(), member_email)
    for member in members:
        yield build_digest(week, week.members.get(member.id, member), cfg.digest.max_postings, cfg.digest.max_per_company)


def _claim(db: Database, member_id: int, period: str, msg: EmailMessage, posting_ids: list[int]) -> int | None:
    """Record the intent to send; None if this member's digest for the period is already handled."""
    with db.session() as session:
        row = session.scalar(select(Delivery).where(Delivery.member_id == member_id, Delivery.period == period))
        if row is not None and row.status in DONE:
            return None
        if row is None:
            row = Delivery(member_id=member_id, period=period)
            session.add(row)
        row.status = "sending"
        row.message_id = str(msg["Message-ID"])
        row.posting_ids = posting_ids
        row.attempts = (row.attempts or 0) + 1
        try:
            session.flush()
        except IntegrityError:  # another worker claimed it first
            session.rollback()
            return None
        return row.id


def _finish(db: Database, delivery_id: int, status: str, error: str = "") -> None:
    with db.session() as session:
        row = session.get_one(Delivery, delivery_id)
        row.status = status
        row.last_error = error[:2000]
        if status == "sent":
            row.sent_at = datetime.utcnow()
        if status == "bounced":
            member = session.get_one(Member, row.member_id)
            member.bounce_count += 1
            member.status = "bouncing"


def mark_uncertain(db: Database) -> int:
    """Rows a crash left in 'sending': possibly accepted, so never resent automatically."""
    with db.session() as session:
        res = session.execute(
            update(Delivery).where(Delivery.status == "sending").values(status="uncertain",
            last_error="worker stopped during the SMTP transaction; check the mail server's log")
        )
        return res.rowcount or 0


class Sender:
    """One SMTP connection reused across a batch, reopened when the server drops it."""

    def __init__(self, cfg: Config, retry_delay: float = 2.0) -> None:
        self.cfg = cfg
        self.conn: smtplib.SMTP | None = None
        self.retry_delay = retry_delay
        self.interval = 60.0 / cfg.smtp.rate_per_minute if cfg.smtp.rate_per_minute else 0.0
        self._last = 0.0

    def send(self, msg: EmailMessage) -> None:
        """Raises smtplib.SMTPResponseException (5xx after no retry, 4xx after retries)."""
        for attempt in range(RETRIES):
            if self.interval:
                time.sleep(max(0.0, self._last + self.interval - time.monotonic()))
            if self.conn is None:
                self.conn = connect(self.cfg)
            try:
                self.conn.send_message(msg)
                self._last = time.monotonic()
                return
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = next(iter(exc.recipients.values()))
                self._reset()
                if code >= 500 or attempt == RETRIES - 1:
                    raise smtplib.SMTPResponseException(code, text) from None
            except smtplib.SMTPResponseException as exc:
                self._reset()
                if exc.smtp_code >= 500 or attempt == RETRIES - 1:
                    raise
            except smtplib.SMTPServerDisconnected:
                self.conn = None
                if attempt == RETRIES - 1:
                    raise
            time.sleep(self.retry_delay * (2**attempt))

    def _reset(self) -> None:
        if self.conn is not None:
            try:
                self.conn.rset()
            except smtplib.SMTPException:
                self.close()

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.conn = None


def send_digests(
    db: Database,
    cfg: Config,
    period: str | None = None,
    member_email: str | None = None,
    dry_run: Path | None = None,
    progress: Callable[[int], None] | None = None,
    retry_delay: float = 2.0,
) -> SendResult:
    period = period or period_of(datetime.now(timezone.utc), cfg.tz)
    result = SendResult(period)
    signer = Signer.from_config(cfg)
    if dry_run is None:
        mark_uncertain(db)
    sender = Sender(cfg, retry_delay=retry_delay)
    try:
        for digest in compose_all(db, cfg, period, member_email):
            if progress:
                progress(1)
            member = digest.member
            if not digest.leads and not member.always_send:
                result.skipped_no_leads += 1
                continue
            msg = build_message(cfg, digest, Links(cfg, signer, member.id))
            if dry_run is not None:
                result.written.append(write_eml(dry_run, member.email, msg))
                continue
            delivery_id = _claim(db, member.id, period, msg, [lead.posting.id for lead in digest.leads])
            if delivery_id is None:
                result.already += 1
                continue
            try:
                sender.send(msg)
            except smtplib.SMTPResponseException as exc:
                status = "bounced" if exc.smtp_code >= 500 else "failed"
                _finish(db, delivery_id, status, f"{exc.smtp_code} {exc.smtp_error!r}")
                result.failed += 1
                result.errors.append(f"{member.email}: {exc.smtp_code} {exc.smtp_error!r}")
                continue
            except (smtplib.SMTPException, OSError) as exc:
                _finish(db, delivery_id, "failed", str(exc))
                result.failed += 1
                result.errors.append(f"{member.email}: {exc}")
                continue
            _finish(db, delivery_id, "sent")
            result.sent += 1
    finally:
        sender.close()
    return result


def write_eml(folder: Path, email: str, msg: EmailMessage) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{email}.eml"
    path.write_bytes(msg.as_bytes(policy=SMTP_POLICY))
    html = msg.get_body(("html",))
    if html is not None:
        (folder / f"{email}.html").write_text(html.get_content(), encoding="utf-8")
    return path
