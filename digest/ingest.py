"""Turning parsed items into postings: dedup, merge, credits. One function per kind of input."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from digest.members import find_member
from digest.models import Posting, RawMessage, Sighting
from parsers.company import normalize_company
from parsers.fingerprint import fingerprint, similar_titles
from parsers.mail import parse_mail
from parsers.model import ParsedItem
from parsers.model import Posting as ParsedPosting

FUZZY_WINDOW = timedelta(days=60)
FUZZY_THRESHOLD = 0.8


def _find_existing(session: Session, p: ParsedPosting, fp: str) -> Posting | None:
    if p.canonical_url:
        found = session.scalar(select(Posting).where(Posting.canonical_url == p.canonical_url))
        if found:
            return found
    if fp:
        found = session.scalar(select(Posting).where(Posting.fingerprint == fp).limit(1))
        if found:
            return found
    comp = normalize_company(p.company)
    if comp and p.title:
        since = datetime.utcnow() - FUZZY_WINDOW
        candidates = session.scalars(
            select(Posting)
            .where(Posting.company_key == comp, Posting.first_seen >= since)
            .limit(200)
        )
        for cand in candidates:
            if similar_titles(cand.title, p.title) >= FUZZY_THRESHOLD:
                return cand
    return None


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

    Idempotent: a sighting already recorded for the same message or feed entry adds nothing.
    """
    ids: list[int] = []
    for i, p in enumerate(postings):
        if not (p.title or p.canonical_url):
            continue
        key = entry_keys[i] if entry_keys else None
        if (
            key
            and source_id
            and session.scalar(
                select(Sighting.id).where(
                    Sighting.source_id == source_id, Sighting.entry_key == key
                )
            )
        ):
            continue
        fp = fingerprint(p.title, p.company, p.location)
        posting = _find_existing(session, p, fp)
        if posting is None:
            posting = _new_posting(p, fp)
            posting.held = held
            session.add(posting)
            session.flush()
        else:
            _merge(posting, p)
            if not held and posting.held:
                posting.held = False
        if raw_message_id and session.scalar(
            select(Sighting.id).where(
                Sighting.posting_id == posting.id, Sighting.raw_message_id == raw_message_id
            )
        ):
            ids.append(posting.id)
            continue
        session.add(
            Sighting(
                posting_id=posting.id,
                member_id=member_id,
                raw_message_id=raw_message_id,
                source_id=source_id,
                entry_key=key,
                sender=sender,
                note=note[:2000],
            )
        )
        session.flush()
        ids.append(posting.id)
    return ids


def _failed_auth(item: ParsedItem) -> str:
    bad = [k for k in ("dmarc", "dkim") if item.auth.get(k) in ("fail", "permerror")]
    return f"{bad[0].upper()} check failed for the sender" if bad else ""


def process_message(session: Session, raw: RawMessage) -> ParsedItem:
    """Parse one stored mail and record what it yields; sets raw.status and raw.reason."""
    item = parse_mail(raw.raw, file=f"message {raw.id}")
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

    `force` reprocesses the given ids whatever their state (after a parser improved).

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
    for raw_id in todo:
        try:
            with sessions.begin() as session:
                raw = session.get_one(RawMessage, raw_id)
                process_message(session, raw)
                status = raw.status
        except Exception as exc:  # noqa: BLE001 - one bad message must not stop the batch
            with sessions.begin() as session:
                raw = session.get_one(RawMessage, raw_id)
                raw.status, raw.reason = "failed", f"internal error: {type(exc).__name__}: {exc}"
                status = raw.status
        counts[status] = counts.get(status, 0) + 1
    return counts
