"""Turning parsed items into postings: dedup, merge, credits. One function per kind of input."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from digest.members import find_member
from digest.models import Posting, RawMessage, Sighting
from digest.parallel import parse_many
from parsers.company import normalize_company
from parsers.dates import resolve_relative_dates
from parsers.fingerprint import fingerprint, similar_titles
from parsers.mail import parse_mail
from parsers.model import ParsedItem
from parsers.model import Posting as ParsedPosting

PARSE_CHUNK = 200
FUZZY_WINDOW = timedelta(days=60)
FUZZY_THRESHOLD = 0.8


def _fuzzy_match(session: Session, p: ParsedPosting) -> Posting | None:
    """A recent posting at the same company whose title has nearly the same words."""
    comp = normalize_company(p.company)
    if not (comp and p.title):
        return None
    since = datetime.utcnow() - FUZZY_WINDOW
    candidates = session.scalars(
        select(Posting).where(Posting.company_key == comp, Posting.first_seen >= since).limit(200)
    )
    return next(
        (c for c in candidates if similar_titles(c.title, p.title) >= FUZZY_THRESHOLD), None
    )


def _merge(target: Posting, p: ParsedPosting) -> None:
    """Fill what the first sighting did not know; never overwrite what it did."""
    for attr in ("title", "company", "location", "url", "posted_at", "description", "salary"):
        if not getattr(target, attr) and getattr(p, attr):
            setattr(target, attr, getattr(p, attr))
    if not target.canonical_url and p.canonical_url:
        target.canonical_url = p.canonical_url
    target.remote = target.remote or p.remote
    if not target.company_key and p.company:
        target.company_key = normalize_company(p.company)


def _new_posting(p: ParsedPosting, fp: str) -> Posting:
    return Posting(
        title=p.title[:500],
        company=p.company[:300],
        company_key=normalize_company(p.company),
        location=p.location[:300],
        remote=p.remote,
        url=p.url,
        canonical_url=p.canonical_url or None,
        fingerprint=fp,
        posted_at=p.posted_at[:40],
        description=p.description,
        salary=p.salary[:200],
        origin=p.origin,
        first_seen=datetime.utcnow(),
    )


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

    Dedup: canonical URL, else the title/company/location fingerprint, else (no URL at all) a
    fuzzy title match at the same company. Idempotent: a sighting already recorded for the same
    message or feed entry adds nothing. Lookups are batched: a few queries per call, not per posting.
    """
    items = [
        (p, entry_keys[i] if entry_keys else None)
        for i, p in enumerate(postings)
        if p.title or p.canonical_url
    ]
    if source_id and entry_keys:
        seen_keys = _known_entry_keys(session, source_id, [k for _, k in items if k])
        items = [(p, k) for p, k in items if k not in seen_keys]
    if not items:
        return []
    fps = [fingerprint(p.title, p.company, p.location) for p, _ in items]
    by_url, by_fp = _existing(session, [p.canonical_url for p, _ in items if p.canonical_url], fps)
    chosen: list[tuple[Posting, str | None]] = []
    for (p, key), fp in zip(items, fps, strict=True):
        posting = (
            by_url.get(p.canonical_url)
            or by_fp.get(fp)
            or (None if p.canonical_url else _fuzzy_match(session, p))
        )
        if posting is None:
            posting = _new_posting(p, fp)
            posting.held = held
            session.add(posting)
        else:
            _merge(posting, p)
            posting.held = posting.held and held
        if p.canonical_url:
            by_url[p.canonical_url] = posting
        if fp:
            by_fp.setdefault(fp, posting)
        chosen.append((posting, key))
    session.flush()
    return _record_sightings(session, chosen, source_id, member_id, raw_message_id, sender, note)


