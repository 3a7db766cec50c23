"""The job catalogue: each a plain, idempotent unit keyed by ids, safe to run twice.

In-process (`jobdigest run`, `run --once`) a job runs its planner's batches one after the other
through the units of digest/units.py; under Celery (schedules/tasks.py) the same planners fan
the same units out as one task per batch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from digest import units
from digest.config import Config
from digest.store.db import Database


@dataclass(frozen=True)
class Job:
    name: str
    summary: str
    run: Callable[[Database, Config], Any]


def send_digests(db: Database, cfg: Config) -> Any:
    from digest.delivery.send import send_digests as send

    return send(db, cfg)


CATALOGUE = {
    job.name: job
    for job in (
        Job("poll", "read the group inbox: store, parse, move", units.poll_inbox),
        Job("record", "record stored mail not recorded yet", units.run_records),
        Job("fetch", "fetch due feeds and job boards", units.run_fetches),
        Job("enrich", "read job pages of link-only postings ([fetch] enrich_links)", units.enrich_unit),
        Job("retag", "tag new postings and re-tag after rule changes", units.run_tags),
        Job("bounces", "count delivery reports in the inbox against members",
            lambda db, _cfg: units.apply_bounces_unit(db)),
        Job("outbox", "send the web app's waiting mail (sign-in links, confirmations)",
            units.send_outbox_unit),
        Job("send-digests", "send this period's digests", send_digests),
    )
}  # fmt: skip
