"""Which periods' digests went out, in the database: two runners, or one restarted, agree.

A period is finished once a run sent every member owed its digest (the delivery rows make any
repeat send nothing twice; this record only spares a runner the repeat)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from digest.clock import utcnow
from digest.store.db import Database
from digest.store.models import Send


def period_sent(db: Database, period: str) -> bool:
    """True once the period's digest run finished."""
    with db.session() as session:
        found = session.scalar(select(Send.finished_at).where(Send.period == period))
    return found is not None


def finish_period(db: Database, period: str) -> None:
    """Record that the period's digests went out (idempotent; two runners may both call it)."""
    try:
        with db.session() as session:
            row = session.scalar(select(Send).where(Send.period == period))
            if row is None:
                session.add(Send(period=period, finished_at=utcnow()))
            elif row.finished_at is None:
                row.finished_at = utcnow()
    except IntegrityError:  # another runner recorded it at the same instant
        return
