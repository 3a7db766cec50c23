"""Recruiters members mark themselves: their mail is then accepted without holding.

A member's marks are theirs to take back; a recruiter the operator imported (recruiters.csv)
or another member marked stays when one member removes the address from their list."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from digest.store.members import EMAIL_RE
from digest.store.models import Member, Recruiter


def _mark(member: Member) -> str:
    return f"member:{member.id}"


def marked_recruiters(session: Session, member: Member) -> list[str]:
    """Addresses this member marked as recruiters, in the order they were marked."""
    query = select(Recruiter.address).where(Recruiter.added_by == _mark(member))
    return list(session.scalars(query.order_by(Recruiter.id)))


def recruiter_error(addresses: list[str]) -> str:
    """One clear line for the first entry that is not an address ('' when all are)."""
    for address in addresses:
        if not EMAIL_RE.match(address.strip().lower()):
            return f"{address!r} is not an email address: one address per line."
    return ""


def mark_recruiters(session: Session, member: Member, addresses: list[str]) -> None:
    """Make the member's marks exactly `addresses` (known recruiters are left as they are)."""
    wanted = {a.strip().lower() for a in addresses if a.strip()}
    known = {r.address: r for r in session.scalars(select(Recruiter))}
    for address, recruiter in known.items():
        if recruiter.added_by == _mark(member) and address not in wanted:
            session.delete(recruiter)
    for address in sorted(wanted - known.keys()):
        session.add(Recruiter(address=address, added_by=_mark(member)))
