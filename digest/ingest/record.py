"""Turning parsed items into postings: dedup, merge, credits. One function per kind of input.

Recording works on plain rows (SQLAlchemy Core), not ORM objects: ORM bookkeeping cost more
than the SQL itself. An inbox batch becomes a few SELECTs, one multi-row INSERT per table and a
few executemany UPDATEs, in one transaction. Should anything in that transaction fail, it is
rolled back whole and the batch is recorded again one message per transaction, so one bad
message never costs the others and nothing is recorded twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from digest.ingest.budget import ParseBudget
from digest.ingest.parallel import parse_stream
from digest.store.members import find_member
from digest.store.models import Posting, RawMessage, Sighting
from parsers import company, fingerprint
from parsers.dates import resolve_relative_dates
from parsers.fingerprint import similar_titles
from parsers.mail import parse_mail
from parsers.model import ParsedItem
from parsers.model import Posting as ParsedPosting

PARSE_CHUNK = 200
#: parsed mails recorded together while the workers parse the next ones: one lookup per group
RECORD_GROUP = 16
FUZZY_WINDOW = timedelta(days=60)
FUZZY_THRESHOLD = 0.8
#: bound parameters per IN (...) list, well under every backend's limit
IN_CHUNK = 900

_POSTINGS = Posting.__table__
_SIGHTINGS = Sighting.__table__
_RAWS = RawMessage.__table__
#: text columns a later sighting may fill when the first one left them empty, with their sizes
_FILLABLE = {
    "title": 500,
    "company": 300,
    "location": 300,
    "url": None,
    "posted_at": 40,
    "description": None,
    "salary": 200,
}
#: pure and called for every posting of every message several times: remembered per process
normalize_company = lru_cache(maxsize=4096)(company.normalize_company)
_fingerprint = lru_cache(maxsize=8192)(fingerprint.fingerprint)
_LOADED = (
    "id",
    *_FILLABLE,
    "canonical_url",
    "remote",
    "company_key",
    "held",
    "fingerprint",
    "first_seen",
)


def _loaded_columns() -> list[Any]:
    return [_POSTINGS.c[name] for name in _LOADED]


def _cut(value: str, size: int | None) -> str:
    return value[:size] if size else value


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


@dataclass(eq=False, slots=True)
class _Row:
    """A posting as a batch sees it: its columns, its id once it has one, what changed."""

    values: dict[str, Any]
    new: bool = False
    dirty: set[str] = field(default_factory=set)

    @property
    def id(self) -> int | None:
        return self.values.get("id")

    def set(self, column: str, value: Any) -> None:
        if self.values.get(column) != value:
            self.values[column] = value
            self.dirty.add(column)


@dataclass(slots=True)
class _Credit:
    row: _Row
    raw_message_id: int | None
    source_id: int | None
    entry_key: str | None
    member_id: int | None
    sender: str
    note: str


class PostingBatch:
    """Dedup, merge and credits for many postings at once; nothing is written until flush().

    Dedup: canonical URL, else the title/company/location fingerprint, else (no URL at all) a
    fuzzy title match at the same company. A posting seen twice in the batch is one row, exactly
    as if the sightings had been recorded one after the other.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: dict[int, _Row] = {}
        self.new_rows: list[_Row] = []
        self.by_url: dict[str, _Row] = {}
        self.by_fp: dict[str, _Row] = {}
        self.by_company: dict[str, list[_Row]] = {}
        self.credits: list[_Credit] = []
        #: (raw message id, posting row) pairs already credited, in the database or this batch
        self.credited: set[tuple[int, int]] = set()
        self.known_raws: set[int] = set()
        #: URLs and fingerprints already looked up (found or not): never asked twice
        self.asked_urls: set[str] = set()
        self.asked_fps: set[str] = set()

    # -- lookups ------------------------------------------------------------------------------

    def preload(self, postings: Iterable[ParsedPosting]) -> None:
        """Fetch the stored postings these could merge into: two queries, not two per posting."""
        urls, fps = set(), set()
        for p in postings:
            if p.canonical_url and p.canonical_url not in self.asked_urls:
                urls.add(p.canonical_url)
            fp = _fingerprint(p.title, p.company, p.location)
            if fp and fp not in self.asked_fps:
                fps.add(fp)
        self.asked_urls.update(urls)
        self.asked_fps.update(fps)
        columns = _loaded_columns()
        for chunk in _chunks(sorted(urls)):
            for row in self.session.execute(
                select(*columns).where(_POSTINGS.c.canonical_url.in_(chunk))
            ).mappings():
                self.by_url[row["canonical_url"]] = self._known(row)
        for chunk in _chunks(sorted(fps)):
            query = select(*columns).where(_POSTINGS.c.fingerprint.in_(chunk))
            for row in self.session.execute(query.order_by(_POSTINGS.c.id)).mappings():
                self.by_fp.setdefault(row["fingerprint"], self._known(row))

    def preload_credits(self, raw_message_ids: Iterable[int]) -> None:
        """Sightings the messages already have (when reprocessed): they are not recorded again."""
        wanted = sorted(set(raw_message_ids) - self.known_raws)
        self.known_raws.update(wanted)
        for chunk in _chunks(wanted):
            query = select(_SIGHTINGS.c.raw_message_id, _SIGHTINGS.c.posting_id).where(
                _SIGHTINGS.c.raw_message_id.in_(chunk)
            )
            for raw_id, posting_id in self.session.execute(query):
                self.credited.add((raw_id, posting_id))

    def known_entry_keys(self, source_id: int, keys: list[str]) -> set[str]:
        seen: set[str] = set()
        for chunk in _chunks(sorted(set(keys))):
            query = select(_SIGHTINGS.c.entry_key).where(
                _SIGHTINGS.c.source_id == source_id, _SIGHTINGS.c.entry_key.in_(chunk)
            )
            seen.update(k for k in self.session.scalars(query) if k)
        return seen

    def _known(self, mapping: Any) -> _Row:
        """One _Row per stored posting, however many lookups find it."""
        posting_id = mapping["id"]
        row = self.rows.get(posting_id)
        if row is None:
            row = self.rows[posting_id] = _Row(dict(mapping))
            self._index_company(row)
        return row

    def _index_company(self, row: _Row) -> None:
        if row.values["company_key"]:
            self.by_company.setdefault(row.values["company_key"], []).append(row)

    def _fuzzy_match(self, p: ParsedPosting) -> _Row | None:
        """A recent posting at the same company whose title has nearly the same words."""
        comp = normalize_company(p.company)
        if not (comp and p.title):
            return None
        since = datetime.utcnow() - FUZZY_WINDOW
        query = (
            select(*_loaded_columns())
            .where(_POSTINGS.c.company_key == comp, _POSTINGS.c.first_seen >= since)
            .order_by(_POSTINGS.c.id)
            .limit(200)
        )
        for mapping in self.session.execute(query).mappings():
            self._known(mapping)
        candidates = [r for r in self.by_company.get(comp, []) if r.values["first_seen"] >= since]
        candidates.sort(key=lambda r: (r.new, r.id or 0))
        return next(
            (
                r
                for r in candidates
                if similar_titles(r.values["title"], p.title) >= FUZZY_THRESHOLD
            ),
            None,
        )

    # -- placing and crediting ----------------------------------------------------------------

    def place(self, p: ParsedPosting, held: bool) -> _Row:
        """The posting row `p` is a sighting of: an existing one (merged) or a new one."""
        fp = _fingerprint(p.title, p.company, p.location)
        row = (
            self.by_url.get(p.canonical_url)
            or self.by_fp.get(fp)
            or (None if p.canonical_url else self._fuzzy_match(p))
        )
        if row is None:
            row = self._new_row(p, fp, held)
        else:
            self._merge(row, p, held)
        if p.canonical_url:
            self.by_url[p.canonical_url] = row
        if fp:
            self.by_fp.setdefault(fp, row)
        return row

    def _new_row(self, p: ParsedPosting, fp: str, held: bool) -> _Row:
        values = {name: _cut(getattr(p, name), size) for name, size in _FILLABLE.items()}
        values.update(
            company_key=normalize_company(p.company),
            remote=p.remote,
            canonical_url=p.canonical_url or None,
            fingerprint=fp,
            origin=p.origin,
            first_seen=datetime.utcnow(),
            held=held,
        )
        row = _Row(values, new=True)
        self.new_rows.append(row)
        self._index_company(row)
        return row

    def _merge(self, row: _Row, p: ParsedPosting, held: bool) -> None:
        """Fill what the first sighting did not know; never overwrite what it did."""
        values = row.values
        for name, size in _FILLABLE.items():
            if not values[name] and getattr(p, name):
                row.set(name, _cut(getattr(p, name), size))
        if not values["canonical_url"] and p.canonical_url:
            row.set("canonical_url", p.canonical_url)
        row.set("remote", bool(values["remote"] or p.remote))
        if not values["company_key"] and p.company:
            row.set("company_key", normalize_company(p.company))
            self._index_company(row)
        row.set("held", bool(values["held"] and held))

    def credit(self, row: _Row, credit: _Credit) -> None:
        """One sighting per posting per message (a mail naming a job twice credits it once)."""
        if credit.raw_message_id:
            key = (credit.raw_message_id, row.id if row.id is not None else -id(row))
            if key in self.credited:
                return
            self.credited.add(key)
        self.credits.append(credit)

    # -- writing ------------------------------------------------------------------------------

    def flush(self) -> None:
        """INSERT the new postings, UPDATE the merged ones, INSERT the sightings."""
        if self.new_rows:
            self._insert_new()
        self._update_merged()
        if self.credits:
            now = datetime.utcnow()
            self.session.execute(
                insert(_SIGHTINGS),
                [
                    {
                        "posting_id": c.row.id,
                        "member_id": c.member_id,
                        "raw_message_id": c.raw_message_id,
                        "source_id": c.source_id,
                        "entry_key": c.entry_key,
                        "sender": c.sender,
                        "note": c.note[:2000],
                        "seen_at": now,
                    }
                    for c in self.credits
                ],
            )
        for row in self.new_rows:
            row.new = False
            row.dirty.clear()
        self.new_rows, self.credits = [], []

    def _insert_new(self) -> None:
        """One multi-row INSERT ... RETURNING; each id goes back to its row by the row's values.

        Asking for the ids in parameter order would make SQLAlchemy insert row by row on
        SQLite. Rows with equal values are interchangeable, so any of their ids will do.
        """
        names = [name for name in self.new_rows[0].values if name != "first_seen"]
        waiting: dict[tuple[Any, ...], list[_Row]] = {}
        for row in reversed(self.new_rows):
            waiting.setdefault(tuple(row.values[n] for n in names), []).append(row)
        statement = insert(_POSTINGS).returning(
            _POSTINGS.c.id, *[_POSTINGS.c[name] for name in names]
        )
        for returned in self.session.execute(statement, [r.values for r in self.new_rows]):
            row = waiting[tuple(returned[1:])].pop()
            row.values["id"] = returned[0]
            self.rows[returned[0]] = row
        if any(waiting.values()):
            raise RuntimeError("INSERT ... RETURNING gave back fewer rows than were inserted")

    def _update_merged(self) -> None:
        """Only the columns a merge changed, so concurrent edits of other columns survive."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in self.rows.values():
            if row.dirty and not row.new:
                names = tuple(sorted(row.dirty))
                params = {f"v_{name}": row.values[name] for name in names}
                groups.setdefault(names, []).append({"b_id": row.id, **params})
                row.dirty.clear()
        for names, params in groups.items():
            statement = (
                update(_POSTINGS)
                .where(_POSTINGS.c.id == bindparam("b_id"))
                .values({name: bindparam(f"v_{name}") for name in names})
            )
            self.session.execute(statement, params)


def store_postings(
    session: Session,
    postings: Sequence[ParsedPosting],
    *,
    source_id: int | None = None,
    entry_keys: Sequence[str] | None = None,
    member_id: int | None = None,
    raw_message_id: int | None = None,
    sender: str = "",
    note: str = "",
    held: bool = False,
) -> list[int]:
    """Insert or merge postings and record one sighting each; returns the posting ids.

    Idempotent: a sighting already recorded for the same message or feed entry adds nothing.
    Lookups are batched: a few queries per call, not per posting.
    """
    session.flush()  # the caller's pending ORM changes must be visible to our Core queries
    batch = PostingBatch(session)
    rows = _stage_postings(
        batch,
        postings,
        source_id=source_id,
        entry_keys=entry_keys,
        member_id=member_id,
        raw_message_id=raw_message_id,
        sender=sender,
        note=note,
        held=held,
    )
    batch.flush()
    return [row.id for row in rows if row.id is not None]


def _stage_postings(
    batch: PostingBatch,
    postings: Sequence[ParsedPosting],
    *,
    source_id: int | None = None,
    entry_keys: Sequence[str] | None = None,
    member_id: int | None = None,
    raw_message_id: int | None = None,
    sender: str = "",
    note: str = "",
    held: bool = False,
) -> list[_Row]:
    """Place and credit one message's (or one feed fetch's) postings in the batch."""
    items = [
        (p, entry_keys[i] if entry_keys else None)
        for i, p in enumerate(postings)
        if p.title or p.canonical_url
    ]
    if source_id and entry_keys:
        seen = batch.known_entry_keys(source_id, [k for _, k in items if k])
        fresh: list[tuple[ParsedPosting, str | None]] = []
        for p, key in items:
            if key not in seen:
                fresh.append((p, key))
                if key:
                    seen.add(key)  # the same entry twice in one fetch is one sighting
        items = fresh
    if not items:
        return []
    batch.preload(p for p, _ in items)
    if raw_message_id:
        batch.preload_credits([raw_message_id])
    rows = []
    for p, key in items:
        row = batch.place(p, held)
        batch.credit(row, _Credit(row, raw_message_id, source_id, key, member_id, sender, note))
        rows.append(row)
    return rows


# ---------------------------------------------------------------- one stored mail


def _failed_auth(item: ParsedItem) -> str:
    bad = [k for k in ("dmarc", "dkim") if item.auth.get(k) in ("fail", "permerror")]
    return f"{bad[0].upper()} check failed for the sender" if bad else ""


@dataclass(slots=True)
class Outcome:
    """What recording a mail decides about it, before anything is written."""

    status: str
    reason: str
    sender: str
    subject: str
    member_id: int | None
    #: its postings are stored (held or not) only when this is true
    store: bool = False
    held: bool = False


def _auto_forwarded_alert(item: ParsedItem) -> bool:
    """A job alert a member's mailbox forwards automatically keeps the board's From; the member
    shows only in routing headers, which anyone can write. Trust them for alerts alone, so a
    stranger cannot push arbitrary mail into digests by naming a member."""
    return item.forwarded_by is not None and any(p.origin.endswith("_alert") for p in item.postings)


def judge(
    item: ParsedItem, member_id: int | None, member_of: Callable[[str], int | None]
) -> Outcome:
    """Status and reason of a parsed mail; `member_id` is kept when the sender is not looked up."""
    sender = item.sender.address if item.sender else ""
    out = Outcome("", "", sender, item.subject[:2000], member_id)
    if item.error:
        out.status, out.reason = "failed", item.error
    elif not item.postings and item.warnings:
        # Nothing came out and something was wrong: a person should look at it.
        out.status, out.reason = "failed", "; ".join(item.warnings)
    elif item.special:
        out.status, out.reason = item.special, f"recognized as {item.special}"
    else:
        out.member_id = member_of(sender)
        if out.member_id is None and _auto_forwarded_alert(item):
            out.sender = item.forwarded_by.address  # type: ignore[union-attr]
            out.member_id = member_of(out.sender)
        reason = "" if out.member_id else f"sender {sender or '(none)'} is not a member"
        reason = reason or _failed_auth(item)
        out.store, out.held = True, bool(reason)
        out.status, out.reason = ("held", reason) if out.held else ("processed", "")
        if not item.postings and not out.held:
            out.reason = "no job postings found"
    return out


def _member_id(session: Session, address: str) -> int | None:
    member = find_member(session, address)
    return member.id if member else None


def process_message(
    session: Session, raw: RawMessage, item: ParsedItem | None = None
) -> ParsedItem:
    """Record what one stored mail yields (parsing it unless `item` is given); sets its status."""
    if item is None:
        item = parse_mail(raw.raw, file=f"message {raw.id}")
    resolve_relative_dates(item.postings, raw.received_at)
    out = judge(item, raw.member_id, lambda address: _member_id(session, address))
    if out.store:
        store_postings(
            session,
            item.postings,
            member_id=out.member_id,
            raw_message_id=raw.id,
            sender=out.sender,
            note=item.note or "",
            held=out.held,
        )
    raw.processed_at = datetime.utcnow()
    raw.subject, raw.sender, raw.member_id = out.subject, out.sender, out.member_id
    raw.status, raw.reason = out.status, out.reason
    return item


# ---------------------------------------------------------------- many stored mails


class MailBatch:
    """Records many parsed mails in the caller's transaction: Core statements, few round trips."""

    def __init__(self, session: Session, raw_ids: Sequence[int]) -> None:
        self.session = session
        self.postings = PostingBatch(session)
        self.meta: dict[int, tuple[datetime, int | None]] = {}
        for chunk in _chunks(list(raw_ids)):
            query = select(_RAWS.c.id, _RAWS.c.received_at, _RAWS.c.member_id).where(
                _RAWS.c.id.in_(chunk)
            )
            for raw_id, received_at, member_id in session.execute(query):
                self.meta[raw_id] = (received_at, member_id)
        self.postings.preload_credits(self.meta)
        self.members: dict[str, int | None] = {}
        self.updates: list[dict[str, Any]] = []

    def _member_of(self, address: str) -> int | None:
        key = address.strip().lower()
        if key not in self.members:
            self.members[key] = _member_id(self.session, address)
        return self.members[key]

    def add_many(self, items: Sequence[tuple[int, ParsedItem | BaseException]]) -> list[str]:
        """Stage mails in order, with one lookup of the stored postings they could merge into."""
        self.postings.preload(
            p for _, item in items if isinstance(item, ParsedItem) for p in item.postings
        )
        return [self.add(raw_id, item) for raw_id, item in items]

    def add(self, raw_id: int, item: ParsedItem | BaseException | None) -> str:
        """Stage one mail's outcome; returns its status. A stored row that vanished is skipped."""
        if raw_id not in self.meta:
            return ""
        received_at, member_id = self.meta[raw_id]
        if item is None:
            raise LookupError(f"message {raw_id} was not parsed")
        if isinstance(item, BaseException):
            reason = f"internal error: {type(item).__name__}: {item}"
            out = Outcome("failed", reason, "", "", member_id)
            self._stage_update(raw_id, out, keep_headers=True)
            return out.status
        resolve_relative_dates(item.postings, received_at)
        out = judge(item, member_id, self._member_of)
        if out.store:
            _stage_postings(
                self.postings,
                item.postings,
                member_id=out.member_id,
                raw_message_id=raw_id,
                sender=out.sender,
                note=item.note or "",
                held=out.held,
            )
        self._stage_update(raw_id, out, keep_headers=False)
        return out.status

    def _stage_update(self, raw_id: int, out: Outcome, keep_headers: bool) -> None:
        update_row: dict[str, Any] = {
            "b_id": raw_id,
            "v_status": out.status,
            "v_reason": out.reason,
            "v_member_id": out.member_id,
            "v_processed_at": datetime.utcnow(),
        }
        if not keep_headers:
            update_row.update(v_subject=out.subject, v_sender=out.sender)
        self.updates.append(update_row)

    def flush(self) -> None:
        self.postings.flush()
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in self.updates:
            groups.setdefault(tuple(sorted(row)), []).append(row)
        for rows in groups.values():
            names = [key[2:] for key in rows[0] if key.startswith("v_")]
            statement = (
                update(_RAWS)
                .where(_RAWS.c.id == bindparam("b_id"))
                .values({name: bindparam(f"v_{name}") for name in names})
            )
            self.session.execute(statement, rows)
        self.updates = []


