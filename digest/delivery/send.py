"""Sending the period's digests exactly once: a delivery row per (member, period) guards each send.

Row states: sending (committed just before the SMTP transaction) -> sent | failed | bounced, and
skipped for a member without leads (so a later run in the period does not mail them either).
Only one sender runs per database at a time (`send_lock`), so a row still 'sending' when a run
starts was left by a sender that died mid-transaction: it is sent again *with the same
Message-ID*, and a receiving system that did accept the first copy drops the second. Rows that
are sent, skipped or bounced are never sent again; failed ones (4xx, connection trouble) are
retried by the next run.
"""

from __future__ import annotations

import fcntl
import smtplib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

from sqlalchemy import exists, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from digest.config import Config
from digest.delivery.compose import MemberDigest, Week, build_digest
from digest.delivery.periods import period_of, window
from digest.delivery.render import Links, build_message, message_bytes
from digest.delivery.smtp import connect, send_prepared
from digest.delivery.tokens import Signer
from digest.errors import ServiceError
from digest.inbox.bounces import apply_bounces, mark_bouncing
from digest.store.db import Database
from digest.store.models import Delivery, Member

#: A member with one of these rows for the period gets nothing more in that period.
DONE = ("sent", "skipped", "bounced")
RETRIES = 3
CHUNK = 500
LOCK_KEY = 0x6A6F6264  # "jobd": the PostgreSQL advisory lock for sending


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


# -- composing ---------------------------------------------------------------------------------


def _eligible(
    session: Session, period: str, today: date, after: int, email: str | None, pending_only: bool
) -> list[Member]:
    query = select(Member).options(selectinload(Member.subgroups)).order_by(Member.id).limit(CHUNK)
    if email:
        query = query.where(func.lower(Member.email) == email.lower())
    else:
        query = query.where(Member.status == "active", Member.id > after)
        query = query.where((Member.paused_until.is_(None)) | (Member.paused_until <= today))
    if pending_only:
        done = exists().where(
            Delivery.member_id == Member.id, Delivery.period == period, Delivery.status.in_(DONE)
        )
        query = query.where(~done)
    return list(session.scalars(query))


def compose_all(
    db: Database,
    cfg: Config,
    period: str,
    member_email: str | None = None,
    pending_only: bool = False,
) -> Iterator[MemberDigest]:
    """Each eligible member's digest, composed lazily in chunks: memory does not grow with the group."""
    begin, end = window(period, cfg.tz, cfg.digest.period_days)
    today = datetime.now(cfg.tz).date()
    with db.session() as session:
        week = Week(session, period, begin, end)
    after = 0
    while True:
        with db.session() as session:
            members = _eligible(session, period, today, after, member_email, pending_only)
            week.load_history(session, [m.id for m in members])
        for member in members:
            yield build_digest(week, member, cfg.digest.max_postings, cfg.digest.max_per_company)
        if member_email or len(members) < CHUNK:
            return
        after = members[-1].id


# -- the delivery log --------------------------------------------------------------------------


def _row(session: Session, member_id: int, period: str) -> Delivery | None:
    return session.scalar(
        select(Delivery).where(Delivery.member_id == member_id, Delivery.period == period)
    )


def _claim(
    db: Database, member_id: int, period: str, message_id: str, posting_ids: list[int]
) -> int | None:
    """Commit the intent to send; None if this member's digest for the period is already handled."""
    with db.session() as session:
        row = _row(session, member_id, period)
        if row is not None and row.status in DONE:
            return None
        if row is None:
            row = Delivery(member_id=member_id, period=period)
            session.add(row)
        row.status = "sending"
        row.message_id = message_id
        row.posting_ids = posting_ids
        row.attempts = (row.attempts or 0) + 1
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return None
        return row.id


def _skip(db: Database, member_id: int, period: str) -> None:
    """A member without leads this period: recorded, so a later run does not mail them either."""
    with db.session() as session:
        if _row(session, member_id, period) is None:
            session.add(Delivery(member_id=member_id, period=period, status="skipped"))


def _finish(db: Database, delivery_id: int, status: str, error: str = "") -> None:
    with db.session() as session:
        row = session.get_one(Delivery, delivery_id)
        row.status = status
        row.last_error = error[:2000]
        if status == "sent":
            row.sent_at = datetime.utcnow()
        if status == "bounced":
            member = session.get_one(Member, row.member_id)
            member.bounce_count = (member.bounce_count or 0) + 1
            mark_bouncing(member)


def interrupted(db: Database, period: str) -> dict[int, str]:
    """member id -> Message-ID of sends a dead sender left in 'sending' (call under the lock)."""
    with db.session() as session:
        rows = session.execute(
            select(Delivery.member_id, Delivery.message_id).where(
                Delivery.period == period, Delivery.status == "sending"
            )
        )
        return {mid: msg_id for mid, msg_id in rows}


