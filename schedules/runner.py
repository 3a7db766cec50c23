"""The in-process runner behind `jobdigest run`: jobs in order, the weekly digest on time.

Each job is independent: one failing is logged and the others still run. A digest time missed
while the worker was down is caught up at start within the grace window; delivery rows make a
second run in the same period send nothing twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from digest.config import Config
from digest.delivery.periods import period_of
from digest.errors import ServiceError, UserError
from digest.store.db import Database
from schedules.jobs import CATALOGUE
from schedules.triggers import occurrences, previous

log = logging.getLogger("jobdigest.runner")


def due_period(cfg: Config, now: datetime) -> str | None:
    """The period whose digest time (in the group's zone) has passed within the grace window,
    if any: the one trigger rule of the in-process runner and of `jobdigest beat` alike."""
    now = now.astimezone(UTC)
    last = previous(cfg.digest.day, cfg.digest.time, cfg.tz, now).astimezone(UTC)
    if last > now or now - last > timedelta(hours=cfg.digest.grace_hours):
        return None
    return period_of(last, cfg.tz)


INGEST_JOBS = ("poll", "record", "fetch", "enrich", "retag")

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Runner:
    def __init__(
        self, db: Database, cfg: Config, clock: Clock = utcnow,
        report: Callable[[str, Any], None] | None = None,
    ) -> None:  # fmt: skip
        self.db = db
        self.cfg = cfg
        self.clock = clock
        self.report = report or (lambda name, result: log.info("%s: %s", name, result))
        self.sent_periods: set[str] = set()
        #: (job, error) of every job that failed, for `run --once`'s exit code
        self.failures: list[tuple[str, BaseException]] = []

    def run_job(self, name: str) -> Any:
        try:
            result = CATALOGUE[name].run(self.db, self.cfg)
        except Exception as exc:  # noqa: BLE001 - one job's failure must not stop the worker
            self._failed(name, exc)
            return None
        self.report(name, result)
        return result

    def _failed(self, name: str, exc: Exception) -> None:
        """A mistake in the config or a server down is one line; anything else is a bug, logged
        with its traceback (shown with $JOBDIGEST_DEBUG)."""
        self.failures.append((name, exc))
        if not isinstance(exc, UserError | ServiceError):
            log.error("job %s failed", name, exc_info=exc)
        self.report(name, f"failed: {exc}")

    def run_ingest(self) -> None:
        for name in INGEST_JOBS:
            self.run_job(name)
        self.apply_bounces()

    def apply_bounces(self) -> None:
        """Delivery reports the poll just stored count against their members before any send."""
        from digest.inbox.bounces import apply_bounces

        try:
            with self.db.session() as session:
                result = apply_bounces(session)
        except Exception as exc:  # noqa: BLE001 - like any job, must not stop the worker
            self._failed("bounces", exc)
            return
        if result.messages:
            self.report("bounces", result)

    def due_period(self) -> str | None:
        """The period whose digest time has passed within the grace window and was not run yet
        by this worker. After a restart the delivery rows make a second run send nothing."""
        period = due_period(self.cfg, self.clock())
        return None if period in self.sent_periods else period

    def next_digest(self) -> datetime:
        return occurrences(self.cfg.digest.day, self.cfg.digest.time, self.cfg.tz, self.clock())[0]

    def send_if_due(self) -> None:
        period = self.due_period()
        if period is None:
            return
        from digest.delivery.send import send_digests

        self.run_ingest()
        try:
            self.report("send-digests", send_digests(self.db, self.cfg, period=period))
        except Exception as exc:  # noqa: BLE001
            self._failed("send-digests", exc)
            return
        self.sent_periods.add(period)

    def forever(
        self, stop: threading.Event, wait_for_mail: Callable[[float], None] | None = None
    ) -> None:
        """Ingest every poll interval (or as soon as IDLE reports mail); send digests on time."""
        forever([self], stop, wait_for_mail)

    def until_due(self) -> float:
        """Seconds to wait before this group's next ingest or digest, whichever is first."""
        interval = max(10, self.cfg.inbox.poll_seconds)
        until_digest = (self.next_digest() - self.clock()).total_seconds()
        return max(1.0, min(interval, until_digest + 1))


def forever(
    runners: list[Runner],
    stop: threading.Event,
    wait_for_mail: Callable[[float], None] | None = None,
) -> None:
    """Every group's ingest and digests in turn, one after the other in this process (each in
    its group's zone); then wait for the earliest next one, or for mail."""
    while not stop.is_set():
        for runner in runners:
            runner.run_ingest()
            runner.send_if_due()
        timeout = min(runner.until_due() for runner in runners)
        if wait_for_mail is not None:
            wait_for_mail(timeout)
        else:
            stop.wait(timeout)
