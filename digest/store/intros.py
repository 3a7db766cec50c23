"""Warm introductions and landings: the people-helping-people records behind the digest.

An introduction request names an asker, an inside contact and the posting; the contact takes
requests only when they opted in, and at most `group.intro_requests_per_week` a week, so a
well-connected member is not flooded. A landing records where a member landed; it makes them a
current-employee inside contact there and (unless they keep helping) ends their leads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digest.clock import utcnow
from digest.store.models import IntroRequest, Landing, Member, PastEmployer, Posting, Sighting
from digest.store.statuses import MEMBERS_GONE, IntroStatus
from parsers.company import normalize_company

WEEK = timedelta(days=7)


def pitch_of(member: Member) -> str:
    """The member's own words about what they want; '' before the pitch column exists."""
    return str(getattr(member, "pitch", "") or "")


def requests_this_week(session: Session, contact_id: int, now: datetime | None = None) -> int:
    """Requests made to this contact in the last seven days (the weekly limit counts these)."""
    since = (now or utcnow()) - WEEK
    query = select(func.count(IntroRequest.id)).where(
        IntroRequest.contact_id == contact_id, IntroRequest.created_at >= since
    )
    return int(session.scalar(query) or 0)


def knows_company(contact: Member, posting: Posting) -> bool:
    """The contact worked (or works) at the posting's company, keyed the same way as postings."""
    key = posting.company_key or normalize_company(posting.company or "")
    return bool(key) and any(normalize_company(e.name) == key for e in contact.employers)


def ask_problem(asker: Member, contact: Member, posting: Posting) -> str:
    """Why this request cannot be made, or ''."""
    if asker.id == contact.id:
        return "You cannot ask yourself for an introduction."
    if contact.status in MEMBERS_GONE or not contact.intro_opt_in or not contact.contact_opt_in:
        return f"{contact.display_name} does not take introduction requests at the moment."
    if not knows_company(contact, posting):
        return f"{contact.display_name} is no inside contact at this company any more."
    return ""


def find_request(
    session: Session, asker_id: int, contact_id: int, posting_id: int
) -> IntroRequest | None:
    return session.scalar(
        select(IntroRequest).where(
            IntroRequest.asker_id == asker_id,
            IntroRequest.contact_id == contact_id,
            IntroRequest.posting_id == posting_id,
        )
    )


def ask(
    session: Session, asker: Member, contact: Member, posting: Posting, per_week: int
) -> tuple[IntroRequest | None, str]:
    """(the request, '') or (None, why not). Asking twice returns the first request."""
    found = find_request(session, asker.id, contact.id, posting.id)
    if found is not None:
        return found, ""
    problem = ask_problem(asker, contact, posting)
    if not problem and requests_this_week(session, contact.id) >= per_week:
        problem = (
            f"{contact.display_name} already has {per_week} introduction requests this week."
            " Try again next week, or ask another contact."
        )
    if problem:
        return None, problem
    request = IntroRequest(asker_id=asker.id, contact_id=contact.id, posting_id=posting.id)
    session.add(request)
    session.flush()
    return request, ""


def answer(request: IntroRequest, accepted: bool) -> bool:
    """Record the contact's answer; False when it was already answered (the first one stands)."""
    if request.status != IntroStatus.PENDING:
        return False
    request.status = IntroStatus.ACCEPTED if accepted else IntroStatus.DECLINED
    request.answered_at = utcnow()
    return True


