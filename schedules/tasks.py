"""The job catalogue as Celery tasks, for deployments that outgrow one process.

`jobdigest worker` runs a Celery worker and `jobdigest beat` the schedule, with
`[queue] broker_url = "redis://…"`. The planner tasks (`ingest`, `plan_tags`, `send_if_due`)
list the work and queue one task per batch of the units in digest/units.py, so any number of
worker processes share a stage (a send, a re-tag, a backlog of stored mail). Each unit is plain
and idempotent, its durable state in the database (stored mail still pending, postings whose
tags are stale, delivery rows), so a task lost with its worker loses no work: the next planner
run finds it again. Tasks are acknowledged late (after they ran) and one at a time per worker
process, so a worker killed mid-task has its task redelivered rather than dropped.
"""

from __future__ import annotations

import logging
import os
import warnings
from datetime import UTC, datetime
from typing import Any

from celery import Celery
from celery.signals import worker_process_init, worker_ready

from digest import units
from digest.config import Config, group_slugs, load_config
from digest.store.db import Database
from digest.store.groups import group_database
from digest.store.sends import finish_period, period_sent
from digest.store.wakes import OUTBOX, RECORD, RETAG, WAKE_TASK, broker_url, take_wakes
from schedules.jobs import CATALOGUE
from schedules.runner import due_period

log = logging.getLogger("jobdigest.tasks")
app = Celery("jobdigest")
_state: dict[str, Any] = {}
#: Celery 5's notice, on every lost connection, that Celery 6 will cancel running tasks
_CANCEL_NOTICE = r"\s*In Celery 5.1 we introduced an optional breaking change"


