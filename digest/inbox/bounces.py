"""Delivery reports (bounces) that arrive in the group inbox, matched to the digest they are about.

The inbox stage stores such mail with status "bounce"; here each one is read once. Anyone can
write a delivery report naming any address, so a report counts only when it refers to a digest
we actually sent to the member it names: by the digest's Message-ID in the returned message
(message/rfc822 or text/rfc822-headers part), or by the VERP return path the digest went out
with (`leads+d<delivery id>-<token>@domain`, the token derived from that digest's Message-ID,
which only its recipient's side ever saw). Each digest counts once, so a member is never counted
more bounces than digests sent to them; at HARD_BOUNCE_LIMIT the member is marked "bouncing" and
digests stop going to a dead address.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email.utils import parseaddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from digest.store.members import find_member
from digest.store.models import Delivery, Member, RawMessage
from digest.store.statuses import DeliveryStatus, MailStatus, MemberStatus
from parsers.dsn import returned_message_ids
from parsers.envelope import delivered_to
from parsers.mime import bounce_recipients

#: Hard (5.x.x) bounces in delivery reports before a member is marked bouncing.
HARD_BOUNCE_LIMIT = 3
#: Prefix of RawMessage.reason once a bounce was applied: applying twice counts nothing twice.
APPLIED = "bounce applied:"
#: Deliveries a report can be counted against: sent, and not yet counted ("bounced").
COUNTABLE = (DeliveryStatus.SENT,)
_VERP_RE = re.compile(r"^[^@+]+\+d(?P<id>\d{1,12})-(?P<token>[0-9a-f]{12})@", re.I)


@dataclass
class BounceResult:
    messages: int = 0
    hard: int = 0
    soft: int = 0
    unmatched: list[str] = field(default_factory=list)
    #: failed recipients named by a report that refers to no digest sent to them
    unreferenced: list[str] = field(default_factory=list)
    now_bouncing: list[str] = field(default_factory=list)


def verp_token(message_id: str) -> str:
    return hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:12]


def verp_address(from_address: str, delivery_id: int, message_id: str) -> str:
    """The return path of one digest: replies to it (reports) come back naming the delivery."""
    address = parseaddr(from_address)[1]
    local, _at, domain = address.partition("@")
    if not (local and domain):
        return address
    return f"{local.split('+', 1)[0]}+d{delivery_id}-{verp_token(message_id)}@{domain}"


def _verp_deliveries(session: Session, raw: bytes) -> list[Delivery]:
    """Deliveries named by a VERP address the report was delivered to, token checked."""
    found: list[Delivery] = []
    for address in delivered_to(raw):
        match = _VERP_RE.match(address)
        if not match:
            continue
        delivery = session.get(Delivery, int(match.group("id")))
        if delivery is not None and verp_token(delivery.message_id) == match.group("token"):
            found.append(delivery)
    return found


def referenced_deliveries(session: Session, raw: bytes) -> list[Delivery]:
    """The digests of ours a report is about (by returned Message-ID or VERP return path)."""
    found = {d.id: d for d in _verp_deliveries(session, raw)}
    ids = [mid for mid in returned_message_ids(raw) if mid]
    if ids:
        for delivery in session.scalars(select(Delivery).where(Delivery.message_id.in_(ids))):
            found[delivery.id] = delivery
    return list(found.values())


def is_hard(status: str) -> bool:
    """'5.1.1' and a report that only says 'failed' are permanent; '4.x.x'/'delayed' are not."""
    status = status.strip().lower()
    return status.startswith("5") or status in ("failed", "")


def apply_bounces(session: Session, limit: int = HARD_BOUNCE_LIMIT) -> BounceResult:
    """Count each not yet applied report against the digest it refers to; mark members bouncing
    at `limit` hard bounces."""
    result = BounceResult()
    rows = session.scalars(
        select(RawMessage)
        .where(RawMessage.status == MailStatus.BOUNCE, RawMessage.reason.not_like(f"{APPLIED}%"))
        .order_by(RawMessage.id)
    ).all()
    for raw in rows:
        result.messages += 1
        deliveries = referenced_deliveries(session, raw.raw)
        recipients = bounce_recipients(raw.raw)
        if not recipients:  # a report without readable recipients: its VERP address says who
            recipients = [
                (_email_of(session, d), "failed") for d in _verp_deliveries(session, raw.raw)
            ]
        notes = [
            _apply_one(session, raw, deliveries, addr, status, limit, result)
            for addr, status in recipients
        ]
        raw.reason = f"{APPLIED} {'; '.join(notes) or 'no failed recipient found'}"[:2000]
    session.flush()
    return result


def _email_of(session: Session, delivery: Delivery) -> str:
    return session.get_one(Member, delivery.member_id).email


def _apply_one(
    session: Session,
    raw: RawMessage,
    deliveries: list[Delivery],
    address: str,
    status: str,
    limit: int,
    result: BounceResult,
) -> str:
    member = find_member(session, address)
    if member is None:
        result.unmatched.append(address)
        return f"{address} {status} (not a member)"
    mine = [d for d in deliveries if d.member_id == member.id]
    if not mine:
        result.unreferenced.append(address)
        return f"{address} {status} (refers to no digest sent to this member: not counted)"
    raw.member_id = raw.member_id or member.id
    if not is_hard(status):
        result.soft += 1
        return f"{address} {status} (temporary, not counted)"
    countable = [d for d in mine if d.status in COUNTABLE]
    if not countable:
        return f"{address} {status} (digest already counted)"
    countable[0].status = DeliveryStatus.BOUNCED
    result.hard += 1
    member.bounce_count = (member.bounce_count or 0) + 1
    if member.bounce_count >= limit and member.status == MemberStatus.ACTIVE:
        mark_bouncing(member)
        result.now_bouncing.append(member.email)
    return f"{address} {status} (hard bounce {member.bounce_count})"


def mark_bouncing(member: Member) -> None:
    """Digests skip bouncing members until the operator or the member fixes the address."""
    member.status = MemberStatus.BOUNCING
