"""Who may post: members by address or alias."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digest.store.models import Member, MemberAlias, MemberTarget
from parsers.company import normalize_company

EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


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


def alias_error(session: Session, member: Member, addresses: list[str]) -> str:
    """Why these aliases cannot be the member's ("" if they can): each must be an address
    and belong to nobody else, so a forward is never credited to the wrong person."""
    for raw in addresses:
        addr = raw.strip().lower()
        if not EMAIL_RE.match(addr):
            return f"{raw!r} is not an email address."
        if addr == member.email.lower():
            continue
        owner = find_member(session, addr)
        if owner is not None and owner.id != member.id:
            return f"{addr} already belongs to another member."
    return ""


def set_aliases(member: Member, addresses: list[str]) -> None:
    wanted = list(
        dict.fromkeys(
            a.strip().lower() for a in addresses if a.strip().lower() != member.email.lower()
        )
    )
    keep = [a for a in member.aliases if a.address in wanted]
    have = {a.address for a in keep}
    member.aliases = keep + [MemberAlias(address=a) for a in wanted if a not in have]


def set_targets(member: Member, names: list[str]) -> None:
    """The member's target companies, in their order, each once as people mean it."""
    seen: dict[str, str] = {}
    for name in names:
        key = normalize_company(name)
        if key and key not in seen:
            seen[key] = name.strip()[:200]
    if [(t.company_key, t.name) for t in member.targets] != list(seen.items()):
        member.targets = [MemberTarget(name=n, company_key=k) for k, n in seen.items()]
