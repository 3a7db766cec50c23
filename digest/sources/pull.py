"""Configured feeds and job boards: fetching one source is one idempotent unit of work.

Interface (stable):
    sync_sources(session, cfg) -> list[int]
    fetch_source(db, source_id, cfg, *, now=None, force=False) -> SourceResult
    fetch_due_sources(db, cfg, now=None) -> list[SourceResult]
    resume_source(session, source_id) -> None
    board_url(kind, company) -> str

Sources are the configured feeds and `[[boards]]` (jobdigest.toml) and the career sites leads
watch (digest/sources/watches.py: Source rows with origin "watch"); both are fetched here. Boards
that take one request (Greenhouse, Lever, Ashby, Workable, Recruitee, Personio) are fetched like
feeds, with conditional GETs; paged boards (Workday, SmartRecruiters) go through
digest/sources/crawl.py, capped at `[fetch] max_pages_per_run` requests a run.

Why it is shaped like this:
- No database transaction is held open during network I/O: a source's state is read, the URL is
  fetched, and the outcome (postings, validators, health) is written in one short transaction, so
  a crash in between leaves the source exactly as it was and the next run simply fetches again.
- An entry is ingested once: each posting is stored with the entry's key, and the sightings table's
  unique (source_id, entry_key) makes a repeat a no-op, even when two workers race.
- Sources are fetched concurrently (at most `[fetch] concurrency` at a time, threads: the work
  is waiting on sockets), each bounded by the fetch deadline, so one slow or hostile host delays
  no other source and holds a worker for at most `[fetch] deadline_seconds`.
- Failing sources back off exponentially (5 min x 2^n, capped at a day, +/-10 % jitter so many
  sources failing together do not retry in lockstep) and are paused once they have failed
  continuously for three days, keeping the reason for the operator.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from digest.clock import utcnow
from digest.config import Config
from digest.errors import UserError
from digest.ingest.record import store_postings
from digest.sources.crawl import PAGED_KINDS, crawl
from digest.sources.fetch import FetchResult, fetch
from digest.store.db import Database
from digest.store.locks import Work, claimed
from digest.store.models import Sighting, Source, Subgroup
from parsers.boards import parse_board_entries
from parsers.careers import KINDS, UnknownCareersSite, label, recognise, site_for
from parsers.company import normalize_company
from parsers.feeds import FeedEntry, parse_feed_entries
from parsers.model import ParsedItem

BASE_BACKOFF = timedelta(minutes=5)
MAX_BACKOFF = timedelta(days=1)
PAUSE_AFTER = timedelta(days=3)
JITTER = 0.1
BOARD_KINDS = KINDS


def backoff(
    failures: int, *, jitter: float = JITTER, rng: random.Random | None = None
) -> timedelta:
    """Delay before the next attempt after `failures` failures in a row."""
    exponent = max(0, min(failures - 1, 20))
    delay = min(BASE_BACKOFF * (2**exponent), MAX_BACKOFF)
    if jitter:
        delay *= 1 + (rng or random).uniform(-jitter, jitter)
    return min(delay, MAX_BACKOFF)


@dataclass(slots=True)
class SourceResult:
    """What fetching one source did; `status` is ok | not_modified | failed | paused | skipped |
    busy (another worker is fetching it)."""

    source_id: int
    key: str
    status: str
    entries: int = 0
    posting_ids: list[int] = field(default_factory=list)
    error: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def new_sightings(self) -> int:
        return len(self.posting_ids)


# --------------------------------------------------------------------------- configuration


def board_url(kind: str, company: str) -> str:
    """The public API URL of a company's board (`company`: its id or any careers URL)."""
    return site_for(kind, company).api_url


def _upsert(
    session: Session, kind: str, key: str, name: str, subgroups: list[str], careers: str = ""
) -> int:
    source = session.scalar(select(Source).where(Source.key == key))
    if source is None:
        source = Source(kind=kind, key=key, name=name, subgroups=list(subgroups))
        session.add(source)
    else:
        source.kind, source.name, source.subgroups = kind, name, list(subgroups)
    if kind in BOARD_KINDS:
        source.careers_url = careers or source.careers_url
        source.company_key = normalize_company(name)
    session.flush()
    return source.id


