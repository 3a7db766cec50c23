"""Sending the period's digests: compose each member's, claim it in the ledger, hand it to the relay.

See ledger.py for the exactly-once states, lock.py for who may send at once (senders share the
work by batches of members).

One member's trouble never stops the others: a digest that cannot be built or sent is recorded
as failed (retried by the next run) and the batch goes on. A 5xx refusal of one recipient marks
that member bouncing, but only at the end of the run and only when the relay is not refusing
everyone: when most recipients fail the same way (RELAY_TRIP of them and more than half of
those tried), it is the relay that is wrong ("relaying denied", a bad login), so the run stops,
nobody is marked, their rows stay retryable and the relay's answer is reported.
"""

from __future__ import annotations

import re
import smtplib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from digest.config import Config
from digest.delivery.audience import compose_all, load_week, unsent_ids
from digest.delivery.compose import MemberDigest, Week
from digest.delivery.ledger import claim, count_sent, fail_unsent, finish, interrupted, skip
from digest.delivery.lock import SEND_RANGE, range_claim, send_lock
from digest.delivery.periods import period_of, period_start
from digest.delivery.relay import Sender
from digest.delivery.render import Links, Mail, build_mail
from digest.delivery.smtp import describe
from digest.delivery.tokens import Signer
from digest.errors import ServiceError, UserError, readable
from digest.inbox.bounces import apply_bounces, verp_address
from digest.store.db import Database
from digest.store.locks import ranges
from digest.store.models import Member
from digest.store.roster import member_by_email
from digest.store.statuses import DeliveryStatus

#: refusals of one kind that, being over half of the recipients tried, say the relay is wrong
RELAY_TRIP = 5
_ENHANCED = re.compile(r"\b[245]\.\d{1,3}\.\d{1,3}\b")


class RelayRefusing(ServiceError):
    """The relay refuses most recipients the same way: its fault, not theirs."""


@dataclass
class _Refusals:
    """5xx refusals of recipients in this run, judged at the end (or when the relay trips)."""

    tried: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    #: (delivery id, error) of each refused recipient, marked bounced only if the run ends well
    pending: list[tuple[int, str]] = field(default_factory=list)
    example: dict[str, str] = field(default_factory=dict)

    def refused(self, delivery_id: int | None, code: int, reply: str) -> None:
        """One 5xx; a recipient's own refusal (RCPT) waits to become a bounce."""
        kind = _kind(code, reply)
        self.kinds[kind] += 1
        if delivery_id is not None:
            self.pending.append((delivery_id, f"{code} {reply}"))
        self.example.setdefault(kind, f"{code} {reply}")

    def tripped(self) -> str | None:
        """The kind of refusal that says the relay is wrong, if one does."""
        for kind, n in self.kinds.items():
            if n >= RELAY_TRIP and n * 2 > self.tried:
                return kind
        return None


def _kind(code: int, reply: str) -> str:
    """How a refusal failed, without the address: '550 5.7.1' (relaying denied for anyone)."""
    enhanced = _ENHANCED.search(reply)
    return f"{code} {enhanced.group(0)}" if enhanced else str(code)


@dataclass
class SendResult:
    period: str
    sent: int = 0
    skipped_no_leads: int = 0
    already: int = 0
    failed: int = 0
    resent_after_crash: int = 0
    #: members left alone because another sender holds their batch right now
    busy: int = 0
    written: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"{self.period}: {self.sent} sent, {self.already} already sent, "
            f"{self.skipped_no_leads} without leads, {self.failed} failed"
        )
        return text + (f", {self.busy} with another sender" if self.busy else "")


@dataclass
class _Run:
    """What the batches of one call share: one SMTP connection, one judgement of refusals."""

    db: Database
    cfg: Config
    period: str
    result: SendResult
    sender: Sender
    signer: Signer
    refusals: _Refusals = field(default_factory=_Refusals)
    progress: Callable[[int], None] | None = None
    #: the period's shared postings, loaded by the first batch and kept for the others
    week: Week | None = None


