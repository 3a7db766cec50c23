"""Who gets a digest this period, composed lazily in chunks so memory does not grow with the group."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, selectinload

from digest.config import Config
from digest.delivery.compose import MemberDigest, Week, build_digest, pitch_semantic_of
from digest.delivery.ledger import DONE
from digest.delivery.periods import window
from digest.store.db import Database
from digest.store.models import Delivery, Member
from digest.store.statuses import MemberStatus

CHUNK = 500


def _who(
    query: Select, period: str, today: date, email: str | None, pending_only: bool,
    member_ids: Sequence[int] | None = None,
) -> Select:  # fmt: skip
    """The conditions of getting a digest, on any select of members (rows or ids alone)."""
    if email:
        return query.where(func.lower(Member.email) == email.lower())
    if member_ids is not None:
        query = query.where(Member.id.in_(list(member_ids)))
    query = query.where(Member.status == MemberStatus.ACTIVE)
    query = query.where((Member.paused_until.is_(None)) | (Member.paused_until <= today))
    # a member who landed stops getting leads, unless they chose to keep helping
    query = query.where(Member.landed_at.is_(None) | Member.keep_helping)
    if pending_only:
        done = exists().where(
            Delivery.member_id == Member.id, Delivery.period == period, Delivery.status.in_(DONE)
        )
        query = query.where(~done)
    return query


def eligible(
    session: Session, period: str, today: date, after: int, email: str | None, pending_only: bool,
    member_ids: Sequence[int] | None = None,
) -> list[Member]:  # fmt: skip
    query = select(Member).options(selectinload(Member.subgroups)).order_by(Member.id).limit(CHUNK)
    if not email:
        query = query.where(Member.id > after)
    return list(session.scalars(_who(query, period, today, email, pending_only, member_ids)))


def unsent_ids(db: Database, cfg: Config, period: str) -> list[int]:
    """Ids of the members still owed a digest this period (no sent, skipped or bounced row):
    what the send planner splits into batches. Ids only, so memory stays small."""
    today = datetime.now(cfg.tz).date()
    with db.session() as session:
        query = _who(select(Member.id).order_by(Member.id), period, today, None, True)
        return list(session.scalars(query))


def load_week(db: Database, cfg: Config, period: str) -> Week:
    """What every member's digest of the period shares (the week's postings, tags, credits)."""
    begin, end = window(period, cfg.tz, cfg.digest.period_days)
    with db.session() as session:
        return Week(
            session, period, begin, end, pitch_semantic_of(cfg), cfg.tagging.not_relevant_quorum
        )


def compose_all(
    db: Database,
    cfg: Config,
    period: str,
    member_email: str | None = None,
    pending_only: bool = False,
    on_error: Callable[[Member, Exception], None] | None = None,
    member_ids: Sequence[int] | None = None,
    week: Week | None = None,
) -> Iterator[MemberDigest]:
    """Each eligible member's digest, composed lazily in chunks: memory does not grow with the group.

    `member_ids` limits it to those members (one send batch). With `on_error`, a member whose
    digest cannot be composed is handed to it and the others still come; without, the error
    propagates. `week`: the period's shared postings, when the caller loaded them once for
    many batches (`load_week`)."""
    today = datetime.now(cfg.tz).date()
    week = week or load_week(db, cfg, period)
    after = 0
    while True:
        with db.session() as session:
            members = eligible(
                session, period, today, after, member_email, pending_only, member_ids
            )
            week.load_history(session, [m.id for m in members])
        for member in members:
            try:
                digest = build_digest(
                    week, member, cfg.digest.max_postings, cfg.digest.max_per_company
                )
            except Exception as exc:
                if on_error is None:
                    raise
                on_error(member, exc)
                continue
            yield digest
        if member_email or len(members) < CHUNK:
            return
        after = members[-1].id