def configure(cfg: Config) -> Celery:
    """Point the app at the group's broker; called by `jobdigest worker|beat` before starting."""
    app.close()  # connections to a broker named before are dropped, not reused
    app.amqp._producer_pool = None  # noqa: SLF001 - Celery keeps the producer pool past close()
    _state["cfg"] = cfg
    app.conf.update(
        broker_url=broker_url(cfg),
        broker_connection_retry_on_startup=True,
        # A broker that goes away (Redis restarted, failed over, its machine rebooted) is
        # waited for however long it takes: Celery's default gives up after 100 tries (about
        # 45 minutes) and the worker exits, though nothing was lost.
        broker_connection_retry=True,
        broker_connection_max_retries=None,
        # A task running when the connection drops finishes (Celery 6 would kill it): every
        # unit is idempotent, so if its message comes back, running it again is a no-op,
        # while killing a send mid-batch would only leave a digest to repeat.
        worker_cancel_long_running_tasks_on_connection_loss=False,
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


@worker_ready.connect
def _quiet_cancel_notice(**_kwargs: Any) -> None:
    """Celery warns on every lost broker connection that Celery 6 will cancel the running
    tasks; configure() chose to let them finish, so the notice is noise in the worker's log
    (set here: Celery's logging setup re-enables its warnings after configure() ran)."""
    warnings.filterwarnings("ignore", message=_CANCEL_NOTICE)


@worker_process_init.connect
def _fresh_connections(**_kwargs: Any) -> None:
    """Each forked worker process opens its own database connections, never its parent's."""
    _state.pop("db", None)
    _state.pop("groups", None)


def _site_cfg() -> Config:
    if "cfg" not in _state:
        _state["cfg"] = load_config(os.environ.get("JOBDIGEST_CONFIG") or None)
    return _state["cfg"]


def _slugs() -> list[str]:
    """Every group of the installation, jobdigest.toml's own first."""
    return group_slugs(_site_cfg().path)


def _cfg(group: str | None = None) -> Config:
    """The config of one group (None: jobdigest.toml's own group), loaded once per process."""
    site = _site_cfg()
    if group is None or group == site.group.slug:
        return site
    key = f"cfg:{group}"
    if key not in _state:
        _state[key] = load_config(site.path, group)
    return _state[key]


def _db(group: str | None = None) -> Database:
    """The database bound to one group; one engine per process for every group."""
    if "db" not in _state:
        _state["db"] = Database.open(_site_cfg().database_url()).site()
        _state["groups"] = {}
    known: dict[str | None, Database] = _state["groups"]
    if group not in known:
        cfg = _cfg(group)
        known[group] = group_database(_state["db"], cfg, main=cfg.group.slug == _slugs()[0])
    return known[group]


@app.task(name="jobdigest.job")
def run_job(name: str, group: str | None = None) -> str:
    """One catalogue job in one task (poll, record, fetch, enrich, retag, bounces, send-digests)."""
    result = CATALOGUE[name].run(_db(group), _cfg(group))
    log.info("%s: %s", name, result)
    return str(result)


@app.task(name="jobdigest.ingest")
def ingest(group: str | None = None) -> None:
    """The ingest planner: the poll, a task per batch of stored mail left unrecorded, one per
    due source, then the tag planner and the bounces. Without a group (the beat): one
    planner task per group of the installation."""
    if group is None and len(_slugs()) > 1:
        for slug in _slugs():
            ingest.delay(group=slug)
        return
    db, cfg = _db(group), _cfg(group)
    take_wakes(db)  # this run does whatever a web request asked for
    if cfg.inbox.host:
        poll_inbox.delay(group=group)
    _plan_records(db, group)
    for source_id in units.plan_fetches(db, cfg):
        fetch_source.delay(source_id, group=group)
    if cfg.fetch.enrich_links:
        run_job.delay("enrich", group=group)
    plan_tags.delay(group=group)
    run_job.delay("bounces", group=group)
    if cfg.smtp.host:
        send_outbox.delay(group=group)


def _plan_records(db: Database, group: str | None) -> None:
    for raw_ids in units.plan_records(db):
        record_chunk.delay(raw_ids, group=group)


@app.task(name=WAKE_TASK)
def wake(group: str | None = None) -> list[str]:
    """What a web request of `group` asked for (digest/store/wakes.py): the planner of each
    job named. Without a group: every group's wakes."""
    if group is None and len(_slugs()) > 1:
        return sorted({job for slug in _slugs() for job in wake(group=slug)})
    jobs = take_wakes(_db(group))
    if RETAG in jobs:
        plan_tags.delay(group=group)
    if RECORD in jobs:
        _plan_records(_db(group), group)
    if OUTBOX in jobs:
        send_outbox.delay(group=group)
    return jobs


@app.task(name="jobdigest.send_outbox")
def send_outbox(group: str | None = None) -> str:
    """Send the web app's mail waiting in the outbox (rows are claimed: drainers never collide)."""
    return str(units.send_outbox_unit(_db(group), _cfg(group)))


@app.task(name="jobdigest.poll_inbox")
def poll_inbox(group: str | None = None) -> str:
    """Poll the group inbox; new postings are tagged by the tag planner queued after it."""
    result = units.poll_inbox(_db(group), _cfg(group))
    if result is not None and result.stored:
        plan_tags.delay(group=group)
    return str(result)


@app.task(name="jobdigest.record_chunk")
def record_chunk(raw_ids: list[int], group: str | None = None) -> str:
    """Record one batch of stored mail."""
    counts = units.record_chunk(_db(group), _cfg(group), raw_ids)
    if counts:
        plan_tags.delay(group=group)
    return str(counts)


@app.task(name="jobdigest.fetch_source")
def fetch_source(source_id: int, group: str | None = None) -> str:
    """Fetch one feed, board or watched site."""
    result = units.fetch_source(_db(group), _cfg(group), source_id)
    if result.posting_ids:
        plan_tags.delay(group=group)
    return str(result.status)


@app.task(name="jobdigest.plan_tags")
def plan_tags(group: str | None = None) -> int:
    """The tag planner: a task per batch of postings whose tags are stale."""
    batches = units.plan_tags(_db(group), _cfg(group))
    for posting_ids in batches:
        tag_batch.delay(posting_ids, group=group)
    return len(batches)


@app.task(name="jobdigest.tag_batch")
def tag_batch(posting_ids: list[int], group: str | None = None) -> str:
    """Tag one batch of postings (those of them still stale)."""
    return str(units.tag_batch(_db(group), _cfg(group), posting_ids))


@app.task(name="jobdigest.send_if_due")
def send_if_due(group: str | None = None) -> int:
    """When the group's digest time has passed within the grace window (in its own zone),
    plan this period's sends; the delivery rows make every repeat a no-op (and find what a
    lost task left). Without a group (the beat): each group's check."""
    if group is None and len(_slugs()) > 1:
        return sum(send_if_due(group=slug) for slug in _slugs())
    period = due_period(_cfg(group), datetime.now(UTC))
    if period is None or period_sent(_db(group), period):
        return 0
    return plan_sends(period, group=group)


@app.task(name="jobdigest.plan_sends")
def plan_sends(period: str, group: str | None = None) -> int:
    """The send planner: a task per batch of members still owed the period's digest."""
    batches = units.plan_sends(_db(group), _cfg(group), period)
    if not batches:  # every member owed the digest has it: the period is done
        finish_period(_db(group), period)
    for member_ids in batches:
        send_batch.delay(period, member_ids, group=group)
    return len(batches)


@app.task(name="jobdigest.send_batch")
def send_batch(period: str, member_ids: list[int], group: str | None = None) -> str:
    """Compose and send one batch of members' digests (exactly once per member and period)."""
    result = units.send_batch(_db(group), _cfg(group), period, member_ids)
    log.info("send batch of %d: %s", len(member_ids), result)
    return str(result)
