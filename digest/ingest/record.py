"""Turning parsed items into postings: dedup, merge, credits. One function per kind of input.

Recording works on plain rows (SQLAlchemy Core), not ORM objects: ORM bookkeeping cost more
than the SQL itself. An inbox batch becomes a few SELECTs, one multi-row INSERT per table and a
few executemany UPDATEs, in one transaction. Should anything in that transaction fail, it is
rolled back whole and the batch is recorded again one message per transaction, so one bad
message never costs the others and nothing is recorded twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from digest.clock import utcnow
from digest.ingest.budget import ParseBudget
from digest.ingest.meant import Recipients
from digest.ingest.parallel import parse_alone, parse_stream
from digest.ingest.verdict import Outcome, Rules, judge
from digest.store.clean import bounded_key, storable
from digest.store.members import find_member
from digest.store.models import Member, Posting, RawMessage, Recruiter, Reply, Sighting
from digest.store.retry import TransientStorageError, retry_transient
from digest.store.statuses import MailStatus, MemberStatus, ReplyStatus
from parsers import company, fingerprint
from parsers.dates import resolve_relative_dates
from parsers.fingerprint import same_job
from parsers.links import web_link
from parsers.mail import parse_mail
from parsers.model import ParsedItem
from parsers.model import Posting as ParsedPosting

PARSE_CHUNK = 200
#: parsed mails recorded together while the workers parse the next ones: one lookup per group
RECORD_GROUP = 16
FUZZY_WINDOW = timedelta(days=60)
#: postings.canonical_url's size (unique index): longer ones keep a digest of the whole
CANONICAL_URL_SIZE = 1000
#: bound parameters per IN (...) list, well under every backend's limit
IN_CHUNK = 900

_POSTINGS = Posting.__table__
_SIGHTINGS = Sighting.__table__
_RAWS = RawMessage.__table__
_MEMBERS = Member.__table__
_REPLIES = Reply.__table__
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
    "tag_key",
)


def _loaded_columns() -> list[Any]:
    return [_POSTINGS.c[name] for name in _LOADED]


def _cut(value: str, size: int | None) -> str:
    return storable(value, size)


@lru_cache(maxsize=8192)
def _canonical(url: str) -> str | None:
    return bounded_key(url, CANONICAL_URL_SIZE) or None


def _company_key(company: str) -> str:
    return storable(normalize_company(company), 300)


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
        #: rows by (a first word of the company, title key): candidates for parsers.same_job
        self.by_company: dict[tuple[str, str], list[_Row]] = {}
        self.asked_companies: set[str] = set()
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
            url = _canonical(p.canonical_url)
            if url and url not in self.asked_urls:
                urls.add(url)
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
        values = row.values
        title = fingerprint.title_key(values["title"] or "", values["location"] or "")
        for head in company.company_heads(values["company"] or values["company_key"]):
            self.by_company.setdefault((head, title), []).append(row)

    def _fuzzy_match(self, p: ParsedPosting) -> _Row | None:
        """A recent posting that parsers.fingerprint.same_job calls the same job (the same
        employer however written, the same place, the same title once normalised)."""
        heads = company.company_heads(p.company)
        if not (heads and p.title):
            return None
        since = utcnow() - FUZZY_WINDOW
        for head in heads - self.asked_companies:
            self.asked_companies.add(head)
            query = (
                select(*_loaded_columns())
                .where(
                    _POSTINGS.c.company_key >= head,
                    _POSTINGS.c.company_key < head + "\uffff",
                    _POSTINGS.c.first_seen >= since,
                )
                .order_by(_POSTINGS.c.id)
                .limit(500)
            )
            for mapping in self.session.execute(query).mappings():
                self._known(mapping)
        title = fingerprint.title_key(p.title, p.location)
        seen: set[int] = set()
        candidates = []
        for head in heads:
            for r in self.by_company.get((head, title), []):
                if id(r) not in seen and r.values["first_seen"] >= since:
                    seen.add(id(r))
                    candidates.append(r)
        candidates.sort(key=lambda r: (r.new, r.id or 0))
        return next((r for r in candidates if same_job(r.values, p)), None)

    # -- placing and crediting ----------------------------------------------------------------

    def place(self, p: ParsedPosting, held: bool) -> _Row:
        """The posting row `p` is a sighting of: an existing one (merged) or a new one."""
        fp = _fingerprint(p.title, p.company, p.location)
        url = _canonical(p.canonical_url)
        by_fp = self.by_fp.get(fp)
        if by_fp is not None and not same_job(by_fp.values, p):
            by_fp = None  # same words, but two requisitions on one site
        row = (self.by_url.get(url) if url else None) or by_fp or self._fuzzy_match(p)
        if row is None:
            row = self._new_row(p, fp, held)
        else:
            self._merge(row, p, held)
        if url:
            self.by_url[url] = row
        if fp:
            self.by_fp.setdefault(fp, row)
        return row

    def _new_row(self, p: ParsedPosting, fp: str, held: bool) -> _Row:
        values = {name: _cut(getattr(p, name), size) for name, size in _FILLABLE.items()}
        values.update(
            company_key=_company_key(p.company),
            remote=p.remote,
            canonical_url=_canonical(p.canonical_url),
            fingerprint=fp,
            origin=p.origin,
            first_seen=utcnow(),
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
            row.set("canonical_url", _canonical(p.canonical_url))
        row.set("remote", bool(values["remote"] or p.remote))
        if not values["company_key"] and p.company:
            row.set("company_key", _company_key(p.company))
            self._index_company(row)
        row.set("held", bool(values["held"] and held))
        if not row.new:
            # A new sighting may come from a source tied to other sub-groups, or from a member
            # (tied to none): digest.tagging.tag judges the posting's sub-groups again.
            row.set("tag_key", "")

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
            now = utcnow()
            self.session.execute(
                insert(_SIGHTINGS),
                [
                    {
                        "posting_id": c.row.id,
                        "member_id": c.member_id,
                        "raw_message_id": c.raw_message_id,
                        "source_id": c.source_id,
                        "entry_key": c.entry_key,
                        "sender": storable(c.sender, 320),
                        "note": storable(c.note, 2000),
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


def _only_web_links(p: ParsedPosting) -> ParsedPosting:
    """Only http(s) links are stored (`javascript:`, `data:` and the like become ""): every
    source, mail or feed or board, passes here on its way to the postings table."""
    url, canonical = web_link(p.url), web_link(p.canonical_url)
    if url == p.url and canonical == p.canonical_url:
        return p
    return replace(p, url=url, canonical_url=canonical)


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
        for i, p in enumerate(map(_only_web_links, postings))
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


def _member_id(session: Session, address: str) -> int | None:
    member = find_member(session, address)
    return member.id if member else None


def process_message(
    session: Session, raw: RawMessage, item: ParsedItem | None = None, rules: Rules | None = None
) -> ParsedItem:
    """Record what one stored mail yields (parsing it unless `item` is given); sets its status.

    The same path as a batch (MailBatch) with a batch of one, so there is one writer of a
    stored mail's outcome."""
    if item is None:
        item = parse_mail(raw.raw, file=f"message {raw.id}")
    session.flush()  # the caller's pending ORM changes must be visible to our Core queries
    batch = MailBatch(session, [raw.id], rules, {raw.id: raw.raw})
    batch.add(raw.id, item)
    batch.flush()
    session.refresh(raw)
    return item