def _watch_ids(session: Session) -> list[int]:
    """Career sites leads watch (not removed): fetched like the configured boards."""
    query = select(Source.id).where(Source.origin == "watch", Source.removed_at.is_(None))
    return list(session.scalars(query.order_by(Source.id)))


def sync_sources(session: Session, cfg: Config) -> list[int]:
    """Sources for cfg.feeds and cfg.boards (keyed by URL); returns their ids in config order.

    Sources no longer configured are left in place (their sightings credit them) but are not
    returned, so they are no longer fetched. Watched career sites are not config: see
    `fetch_due_sources`.
    """
    known = {name.casefold(): name for name in session.scalars(select(Subgroup.name))}
    ids: list[int] = []
    for feed in cfg.feeds:
        names = _known_subgroups(cfg, f"feed {feed.name or feed.url}", feed.subgroups, known)
        ids.append(_upsert(session, "feed", feed.url, feed.name or feed.url, names))
    for board in cfg.boards:
        site = site_for(board.kind, board.company)
        name = board.name or site.name
        where = f"{board.kind} board {name}"
        names = _known_subgroups(cfg, where, board.subgroups, known)
        ids.append(_upsert(session, board.kind, site.api_url, name, names, site.careers_url))
    return list(dict.fromkeys(ids))


def _known_subgroups(cfg: Config, where: str, names: list[str], known: dict[str, str]) -> list[str]:
    """A source's `subgroups`, spelled as the sub-groups are; a name that is none of them would
    silently feed nobody, so it stops the fetch with the feed and the names it could be."""
    spelled = []
    for name in names:
        found = known.get(name.strip().casefold())
        if found is None:
            choices = ", ".join(sorted(known.values())) or "none yet: import subgroups first"
            raise UserError(
                f"{cfg.path.name if cfg.path else 'config'}: {where}: subgroups: unknown "
                f"sub-group {name!r} (known: {choices}); fix the name, or import the sub-group first"
            )
        spelled.append(found)
    return spelled


def resume_source(session: Session, source_id: int) -> None:
    """Unpause a source and let it be fetched at the next run."""
    source = session.get(Source, source_id)
    if source is None:
        raise UserError(f"sources resume: no source with id {source_id} (see `jobdigest sources`)")
    source.paused, source.consecutive_failures, source.next_attempt = False, 0, None
    source.failing_since = None


# --------------------------------------------------------------------------- one source


@dataclass(frozen=True, slots=True)
class _Snapshot:
    id: int
    kind: str
    key: str
    name: str
    etag: str
    last_modified: str
    paused: bool
    next_attempt: datetime | None
    origin: str = "config"


def _snapshot(db: Database, source_id: int) -> _Snapshot | None:
    with db.session() as session:
        s = session.get(Source, source_id)
        if s is None:
            return None
        return _Snapshot(
            s.id, s.kind, s.key, s.name, s.etag, s.last_modified, s.paused, s.next_attempt, s.origin
        )


def _board_company(snap: _Snapshot) -> str:
    """The company a board's postings are at: the watch's or the board's given name. A board
    configured without a name is named after its address ("sabre"); its own data (Workday's
    hiring organisation, Greenhouse's company name) or the address's words then say better."""
    if not snap.name or snap.name == snap.key:
        return ""
    if snap.origin != "watch":
        try:
            if recognise(snap.key).name == snap.name:
                return ""
        except UnknownCareersSite:
            pass
    return snap.name


def _parse(snap: _Snapshot, got: FetchResult) -> tuple[ParsedItem, list[FeedEntry]]:
    """Entries of a fetched body; an unreadable body becomes an item with `error`."""
    if snap.kind in BOARD_KINDS:
        company = _board_company(snap)
        parsed = parse_board_entries(
            got.content, got.final_url or snap.key, company=company, kind=snap.kind
        )
        if parsed is None:
            item = ParsedItem(kind="board", file=snap.key)
            moved = f" (redirected to {got.final_url})" if got.redirects else ""
            item.error = f"{snap.key}: not a {label(snap.kind)} job board response{moved}"
            return item, []
        return parsed
    return parse_feed_entries(got.content, got.final_url or snap.key)


