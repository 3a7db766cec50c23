"""The job catalogue: each a plain, idempotent unit keyed by ids, safe to run twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from digest.config import Config
from digest.store.db import Database


@dataclass(frozen=True)
class Job:
    name: str
    summary: str
    run: Callable[[Database, Config], Any]


def poll_inbox(db: Database, cfg: Config) -> Any:
    from digest.delivery.replies import send_replies
    from digest.inbox.poll import poll

    if not cfg.inbox.host:
        return None
    result = poll(db, cfg)
    if cfg.smtp.host:
        send_replies(db, cfg)  # receipts and unsubscribe confirmations the poll decided on
    return result


def fetch_sources(db: Database, cfg: Config) -> Any:
    from digest.sources.pull import fetch_all

    return fetch_all(db, cfg)


def enrich(db: Database, cfg: Config) -> Any:
    from digest.sources.enrich import enrich_links

    return enrich_links(db, cfg) if cfg.fetch.enrich_links else None


def retag(db: Database, cfg: Config) -> Any:
    from digest.tagging.tag import semantic_tagger, tag_pending

    return tag_pending(db, semantic=semantic_tagger(db, cfg), cfg=cfg)


def bounces(db: Database, cfg: Config) -> Any:
    from digest.inbox.bounces import apply_bounces

    with db.session() as session:
        return apply_bounces(session)


def send_digests(db: Database, cfg: Config) -> Any:
    from digest.delivery.send import send_digests as send

    return send(db, cfg)


CATALOGUE = {
    job.name: job
    for job in (
        Job("poll", "read the group inbox: store, parse, move", poll_inbox),
        Job("fetch", "fetch due feeds and job boards", fetch_sources),
        Job("enrich", "read job pages of link-only postings ([fetch] enrich_links)", enrich),
        Job("retag", "tag new postings and re-tag after rule changes", retag),
        Job("bounces", "count delivery reports in the inbox against members", bounces),
        Job("send-digests", "send this period's digests", send_digests),
    )
}