# ---------------------------------------------------------------- many stored mails


class MailBatch:
    """Records many parsed mails in the caller's transaction: Core statements, few round trips.

    The one writer of stored mails' outcomes: status, reason, sender, subject, member, the
    postings and credits, an unsubscribe, a reply to send. `raws` are the mails' bytes when
    the caller has them (their header blocks are read by the verdict); else read when needed."""

    def __init__(
        self,
        session: Session,
        raw_ids: Sequence[int],
        rules: Rules | None = None,
        raws: dict[int, bytes] | None = None,
    ) -> None:
        self.session = session
        self.rules = rules or Rules()
        self.raws = raws if raws is not None else {}
        self.postings = PostingBatch(session)
        self.recipients = Recipients(session)
        self.recruiters: frozenset[str] | None = None
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
        self.unsubscribes: set[int] = set()
        self.replies: list[dict[str, Any]] = []

    def _member_of(self, address: str) -> int | None:
        key = address.strip().lower()
        if key not in self.members:
            self.members[key] = _member_id(self.session, address)
        return self.members[key]

    def _recruiter(self, address: str) -> bool:
        """Is `address` a known recruiter (recruiters.csv, or marked by a member)?"""
        if self.recruiters is None:
            self.recruiters = frozenset(self.session.scalars(select(Recruiter.address)))
        return address.strip().lower() in self.recruiters

    def _raw(self, raw_id: int) -> bytes:
        if raw_id not in self.raws:
            query = select(_RAWS.c.raw).where(_RAWS.c.id == raw_id)
            self.raws[raw_id] = bytes(self.session.scalar(query) or b"")
        return self.raws[raw_id]

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
            out = failure(item, member_id)
        else:
            resolve_relative_dates(item.postings, received_at)
            out = judge(
                item, member_id, self._member_of, self.rules, self._raw(raw_id), self._recruiter
            )
            if out.store:
                rows = _stage_postings(
                    self.postings,
                    item.postings,
                    member_id=out.member_id,
                    raw_message_id=raw_id,
                    sender=out.sender,
                    note=item.note or "",
                    held=out.held,
                )
                if not out.held:
                    self.recipients.stage(rows, raw_id, out.member_id, item.note or "")
        self._stage_actions(raw_id, out)
        self.updates.append(outcome_row(raw_id, out))
        return out.status

    def _stage_actions(self, raw_id: int, out: Outcome) -> None:
        if out.unsubscribe and out.member_id:
            self.unsubscribes.add(out.member_id)
        if out.reply and out.member_id:
            self.replies.append(
                {"raw_message_id": raw_id, "member_id": out.member_id, "kind": out.reply}
            )

    def flush(self) -> None:
        """Write the staged postings, then every staged outcome (one UPDATE per column set),
        unsubscribes, and replies to send (one per mail, even when it is recorded again)."""
        self.postings.flush()
        self.recipients.flush()
        write_outcomes(self.session, self.updates)
        if self.unsubscribes:
            self.session.execute(
                update(_MEMBERS)
                .where(
                    _MEMBERS.c.id.in_(sorted(self.unsubscribes)),
                    _MEMBERS.c.status != MemberStatus.REMOVED,
                )
                .values(status=MemberStatus.UNSUBSCRIBED)
            )
        if self.replies:
            known = set(
                self.session.scalars(
                    select(_REPLIES.c.raw_message_id).where(
                        _REPLIES.c.raw_message_id.in_([r["raw_message_id"] for r in self.replies])
                    )
                )
            )
            now = utcnow()
            fresh = [
                {**r, "status": ReplyStatus.PENDING, "last_error": "", "created_at": now}
                for r in self.replies
                if r["raw_message_id"] not in known
            ]
            if fresh:
                self.session.execute(insert(_REPLIES), fresh)
        self.updates, self.unsubscribes, self.replies = [], set(), []


