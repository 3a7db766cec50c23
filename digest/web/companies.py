"""One page per company: its open postings, the members who worked there (who opted in as
inside contacts), the recruiters seen there and how many postings it had each week.

A company is its comparison key (parsers.company.normalize_company), so "Sabre Corporation",
"SABRE, Inc." and "Sabre" are one page: /companies/sabre. Recruiters are the original senders
of forwarded recruiter mail about the company's postings, read back from the stored mail; when
there is none, the members who shared its postings are shown instead.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from flask import Blueprint, abort, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digest.delivery.periods import period_of
from digest.store.members import find_member
from digest.store.models import (
    Member,
    MemberTarget,
    PastEmployer,
    Posting,
    RawMessage,
    Sighting,
    Source,
)
from digest.store.statuses import MEMBERS_GONE, PostingStatus
from digest.web.context import db_session, signin_required, state
from parsers.mail import parse_mail

bp = Blueprint("companies", __name__, url_prefix="/companies")
WEEKS = 12
MAX_POSTINGS = 100
MAX_MAILS = 40  # recruiter mails read back per page view
OPEN = (PostingStatus.ACTIVE,)


def slug_of(company_key: str) -> str:
    """'acme foods' -> 'acme-foods' (keys are words joined by spaces, never hyphens)."""
    return company_key.replace(" ", "-")


def key_of(slug: str) -> str:
    return unquote(slug).replace("-", " ").strip().casefold()


@dataclass
class Company:
    """What a company page shows, read in a few queries."""

    key: str
    name: str
    postings: list[Posting] = field(default_factory=list)
    alumni: list[tuple[str, str, str]] = field(default_factory=list)  # name, sub-groups, employer
    recruiters: list[tuple[str, str, int]] = field(default_factory=list)  # name, address, mails
    sharers: list[tuple[str, int]] = field(default_factory=list)
    weeks: list[tuple[str, int]] = field(default_factory=list)
    watches: list[Source] = field(default_factory=list)
    targeted_by: int = 0

    @property
    def peak(self) -> int:
        return max((n for _, n in self.weeks), default=0)


def _name(session: Session, key: str) -> str:
    """The company's name as postings spell it most often (else as members wrote it)."""
    row = session.execute(
        select(Posting.company, func.count())
        .where(Posting.company_key == key, Posting.company != "")
        .group_by(Posting.company)
        .order_by(func.count().desc(), Posting.company)
        .limit(1)
    ).first()
    if row:
        return str(row[0])
    for model in (PastEmployer, MemberTarget):
        name = session.scalar(select(model.name).where(model.company_key == key).limit(1))
        if name:
            return str(name)
    return ""


def _alumni(session: Session, key: str) -> list[tuple[str, str, str]]:
    rows = session.execute(
        select(Member, PastEmployer.name)
        .join(PastEmployer, PastEmployer.member_id == Member.id)
        .where(
            PastEmployer.company_key == key,
            Member.contact_opt_in,
            Member.status.not_in(MEMBERS_GONE),
        )
        .order_by(Member.name, Member.email)
    )
    seen: dict[int, tuple[str, str, str]] = {}
    for member, employer in rows:
        groups = ", ".join(g.name for g in member.subgroups)
        seen.setdefault(member.id, (member.display_name, groups, employer))
    return list(seen.values())


def _sharers(session: Session, key: str) -> list[tuple[str, int]]:
    """Members who shared its postings, most first; those who stay anonymous are counted only."""
    rows = session.execute(
        select(Sighting.member_id, func.count(func.distinct(Sighting.posting_id)))
        .join(Posting, Posting.id == Sighting.posting_id)
        .where(Posting.company_key == key, Sighting.member_id.is_not(None))
        .group_by(Sighting.member_id)
    )
    counts = dict(rows.all())
    members = session.scalars(select(Member).where(Member.id.in_(list(counts) or [-1])))
    named: list[tuple[str, int]] = []
    anonymous = 0
    for m in members:
        if m.status in MEMBERS_GONE:
            continue
        if m.show_name:
            named.append((m.display_name, counts[m.id]))
        else:
            anonymous += counts[m.id]
    named.sort(key=lambda p: (-p[1], p[0].casefold()))
    return named + ([("a member who stays anonymous", anonymous)] if anonymous else [])


