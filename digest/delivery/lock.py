"""One sender per database, so the ledger's 'sending' rows can only be a dead sender's."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from digest.errors import ServiceError
from digest.store.db import Database

LOCK_KEY = 0x6A6F6264  # "jobd": the PostgreSQL advisory lock for sending


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
