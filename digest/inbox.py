"""Polling the group inbox: store every mail's bytes first, process, and only then move it.

Order per batch (GNU Mailman's lesson): FETCH -> INSERT raw rows + COMMIT -> parse/ingest (own
transactions) -> MOVE on the server -> mark moved. A crash anywhere leaves the mail either still
in the inbox (re-fetched; its stored row is found by UIDVALIDITY+UID and not stored twice) or
already moved with its row committed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from imapclient import IMAPClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from digest.config import Config
from digest.db import Database
from digest.imap import connect, logout_quietly
from digest.ingest import process_pending
from digest.models import RawMessage, Source

Progress = Callable[[int, int], None]


@dataclass
class PollResult:
    fetched: int = 0
    stored: int = 0
    moved: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


_HEADER_END = re.compile(rb"\r?\n\r?\n")


def message_id_of(raw: bytes) -> str:
    """The Message-ID header; only the header block is read (bodies are most of a mail)."""
    head = raw[:65536]
    end = _HEADER_END.search(head)
    head = head[: end.end()] if end else head
    try:
        headers = BytesHeaderParser(policy=default_policy).parsebytes(head, headersonly=True)
        return str(headers.get("Message-ID", "") or "").strip()[:998]
    except Exception:  # noqa: BLE001 - an unreadable header is stored anyway
        return ""


def inbox_source(session: Session, cfg: Config) -> Source:
    key = f"imap://{cfg.inbox.username}@{cfg.inbox.host}:{cfg.inbox.port}/{cfg.inbox.folder}"
    source = session.scalar(select(Source).where(Source.key == key))
    if source is None:
        source = Source(kind="imap", key=key, name="Group inbox")
        session.add(source)
        session.flush()
    return source


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def store_batch(
    db: Database, cfg: Config, uidvalidity: int, fetched: dict[int, bytes]
) -> list[int]:
    """Insert the fetched mails in one transaction; returns raw-message ids (new and known)."""
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
        for uid, raw in new.items():
            row = RawMessage(
                source_id=source.id,
                uidvalidity=uidvalidity,
                uid=uid,
                raw=raw,
                message_id=mids[uid],
                received_at=datetime.utcnow(),
            )
            if mids[uid] and mids[uid] in seen:
                # The same mail again (re-appended, or UIDVALIDITY changed): keep it, ingest it once.
                row.status, row.reason = "duplicate", f"same Message-ID as {seen[mids[uid]]}"
            elif mids[uid]:
                seen[mids[uid]] = f"UID {uid}"
            session.add(row)
            rows.append(row)
        session.flush()
        source.last_uid = max([source.last_uid, *fetched])
        source.last_success = datetime.utcnow()
        return [*known.values(), *(r.id for r in rows)]


def _ensure_folder(client: IMAPClient, folder: str, existing: set[str]) -> None:
    if folder not in existing:
        client.create_folder(folder)
        existing.add(folder)


def _move(client: IMAPClient, uids: list[int], folder: str) -> None:
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
    with db.session() as session:
        rows = session.execute(
            select(table.c.uid, table.c.status, table.c.moved).where(table.c.id.in_(ids))
        ).all()
    by_folder: dict[str, list[int]] = {}
    for uid, status, moved in rows:
        if moved or status == "new" or uid is None:
            continue
        folder = cfg.inbox.failed_folder if status == "failed" else cfg.inbox.processed_folder
        by_folder.setdefault(folder, []).append(uid)
    if by_folder:
        existing = {name for _flags, _delim, name in client.list_folders()}
        for folder, uids in by_folder.items():
            _ensure_folder(client, folder, existing)
            _move(client, uids, folder)
    with db.session() as session:
        session.execute(
            update(table)
            .where(table.c.id.in_(ids), table.c.status != "new", table.c.moved.is_(False))
            .values(moved=True)
        )
    return sum(len(u) for u in by_folder.values())


def poll(db: Database, cfg: Config, progress: Progress | None = None) -> PollResult:
    """Fetch everything waiting in the inbox folder, store it, process it, move it."""
    result = PollResult()
    process_pending(db.sessions)  # leftovers of a run that died after storing
    client = connect(cfg)
    try:
        info = client.select_folder(cfg.inbox.folder)
        uidvalidity = int(info[b"UIDVALIDITY"])
        uids = sorted(client.search("ALL"))
        for batch in _chunks(uids, max(1, cfg.inbox.batch_size)):
            response = client.fetch(batch, ["BODY.PEEK[]"])
            # A mail expunged by someone else meanwhile comes back without a body: skip it.
            fetched = {
                uid: d[b"BODY[]"] for uid, d in response.items() if d.get(b"BODY[]") is not None
            }
            result.fetched += len(fetched)
            ids = store_batch(db, cfg, uidvalidity, fetched)
            result.stored += len(ids)
            for status, n in process_pending(db.sessions, ids).items():
                result.statuses[status] = result.statuses.get(status, 0) + n
            result.moved += move_processed(db, cfg, client, ids)
            if progress:
                progress(result.fetched, len(uids))
    finally:
        logout_quietly(client)
    return result