def send_digests(
    db: Database,
    cfg: Config,
    period: str | None = None,
    member_email: str | None = None,
    dry_run: Path | None = None,
    progress: Callable[[int], None] | None = None,
    retry_delay: float = 2.0,
) -> SendResult:
    """Send the period's digests; safe to run any number of times, and after a crash.

    The same batches the Celery planner hands out (`plan_batches`), sent here one after the
    other: each claimed while it is sent, so workers sending at the same time are left alone."""
    period = period or period_of(datetime.now(UTC), cfg.tz)
    period_start(period, cfg.tz)  # a mistyped --period is one line, before anything is sent
    if dry_run is not None:
        return _write_all(db, cfg, period, member_email, dry_run, Signer.from_config(cfg))
    result = SendResult(period)
    with send_lock(db):
        with db.session() as session:
            apply_bounces(session)  # a member whose address just bounced is not mailed
        if member_email is None:
            batches = plan_batches(db, cfg, period)
            result.already = count_sent(db, period)
        else:
            batches = [[member_id] for member_id in [_member_id(db, member_email)] if member_id]
        _send_batches(db, cfg, period, batches, result, progress, retry_delay, member_email)
    return result


def plan_batches(db: Database, cfg: Config, period: str) -> list[list[int]]:
    """The send planner: the members still owed the period's digest, by range of ids (one batch
    per range, so every sender cuts the same batches)."""
    return ranges(unsent_ids(db, cfg, period), SEND_RANGE)


def send_batch(
    db: Database, cfg: Config, period: str, member_ids: Sequence[int], retry_delay: float = 2.0
) -> SendResult:
    """Compose and send the digests of these members (one task): idempotent, keyed by
    (member, period); members already done, or claimed by another sender, are left alone."""
    result = SendResult(period)
    with send_lock(db):
        batches = ranges(member_ids, SEND_RANGE)
        _send_batches(db, cfg, period, batches, result, None, retry_delay)
    return result


def _member_id(db: Database, email: str) -> int | None:
    with db.session() as session:
        member = member_by_email(session, email)
        return member.id if member else None


def _send_batches(
    db: Database, cfg: Config, period: str, batches: list[list[int]], result: SendResult,
    progress: Callable[[int], None] | None, retry_delay: float, member_email: str | None = None,
) -> None:  # fmt: skip
    run = _Run(db, cfg, period, result, Sender(cfg, retry_delay=retry_delay),
               Signer.from_config(cfg), progress=progress)  # fmt: skip
    try:
        for ids in batches:
            with range_claim(db, ids[0]) as mine:
                if mine:
                    _send_range(run, ids, member_email)
                else:
                    result.busy += len(ids)
    finally:
        run.sender.close()
    _settle_refusals(db, run.refusals)


def _send_range(run: _Run, ids: list[int], member_email: str | None) -> None:
    """One claimed batch: a 'sending' row in it can only be a dead sender's, resent with its
    Message-ID."""
    db, period, result = run.db, run.period, run.result
    resume = interrupted(db, period, ids)

    def unbuilt(member: Member, exc: Exception) -> None:
        _member_failed(db, member, period, f"could not compose the digest: {_what(exc)}", result)

    run.week = run.week or load_week(db, run.cfg, period)
    digests = compose_all(
        db, run.cfg, period, member_email, pending_only=True, on_error=unbuilt,
        member_ids=None if member_email else ids, week=run.week,
    )  # fmt: skip
    for digest in digests:
        if run.progress:
            run.progress(1)
        try:
            _send_one(db, run.cfg, run.sender, run.signer, digest, resume, result, run.refusals)
        except (ServiceError, UserError):  # the relay or the config: everyone alike
            raise
        except Exception as exc:  # noqa: BLE001 - one member's trouble must not stop the rest
            _member_failed(db, digest.member, period, _what(exc), result)
        _check_relay(run.cfg, run.refusals)


