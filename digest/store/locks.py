"""Work claimed in the database: PostgreSQL advisory locks, keyed by a group, a kind of work and an id.

Two workers handed the same unit (a task redelivered after its worker died, two planners that
listed the same work) must not do it twice at once. The lock lives in the database session of
the one doing it, so it dies with that process: a killed worker's work is free again at once,
with no lease to wait out. Units are locked by *range* of ids (`range_key`), so a batch costs
one lock however many ids it holds, and two batches of one range never run side by side.

SQLite has no such locks and runs one worker (`jobdigest worker` refuses a second): there every
claim succeeds, and SQLite's own write lock orders the transactions.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path

from sqlalchemy import Connection, text

from digest.errors import UserError
from digest.store.db import Database


class Work(IntEnum):
    """The first key of each kind of work's advisory locks ("jd" and a number)."""

    POLL = 0x6A640001
    RECORD = 0x6A640002
    FETCH = 0x6A640003
    TAG = 0x6A640004
    SEND = 0x6A640005


def lock_class(db: Database, work: Work) -> int:
    """The first key of a group's locks of one kind: each group's claims are its own (an inbox,
    a range of ids), so two groups' work never waits on each other."""
    return int(work) + (db.group_id << 4)


def range_key(item_id: int, size: int) -> int:
    """The range an id falls in: batches of one range share one lock."""
    return item_id // max(1, size)


def ranges(ids: Iterable[int], size: int) -> list[list[int]]:
    """Ids grouped by range, in order: the batches a planner hands out."""
    out: dict[int, list[int]] = {}
    for item_id in sorted(set(ids)):
        out.setdefault(range_key(item_id, size), []).append(item_id)
    return list(out.values())


def shared_database(db: Database) -> bool:
    """True where several workers may share the database (PostgreSQL)."""
    return db.engine.dialect.name == "postgresql"


@contextmanager
def claimed(db: Database, work: Work, key: int, shared: bool = False) -> Iterator[bool]:
    """Try to claim (work, key) for the block: yields False when another session holds it.
    `shared` claims may be held by many at once, never beside an exclusive one."""
    if not shared_database(db):
        yield True
        return
    kind = "_shared" if shared else ""
    first = lock_class(db, work)
    with db.engine.connect() as conn:
        got = bool(
            conn.execute(
                text(f"SELECT pg_try_advisory_lock{kind}(:w, :k)"), {"w": first, "k": int(key)}
            ).scalar()
        )
        conn.commit()  # a session-level lock outlives the transaction; do not idle in one
        try:
            yield got
        finally:
            if got:
                _unlock(conn, f"pg_advisory_unlock{kind}", first, key)


def _unlock(conn: Connection, function: str, first: int, key: int) -> None:
    """Release the claim; a connection the server dropped already lost it with the session."""
    try:
        conn.execute(text(f"SELECT {function}(:w, :k)"), {"w": first, "k": int(key)})
        conn.commit()
    except Exception:  # noqa: BLE001 - the lock died with the connection; nothing held
        conn.invalidate()


@contextmanager
def sole_worker(db: Database) -> Iterator[None]:
    """SQLite takes one worker: a file lock beside the database file for the worker's life, and
    a second worker is refused in one line. PostgreSQL takes any number (nothing to hold)."""
    database = db.engine.url.database
    if shared_database(db) or not database or database == ":memory:":
        yield
        return
    with Path(f"{database}.worker-lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(
                f"another `jobdigest worker` is running on the SQLite database {database}; "
                "SQLite takes one worker (use PostgreSQL for more)"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