def _recruiters(session: Session, key: str) -> list[tuple[str, str, int]]:
    """Who wrote the recruiter mails members forwarded about its postings (not members)."""
    raw_ids = (
        select(Sighting.raw_message_id)
        .join(Posting, Posting.id == Sighting.posting_id)
        .where(Posting.company_key == key, Posting.origin == "forward")
        .where(Sighting.raw_message_id.is_not(None))
    )
    mails = session.scalars(
        select(RawMessage.raw)
        .where(RawMessage.id.in_(raw_ids))
        .order_by(RawMessage.received_at.desc())
        .limit(MAX_MAILS)
    )
    counts: Counter[tuple[str, str]] = Counter()
    for raw in mails:
        for message in parse_mail(raw).forwarded[:1]:
            sender = message.from_
            address = sender.address.lower()
            if address and find_member(session, address) is None:
                counts[(sender.name or address.split("@")[0], address)] += 1
    return [(name, addr, n) for (name, addr), n in counts.most_common()]


def _weeks(session: Session, key: str) -> list[tuple[str, int]]:
    """Postings first seen each of the last WEEKS weeks (group time zone), oldest first."""
    tz = state().cfg.tz
    now = datetime.now(UTC)
    labels = [period_of(now - timedelta(weeks=i), tz) for i in reversed(range(WEEKS))]
    since = (now - timedelta(weeks=WEEKS)).replace(tzinfo=None)
    seen = session.scalars(
        select(Posting.first_seen).where(
            Posting.company_key == key,
            Posting.first_seen >= since,
            Posting.status != PostingStatus.MERGED,
        )
    )
    counts = Counter(period_of(s.replace(tzinfo=UTC), tz) for s in seen)
    return [(label, counts.get(label, 0)) for label in labels]


def load_company(session: Session, key: str) -> Company | None:
    name = _name(session, key)
    if not name:
        return None
    company = Company(key, name)
    company.postings = list(
        session.scalars(
            select(Posting)
            .where(Posting.company_key == key, Posting.status.in_(OPEN), Posting.held.is_(False))
            .order_by(Posting.first_seen.desc(), Posting.id.desc())
            .limit(MAX_POSTINGS)
        )
    )
    company.alumni = _alumni(session, key)
    company.recruiters = _recruiters(session, key)
    company.sharers = _sharers(session, key)
    company.weeks = _weeks(session, key)
    company.watches = list(
        session.scalars(
            select(Source).where(Source.company_key == key, Source.removed_at.is_(None))
        )
    )
    company.targeted_by = (
        session.scalar(
            select(func.count(func.distinct(MemberTarget.member_id))).where(
                MemberTarget.company_key == key
            )
        )
        or 0
    )
    return company


@bp.get("/")
@signin_required
def index() -> Any:
    """Companies with open postings, most postings first."""
    rows = (
        db_session()
        .execute(
            select(Posting.company_key, func.max(Posting.company), func.count())
            .where(Posting.company_key != "", Posting.status.in_(OPEN), Posting.held.is_(False))
            .group_by(Posting.company_key)
            .order_by(func.count().desc(), Posting.company_key)
            .limit(500)
        )
        .all()
    )
    return render_template("web/companies/index.html", companies=rows)


@bp.get("/<slug>")
@signin_required
def company(slug: str) -> Any:
    found = load_company(db_session(), key_of(slug))
    if found is None:
        abort(404, "No postings, members or targets name this company yet.")
    return render_template("web/companies/company.html", company=found)
