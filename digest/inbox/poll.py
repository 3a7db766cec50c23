"""Polling the group inbox: store every mail's bytes first, process, and only then move it.

Order per batch (GNU Mailman's lesson): FETCH -> INSERT raw rows + COMMIT -> parse/ingest (one
transaction per batch, redone mail by mail if it fails) -> MOVE on the server -> mark moved. A
crash anywhere leaves the mail either still in the inbox (re-fetched; its stored row is found by
UIDVALIDITY+UID and not stored twice) or already moved with its row committed; a stored row not
yet processed is picked up by the next poll before it fetches anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from digest.clock import utcnow
from digest.config import Config
from digest.inbox.connection import connect, logout_quietly
from digest.ingest.budget import ParseBudget
from digest.ingest.record import PendingWork, process_pending, start_pending
from digest.ingest.verdict import Rules
from digest.store.clean import storable
from digest.store.db import Database
from digest.store.models import RawMessage, Source
from digest.store.retry import retry_transient
from digest.store.statuses import MailStatus, SourceKind

Progress = Callable[[int, int], None]


@dataclass
class PollResult:
    fetched: int = 0
    stored: int = 0
    moved: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID = re.compile(rb"^message-id[ \t]*:(.*(?:\r?\n[ \t].*)*)", re.I | re.M)
_FOLD = re.compile(rb"\r?\n")


def message_id_of(raw: bytes) -> str:
    """The Message-ID header, unfolded; only the header block is read (the body is most of it).

    A plain pattern, not the email package: its header objects cost about a millisecond a mail.
    """
    head = raw[:65536]
    end = _HEADER_END.search(head)
    match = _MESSAGE_ID.search(head[: end.start()] if end else head)
    if not match:
        return ""
    value = _FOLD.sub(b"", match.group(1)).decode("utf-8", "replace")
    return storable(value.strip(), 998)


def inbox_source(session: Session, cfg: Config) -> Source:
    key = f"imap://{cfg.inbox.username}@{cfg.inbox.host}:{cfg.inbox.port}/{cfg.inbox.folder}"
    source = session.scalar(select(Source).where(Source.key == key))
    if source is None:
        source = Source(kind=SourceKind.IMAP, key=key, name="Group inbox")
        session.add(source)
        session.flush()
    return source


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def store_batch(
    db: Database, cfg: Config, uidvalidity: int, fetched: dict[int, bytes]
) -> list[int]:
    """Insert the fetched mails in one transaction; returns raw-message ids (new and known).

    Retried whole after a transient storage error (nothing is moved on the server before it
    committed, so a retry stores each mail once)."""
    return retry_transient(lambda: _store_batch(db, cfg, uidvalidity, fetched))


def _store_batch(
    db: Database, cfg: Config, uidvalidity: int, fetched: dict[int, bytes]
) -> list[int]:
    with db.session() as session:
        source = inbox_source(session, cfg)
        if source.uidvalidity != uidvalidity:
            source.uidvalidity = uidvalidity
        known = dict(
            session.execute(
                select(RawMessage.uid, RawMessage.id).where(
                    RawMessage.source_id == source.id,
                    RawMessage.uidvalidity == uidvalidity,
                    RawMessage.uid.in_(list(fetched)),
                )
            ).all()
        )
        new = {uid: raw for uid, raw in fetched.items() if uid not in known}
        mids = {uid: message_id_of(raw) for uid, raw in new.items()}
        seen = {
            mid: f"stored message {rid}"
            for mid, rid in session.execute(
                select(RawMessage.message_id, RawMessage.id).where(
                    RawMessage.message_id.in_([m for m in mids.values() if m])
                )
            ).all()
        }
        rows = []
        now = utcnow()
        for uid, raw in new.items():
            status, reason, mid = MailStatus.NEW, "", mids[uid]
            if mid and mid in seen:
                # The same mail again (re-appended, or UIDVALIDITY changed): keep it, ingest it once.
                status, reason = MailStatus.DUPLICATE, f"same Message-ID as {seen[mid]}"
            elif mid:
                seen[mid] = f"UID {uid}"
            rows.append(
                {
                    "source_id": source.id,
                    "uidvalidity": uidvalidity,
                    "uid": uid,
                    "raw": raw,
                    "message_id": mid,
                    "received_at": now,
                    "status": status,
                    "reason": reason,
                }
            )
        ids = _insert_raw(session, rows)
        source.last_uid = max([source.last_uid, *fetched])
        source.last_success = utcnow()
        return [*known.values(), *(ids[uid] for uid in new)]


def _insert_raw(session: Session, rows: list[dict[str, object]]) -> dict[int, int]:
    """One multi-row INSERT (Core: ORM objects for 30 KB blobs cost more than the SQL); id by UID."""
    if not rows:
        return {}
    table = RawMessage.__table__
    returned = session.execute(insert(table).returning(table.c.id, table.c.uid), rows)
    return {uid: raw_id for raw_id, uid in returned}


def _ensure_folder(client: IMAPClient, folder: str, existing: set[str]) -> None:
    if folder not in existing:
        client.create_folder(folder)
        existing.add(folder)


def _move(client: IMAPClient, uids: list[int], folder: str) -> None:
    """_move_present, once more with only the UIDs still there if someone expunged some meanwhile.

    A mail deleted by another client after we stored it is gone from the inbox either way; the
    server refuses the whole command for it ([EXPUNGEISSUED]), so the rest is moved again.
    """
    try:
        _move_present(client, uids, folder)
    except IMAPClientError as exc:
        if "EXPUNGEISSUED" not in str(exc).upper():
            raise
        present = set(client.search(["UID", ",".join(map(str, uids))])) if uids else set()
        _move_present(client, [uid for uid in uids if uid in present], folder)


def _move_present(client: IMAPClient, uids: list[int], folder: str) -> None:
    """MOVE when the server has it; else COPY + \\Deleted + EXPUNGE of just those UIDs."""
    if not uids:
        return
    if client.has_capability("MOVE"):
        client.move(uids, folder)
        return
    client.copy(uids, folder)
    client.add_flags(uids, [b"\\Deleted"], silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        client.expunge()


def move_processed(db: Database, cfg: Config, client: IMAPClient, ids: list[int]) -> int:
    """Move stored-and-processed mails out of the inbox, then record that they were moved."""
    table = RawMessage.__table__

    def load() -> list[Any]:
        with db.session() as session:
            return list(
                session.execute(
                    select(table.c.uid, table.c.status, table.c.moved).where(table.c.id.in_(ids))
                ).all()
            )

    rows = retry_transient(load)
    by_folder: dict[str, list[int]] = {}
    for uid, status, moved in rows:
        if moved or status == MailStatus.NEW or uid is None:
            continue
        folder = (
            cfg.inbox.failed_folder if status == MailStatus.FAILED else cfg.inbox.processed_folder
        )
        by_folder.setdefault(folder, []).append(uid)
    if by_folder:
        existing = {name for _flags, _delim, name in client.list_folders()}
        for folder, uids in by_folder.items():
            _ensure_folder(client, folder, existing)
            _move(client, uids, folder)

    def mark_moved() -> None:
        with db.session() as session:
            session.execute(
                update(table)
                .where(
                    table.c.id.in_(ids), table.c.status != MailStatus.NEW, table.c.moved.is_(False)
                )
                .values(moved=True)
            )

    retry_transient(mark_moved)
    return sum(len(u) for u in by_folder.values())


@dataclass(slots=True)
class _Batch:
    """A stored batch whose parsing has started: recorded and moved one batch later."""

    ids: list[int]
    fetched: int
    work: PendingWork


def _fetch_and_store(
    db: Database, cfg: Config, client: IMAPClient, uidvalidity: int, uids: list[int]
) -> _Batch:
    response = client.fetch(uids, ["BODY.PEEK[]"])
    # A mail expunged by someone else meanwhile comes back without a body: skip it.
    fetched = {uid: d[b"BODY[]"] for uid, d in response.items() if d.get(b"BODY[]") is not None}
    ids = store_batch(db, cfg, uidvalidity, fetched)
    budget = ParseBudget.from_config(cfg.inbox)
    return _Batch(
        ids,
        len(fetched),
        start_pending(db.sessions, ids, rules=Rules.from_config(cfg), budget=budget),
    )


def _finish(db: Database, cfg: Config, client: IMAPClient, batch: _Batch, out: PollResult) -> None:
    for status, n in batch.work.finish().items():
        out.statuses[status] = out.statuses.get(status, 0) + n
    out.moved += move_processed(db, cfg, client, batch.ids)


def poll(db: Database, cfg: Config, progress: Progress | None = None) -> PollResult:
    """Fetch everything waiting in the inbox folder, store it, process it, move it.

    Pipelined one batch deep: batch n+1 is fetched and stored while the workers parse batch n,
    then batch n is recorded and moved. Each batch still goes FETCH -> store + COMMIT ->
    record -> MOVE -> mark moved, so the crash guarantees above hold batch by batch.
    """
    result = PollResult()
    # leftovers of a run that died after storing
    process_pending(
        db.sessions, rules=Rules.from_config(cfg), budget=ParseBudget.from_config(cfg.inbox)
    )
    client = connect(cfg)
    try:
        info = client.select_folder(cfg.inbox.folder)
        uidvalidity = int(info[b"UIDVALIDITY"])
        uids = sorted(client.search("ALL"))
        done = 0
        waiting: _Batch | None = None
        for chunk in [*_chunks(uids, max(1, cfg.inbox.batch_size)), None]:
            batch = _fetch_and_store(db, cfg, client, uidvalidity, chunk) if chunk else None
            if batch:
                result.fetched += batch.fetched
                result.stored += len(batch.ids)
            if waiting:
                _finish(db, cfg, client, waiting, result)
                done += waiting.fetched
                if progress:
                    progress(done, len(uids))
            waiting = batch
    finally:
        logout_quietly(client)
    return result