def failure(exc: BaseException, member_id: int | None) -> Outcome:
    """The outcome of a mail whose parsing or recording raised: failed, headers kept."""
    reason = f"internal error: {type(exc).__name__}: {exc}"
    return Outcome(MailStatus.FAILED, reason, "", "", member_id, keep_headers=True)


def outcome_row(raw_id: int, out: Outcome) -> dict[str, Any]:
    """A stored mail's outcome as UPDATE parameters: the one place its columns are named."""
    row: dict[str, Any] = {
        "b_id": raw_id,
        "v_status": out.status,
        "v_reason": storable(out.reason),
        "v_member_id": out.member_id,
        "v_processed_at": utcnow(),
    }
    if not out.keep_headers:
        row.update(v_subject=storable(out.subject), v_sender=storable(out.sender, 320))
    return row


def write_outcomes(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """The one writer of stored mails' outcomes: an executemany UPDATE per set of columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    for group in groups.values():
        names = [key[2:] for key in group[0] if key.startswith("v_")]
        statement = (
            update(_RAWS)
            .where(_RAWS.c.id == bindparam("b_id"))
            .values({name: bindparam(f"v_{name}") for name in names})
        )
        session.execute(statement, group)


def process_pending(
    sessions: sessionmaker[Session],
    ids: Sequence[int] | None = None,
    force: bool = False,
    rules: Rules | None = None,
    budget: ParseBudget | None = None,
) -> dict[str, int]:
    """Process stored messages still 'new' (of `ids`, if given).

    `force` reprocesses the given ids whatever their state (after a parser improved), with
    their attempts counted afresh. Parsing (pure, CPU-bound) runs on all cores for big batches
    while this process records the mails already parsed; a chunk is recorded in one
    transaction. A parse that crashes or runs out of time (the step raised, or its worker
    died) costs that mail one of its MAX_ATTEMPTS; it is tried again alone, and set aside as
    failed when none is left. The batch goes on either way.
    """
    return start_pending(sessions, ids, force, rules, budget).finish()


def start_pending(
    sessions: sessionmaker[Session],
    ids: Sequence[int] | None = None,
    force: bool = False,
    rules: Rules | None = None,
    budget: ParseBudget | None = None,
) -> PendingWork:
    """process_pending in two steps: parsing starts now, finish() records (and waits)."""
    query = select(RawMessage.id, RawMessage.attempts)
    if not force:
        query = query.where(RawMessage.status == MailStatus.NEW)
    if ids is not None:
        query = query.where(RawMessage.id.in_(list(ids)))
    with sessions() as session:
        rows = list(session.execute(query.order_by(RawMessage.id)))
    if force and rows:
        with sessions.begin() as session:
            for chunk in _chunks([raw_id for raw_id, _ in rows]):
                session.execute(update(_RAWS).where(_RAWS.c.id.in_(chunk)).values(attempts=0))
        rows = [(raw_id, 0) for raw_id, _ in rows]
    # A mail with an attempt already counted was being parsed when a process died: alone.
    todo = [raw_id for raw_id, attempts in rows if not attempts]
    suspects = [raw_id for raw_id, attempts in rows if attempts]
    return PendingWork(sessions, todo, suspects, rules or Rules(), budget)


@dataclass(slots=True)
class _Chunk:
    ids: list[int]
    results: Iterator[tuple[int, ParsedItem | BaseException]]
    raws: dict[int, bytes]


class PendingWork:
    """Stored mails whose parsing has started; the next chunk is parsed while one is recorded."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        todo: list[int],
        suspects: Sequence[int] = (),
        rules: Rules | None = None,
        budget: ParseBudget | None = None,
    ) -> None:
        self.sessions = sessions
        self.rules = rules or Rules()
        self.budget = budget  # each mail's CPU time and memory limit (None: the defaults)
        self.suspects = list(suspects)
        self.chunks = [todo[i : i + PARSE_CHUNK] for i in range(0, len(todo), PARSE_CHUNK)]
        self.started = self._start(0)

    def _start(self, index: int) -> _Chunk | None:
        """Count an attempt for every mail of the chunk (committed first), then start parsing."""
        if index >= len(self.chunks):
            return None
        ids = self.chunks[index]

        def load() -> dict[int, bytes]:
            with self.sessions.begin() as session:
                session.execute(
                    update(_RAWS).where(_RAWS.c.id.in_(ids)).values(attempts=_RAWS.c.attempts + 1)
                )
                query = select(RawMessage.id, RawMessage.raw).where(RawMessage.id.in_(ids))
                return dict(session.execute(query).all())  # type: ignore[arg-type]

        raws = retry_transient(load)
        return _Chunk(ids, parse_stream(raws, self.budget), raws)

    def finish(self) -> dict[str, int]:
        """Record every chunk (each in one transaction); counts of the resulting statuses."""
        counts: dict[str, int] = {}

        def count(statuses: Iterable[str]) -> None:
            for status in statuses:
                if status:
                    counts[status] = counts.get(status, 0) + 1

        count(
            _retry_alone(self.sessions, raw_id, None, self.rules, self.budget)
            for raw_id in self.suspects
        )
        current, index = self.started, 0
        while current is not None:
            following = self._start(index + 1)
            statuses, crashed = _record_chunk(self.sessions, current, self.rules)
            count(statuses)
            count(
                _retry_alone(self.sessions, raw_id, exc, self.rules, self.budget)
                for raw_id, exc in crashed.items()
            )
            current, index = following, index + 1
        return counts