def _known_entry_keys(session: Session, source_id: int, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(
        session.scalars(
            select(Sighting.entry_key).where(
                Sighting.source_id == source_id, Sighting.entry_key.in_(keys)
            )
        )
    )


def _existing(
    session: Session, urls: list[str], fps: list[str]
) -> tuple[dict[str, Posting], dict[str, Posting]]:
    by_url: dict[str, Posting] = {}
    by_fp: dict[str, Posting] = {}
    if urls:
        for posting in session.scalars(select(Posting).where(Posting.canonical_url.in_(set(urls)))):
            by_url[posting.canonical_url or ""] = posting
    wanted = {fp for fp in fps if fp}
    if wanted:
        for posting in session.scalars(
            select(Posting).where(Posting.fingerprint.in_(wanted)).order_by(Posting.id)
        ):
            by_fp.setdefault(posting.fingerprint, posting)
    return by_url, by_fp


def _record_sightings(
    session: Session,
    chosen: list[tuple[Posting, str | None]],
    source_id: int | None,
    member_id: int | None,
    raw_message_id: int | None,
    sender: str,
    note: str,
) -> list[int]:
    """One sighting per posting per message (a mail naming a job twice credits it once)."""
    done: set[int] = set()
    if raw_message_id:
        done = set(
            session.scalars(
                select(Sighting.posting_id).where(Sighting.raw_message_id == raw_message_id)
            )
        )
    rows = []
    for posting, key in chosen:
        if raw_message_id and posting.id in done:
            continue
        done.add(posting.id)
        rows.append(
            Sighting(
                posting_id=posting.id,
                member_id=member_id,
                raw_message_id=raw_message_id,
                source_id=source_id,
                entry_key=key,
                sender=sender,
                note=note[:2000],
                seen_at=datetime.utcnow(),
            )
        )
    session.add_all(rows)
    session.flush()
    return [posting.id for posting, _ in chosen]


def _failed_auth(item: ParsedItem) -> str:
    bad = [k for k in ("dmarc", "dkim") if item.auth.get(k) in ("fail", "permerror")]
    return f"{bad[0].upper()} check failed for the sender" if bad else ""


def process_message(
    session: Session, raw: RawMessage, item: ParsedItem | None = None
) -> ParsedItem:
    """Record what one stored mail yields (parsing it unless `item` is given); sets its status."""
    if item is None:
        item = parse_mail(raw.raw, file=f"message {raw.id}")
    resolve_relative_dates(item.postings, raw.received_at)
    raw.processed_at = datetime.utcnow()
    raw.subject = item.subject[:2000]
    raw.sender = item.sender.address if item.sender else ""
    if item.error:
        raw.status, raw.reason = "failed", item.error
        return item
    if not item.postings and item.warnings:
        # Nothing came out and something was wrong: a person should look at it.
        raw.status, raw.reason = "failed", "; ".join(item.warnings)
        return item
    if item.special:
        raw.status, raw.reason = item.special, f"recognized as {item.special}"
        return item
    member = find_member(session, raw.sender)
    raw.member_id = member.id if member else None
    reason = "" if member else f"sender {raw.sender or '(none)'} is not a member"
    reason = reason or _failed_auth(item)
    held = bool(reason)
    store_postings(
        session,
        item.postings,
        member_id=raw.member_id,
        raw_message_id=raw.id,
        sender=raw.sender,
        note=item.note or "",
        held=held,
    )
    raw.status, raw.reason = ("held", reason) if held else ("processed", "")
    if not item.postings and not held:
        raw.reason = "no job postings found"
    return item


def process_pending(
    sessions: sessionmaker[Session], ids: Sequence[int] | None = None, force: bool = False
) -> dict[str, int]:
    """Process stored messages still 'new' (of `ids`, if given), each in its own transaction.

    `force` reprocesses the given ids whatever their state (after a parser improved). Parsing
    (pure, CPU-bound) runs on all cores for big batches; recording stays in this process.
    A crash inside one message's parsing marks that message failed; the batch goes on.
    """
    query = select(RawMessage.id)
    if not force:
        query = query.where(RawMessage.status == "new")
    if ids is not None:
        query = query.where(RawMessage.id.in_(list(ids)))
    with sessions() as session:
        todo = list(session.scalars(query.order_by(RawMessage.id)))
    counts: dict[str, int] = {}
    for start in range(0, len(todo), PARSE_CHUNK):
        chunk = todo[start : start + PARSE_CHUNK]
        with sessions() as session:
            raws = dict(
                session.execute(
                    select(RawMessage.id, RawMessage.raw).where(RawMessage.id.in_(chunk))
                ).all()
            )
        parsed = parse_many(raws)
        for raw_id in chunk:
            status = _record(sessions, raw_id, parsed.get(raw_id))
            counts[status] = counts.get(status, 0) + 1
    return counts


def _record(
    sessions: sessionmaker[Session], raw_id: int, item: ParsedItem | BaseException | None
) -> str:
    try:
        if isinstance(item, BaseException):
            raise item
        with sessions.begin() as session:
            raw = session.get_one(RawMessage, raw_id)
            process_message(session, raw, item)
            return raw.status
    except Exception as exc:  # noqa: BLE001 - one bad message must not stop the batch
        with sessions.begin() as session:
            raw = session.get_one(RawMessage, raw_id)
            raw.status, raw.reason = "failed", f"internal error: {type(exc).__name__}: {exc}"
            return raw.status
