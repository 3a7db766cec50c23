"""Who may post: members by address or confirmed alias.

An alias counts only once the owner of that address used the confirmation link mailed to it
(digest/web/aliases.py): otherwise whoever holds a member's preferences link could attach any
address, and mail from it would be credited to the member and skip the hold queue.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digest.clock import utcnow
from digest.store.models import Member, MemberAlias, MemberTarget
from digest.store.statuses import MemberStatus
from parsers.company import normalize_company

EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def find_member(session: Session, address: str) -> Member | None:
    """The member who owns this address (their own or a confirmed alias), unless removed."""
    addr = address.strip().lower()
    if not addr:
        return None
    member = session.scalar(select(Member).where(func.lower(Member.email) == addr))
    if member is None:
        alias = session.scalar(
            select(MemberAlias).where(
                func.lower(MemberAlias.address) == addr, MemberAlias.confirmed_at.is_not(None)
            )
        )
        member = alias.member if alias else None
    if member is not None and member.status == MemberStatus.REMOVED:
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


def set_aliases(member: Member, addresses: list[str]) -> list[str]:
    """Keep the member's aliases that are still listed, drop the others; return the listed
    addresses that still need confirming (new ones, and older unconfirmed ones). Nothing
    unconfirmed is added here: the confirmation link carries the claim until it is used."""
    wanted = list(
        dict.fromkeys(
            a.strip().lower() for a in addresses if a.strip().lower() != member.email.lower()
        )
    )
    member.aliases = [a for a in member.aliases if a.address in wanted]
    confirmed = {a.address for a in member.aliases if a.confirmed_at is not None}
    return [a for a in wanted if a not in confirmed]


def confirm_alias(session: Session, member: Member, address: str) -> str:
    """Make `address` the member's confirmed alias; why not ("" when done). An unconfirmed
    claim on the address by another member gives way to the confirmed one."""
    addr = address.strip().lower()
    if addr == member.email.lower():
        return ""
    owner = find_member(session, addr)
    if owner is not None and owner.id != member.id:
        return f"{addr} already belongs to another member."
    row = session.scalar(select(MemberAlias).where(func.lower(MemberAlias.address) == addr))
    if row is not None and row.member_id != member.id:
        session.delete(row)
        session.flush()
        row = None
    if row is None:
        row = MemberAlias(address=addr, member_id=member.id)
        session.add(row)
    row.confirmed_at = row.confirmed_at or utcnow()
    session.flush()
    return ""


#: characters no name, keyword or other member field may hold: C0/C1 controls (CR and LF
#: among them) and the Unicode line and paragraph separators
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def control_char_error(value: str) -> str:
    """'' for clean text, else which character (position from 1) is not allowed, and why."""
    found = CONTROL_CHARS.search(value or "")
    if found is None:
        return ""
    char = found.group(0)
    what = {"\r": "a carriage return", "\n": "a line break", "\t": "a tab"}.get(
        char, f"the control character U+{ord(char):04X}"
    )
    return (
        f"character {found.start() + 1} is {what}: remove it (names and other fields are one line)"
    )


def set_targets(member: Member, names: list[str]) -> None:
    """The member's target companies, in their order, each once as people mean it."""
    seen: dict[str, str] = {}
    for name in names:
        key = normalize_company(name)
        if key and key not in seen:
            seen[key] = name.strip()[:200]
    if [(t.company_key, t.name) for t in member.targets] != list(seen.items()):
        member.targets = [MemberTarget(name=n, company_key=k) for k, n in seen.items()]
