"""Transient storage errors: told apart from real ones, and retried.

A dropped database connection, a server restart, a lock timeout, a deadlock or a serialization
failure says nothing about the data being written: the same transaction succeeds a moment
later. Such an error must never be recorded as a mail's own failure; it is retried with
backoff, and if the database stays away the run stops with one line (the mails stay stored
and are processed by the next run).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import exc as sa_exc

from digest.errors import ServiceError

T = TypeVar("T")
#: waits between tries, seconds: about 15 s in all, longer than a database restart takes
DELAYS = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0)
#: SQLSTATE classes and codes that are about the moment, not the data
_TRANSIENT_STATES = ("08", "40", "53", "57P", "55P03", "58")


class TransientStorageError(ServiceError):
    """The database stayed unreachable or busy through every retry."""


def is_transient(error: BaseException) -> bool:
    """True for connection loss, restarts, lock timeouts, deadlocks, serialization failures."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.DisconnectionError | sa_exc.TimeoutError):
        return True
    if not isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return False
    orig = error.orig
    state = getattr(orig, "sqlstate", None)
    if state:
        return state.startswith(_TRANSIENT_STATES)
    if type(orig).__module__.startswith("sqlite3"):
        text = str(orig).lower()
        return "locked" in text or "busy" in text
    return True  # no SQLSTATE: the server never answered (refused, reset, closed)


def retry_transient(work: Callable[[], T], what: str = "database") -> T:
    """Run `work` (one whole transaction), again after a transient storage error."""
    for delay in (*DELAYS, None):
        try:
            return work()
        except Exception as error:
            if not is_transient(error):
                raise
            if delay is None:
                raise TransientStorageError(
                    f"{what} unavailable after {len(DELAYS) + 1} tries: {_short(error)} "
                    "(stored mail is kept and processed by the next run)"
                ) from None
            time.sleep(delay)
    raise AssertionError("unreachable")


def _short(error: BaseException) -> str:
    orig = getattr(error, "orig", None) or error
    return " ".join(str(orig).split())[:300]