def count_sent(db: Database, period: str) -> int:
    with db.session() as session:
        query = select(func.count()).where(Delivery.period == period, Delivery.status == "sent")
        return int(session.scalar(query.select_from(Delivery)) or 0)


@contextmanager
def send_lock(db: Database, wait: float = 30.0) -> Iterator[None]:
    """One sender per database: a PostgreSQL advisory lock, or a file lock beside the SQLite file.
    Both die with the process, so a killed sender never blocks the next run."""
    deadline = time.monotonic() + wait
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            while not conn.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}
            ).scalar():
                _wait_or_fail(deadline)
            conn.commit()  # a session-level lock outlives the transaction; do not idle in one
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                conn.commit()
        return
    database = db.engine.url.database
    path = Path(f"{database}.send-lock") if database and database != ":memory:" else None
    if path is None:
        yield
        return
    with path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                _wait_or_fail(deadline)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _wait_or_fail(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise ServiceError(
            "another `jobdigest send-digests` is running on this database; try again later"
        )
    time.sleep(0.2)


# -- SMTP --------------------------------------------------------------------------------------


class Sender:
    """One SMTP connection reused for up to `smtp.batch_size` messages, then a fresh one.

    4xx replies and dropped connections are retried with exponential backoff; a 5xx is final.
    `smtp.rate_per_minute` spaces messages out for providers with sending limits."""

    def __init__(self, cfg: Config, retry_delay: float = 2.0) -> None:
        self.cfg = cfg
        self.conn: smtplib.SMTP | None = None
        self.retry_delay = retry_delay
        self.batch_size = max(1, cfg.smtp.batch_size)
        self.interval = 60.0 / cfg.smtp.rate_per_minute if cfg.smtp.rate_per_minute > 0 else 0.0
        self.envelope_from = parseaddr(cfg.smtp.from_address)[1]
        self.connections = 0
        self._in_batch = 0
        self._last = 0.0

    def send(self, recipient: str, data: bytes) -> None:
        """Raises smtplib.SMTPRecipientsRefused (5xx for the address), SMTPResponseException
        (other 5xx, or 4xx after retries), or OSError/SMTPException after retries."""
        for attempt in range(RETRIES):
            self._pace()
            try:
                send_prepared(self._connection(), self.envelope_from, recipient, data)
                self._sent()
                return
            except smtplib.SMTPRecipientsRefused as exc:
                code, _text = next(iter(exc.recipients.values()))
                self._reset()
                if code >= 500 or attempt == RETRIES - 1:
                    raise
            except smtplib.SMTPResponseException as exc:
                self._reset()
                if exc.smtp_code >= 500 or attempt == RETRIES - 1:
                    raise
            except (smtplib.SMTPServerDisconnected, OSError, ServiceError):
                self._drop()
                if attempt == RETRIES - 1:
                    raise
            time.sleep(self.retry_delay * (2**attempt))

    def _connection(self) -> smtplib.SMTP:
        if self.conn is not None and self._in_batch >= self.batch_size:
            self.close()
        if self.conn is None:
            self.conn = connect(self.cfg)
            self.connections += 1
            self._in_batch = 0
        return self.conn

    def _pace(self) -> None:
        if self.interval:
            time.sleep(max(0.0, self._last + self.interval - time.monotonic()))

    def _sent(self) -> None:
        self._in_batch += 1
        self._last = time.monotonic()

    def _reset(self) -> None:
        if self.conn is not None:
            try:
                self.conn.rset()
            except (smtplib.SMTPException, OSError):
                self._drop()

    def _drop(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            with suppress(smtplib.SMTPException, OSError):
                self.conn.quit()
            self._drop()


# -- the run -----------------------------------------------------------------------------------


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
        _skip(db, member.id, digest.period)
        result.skipped_no_leads += 1
        return
    msg = build_message(
        cfg, digest, Links(cfg, signer, member.id), message_id=resume.get(member.id) or None
    )
    delivery_id = _claim(
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
            f"{code} {reply!r}",
            member,
            result,
        )
    except smtplib.SMTPResponseException as exc:
        _fail(db, delivery_id, "failed", f"{exc.smtp_code} {exc.smtp_error!r}", member, result)
    except ServiceError as exc:  # cannot connect or log in: every other member would fail too
        _fail(db, delivery_id, "failed", str(exc), member, result)
        raise
    except (smtplib.SMTPException, OSError) as exc:
        _fail(db, delivery_id, "failed", str(exc), member, result)
    else:
        _finish(db, delivery_id, "sent")
        result.sent += 1


def _fail(
    db: Database, delivery_id: int, status: str, error: str, member: Member, result: SendResult
) -> None:
    _finish(db, delivery_id, status, error)
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
