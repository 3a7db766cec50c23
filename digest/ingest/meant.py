"""Leads meant for someone: a sharer's note that names a member ("Sarah, this one is for you")
is stored as an intended recipient of each posting of that mail, so the lead tops that
member's digest whatever the tags say. A name that fits several members is stored with its
candidates and no member: the sharer's sub-group lead settles it, nobody guesses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from digest.clock import utcnow
from digest.store.clean import storable
from digest.store.models import IntendedRecipient, Member, MemberAlias, Sighting
from digest.store.statuses import MEMBERS_GONE
from parsers.addressee import Named, fits, named_in_note

_INTENDED = IntendedRecipient.__table__


@dataclass(frozen=True, slots=True)
class Meant:
    """One name of a note, resolved: the member, or (ambiguous) the candidates."""

    named: str
    member_id: int | None
    candidates: tuple[int, ...]


class Recipients:
    """Resolves the names in notes against the roster, loaded once per batch of mails."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._people: list[tuple[int, str, str]] | None = None
        self.staged: list[tuple[list[Any], int, int | None, str, list[Meant]]] = []

    def _roster(self) -> list[tuple[int, str, str]]:
        if self._people is None:
            rows = self.session.execute(
                select(Member.id, Member.name, Member.email).where(
                    Member.status.not_in(MEMBERS_GONE)
                )
            )
            people = [(mid, name or "", email) for mid, name, email in rows]
            aliases = self.session.execute(
                select(MemberAlias.member_id, MemberAlias.address).where(
                    MemberAlias.confirmed_at.is_not(None)
                )
            )
            names = {mid: name for mid, name, _ in people}
            people += [(mid, names[mid], a) for mid, a in aliases if mid in names]
            self._people = people
        return self._people

    def resolve(self, note: str, sharer_id: int | None) -> list[Meant]:
        """The members the note names (never the sharer), first mention first."""
        out: list[Meant] = []
        for named in named_in_note(note):
            ids = self._matching(named, sharer_id)
            if ids:
                one = ids[0] if len(ids) == 1 else None
                if all(m.member_id != one or one is None for m in out):
                    out.append(Meant(named.text, one, tuple(ids)))
        return out

    def _matching(self, named: Named, sharer_id: int | None) -> list[int]:
        ids: list[int] = []
        for mid, name, email in self._roster():
            if mid != sharer_id and mid not in ids and fits(named, name, email):
                ids.append(mid)
        return ids

    def stage(self, rows: list[Any], raw_id: int, sharer_id: int | None, note: str) -> None:
        """Remember the note's names for the mail's postings (written after they have ids)."""
        if not note.strip() or not rows or sharer_id is None:
            return
        meant = self.resolve(note, sharer_id)
        if meant:
            self.staged.append((rows, raw_id, sharer_id, note, meant))

    def flush(self) -> None:
        """Insert the staged recipients, once per sighting and name (a mail recorded again
        adds nothing)."""
        fresh: list[dict[str, Any]] = []
        now = utcnow()
        for rows, raw_id, sharer_id, note, meant in self.staged:
            for row in rows:
                sighting = self.session.scalar(
                    select(Sighting.id).where(
                        Sighting.posting_id == row.id, Sighting.raw_message_id == raw_id
                    )
                )
                known = (
                    set(
                        self.session.scalars(
                            select(IntendedRecipient.named).where(
                                IntendedRecipient.sighting_id == sighting
                            )
                        )
                    )
                    if sighting
                    else set()
                )
                for m in meant:
                    if m.named in known:
                        continue
                    fresh.append(
                        {
                            "posting_id": row.id,
                            "sighting_id": sighting,
                            "sharer_id": sharer_id,
                            "member_id": m.member_id,
                            "named": storable(m.named, 320),
                            "candidates": list(m.candidates),
                            "note": storable(note, 2000),
                            "created_at": now,
                        }
                    )
        if fresh:
            self.session.execute(insert(_INTENDED), fresh)
        self.staged = []