def process_pending(
    sessions: sessionmaker[Session],
    ids: Sequence[int] | None = None,
    force: bool = False,
    budget: ParseBudget | None = None,
) -> dict[str, int]:
    """Process stored messages still 'new' (of `ids`, if given).

    `force` reprocesses the given ids whatever their state (after a parser improved). Parsing
    (pure, CPU-bound) runs on all cores for big batches while this process records the mails
    already parsed; a chunk is recorded in one transaction. A crash inside one message's
    parsing marks that message failed; the batch goes on.
    """
    return start_pending(sessions, ids, force, budget).finish()


def start_pending(
    sessions: sessionmaker[Session],
    ids: Sequence[int] | None = None,
    force: bool = False,
    budget: ParseBudget | None = None,
) -> PendingWork:
    """process_pending in two steps: parsing starts now, finish() records (and waits)."""
    query = select(RawMessage.id)
    if not force:
        query = query.where(RawMessage.status == "new")
    if ids is not None:
        query = query.where(RawMessage.id.in_(list(ids)))
    with sessions() as session:
        todo = list(session.scalars(query.order_by(RawMessage.id)))
    return PendingWork(sessions, todo, budget)


@dataclass(slots=True)
class _Chunk:
    ids: list[int]
    results: Iterator[tuple[int, ParsedItem | BaseException]]


