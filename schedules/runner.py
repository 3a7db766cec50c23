"""The in-process runner behind `jobdigest run`: jobs in order, the weekly digest on time.

Each job is independent: one failing is logged and the others still run. A digest time missed
while the worker was down is caught up at start within the grace window; delivery rows make a
second run in the same period send nothing twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from digest.config import Config
from digest.delivery.periods import period_of
from digest.errors import ServiceError, UserError
from digest.store.db import Database
from digest.store.sends import finish_period, period_sent
from digest.store.wakes import take_wakes
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


INGEST_JOBS = ("poll", "record", "fetch", "enrich", "retag", "outbox")
#: how often the runner looks at the wakes table between ingest runs
WAKE_SECONDS = 3.0

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
        """Every ingest job in order (which also does whatever a wake asked for)."""
        take_wakes(self.db)
        for name in INGEST_JOBS:
            self.run_job(name)
        self.apply_bounces()

    def run_wakes(self) -> bool:
        """The jobs web requests asked for since the last look (a re-tag after a rule change,
        mail to reprocess, mail to send); True if there were any."""
        jobs = take_wakes(self.db)
        for name in jobs:
            if name in CATALOGUE:
                self.run_job(name)
        return bool(jobs)

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
        """The period whose digest time has passed within the grace window and whose run did
        not finish yet, by this runner or any other (the `sends` table)."""
        period = due_period(self.cfg, self.clock())
        return None if period is None or period_sent(self.db, period) else period

    def next_digest(self) -> datetime:
        return occurrences(self.cfg.digest.day, self.cfg.digest.time, self.cfg.tz, self.clock())[0]

    def send_if_due(self) -> None:
        period = self.due_period()
        if period is None:
            return
        from digest.delivery.send import send_digests

        self.run_ingest()
        try:
            result = send_digests(self.db, self.cfg, period=period)
        except Exception as exc:  # noqa: BLE001
            self._failed("send-digests", exc)
            return
        self.report("send-digests", result)
        if not result.failed and not result.busy:  # else the next loop tries those members again
            finish_period(self.db, period)

    def forever(
        self, stop: threading.Event, wait_for_mail: Callable[[float], None] | None = None
    ) -> None:
        """Ingest every poll interval (or as soon as IDLE reports mail); send digests on time;
        between, every WAKE_SECONDS, run what web requests asked for."""
        forever([self], stop, wait_for_mail)

    def until_due(self) -> float:
        """Seconds to wait before this group's next ingest or digest, whichever is first."""
        interval = max(10, self.cfg.inbox.poll_seconds)
        until_digest = (self.next_digest() - self.clock()).total_seconds()
        return max(1.0, min(interval, until_digest + 1))

    def _wait(
        self, stop: threading.Event, timeout: float, wait_for_mail: Callable[[float], bool] | None
    ) -> None:
        """Wait `timeout` seconds (less when mail arrives), looking at the wakes meanwhile."""
        wait_all([self], stop, timeout, wait_for_mail)


def forever(
    runners: list[Runner],
    stop: threading.Event,
    wait_for_mail: Callable[[float], bool] | None = None,
) -> None:
    """Every group's ingest and digests in turn, one after the other in this process (each in
    its group's zone); then wait for the earliest next one, or for mail."""
    while not stop.is_set():
        for runner in runners:
            runner.run_ingest()
            runner.send_if_due()
        wait_all(runners, stop, min(runner.until_due() for runner in runners), wait_for_mail)


def wait_all(
    runners: list[Runner],
    stop: threading.Event,
    timeout: float,
    wait_for_mail: Callable[[float], bool] | None,
) -> None:
    """Wait `timeout` seconds (less when mail arrives), looking at every group's wakes
    every WAKE_SECONDS meanwhile."""
    deadline = time.monotonic() + timeout
    while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
        step = min(left, WAKE_SECONDS)
        if wait_for_mail is not None:
            if wait_for_mail(step):
                return  # new mail: ingest now
        elif stop.wait(step):
            return
        for runner in runners:
            try:
                runner.run_wakes()
            except Exception as exc:  # noqa: BLE001 - the database may be away a moment
                runner._failed("wakes", exc)  # noqa: SLF001 - the runner's own report