def _record_chunk(
    sessions: sessionmaker[Session], chunk: _Chunk, rules: Rules
) -> tuple[list[str], dict[int, BaseException]]:
    """One transaction for the chunk, recording mails as their parses arrive; retried on a
    transient storage error; on any other error, rolled back and redone mail by mail. Mails
    whose parse crashed are left for a retry alone (returned with what they raised)."""
    parsed: dict[int, ParsedItem] = {}
    crashed: dict[int, BaseException] = {}

    def arrivals() -> Iterator[tuple[int, ParsedItem]]:
        yield from list(parsed.items())  # what an earlier, rolled-back try already had
        for raw_id, item in chunk.results:
            if isinstance(item, BaseException):
                crashed[raw_id] = item
                continue
            parsed[raw_id] = item
            yield raw_id, item

    def record() -> list[str]:
        with sessions.begin() as session:
            batch = MailBatch(session, chunk.ids, rules, chunk.raws)
            statuses: list[str] = []
            group: list[tuple[int, ParsedItem | BaseException]] = []
            for arrived in arrivals():
                group.append(arrived)
                if len(group) >= RECORD_GROUP:
                    statuses.extend(batch.add_many(group))
                    group = []
            statuses.extend(batch.add_many(group))
            batch.flush()
            return statuses

    try:
        return retry_transient(record), crashed
    except TransientStorageError:
        raise
    except Exception:  # noqa: BLE001 - rolled back whole; recorded again one by one below
        for _ in arrivals():
            pass
        statuses = [_record(sessions, raw_id, item, rules) for raw_id, item in parsed.items()]
        return statuses, crashed


