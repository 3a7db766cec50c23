"""Delivery reports (bounces) that arrive in the group inbox, matched to the member they are about.

The inbox stage stores such mail with status "bounce"; here each one is read once, the failed
recipients are looked up among members (addresses and aliases), and a member whose mail keeps
failing permanently is marked "bouncing" so digests stop going to a dead address.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from digest.store.members import find_member
from digest.store.models import Member, RawMessage
from parsers.mime import bounce_recipients

#: Hard (5.x.x) bounces in delivery reports before a member is marked bouncing.
HARD_BOUNCE_LIMIT = 3
#: Prefix of RawMessage.reason once a bounce was applied: applying twice counts nothing twice.
APPLIED = "bounce applied:"


@dataclass
class BounceResult:
    messages: int = 0
    hard: int = 0
    soft: int = 0
    unmatched: list[str] = field(default_factory=list)
    now_bouncing: list[str] = field(default_factory=list)


def is_hard(status: str) -> bool:
    """'5.1.1' and a report that only says 'failed' are permanent; '4.x.x'/'delayed' are not."""
    status = status.strip().lower()
    return status.startswith("5") or status in ("failed", "")


def apply_bounces(session: Session, limit: int = HARD_BOUNCE_LIMIT) -> BounceResult:
    """Count each not yet applied bounce against its member; mark members bouncing at `limit`."""
    result = BounceResult()
    rows = session.scalars(
        select(RawMessage)
        .where(RawMessage.status == "bounce", RawMessage.reason.not_like(f"{APPLIED}%"))
        .order_by(RawMessage.id)
    ).all()
    for raw in rows:
        result.messages += 1
        notes = [
            _apply_one(session, raw, addr, status, limit, result)
            for addr, status in bounce_recipients(raw.raw)
        ]
        raw.reason = f"{APPLIED} {'; '.join(notes) or 'no failed recipient found'}"[:2000]
    session.flush()
    return result


def _apply_one(
    session: Session, raw: RawMessage, address: str, status: str, limit: int, result: BounceResult
) -> str:
    member = find_member(session, address)
    if member is None:
        result.unmatched.append(address)
        return f"{address} {status} (not a member)"
    raw.member_id = raw.member_id or member.id
    if not is_hard(status):
        result.soft += 1
        return f"{address} {status} (temporary, not counted)"
    result.hard += 1
    member.bounce_count = (member.bounce_count or 0) + 1
    if member.bounce_count >= limit and member.status == "active":
        mark_bouncing(member)
        result.now_bouncing.append(member.email)
    return f"{address} {status} (hard bounce {member.bounce_count})"


def mark_bouncing(member: Member) -> None:
    """Digests skip bouncing members until the operator or the member fixes the address."""
    member.status = "bouncing"
