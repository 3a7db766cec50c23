"""The web app's mail (sign-in links, alias confirmations, intro requests), off the request thread.

Sending in the request would make the answer for a member's address measurably slower than for a
stranger's, which tells an attacker who is a member; so the request only hands the message to
this process's mail thread (microseconds, the same for both answers), and the thread keeps it in
the database outbox (digest/delivery/outbox.py) before sending it. From there any drainer sends
it, so a web process that dies after that loses nothing: `jobdigest run` or a Celery worker
(the `outbox` job, every ingest run) sends what a dead process left, as does this thread with
its next mail. Only the few milliseconds between the hand-off and the row's
commit are in memory.
"""

from __future__ import annotations

import logging
import queue
import threading
from email.message import EmailMessage

from digest.config import Config
from digest.delivery.outbox import queue_mail, send_outbox
from digest.store.db import Database

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self, cfg: Config, db: Database) -> None:
        self.cfg = cfg
        self.db = db
        self._handed: queue.Queue[tuple[EmailMessage, str]] = queue.Queue()
        self._idle = threading.Condition()
        self._busy = 0
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def send(self, msg: EmailMessage, on_sent: str = "") -> None:
        """Hand `msg` to the mail thread; `on_sent` ("intro:<id>") is noted once it was sent."""
        with self._idle:
            self._busy += 1
        self._handed.put((msg, on_sent))
        self._ensure_thread()

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until every handed message was sent or failed (tests, an orderly shutdown)."""
        with self._idle:
            self._idle.wait_for(lambda: self._busy == 0, timeout=timeout)

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="jobdigest-web-mail", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            handed = [self._handed.get()]
            while not self._handed.empty():
                handed.append(self._handed.get_nowait())
            try:
                self._keep_and_send(handed)
            finally:
                with self._idle:
                    self._busy -= len(handed)
                    self._idle.notify_all()

    def _keep_and_send(self, handed: list[tuple[EmailMessage, str]]) -> None:
        try:
            with self.db.session() as session:
                for msg, on_sent in handed:
                    queue_mail(session, msg, on_sent)
            send_outbox(self.db, self.cfg)
        except Exception:  # noqa: BLE001 - a failed mail must not kill the mail thread
            log.exception("could not keep or send the web app's mail")
