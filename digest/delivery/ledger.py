"""The delivery ledger: one row per (member, period) makes every send exactly-once.

Row states: sending (committed just before the SMTP transaction) -> sent | failed | bounced, and
skipped for a member without leads (so a later run in the period does not mail them either).
A row still 'sending' when a run starts was left by a sender that died mid-transaction: it is sent
again *with the same Message-ID*, and a receiving system that did accept the first copy drops the
second. Rows that are sent, skipped or bounced are never sent again; failed ones (4xx, connection
trouble) are retried by the next run.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from digest.clock import utcnow
from digest.inbox.bounces import mark_bouncing
from digest.store.db import Database
from digest.store.models import Delivery, Member
from digest.store.statuses import DeliveryStatus

#: A member with one of these rows for the period gets nothing more in that period.
DONE = (DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.BOUNCED)


def _row(session: Session, member_id: int, period: str) -> Delivery | None:
    return session.scalar(
        select(Delivery).where(Delivery.member_id == member_id, Delivery.period == period)
    )


def claim(
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
        row.status = DeliveryStatus.SENDING
        row.message_id = message_id
        row.posting_ids = posting_ids
        row.attempts = (row.attempts or 0) + 1
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return None
        return row.id


def skip(db: Database, member_id: int, period: str) -> None:
    """A member without leads this period: recorded, so a later run does not mail them either."""
    with db.session() as session:
        if _row(session, member_id, period) is None:
            session.add(Delivery(member_id=member_id, period=period, status=DeliveryStatus.SKIPPED))


def finish(db: Database, delivery_id: int, status: str, error: str = "") -> None:
    with db.session() as session:
        row = session.get_one(Delivery, delivery_id)
        row.status = status
        row.last_error = error[:2000]
        if status == DeliveryStatus.SENT:
            row.sent_at = utcnow()
        if status == DeliveryStatus.BOUNCED:
            member = session.get_one(Member, row.member_id)
            member.bounce_count = (member.bounce_count or 0) + 1
            mark_bouncing(member)


def fail_unsent(db: Database, member_id: int, period: str, error: str) -> None:
    """A digest that could not be built or handed over: failed, so the next run retries it.
    A row already done (sent, skipped, bounced) is left alone."""
    with db.session() as session:
        row = _row(session, member_id, period)
        if row is None:
            row = Delivery(member_id=member_id, period=period)
            session.add(row)
        elif row.status in DONE:
            return
        row.status = DeliveryStatus.FAILED
        row.last_error = error[:2000]


def interrupted(db: Database, period: str, member_ids: Sequence[int]) -> dict[int, str]:
    """member id -> Message-ID of sends a dead sender left in 'sending', among the members of a
    batch (call with the batch claimed: no live sender can hold these rows)."""
    with db.session() as session:
        rows = session.execute(
            select(Delivery.member_id, Delivery.message_id).where(
                Delivery.period == period,
                Delivery.status == DeliveryStatus.SENDING,
                Delivery.member_id.in_(list(member_ids)),
            )
        )
        return {mid: msg_id for mid, msg_id in rows}


def count_sent(db: Database, period: str) -> int:
    with db.session() as session:
        query = select(func.count()).where(
            Delivery.period == period, Delivery.status == DeliveryStatus.SENT
        )
        return int(session.scalar(query.select_from(Delivery)) or 0)
