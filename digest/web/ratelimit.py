"""A sliding-window rate limit kept in memory.

In-memory on purpose: sign-in requests are rare and the limit only has to stop a script mailing a
member dozens of links. Each process counts on its own, so with N waitress processes the effective
limit is N times higher, and a restart forgets the counts; both are acceptable for this use.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable

MAX_KEYS = 10_000


class RateLimiter:
    """At most `limit` hits per key within `window` seconds."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: Hashable) -> bool:
        """Count one attempt for `key`; False (and not counted) when the key is over its limit."""
        now = self._clock()
        with self._lock:
            if len(self._hits) > MAX_KEYS:
                self._forget_idle(now)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def retry_after(self, key: Hashable) -> int:
        """Seconds until `key` may try again (0 when it may now)."""
        with self._lock:
            hits = self._hits.get(key)
            if not hits or len(hits) < self.limit:
                return 0
            return max(0, int(hits[0] + self.window - self._clock()) + 1)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window]:
            del self._hits[key]
