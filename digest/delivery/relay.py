"""Handing digests to the SMTP relay: one connection per batch, retries with backoff, pacing."""

from __future__ import annotations

import smtplib
import time
from contextlib import suppress
from email.utils import parseaddr

from digest.config import Config
from digest.delivery.smtp import connect, send_prepared
from digest.errors import LoginRefused, ServiceError

RETRIES = 3


class Sender:
    """One SMTP connection reused for up to `smtp.batch_size` messages, then a fresh one.

    4xx replies and dropped connections are retried with exponential backoff; a 5xx is final.
    `smtp.rate_per_minute` spaces messages out for providers with sending limits."""

    def __init__(self, cfg: Config, retry_delay: float = 2.0) -> None:
        self.cfg = cfg
        self.conn: smtplib.SMTP | None = None
        self.retry_delay = retry_delay
        self.batch_size = max(1, cfg.smtp.batch_size)
        self.interval = 60.0 / cfg.smtp.rate_per_minute if cfg.smtp.rate_per_minute > 0 else 0.0
        self.envelope_from = parseaddr(cfg.smtp.from_address)[1]
        self.connections = 0
        self._in_batch = 0
        self._last = 0.0

    def send(self, recipient: str, data: bytes, envelope_from: str | None = None) -> None:
        """`envelope_from` (the return path; "" for the null one) defaults to smtp.from_address's
        address. Raises smtplib.SMTPRecipientsRefused (5xx for the address), SMTPResponseException
        (other 5xx, or 4xx after retries), or OSError/SMTPException after retries."""
        for attempt in range(RETRIES):
            self._pace()
            try:
                send_prepared(
                    self._connection(),
                    self.envelope_from if envelope_from is None else envelope_from,
                    recipient,
                    data,
                )
                self._sent()
                return
            except smtplib.SMTPRecipientsRefused as exc:
                code, _text = next(iter(exc.recipients.values()))
                self._reset()
                if code >= 500 or attempt == RETRIES - 1:
                    raise
            except smtplib.SMTPResponseException as exc:
                self._reset()
                if exc.smtp_code >= 500 or attempt == RETRIES - 1:
                    raise
            except LoginRefused:
                self._drop()
                raise  # the same password will be refused again: no retry
            except (smtplib.SMTPServerDisconnected, OSError, ServiceError):
                self._drop()
                if attempt == RETRIES - 1:
                    raise
            time.sleep(self.retry_delay * (2**attempt))

    def _connection(self) -> smtplib.SMTP:
        if self.conn is not None and self._in_batch >= self.batch_size:
            self.close()
        if self.conn is None:
            self.conn = connect(self.cfg)
            self.connections += 1
            self._in_batch = 0
        return self.conn

    def _pace(self) -> None:
        if self.interval:
            time.sleep(max(0.0, self._last + self.interval - time.monotonic()))

    def _sent(self) -> None:
        self._in_batch += 1
        self._last = time.monotonic()

    def _reset(self) -> None:
        if self.conn is not None:
            try:
                self.conn.rset()
            except (smtplib.SMTPException, OSError):
                self._drop()

    def _drop(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            with suppress(smtplib.SMTPException, OSError):
                self.conn.quit()
            self._drop()