def record_landing(
    session: Session,
    member: Member,
    posting: Posting | None,
    company: str,
    role: str,
    celebrate: bool,
    keep_helping: bool,
) -> Landing:
    """Store a landing (one per member and posting: saving again updates it), make the member
    a current employee at the company, and end their leads unless they keep helping."""
    landing = session.scalar(
        select(Landing).where(
            Landing.member_id == member.id,
            Landing.posting_id == (posting.id if posting else None),
        )
    )
    if landing is None:
        landing = Landing(member_id=member.id, posting_id=posting.id if posting else None)
        session.add(landing)
    landing.company, landing.role, landing.celebrate = company[:300], role[:300], celebrate
    member.landed_at = member.landed_at or utcnow()
    member.keep_helping = keep_helping
    key = normalize_company(company)
    for employer in member.employers:
        employer.current = normalize_company(employer.name) == key
    if not any(e.current for e in member.employers):
        member.employers.append(PastEmployer(name=company[:200], company_key=key, current=True))
    session.flush()
    return landing


@dataclass(frozen=True)
class Celebration:
    """One landing as the group reads it."""

    member: str
    role: str
    company: str
    shared_by: str
    intro_by: str
    member_id: int = 0

    def __str__(self) -> str:
        what = f"{self.role} at {self.company}" if self.role else self.company
        line = f"Landed: {self.member}, {what}"
        extra = [f"lead shared by {self.shared_by}" if self.shared_by else ""]
        extra.append(f"intro by {self.intro_by}" if self.intro_by else "")
        extra = [e for e in extra if e]
        return line + ("; " + ", ".join(extra) if extra else "")


def celebrations(session: Session, begin: datetime, end: datetime) -> list[Celebration]:
    """Landings the members allowed the group to celebrate, made in [begin, end)."""
    rows = session.scalars(
        select(Landing)
        .where(Landing.celebrate, Landing.created_at >= begin, Landing.created_at < end)
        .order_by(Landing.created_at, Landing.id)
    )
    return [_celebration(session, landing) for landing in rows]


def _celebration(session: Session, landing: Landing) -> Celebration:
    shared = intro = ""
    if landing.posting_id is not None:
        sharer = session.scalar(
            select(Member)
            .join(Sighting, Sighting.member_id == Member.id)
            .where(Sighting.posting_id == landing.posting_id, Member.id != landing.member_id)
            .order_by(Sighting.seen_at, Sighting.id)
            .limit(1)
        )
        if sharer is not None and sharer.show_name and sharer.status not in MEMBERS_GONE:
            shared = sharer.display_name
        helper = session.scalar(
            select(Member)
            .join(IntroRequest, IntroRequest.contact_id == Member.id)
            .where(
                IntroRequest.asker_id == landing.member_id,
                IntroRequest.posting_id == landing.posting_id,
                IntroRequest.status == IntroStatus.ACCEPTED,
            )
            .limit(1)
        )
        intro = helper.display_name if helper is not None else ""
    return Celebration(
        landing.member.display_name,
        landing.role,
        landing.company,
        shared,
        intro,
        landing.member_id,
    )


def answered_for(
    session: Session, member_ids: list[int], begin: datetime, end: datetime
) -> dict[int, list[str]]:
    """asker id -> lines about the answers their intro requests got in [begin, end)."""
    out: dict[int, list[str]] = {}
    if not member_ids:
        return out
    rows = session.scalars(
        select(IntroRequest)
        .where(
            IntroRequest.asker_id.in_(member_ids),
            IntroRequest.status != IntroStatus.PENDING,
            IntroRequest.answered_at >= begin,
            IntroRequest.answered_at < end,
        )
        .order_by(IntroRequest.answered_at)
    )
    for req in rows:
        out.setdefault(req.asker_id, []).append(answer_line(req))
    return out


def answer_line(req: IntroRequest) -> str:
    """'Dan Whitaker is happy to introduce you at Sabre (Marketing Manager)'."""
    posting = req.posting
    what = (
        f"{posting.company or 'the company'} ({posting.title})"
        if posting.title
        else posting.company
    )
    name = req.contact.display_name
    if req.status == IntroStatus.ACCEPTED:
        return f"{name} is happy to introduce you at {what}: expect a mail from them."
    if req.status == IntroStatus.DECLINED:
        return f"{name} cannot make an introduction at {what} this time."
    return f"Waiting for {name}'s answer about {what}."
