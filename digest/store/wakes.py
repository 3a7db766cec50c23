"""Work a web request asked for, recorded for a worker: web requests never run pipeline jobs.

A request records its intent in the database (a rules version bumped, postings' tags marked
stale, a mail set back to 'new' with who asked) plus a wake naming the job that does the work,
then `notify` tells a worker. With `[queue] broker_url` that is a Celery task sent by name
(celery is imported only then, and nothing of schedules/ is: the layers stay one way); without
one, `jobdigest run` looks at the wakes table every few seconds. Either way the work itself is
found from the durable state, so a wake lost with Redis or a dead worker only delays it until
the next ingest run.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from digest.clock import utcnow
from digest.config import Config
from digest.errors import UserError
from digest.store.db import Database
from digest.store.models import Wake

log = logging.getLogger("jobdigest.wakes")

#: the jobs a wake may name (schedules/jobs.py CATALOGUE names)
RETAG = "retag"
RECORD = "record"
OUTBOX = "outbox"
WAKE_TASK = "jobdigest.wake"


def record_wake(session: Session, job: str, reason: str) -> None:
    """Ask for `job` in the caller's transaction (committed with the intent it serves)."""
    session.add(Wake(job=job, reason=reason[:500]))


def take_wakes(db: Database) -> list[str]:
    """The jobs asked for since the last look, each once; the wakes are taken by this caller
    (two workers looking at once each take different rows, so no job is run twice for one)."""
    with db.session() as session:
        if session.scalar(select(Wake.id).where(Wake.taken_at.is_(None)).limit(1)) is None:
            return []  # the usual case: a read, no write lock taken every few seconds
        taken = session.scalars(
            update(Wake)
            .where(Wake.taken_at.is_(None))
            .values(taken_at=utcnow())
            .returning(Wake.job)
        ).all()
    return sorted(set(taken))


def waiting_wakes(session: Session, job: str) -> int:
    """Wakes for `job` no worker took yet (a page says the work has not started)."""
    query = select(func.count()).where(Wake.job == job, Wake.taken_at.is_(None))
    return session.scalar(query) or 0


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


def notify(cfg: Config) -> None:
    """Tell a worker there are wakes of the group: a Celery task by name with a broker, else nothing (the
    in-process runner looks at the table). A broker that is down costs a log line, not the
    request: the work waits in the database for the next ingest run."""
    if not cfg.queue.broker_url:
        return
    try:
        _sender(broker_url(cfg)).send_task(
            WAKE_TASK, kwargs={"group": cfg.group.slug}, queue="jobdigest", retry=False
        )
    except Exception as exc:  # noqa: BLE001 - kombu raises many kinds; all mean "not now"
        log.warning("could not wake a worker through the broker: %s", exc)


@cache
def _sender(url: str) -> Any:
    """One Celery app per broker URL, used only to send tasks by name."""
    from celery import Celery

    app = Celery("jobdigest-wakes", broker=url, set_as_current=False)
    app.conf.update(broker_connection_timeout=3, broker_connection_retry=False)
    return app
