"""Who may send at once: on PostgreSQL any number of senders, one per range of members; on
SQLite one sender per database.

On PostgreSQL each batch of members (a range of member ids, `SEND_RANGE` wide) is claimed with an
advisory lock (digest/store/locks.py) for as long as it is being sent, so a 'sending' row in a
range one holds can only be a dead sender's: it is sent again with its Message-ID. On SQLite a
file lock beside the database file holds the whole run. Both die with the process, so a killed
sender never blocks the next run.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from digest.errors import ServiceError
from digest.store.db import Database
from digest.store.locks import Work, claimed, range_key, shared_database

#: members per send batch; senders agree on it, since a range is what one of them claims
SEND_RANGE = 250


@contextmanager
def send_lock(db: Database, wait: float = 30.0) -> Iterator[None]:
    """SQLite: one sender per database, a file lock beside the database file (waits `wait`
    seconds for another to finish). PostgreSQL: nothing here; `range_claim` claims each batch."""
    database = db.engine.url.database
    if shared_database(db) or not database or database == ":memory:":
        yield
        return
    deadline = time.monotonic() + wait
    with Path(f"{database}.send-lock").open("a") as handle:
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


@contextmanager
def range_claim(db: Database, member_id: int) -> Iterator[bool]:
    """Claim the range of members `member_id` falls in; False while another sender holds it."""
    with claimed(db, Work.SEND, range_key(member_id, SEND_RANGE)) as got:
        yield got


def _wait_or_fail(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise ServiceError(
            "another `jobdigest send-digests` is running on this database; try again later"
        )
    time.sleep(0.2)
