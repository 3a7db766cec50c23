"""Career sites leads watch: "tell us when Sabre posts". A watch is a board Source (origin
"watch") made from any careers URL, so the normal fetch job reads it with the same politeness,
health, backoff and dedup as a configured board.

Interface (stable):
    add_watch(session, name, url, *, site=None) -> tuple[Source, bool]   # (source, created)
    remove_watch(session, ref) -> Source          # ref: the source id, the name or the URL
    list_watches(session) -> list[Source]
    unwatched_targets(session, member_ids=None) -> list[Suggestion]

Removing a watch keeps the row (its sightings keep crediting it) and stops fetching it; adding
the same site again brings it back with its history.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digest.clock import utcnow
from digest.errors import UserError
from digest.store.models import Member, MemberTarget, Posting, Sighting, Source
from digest.store.statuses import MEMBERS_GONE
from parsers.careers import KINDS, CareersSite, UnknownCareersSite, recognise
from parsers.company import normalize_company

MAX_NAME = 300


@dataclass
class Suggestion:
    """A company members target whose careers site nobody watches yet."""

    name: str
    company_key: str
    members: list[str] = field(default_factory=list)
    #: a careers URL seen in a posting at the company (a forwarded Workday link, say), if any
    careers_url: str = ""
    careers_kind: str = ""


def _clean_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise UserError('watch add: the company name is empty (e.g. "Sabre")')
    if len(text) > MAX_NAME:
        raise UserError(f"watch add: the company name is longer than {MAX_NAME} characters")
    return text


def site_of(url: str) -> CareersSite:
    """The board behind a careers URL, or a UserError (exit 2) saying why there is none."""
    try:
        return recognise(url)
    except UnknownCareersSite as exc:
        raise UserError(f"watch add: {url}: {exc}") from None


def add_watch(
    session: Session, name: str, url: str, *, site: CareersSite | None = None
) -> tuple[Source, bool]:
    """Watch a company's careers site; idempotent (the same board twice is one source)."""
    company = _clean_name(name)
    site = site or site_of(url)
    source = session.scalar(select(Source).where(Source.key == site.api_url))
    if source is not None and source.origin != "watch":
        raise UserError(
            f"watch add: {site.describe()} is already fetched as source {source.id} "
            "(a [[boards]] entry in the config); nothing to add"
        )
    created = source is None
    if source is None:
        source = Source(kind=site.kind, key=site.api_url, origin="watch")
        session.add(source)
    source.name, source.careers_url = company, url.strip()
    source.company_key, source.removed_at = normalize_company(company), None
    session.flush()
    return source, created


def _find(session: Session, ref: str) -> list[Source]:
    """Watches a reference names: a source id, a company name (any spelling) or a careers URL."""
    query = select(Source).where(Source.origin == "watch", Source.removed_at.is_(None))
    text = ref.strip()
    if text.isdigit():
        return list(session.scalars(query.where(Source.id == int(text))))
    key = normalize_company(text)
    found = list(session.scalars(query.where(Source.company_key == key))) if key else []
    if not found and ("/" in text or "." in text):
        try:
            api = recognise(text).api_url
        except UnknownCareersSite:
            return []
        found = list(session.scalars(query.where(Source.key == api)))
    return found


def remove_watch(session: Session, ref: str) -> Source:
    """Stop watching; one clear error when the reference matches no watch or several."""
    found = _find(session, ref)
    if not found:
        raise UserError(
            f"watch remove: no watched career site {ref!r} (see `jobdigest watch list`)"
        )
    if len(found) > 1:
        ids = ", ".join(str(s.id) for s in found)
        raise UserError(f"watch remove: {ref!r} names several watches ({ids}); give the id")
    source = found[0]
    source.removed_at = utcnow()
    session.flush()
    return source


def list_watches(session: Session) -> list[Source]:
    """Watched career sites, by company name."""
    query = select(Source).where(Source.origin == "watch", Source.removed_at.is_(None))
    return list(session.scalars(query.order_by(func.lower(Source.name), Source.id)))


def known_careers_keys(session: Session) -> set[str]:
    """Companies whose careers site is read: watched or configured boards, and any company a
    board source has brought postings from (a board's postings name their company)."""
    boards = select(Source.company_key).where(
        Source.kind.in_(KINDS), Source.removed_at.is_(None), Source.company_key != ""
    )
    keys = set(session.scalars(boards))
    from_boards = (
        select(Posting.company_key)
        .join(Sighting, Sighting.posting_id == Posting.id)
        .join(Source, Source.id == Sighting.source_id)
        .where(Source.kind.in_(KINDS), Source.removed_at.is_(None))
        .distinct()
    )
    return keys | {k for k in session.scalars(from_boards) if k}


def unwatched_targets(session: Session, member_ids: list[int] | None = None) -> list[Suggestion]:
    """Target companies (of these members, or all) without a known careers site, most wanted
    first: what a lead is offered to watch."""
    query = (
        select(MemberTarget.name, MemberTarget.company_key, Member.name, Member.email)
        .join(Member, Member.id == MemberTarget.member_id)
        .where(Member.status.not_in(MEMBERS_GONE), MemberTarget.company_key != "")
    )
    if member_ids is not None:
        query = query.where(Member.id.in_(member_ids or [-1]))
    known = known_careers_keys(session)
    found: dict[str, Suggestion] = {}
    people: dict[str, set[str]] = defaultdict(set)
    for target, key, person, email in session.execute(query.order_by(MemberTarget.id)):
        if key in known:
            continue
        found.setdefault(key, Suggestion(target, key))
        who = person or email.split("@")[0]
        if who not in people[key]:
            people[key].add(who)
            found[key].members.append(who)
    _careers_urls_seen(session, found)
    return sorted(found.values(), key=lambda s: (-len(s.members), s.name.casefold()))


def _careers_urls_seen(session: Session, found: dict[str, Suggestion]) -> None:
    """Prefill each suggestion with a posting link of a system that can be watched: members
    often forward a job of their target company whose link names its careers site."""
    if not found:
        return
    rows = session.execute(
        select(Posting.company_key, Posting.canonical_url, Posting.url)
        .where(Posting.company_key.in_(list(found)))
        .order_by(Posting.first_seen.desc())
        .limit(50 * len(found))
    )
    for key, canonical, url in rows:
        suggestion = found[key]
        for link in (canonical, url):
            if suggestion.careers_url or not link:
                continue
            try:
                site = recognise(link)
            except UnknownCareersSite:
                continue
            suggestion.careers_url, suggestion.careers_kind = site.careers_url, site.kind
