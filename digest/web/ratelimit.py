"""Sliding-window rate limits kept in the database, so every web process counts the same hits.

Counted in memory, N waitress processes would allow N times the limit and a restart would forget
every count; behind a load balancer the limit would be a lottery. A hit is one row
(`web_rate_hits`); counting is one indexed query. Two processes counting the same key at the
same instant may both let one more through: the limits stop scripts mailing dozens of links,
they are not a quota, and that overshoot of one is accepted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from digest.clock import utcnow
from digest.store.db import Database
from digest.store.models import RateLimitHit

#: rows older than this are deleted whatever their key (no limit has a longer window)
KEEP = timedelta(days=1)
MAX_KEY = 400


class RateLimiter:
    """At most `limit` hits per key within `window` seconds, e.g. RateLimiter(db, "signin-ip",
    20, 900): twenty sign-in requests per client address per quarter hour."""

    def __init__(
        self,
        db: Database,
        name: str,
        limit: int,
        window: float,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.name = name
        self.limit = limit
        self.window = timedelta(seconds=window)
        self._clock = clock

    def _key(self, key: str) -> str:
        full = f"{self.name}:{key}"
        if len(full) <= MAX_KEY:
            return full
        return f"{self.name}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"

    def hit(self, key: str) -> bool:
        """Count one attempt for `key`; False (and not counted) when the key is over its limit."""
        now = self._clock()
        name = self._key(key)
        with self.db.session() as session:
            session.execute(delete(RateLimitHit).where(RateLimitHit.at < now - KEEP))
            count = session.scalar(
                select(func.count())
                .select_from(RateLimitHit)
                .where(RateLimitHit.key == name, RateLimitHit.at > now - self.window)
            )
            if (count or 0) >= self.limit:
                return False
            session.add(RateLimitHit(key=name, at=now))
        return True

    def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again (0 when it may now)."""
        now = self._clock()
        with self.db.session() as session:
            hits = list(
                session.scalars(
                    select(RateLimitHit.at)
                    .where(RateLimitHit.key == self._key(key), RateLimitHit.at > now - self.window)
                    .order_by(RateLimitHit.at)
                )
            )
        if len(hits) < self.limit:
            return 0
        oldest = hits[-self.limit]
        return max(0, int((oldest + self.window - now).total_seconds()) + 1)