def _what(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def _member_failed(
    db: Database, member: Member, period: str, error: str, result: SendResult
) -> None:
    fail_unsent(db, member.id, period, error)
    result.failed += 1
    result.errors.append(f"{member.email}: {error}")


def _check_relay(cfg: Config, refusals: _Refusals) -> None:
    """Stop the run when the relay refuses most recipients the same way (see the module doc):
    the refused rows stay 'failed', so the next run retries them once the relay is fixed."""
    kind = refusals.tripped()
    if kind is None:
        return
    n, tried = refusals.kinds[kind], refusals.tried
    answer = " ".join(refusals.example[kind].split())[:200]
    raise RelayRefusing(
        f"SMTP relay {cfg.smtp.host}:{cfg.smtp.port} refused {n} of {tried} recipients the same "
        f"way ({answer}); stopped, nobody was marked bouncing - check the relay's settings "
        "(smtp.username, smtp.from_address, smtp.verp, relaying rights), then run send-digests again"
    )


def _settle_refusals(db: Database, refusals: _Refusals) -> None:
    """The run ended without the relay tripping: each 5xx refusal was the recipient's own."""
    for delivery_id, error in refusals.pending:
        finish(db, delivery_id, DeliveryStatus.BOUNCED, error)


def _send_one(
    db: Database, cfg: Config, sender: Sender, signer: Signer, digest: MemberDigest,
    resume: dict[int, str], result: SendResult, refusals: _Refusals,
) -> None:  # fmt: skip
    member = digest.member
    if not digest.leads and not member.always_send:
        skip(db, member.id, digest.period)
        result.skipped_no_leads += 1
        return
    mail = build_mail(
        cfg, digest, Links(cfg, signer, member.id), message_id=resume.get(member.id) or None
    )
    delivery_id = claim(
        db,
        member.id,
        digest.period,
        mail.message_id,
        [lead.posting.id for lead in digest.leads],
    )
    if delivery_id is None:
        result.already += 1
        return
    result.resent_after_crash += member.id in resume
    message_id = mail.message_id
    envelope = (
        verp_address(cfg.smtp.from_address, delivery_id, message_id) if cfg.smtp.verp else None
    )
    refusals.tried += 1
    try:
        sender.send(member.email, mail.data, envelope_from=envelope)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        text = _reply_text(reply)
        # Failed for now (retryable); bounced once the run shows the relay was not at fault.
        _fail(db, delivery_id, DeliveryStatus.FAILED, f"{code} {text}", member, result)
        if code >= 500:
            refusals.refused(delivery_id, code, text)
    except smtplib.SMTPResponseException as exc:
        text = _reply_text(exc.smtp_error)
        _fail(db, delivery_id, DeliveryStatus.FAILED, f"{exc.smtp_code} {text}", member, result)
        if exc.smtp_code >= 500:  # e.g. the return path refused: the relay, for everyone
            refusals.refused(None, exc.smtp_code, text)
    except (ServiceError, UserError) as exc:  # cannot connect or log in: everyone would fail too
        _fail(db, delivery_id, DeliveryStatus.FAILED, str(exc), member, result)
        raise
    except (smtplib.SMTPException, OSError) as exc:
        _fail(db, delivery_id, DeliveryStatus.FAILED, describe(exc), member, result)
    else:
        finish(db, delivery_id, DeliveryStatus.SENT)
        result.sent += 1


def _reply_text(reply: bytes | str) -> str:
    """An SMTP reply as words on one line (errors.readable decodes it; a multi-line reply is
    joined, so refusals of one kind compare equal)."""
    return " ".join(readable(reply).split())


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
                build_mail(cfg, digest, Links(cfg, signer, digest.member.id)),
            )
        )
    return result


def write_eml(folder: Path, email: str, mail: Mail) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{email}.eml"
    path.write_bytes(mail.data)
    html = mail.message().get_body(("html",))
    if html is not None:
        (folder / f"{email}.html").write_text(html.get_content(), encoding="utf-8")
    return path