class PendingWork:
    """Stored mails whose parsing has started; the next chunk is parsed while one is recorded."""

    def __init__(
        self, sessions: sessionmaker[Session], todo: list[int], budget: ParseBudget | None = None
    ) -> None:
        self.sessions = sessions
        self.budget = budget  # each mail's CPU time and memory limit (None: the defaults)
        self.chunks = [todo[i : i + PARSE_CHUNK] for i in range(0, len(todo), PARSE_CHUNK)]
        self.started = self._start(0)

    def _start(self, index: int) -> _Chunk | None:
        if index >= len(self.chunks):
            return None
        ids = self.chunks[index]
        with self.sessions() as session:
            raws: dict[int, bytes] = dict(
                session.execute(  # type: ignore[arg-type]
                    select(RawMessage.id, RawMessage.raw).where(RawMessage.id.in_(ids))
                ).all()
            )
        return _Chunk(ids, parse_stream(raws, self.budget))

    def finish(self) -> dict[str, int]:
        """Record every chunk (each in one transaction); counts of the resulting statuses."""
        counts: dict[str, int] = {}
        current, index = self.started, 0
        while current is not None:
            following = self._start(index + 1)
            for status in _record_chunk(self.sessions, current):
                if status:
                    counts[status] = counts.get(status, 0) + 1
            current, index = following, index + 1
        return counts