def board_error(kind: str, got: FetchResult) -> str:
    """A board's fetch error with what it means: a site that moved or is gone is named so."""
    what = f"{label(kind)} career site"
    if got.location:
        return f"{got.error}: the {what} moved; watch the new address and remove this one"
    if got.status in (404, 410):
        return (
            f"{got.error}: the {what} is not there (the company may have moved it or closed "
            "the board); check it in a browser, then remove this board or watch its new address"
        )
    return got.error


def _seen_keys(session: Session, source_id: int, keys: list[str]) -> set[str]:
    """Which of these entry keys this source has ingested before, one query per 500 keys."""
    wanted = list(dict.fromkeys(k for k in keys if k))
    seen: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        seen.update(
            k
            for k in session.scalars(
                select(Sighting.entry_key).where(
                    Sighting.source_id == source_id, Sighting.entry_key.in_(chunk)
                )
            )
            if k
        )
    return seen


def _unseen(session: Session, source_id: int, entries: list[FeedEntry]) -> list[FeedEntry]:
    """Entries not ingested from this source before.

    Most fetches of a feed repeat what the last one had; store_postings would skip those too,
    but one lookup per entry.
    """
    seen = _seen_keys(session, source_id, [e.key for e in entries])
    return [e for e in entries if e.key not in seen]


def _store(
    db: Database, snap: _Snapshot, got: FetchResult, entries: list[FeedEntry], now: datetime
) -> list[int]:
    """Postings, validators and health in one transaction; retried once if a worker raced us."""
    for attempt in range(2):
        try:
            with db.session() as session:
                fresh = _unseen(session, snap.id, entries)
                ids = store_postings(
                    session,
                    [e.posting for e in fresh],
                    source_id=snap.id,
                    entry_keys=[e.key for e in fresh],
                )
                source = session.get_one(Source, snap.id)
                if got.not_modified:  # a 304 may omit the validators: keep the ones we have
                    source.etag = got.etag[:500] or source.etag
                    source.last_modified = got.last_modified[:100] or source.last_modified
                else:
                    source.etag, source.last_modified = got.etag[:500], got.last_modified[:100]
                source.last_attempt = source.last_success = now
                source.consecutive_failures, source.last_error = 0, ""
                source.failing_since = None
                source.next_attempt = None
                return ids
        except IntegrityError:
            if attempt:
                raise
    return []


def _record_failure(db: Database, snap: _Snapshot, error: str, now: datetime) -> bool:
    """Count the failure, schedule the retry, pause a long-failing source; True if paused."""
    with db.session() as session:
        source = session.get_one(Source, snap.id)
        source.consecutive_failures += 1
        source.last_attempt = now
        source.last_error = error[:4000]
        source.next_attempt = now + backoff(source.consecutive_failures)
        source.failing_since = source.failing_since or now
        # Failing for days, not just once after the service itself was down for days.
        if now - source.failing_since >= PAUSE_AFTER and source.consecutive_failures >= 3:
            source.paused = True
            source.next_attempt = None
            source.last_error = (
                f"paused after failing for {(now - source.failing_since).days} days ({source.consecutive_failures} attempts)"
                f" (resume it once fixed); last error: {error}"
            )[:4000]
        return source.paused


def fetch_source(
    db: Database, source_id: int, cfg: Config, *, now: datetime | None = None, force: bool = False
) -> SourceResult:
    """Fetch one source and ingest its new entries. Safe to run twice; never raises for I/O."""
    now = now or utcnow()
    snap = _snapshot(db, source_id)
    if snap is None:
        return SourceResult(source_id, "", "skipped", error=f"no source with id {source_id}")
    if not force and snap.paused:
        return SourceResult(snap.id, snap.key, "paused")
    if not force and snap.next_attempt and snap.next_attempt > now:
        return SourceResult(snap.id, snap.key, "skipped")
    if snap.kind in PAGED_KINDS:
        return _fetch_paged(db, snap, cfg, now)
    got = fetch(snap.key, cfg=cfg.fetch, etag=snap.etag, last_modified=snap.last_modified)
    if got.error:
        error = board_error(snap.kind, got) if snap.kind in BOARD_KINDS else got.error
        return _failed(db, snap, error, now)
    if got.not_modified:
        _store(db, snap, got, [], now)
        return SourceResult(snap.id, snap.key, "not_modified")
    item, entries = _parse(snap, got)
    if item.error and not entries:
        return _failed(db, snap, item.error, now)
    ids = _store(db, snap, got, entries, now)
    warnings = list(item.warnings)
    if got.redirects and snap.kind in BOARD_KINDS:
        warnings.append(f"the {label(snap.kind)} board now answers at {got.final_url}")
    return SourceResult(
        snap.id, snap.key, "ok", entries=len(entries), posting_ids=ids, warnings=warnings
    )


