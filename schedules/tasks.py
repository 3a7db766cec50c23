"""The job catalogue as Celery tasks, for deployments that outgrow one process.

`jobdigest worker` runs a Celery worker and `jobdigest beat` the schedule, with
`[queue] broker_url = "redis://…"`. Each task runs one catalogue job, a plain idempotent unit
whose durable state is in the database (stored mail still pending, postings whose tags are
stale, delivery rows), so a task lost with its worker loses no work: the next run finds it
again. Tasks are acknowledged late (after they ran) and one at a time per worker process, so a
worker killed mid-task has its task redelivered rather than dropped.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from celery import Celery
from celery.signals import worker_process_init

from digest.config import Config, load_config
from digest.errors import UserError
from digest.store.db import Database
from schedules.jobs import CATALOGUE
from schedules.runner import INGEST_JOBS, due_period

log = logging.getLogger("jobdigest.tasks")
app = Celery("jobdigest")
_state: dict[str, Any] = {}


def broker_url(cfg: Config) -> str:
    """The broker URL with its password from the environment (secrets never live in the file)."""
    url = cfg.queue.broker_url
    if not url:
        raise UserError('[queue] broker_url is not set (e.g. "redis://127.0.0.1:6379/0")')
    if cfg.queue.broker_password_env:
        password = cfg.secret(cfg.queue.broker_password_env, "queue.broker_password_env")
        parts = urlsplit(url)
        netloc = f"{parts.username or ''}:{quote(password, safe='')}@{parts.hostname}"
        netloc += f":{parts.port}" if parts.port else ""
        url = urlunsplit(parts._replace(netloc=netloc))
    return url


def configure(cfg: Config) -> Celery:
    """Point the app at the group's broker; called by `jobdigest worker|beat` before starting."""
    app.close()  # connections to a broker named before are dropped, not reused
    app.amqp._producer_pool = None  # noqa: SLF001 - Celery keeps the producer pool past close()
    _state["cfg"] = cfg
    app.conf.update(
        broker_url=broker_url(cfg),
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": max(1, cfg.queue.visibility_seconds)},
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue="jobdigest",
        timezone="UTC",
        beat_schedule=_schedule(cfg),
        worker_hijack_root_logger=False,
    )
    return app


def _schedule(cfg: Config) -> dict[str, dict[str, Any]]:
    """Ingest every `queue.ingest_seconds`; the digest check every minute (the database, not
    the beat process, knows whether this period's digests went out)."""
    every = max(1, cfg.queue.ingest_seconds)
    return {
        "ingest": {"task": "jobdigest.ingest", "schedule": float(every)},
        "digests": {"task": "jobdigest.send_if_due", "schedule": 60.0},
    }


@worker_process_init.connect
def _fresh_connections(**_kwargs: Any) -> None:
    """Each forked worker process opens its own database connections, never its parent's."""
    _state.pop("db", None)


def _cfg() -> Config:
    if "cfg" not in _state:
        _state["cfg"] = load_config(os.environ.get("JOBDIGEST_CONFIG") or None)
    return _state["cfg"]


def _db() -> Database:
    if "db" not in _state:
        _state["db"] = Database(_cfg().database_url())
    return _state["db"]


@app.task(name="jobdigest.job")
def run_job(name: str) -> str:
    """One catalogue job (poll, fetch, enrich, retag, bounces, send-digests)."""
    result = CATALOGUE[name].run(_db(), _cfg())
    log.info("%s: %s", name, result)
    return str(result)


@app.task(name="jobdigest.ingest")
def ingest() -> None:
    """Queue each ingest job as its own task, in pipeline order, so workers share them."""
    for name in INGEST_JOBS:
        run_job.delay(name)
    run_job.delay("bounces")


@app.task(name="jobdigest.send_if_due")
def send_if_due() -> str | None:
    """Send this period's digests when the group's digest time has passed within the grace
    window; the delivery rows make every repeat a no-op."""
    cfg = _cfg()
    period = due_period(cfg, datetime.now(UTC))
    if period is None:
        return None
    from digest.delivery.send import send_digests

    return str(send_digests(_db(), cfg, period=period))
