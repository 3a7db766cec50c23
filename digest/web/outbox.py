"""Sign-in mail sent off the request thread.

Sending in the request would make the answer for a member's address measurably slower than for a
stranger's, which tells an attacker who is a member; a worker thread keeps both answers alike.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from email.message import EmailMessage

from digest.config import Config
from digest.delivery.smtp import connect
from digest.errors import ServiceError, UserError

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobdigest-web-mail")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    def send(self, msg: EmailMessage, on_sent: Callable[[], None] | None = None) -> None:
        """Queue `msg`; `on_sent` runs (on the worker thread) once the server accepted it."""
        future = self._pool.submit(self._deliver, msg, on_sent)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def drain(self, timeout: float = 30.0) -> None:
        """Wait for queued mail (tests, and an orderly shutdown)."""
        with self._lock:
            pending = set(self._pending)
        wait(pending, timeout=timeout)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _deliver(self, msg: EmailMessage, on_sent: Callable[[], None] | None = None) -> None:
        try:
            conn = connect(self.cfg)
            try:
                conn.send_message(msg)
            finally:
                conn.quit()
            if on_sent is not None:
                on_sent()
        except (UserError, ServiceError) as exc:
            log.error("could not send %r to %s: %s", msg["Subject"], msg["To"], exc)
        except Exception:  # noqa: BLE001 - a failed mail must not kill the worker
            log.exception("could not send %r to %s", msg["Subject"], msg["To"])