def _record(
    sessions: sessionmaker[Session],
    raw_id: int,
    item: ParsedItem | BaseException,
    rules: Rules | None = None,
) -> str:
    """One message in its own transaction: the slow path that isolates a failing message.

    Same writer as the batch (a MailBatch of one); if recording it raises (other than a
    transient storage error, which is retried and never the mail's fault), the failure is
    recorded, again through a MailBatch, in a fresh transaction."""
    try:
        return retry_transient(lambda: _record_in(sessions, raw_id, item, rules))
    except TransientStorageError:
        raise
    except Exception as exc:  # noqa: BLE001 - one bad message must not stop the batch
        error: BaseException = exc
        return retry_transient(lambda: _record_in(sessions, raw_id, error, rules))


def _record_in(
    sessions: sessionmaker[Session],
    raw_id: int,
    item: ParsedItem | BaseException,
    rules: Rules | None,
) -> str:
    with sessions.begin() as session:
        batch = MailBatch(session, [raw_id], rules)
        status = batch.add(raw_id, item)
        batch.flush()
        return status


# ---------------------------------------------------------------- parses that crash


def _sender_and_subject(raw: bytes) -> tuple[str, str]:
    """From and Subject of a mail that could not be parsed, read from its header block alone
    (the stdlib's plain header parser: no MIME, no body), so the operator sees whose it is."""
    end = raw.find(b"\r\n\r\n", 0, 65536)
    end = end if end >= 0 else raw.find(b"\n\n", 0, 65536)
    head = raw[: end if end >= 0 else 65536]
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(head)
        sender = parseaddr(str(headers.get("From", "")))[1]
        subject = " ".join(str(headers.get("Subject", "")).split())
    except Exception:  # noqa: BLE001 - best effort: the reason is what matters
        return "", ""
    return storable(sender, 320), storable(subject, 2000)


#: parse attempts a stored mail gets before it is set aside as failed
MAX_ATTEMPTS = 3


def crash_reason(exc: BaseException | None) -> str:
    """Why a parse attempt ended without a result, in words an operator can act on."""
    if exc is None:
        return "the process parsing it died (killed, or out of memory)"
    if isinstance(exc, BrokenProcessPool):
        return "the parse worker died (killed, or out of memory)"
    if isinstance(exc, TimeoutError) or "budget" in type(exc).__name__.lower():
        return f"parsing ran out of time or memory: {type(exc).__name__}: {exc}"
    return failure(exc, None).reason


def _retry_alone(
    sessions: sessionmaker[Session],
    raw_id: int,
    exc: BaseException | None,
    rules: Rules,
    budget: ParseBudget | None = None,
) -> str:
    """Parse a mail that crashed a parse again, alone in a fresh worker process (so it cannot
    take other mails or this process with it), until it parses or its attempts are used up."""
    reason = crash_reason(exc)
    while True:
        begun = retry_transient(lambda why=reason: _begin_attempt(sessions, raw_id, why))
        if begun is None:
            return ""
        if isinstance(begun, str):
            return begun
        result = parse_alone(raw_id, begun, budget)
        if not isinstance(result, BaseException):
            return _record(sessions, raw_id, result, rules)
        reason = crash_reason(result)


def _begin_attempt(sessions: sessionmaker[Session], raw_id: int, reason: str) -> bytes | str | None:
    """Count one more attempt and return the mail's bytes, or set it aside ("failed") when
    its attempts are used up. None: the row is gone."""
    with sessions.begin() as session:
        row = session.execute(
            select(_RAWS.c.raw, _RAWS.c.attempts, _RAWS.c.member_id).where(_RAWS.c.id == raw_id)
        ).first()
        if row is None:
            return None
        raw, attempts, member_id = row
        if attempts >= MAX_ATTEMPTS:
            sender, subject = _sender_and_subject(bytes(raw))
            out = Outcome(MailStatus.FAILED, reason, sender, subject, member_id)
            write_outcomes(session, [outcome_row(raw_id, out)])
            return MailStatus.FAILED
        note = f"parse attempt {attempts} failed: {reason}; trying again"
        session.execute(
            update(_RAWS).where(_RAWS.c.id == raw_id).values(attempts=attempts + 1, reason=note)
        )
        return bytes(raw)
