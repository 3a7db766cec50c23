"""The units of work, each a plain idempotent function keyed by ids, and the planners that list them.

Every executor calls these same functions: the CLI and `jobdigest run` in-process, one after the
other (`run_*`), and Celery one task per batch (schedules/tasks.py). The durable state is in the
database (stored mail still 'new', postings whose tags are stale, members without a finished
delivery row for the period), so a planner run again finds whatever a lost task left, and a
unit run twice does nothing the second time.

A unit claims its work in the database before doing it (digest/store/locks.py): two workers
given the same batch (a task redelivered after its worker died, two planners that listed the
same work) never do it side by side; the second one returns at once, and a killed worker's
claim dies with it. Batches are ranges of ids, so the planners of two workers agree on them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from digest.config import Config
from digest.delivery.outbox import OutboxResult, send_outbox
from digest.delivery.send import SendResult, plan_batches, send_batch
from digest.inbox.bounces import BounceResult, apply_bounces
from digest.inbox.poll import PollResult, poll
from digest.ingest.budget import ParseBudget
from digest.ingest.record import PARSE_CHUNK, process_pending
from digest.ingest.verdict import Rules
from digest.sources.enrich import EnrichResult, enrich_links
from digest.sources.pull import SourceResult, due_source_ids, fetch_claimed
from digest.store.db import Database
from digest.store.locks import Work, claimed, range_key, ranges
from digest.store.models import RawMessage
from digest.store.statuses import MailStatus
from digest.tagging.semantic import SemanticTagger
from digest.tagging.tag import TagResult, semantic_tagger, stale_ids, tag_pending

__all__ = [
    "SendResult",
    "apply_bounces_unit",
    "enrich_unit",
    "fetch_source",
    "plan_fetches",
    "plan_records",
    "plan_sends",
    "plan_tags",
    "poll_inbox",
    "record_chunk",
    "run_fetches",
    "run_records",
    "run_tags",
    "send_batch",
    "send_outbox_unit",
    "tag_batch",
]

#: stored mails per record batch (one parse chunk); postings per tag batch (small enough that
#: a re-tag after a rule change is shared by the workers, large enough to amortize the matcher)
RECORD_RANGE = PARSE_CHUNK
TAG_RANGE = 500
#: the inbox's claim: each group has one inbox, and its locks are the group's own
#: (store.locks.lock_class), so the key within the group is 0
INBOX_KEY = 0


# -- the inbox --------------------------------------------------------------------------------


def poll_inbox(db: Database, cfg: Config) -> PollResult | None:
    """Poll the group inbox (store, record, move), then send the replies it decided on. None
    when no inbox is configured, or another worker is polling it right now."""
    from digest.delivery.replies import send_replies

    if not cfg.inbox.host:
        return None
    with claimed(db, Work.POLL, INBOX_KEY) as mine:
        if not mine:
            return None
        result = poll(db, cfg)
    if cfg.smtp.host:
        send_replies(db, cfg)  # receipts and unsubscribe confirmations the poll decided on
    return result


def plan_records(db: Database) -> list[list[int]]:
    """Stored mails not recorded yet (a poll or an import that died, the database gone
    mid-ingest), as batches of ids."""
    with db.session() as session:
        query = select(RawMessage.id).where(RawMessage.status == MailStatus.NEW)
        return ranges(session.scalars(query.order_by(RawMessage.id)), RECORD_RANGE)


def record_chunk(db: Database, cfg: Config, raw_ids: Sequence[int]) -> dict[str, int]:
    """Record these stored mails (those still 'new'): counts of the statuses they got.

    Held off while a poll runs (the poll records what it stores itself) and per range, so no
    mail is recorded by two workers at once."""
    counts: dict[str, int] = {}
    rules, budget = Rules.from_config(cfg), ParseBudget.from_config(cfg.inbox)
    with claimed(db, Work.POLL, INBOX_KEY, shared=True) as free:
        if not free:
            return counts
        for ids in ranges(raw_ids, RECORD_RANGE):
            with claimed(db, Work.RECORD, range_key(ids[0], RECORD_RANGE)) as mine:
                if mine:
                    _add(counts, process_pending(db.sessions, ids, rules=rules, budget=budget))
    return counts


def _add(counts: dict[str, int], more: dict[str, int]) -> None:
    for status, n in more.items():
        counts[status] = counts.get(status, 0) + n


# -- sources ----------------------------------------------------------------------------------


def plan_fetches(db: Database, cfg: Config) -> list[int]:
    """Ids of the feeds, boards and watched sites due for a fetch."""
    return due_source_ids(db, cfg)


def fetch_source(db: Database, cfg: Config, source_id: int) -> SourceResult:
    """Fetch one source and record its new entries (left alone while another worker has it)."""
    return fetch_claimed(db, source_id, cfg)


def enrich_unit(db: Database, cfg: Config) -> EnrichResult | None:
    """Read the job pages of link-only postings, when [fetch] enrich_links is on."""
    return enrich_links(db, cfg) if cfg.fetch.enrich_links else None


# -- tagging ----------------------------------------------------------------------------------


def plan_tags(db: Database, cfg: Config) -> list[list[int]]:
    """Postings whose tags are missing or stale, as batches of ids."""
    return ranges(stale_ids(db), TAG_RANGE)


def tag_batch(
    db: Database, cfg: Config, posting_ids: Sequence[int], semantic: SemanticTagger | None = None
) -> TagResult:
    """Tag those of these postings still stale (a batch tagged already costs one query).
    `semantic`: the embedding tagger when the caller has built it once for many batches."""
    total = TagResult()
    stale = stale_ids(db, posting_ids)  # a batch planned twice (or tagged meanwhile): no work
    if not stale:
        return total
    semantic = semantic or semantic_tagger(db, cfg)
    for ids in ranges(stale, TAG_RANGE):
        with claimed(db, Work.TAG, range_key(ids[0], TAG_RANGE)) as mine:
            if mine:
                total.add(tag_pending(db, ids, semantic=semantic, cfg=cfg, stale_only=True))
    return total


# -- bounces and digests ----------------------------------------------------------------------


def apply_bounces_unit(db: Database) -> BounceResult:
    """Count the delivery reports the poll stored against their members."""
    with db.session() as session:
        return apply_bounces(session)


def plan_sends(db: Database, cfg: Config, period: str) -> list[list[int]]:
    """Members still owed the period's digest, as batches of ids (bounces counted first, so a
    member whose address just bounced is not mailed)."""
    apply_bounces_unit(db)
    return plan_batches(db, cfg, period)


def send_outbox_unit(db: Database, cfg: Config) -> OutboxResult | None:
    """Send the web app's mail still waiting (a web process died, or its server was down);
    None when there was none."""
    result = send_outbox(db, cfg)
    return result if result.sent or result.failed else None


# -- in-process: the planners' batches one after the other ----------------------------------


def run_records(db: Database, cfg: Config) -> dict[str, int] | None:
    """Every stored mail not recorded yet, batch after batch (None: there was none)."""
    counts: dict[str, int] = {}
    for ids in plan_records(db):
        _add(counts, record_chunk(db, cfg, ids))
    return counts or None


def run_fetches(db: Database, cfg: Config) -> list[SourceResult]:
    """Every due source, `[fetch] concurrency` at a time (the same claimed fetch per source)."""
    from digest.sources.pull import fetch_due_sources

    return fetch_due_sources(db, cfg)


def run_tags(db: Database, cfg: Config) -> TagResult:
    """Every stale posting, batch after batch."""
    total = TagResult()
    semantic = semantic_tagger(db, cfg)
    for ids in plan_tags(db, cfg):
        total.add(tag_batch(db, cfg, ids, semantic))
    return total
