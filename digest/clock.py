"""The one clock for stored times: naive UTC, as every DateTime column holds them.

`datetime.utcnow()` is deprecated (Python 3.12); this says the same thing without it.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, in UTC, without a tzinfo (the database columns are naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)
