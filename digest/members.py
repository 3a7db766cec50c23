"""Who may post: members by address or alias."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digest.models import Member, MemberAlias


def find_member(session: Session, address: str) -> Member | None:
    """The active member who owns this address (their own or an alias), if any."""
    addr = address.strip().lower()
    if not addr:
        return None
    member = session.scalar(select(Member).where(func.lower(Member.email) == addr))
    if member is None:
        alias = session.scalar(select(MemberAlias).where(func.lower(MemberAlias.address) == addr))
        member = alias.member if alias else None
    if member is not None and member.status == "removed":
        return None
    return member
