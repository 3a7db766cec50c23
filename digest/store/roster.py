"""Who is in the group and who runs it: new members, leads waiting for their member, operators.

Every way a member comes to exist (import, the Members page, a held mail's sender, `operators
add`) goes through `new_member`, so a lead named before they were a member is linked on arrival
and the inside-contact default is the group's, never a silent yes.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digest.errors import UserError
from digest.store.members import EMAIL_RE
from digest.store.models import Member, Subgroup
from digest.store.statuses import MemberStatus


def member_by_email(session: Session, email: str) -> Member | None:
    """The member with this address, whatever their status (removed ones too)."""
    return session.scalar(select(Member).where(func.lower(Member.email) == email.strip().lower()))


def new_member(
    session: Session,
    email: str,
    *,
    name: str = "",
    inside_contacts_default: bool = False,
    waiting: dict[str, list[Subgroup]] | None = None,
) -> Member:
    """A new active member, linked as lead wherever they were named before they joined.

    `waiting` (from `waiting_leads`) saves a query per member when many are created at once."""
    member = Member(
        email=email.strip().lower(),
        name=name,
        keywords=[],
        location="",
        status=MemberStatus.ACTIVE,
        is_operator=False,
        contact_opt_in=inside_contacts_default,
    )
    session.add(member)
    link_waiting(member, waiting if waiting is not None else waiting_leads(session))
    return member


def link_waiting(member: Member, waiting: dict[str, list[Subgroup]]) -> list[str]:
    """Make `member` the lead the sub-groups in `waiting` named in advance; their names."""
    groups = waiting.pop(member.email.lower(), [])
    for group in groups:
        group.pending_leads = [e for e in group.pending_leads if e.lower() != member.email.lower()]
        if all(lead is not member for lead in group.leads):
            group.leads = [*group.leads, member]
    return [g.name for g in groups]


def waiting_leads(session: Session) -> dict[str, list[Subgroup]]:
    """Sub-groups by the lead address they wait for (named before that person was a member)."""
    found: dict[str, list[Subgroup]] = {}
    for group in session.scalars(select(Subgroup)):  # a few dozen: filtered here, not in JSON SQL
        for address in group.pending_leads or []:
            found.setdefault(address.lower(), []).append(group)
    return found


def set_leads(session: Session, group: Subgroup, emails: list[str]) -> list[str]:
    """The sub-group's leads become exactly `emails`: members are linked, the others wait as
    pending until they are members. Returns the addresses left pending."""
    leads, pending = [], []
    for address in dict.fromkeys(e.strip().lower() for e in emails if e.strip()):
        found = member_by_email(session, address)
        if found is not None and found.status != MemberStatus.REMOVED:
            leads.append(found)
        else:
            pending.append(address)
    group.leads = leads
    group.pending_leads = pending
    return pending


def operators(session: Session) -> list[Member]:
    return list(session.scalars(select(Member).where(Member.is_operator).order_by(Member.email)))


def add_operator(session: Session, email: str, inside_contacts_default: bool = False) -> str:
    """Make `email` an operator, creating the member if needed; what was done, in words."""
    address = email.strip().lower()
    if not EMAIL_RE.match(address):
        raise UserError(f"{email!r} is not an email address")
    member = member_by_email(session, address)
    if member is None:
        member = new_member(session, address, inside_contacts_default=inside_contacts_default)
        member.is_operator = True
        return f"{address} is now an operator (new member)."
    if member.status == MemberStatus.REMOVED:
        member.status = MemberStatus.ACTIVE
    if member.is_operator:
        return f"{address} is already an operator."
    member.is_operator = True
    return f"{address} is now an operator."


def remove_operator(session: Session, email: str) -> str:
    """Take the operator role away; never from the last operator, who would lock everyone out."""
    member = member_by_email(session, email)
    if member is None or not member.is_operator:
        raise UserError(f"{email}: not an operator (see `jobdigest operators list`)")
    others = [
        m for m in operators(session) if m.id != member.id and m.status != MemberStatus.REMOVED
    ]
    if not others:
        raise UserError(
            f"{member.email} is the only operator; add another first "
            "(jobdigest operators add EMAIL), then remove this one"
        )
    member.is_operator = False
    return f"{member.email} is no longer an operator."
