"""Backfill from an mbox file or a Maildir: each mail stored once (by Message-ID), then processed."""

from __future__ import annotations

import hashlib
import mailbox
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import select

from digest.errors import UserError
from digest.inbox.poll import message_id_of
from digest.ingest.record import process_pending
from digest.ingest.verdict import Rules
from digest.store.db import Database
from digest.store.models import RawMessage, Source
from digest.store.statuses import SourceKind

BATCH = 200


@dataclass
class ImportResult:
    read: int = 0
    stored: int = 0
    already: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


def _open(path: Path) -> mailbox.Mailbox:
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise UserError(f"{path}: not a Maildir (no cur/ or new/ inside)")
        return mailbox.Maildir(str(path), factory=None, create=False)
    if not path.exists():
        raise UserError(f"{path}: no such file or folder")
    with path.open("rb") as fh:
        head = fh.read(5)
    if head and head != b"From ":
        raise UserError(f"{path}: not an mbox file (it must start with a 'From ' line)")
    return mailbox.mbox(str(path), factory=None, create=False)


def _raw_messages(box: mailbox.Mailbox) -> Iterator[bytes]:
    for key in box.iterkeys():
        try:
            yield box.get_bytes(key)
        except (OSError, KeyError):
            continue


def count(path: Path) -> int:
    return len(_open(path))


def import_mail(
    db: Database,
    path: Path,
    progress: Callable[[int], None] | None = None,
    rules: Rules | None = None,
) -> ImportResult:
    """Store each mail of an mbox/Maildir once (by Message-ID), then parse it like inbox mail.
    An archive's mail gets no receipts: its senders wrote it long ago."""
    box = _open(path)
    result = ImportResult()
    key = f"import:{path.resolve()}"
    with db.session() as session:
        source = session.scalar(select(Source).where(Source.key == key))
        if source is None:
            source = Source(kind=SourceKind.IMPORT, key=key, name=f"Imported from {path.name}")
            session.add(source)
            session.flush()
        source_id = source.id
    batch: list[bytes] = []
    for raw in _raw_messages(box):
        batch.append(raw)
        if len(batch) >= BATCH:
            _store(db, source_id, batch, result)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        _store(db, source_id, batch, result)
        if progress:
            progress(len(batch))
    quiet = replace(rules, receipts=False) if rules else None
    result.statuses = process_pending(db.sessions, rules=quiet)
    return result


def _identity(raw: bytes) -> str:
    """Message-ID, or a content hash for mail without one, so a re-import finds it."""
    return message_id_of(raw) or "<sha256:" + hashlib.sha256(raw).hexdigest() + ">"


def _store(db: Database, source_id: int, batch: list[bytes], result: ImportResult) -> None:
    ids = [_identity(raw) for raw in batch]
    with db.session() as session:
        known = set(
            session.scalars(select(RawMessage.message_id).where(RawMessage.message_id.in_(ids)))
        )
        for raw, mid in zip(batch, ids, strict=True):
            result.read += 1
            if mid in known:
                result.already += 1
                continue
            known.add(mid)
            session.add(RawMessage(source_id=source_id, message_id=mid, raw=raw))
            result.stored += 1