def _record_chunk(sessions: sessionmaker[Session], chunk: _Chunk) -> list[str]:
    """One transaction for the chunk; on any error, rolled back and redone mail by mail."""
    parsed: dict[int, ParsedItem | BaseException] = {}
    try:
        with sessions.begin() as session:
            batch = MailBatch(session, chunk.ids)
            statuses: list[str] = []
            arrived: list[tuple[int, ParsedItem | BaseException]] = []
            for raw_id, item in chunk.results:
                parsed[raw_id] = item
                arrived.append((raw_id, item))
                if len(arrived) >= RECORD_GROUP:
                    statuses.extend(batch.add_many(arrived))
                    arrived = []
            statuses.extend(batch.add_many(arrived))
            batch.flush()
            return statuses
    except Exception:  # noqa: BLE001 - rolled back whole; recorded again one by one below
        parsed.update(chunk.results)
        return [_record(sessions, raw_id, parsed.get(raw_id)) for raw_id in chunk.ids]


def _record(
    sessions: sessionmaker[Session], raw_id: int, item: ParsedItem | BaseException | None
) -> str:
    """One message in its own transaction: the slow path that isolates a failing message."""
    try:
        if isinstance(item, BaseException):
            raise item
        with sessions.begin() as session:
            raw = session.get(RawMessage, raw_id)
            if raw is None:
                return ""
            process_message(session, raw, item)
            return raw.status
    except Exception as exc:  # noqa: BLE001 - one bad message must not stop the batch
        with sessions.begin() as session:
            raw = session.get(RawMessage, raw_id)
            if raw is None:
                return ""
            raw.status, raw.reason = "failed", f"internal error: {type(exc).__name__}: {exc}"
            return raw.status
