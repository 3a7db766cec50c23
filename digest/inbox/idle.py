"""Watching the group inbox with IMAP IDLE so new mail is ingested within seconds.

A background thread holds one IDLE connection and sets an event when the server reports new
mail; the runner's loop waits on that event instead of sleeping. Network errors reconnect with
exponential backoff. Servers without IDLE leave the runner on plain polling.
"""

from __future__ import annotations

import logging
import threading

from imapclient import IMAPClient

from digest.config import Config
from digest.inbox.connection import connect, logout_quietly

log = logging.getLogger("jobdigest.idle")
RENEW_SECONDS = 25 * 60  # RFC 2177: re-issue IDLE before the server's 29-minute timeout
MAX_BACKOFF = 300.0


class IdleWatcher(threading.Thread):
    def __init__(
        self, cfg: Config, wake: threading.Event, stop: threading.Event, check_seconds: float = 30.0
    ) -> None:
        super().__init__(name="imap-idle", daemon=True)
        self.cfg = cfg
        self.wake = wake
        self.stop = stop
        self.check_seconds = check_seconds
        self.supported: bool | None = None
        self.failures = 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                client = connect(self.cfg)
            except Exception as exc:  # noqa: BLE001 - any failure means: wait, then reconnect
                self._backoff(exc)
                continue
            try:
                if not client.has_capability("IDLE"):
                    self.supported = False
                    log.info(
                        "IMAP server has no IDLE; polling every %ss", self.cfg.inbox.poll_seconds
                    )
                    return
                self.supported = True
                self.failures = 0
                self._watch(client)
            except Exception as exc:  # noqa: BLE001
                self._backoff(exc)
            finally:
                logout_quietly(client)

    def _watch(self, client: IMAPClient) -> None:
        client.select_folder(self.cfg.inbox.folder, readonly=True)
        while not self.stop.is_set():
            client.idle()
            waited = 0.0
            try:
                while waited < RENEW_SECONDS and not self.stop.is_set():
                    responses = client.idle_check(timeout=self.check_seconds)
                    waited += self.check_seconds
                    if any(r[1] in (b"EXISTS", b"RECENT") for r in responses if len(r) > 1):
                        self.wake.set()
            finally:
                client.idle_done()

    def _backoff(self, exc: Exception) -> None:
        self.failures += 1
        delay = min(MAX_BACKOFF, 2.0 ** min(self.failures, 9))
        log.warning("IMAP IDLE connection failed (%s); retrying in %.0fs", exc, delay)
        self.wake.set()  # let the runner try a normal poll meanwhile
        self.stop.wait(delay)