def _fetch_paged(db: Database, snap: _Snapshot, cfg: Config, now: datetime) -> SourceResult:
    """A paged board (Workday, SmartRecruiters): list pages and new jobs' details, capped."""

    def known(keys: list[str]) -> set[str]:
        with db.session() as session:
            return _seen_keys(session, snap.id, keys)

    run = crawl(snap.kind, snap.key, company=_board_company(snap), cfg=cfg.fetch, known=known)
    if run.error:
        failed = run.result is not None and bool(run.result.error)
        error = board_error(snap.kind, run.result) if failed and run.result else run.error
        return _failed(db, snap, error, now)
    ids = _store(db, snap, FetchResult(url=snap.key), run.entries, now)
    return SourceResult(
        snap.id, snap.key, "ok", entries=len(run.entries), posting_ids=ids, warnings=run.warnings
    )


def _failed(db: Database, snap: _Snapshot, error: str, now: datetime) -> SourceResult:
    paused = _record_failure(db, snap, error, now)
    return SourceResult(snap.id, snap.key, "paused" if paused else "failed", error=error)


def due_source_ids(db: Database, cfg: Config, now: datetime | None = None) -> list[int]:
    """The fetch planner: every configured source and watched career site that is neither
    paused nor backing off (the sources table brought in line with the config first)."""
    now = now or utcnow()
    with db.session() as session:
        ids = list(dict.fromkeys(sync_sources(session, cfg) + _watch_ids(session)))
        return list(
            session.scalars(
                select(Source.id)
                .where(Source.id.in_(ids), Source.paused.is_(False))
                .where((Source.next_attempt.is_(None)) | (Source.next_attempt <= now))
                .order_by(Source.id)
            )
        )


def fetch_claimed(
    db: Database, source_id: int, cfg: Config, now: datetime | None = None
) -> SourceResult:
    """fetch_source, claimed in the database first: a source another worker is fetching right
    now is left to it (status 'busy') instead of being fetched twice."""
    with claimed(db, Work.FETCH, source_id) as mine:
        if not mine:
            return SourceResult(source_id, "", "busy")
        return fetch_source(db, source_id, cfg, now=now)


def fetch_due_sources(db: Database, cfg: Config, now: datetime | None = None) -> list[SourceResult]:
    """Every due source (`due_source_ids`), `[fetch] concurrency` at a time; results in
    source order."""
    now = now or utcnow()
    due = due_source_ids(db, cfg, now)
    if len(due) <= 1 or cfg.fetch.concurrency <= 1:
        return [fetch_claimed(db, source_id, cfg, now=now) for source_id in due]
    workers = min(cfg.fetch.concurrency, len(due))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="jobdigest-fetch") as pool:
        return list(pool.map(lambda source_id: fetch_claimed(db, source_id, cfg, now=now), due))


def fetch_all(db: Database, cfg: Config) -> list[SourceResult]:
    """Bring the sources table in line with the config, then fetch what is due: one call for
    the CLI and the scheduler alike."""
    with db.session() as session:
        sync_sources(session, cfg)
    return fetch_due_sources(db, cfg)


def list_sources(db: Database, cfg: Config) -> list[Source]:
    """Every source with its health, after bringing the table in line with the config."""
    with db.session() as session:
        sync_sources(session, cfg)
        return list(session.scalars(select(Source).order_by(Source.id)))
