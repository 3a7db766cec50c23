"""Stored mail that could not be recorded as postings: listing it, and parsing it again."""

from __future__ import annotations

from sqlalchemy import select

from digest.errors import UserError
from digest.ingest.budget import ParseBudget
from digest.ingest.record import process_pending
from digest.ingest.verdict import Rules
from digest.store.db import Database
from digest.store.models import RawMessage
from digest.store.statuses import MailStatus


def stored_failures(db: Database, include_held: bool = False) -> list[RawMessage]:
    """Failed mail (and, if asked, held mail) oldest first, with the reason it was set aside."""
    statuses = [MailStatus.FAILED, MailStatus.HELD] if include_held else [MailStatus.FAILED]
    with db.session() as session:
        return list(
            session.scalars(
                select(RawMessage).where(RawMessage.status.in_(statuses)).order_by(RawMessage.id)
            )
        )


def reprocess(
    db: Database,
    ids: list[int],
    all_failed: bool = False,
    rules: Rules | None = None,
    budget: ParseBudget | None = None,
) -> dict[str, int]:
    """Parse stored mails again (after a parser improved): the given ids, or every failed one."""
    if not ids and not all_failed:
        raise UserError(
            "inbox reprocess: give message IDs or --all (see `jobdigest inbox failures`)"
        )
    if all_failed:
        with db.session() as session:
            ids = list(
                session.scalars(select(RawMessage.id).where(RawMessage.status == MailStatus.FAILED))
            )
    else:
        with db.session() as session:
            found = set(session.scalars(select(RawMessage.id).where(RawMessage.id.in_(ids))))
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise UserError(
                f"inbox reprocess: no stored mail with id {', '.join(missing)} "
                "(`jobdigest inbox failures --all` lists them)"
            )
    return process_pending(db.sessions, ids, force=True, rules=rules, budget=budget)
