"""Choosing and ranking each member's leads for a period. Loads the week once, then works per member."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from digest.models import Delivery, Member, PastEmployer, Posting, Sighting, Subgroup, Tag

_WORD = re.compile(r"[\w+#]+")


@dataclass
class Lead:
    """One posting as one member will see it."""

    posting: Posting
    subgroup: str
    role: str
    score: float
    why: list[str]
    sharers: list[str]
    anonymous_sharers: int
    contacts: list[tuple[str, str, str]]  # (name, their sub-groups, company as they wrote it)
    rank: float = 0.0

    @property
    def credit(self) -> str:
        names = list(self.sharers)
        total = len(names) + self.anonymous_sharers
        if total == 0:
            return ""
        if not names:
            return "Shared by a member" if total == 1 else f"Shared by {total} members"
        others = total - 1
        if others == 0:
            return f"Shared by {names[0]}"
        return f"Shared by {names[0]} and {others} other{'s' if others > 1 else ''}"


@dataclass
class Section:
    subgroup: str
    leads: list[Lead] = field(default_factory=list)


@dataclass
class MemberDigest:
    member: Member
    period: str
    sections: list[Section]
    more: int
    contributors: list[tuple[str, int]]

    @property
    def leads(self) -> list[Lead]:
        return [lead for s in self.sections for lead in s.leads]


@dataclass
class _PostingInfo:
    posting: Posting
    tags: dict[int, Tag]  # subgroup id -> tag
    sharer_ids: list[int]
    words: set[str]


class Week:
    """Everything a period's digests need, loaded in a few queries and shared by all members."""

    def __init__(self, session: Session, period: str, begin: datetime, end: datetime) -> None:
        self.period = period
        postings = session.scalars(
            select(Posting)
            .where(Posting.first_seen >= begin, Posting.first_seen < end, Posting.status == "active", ~Posting.held)
            .options(selectinload(Posting.tags), selectinload(Posting.sightings))
        ).all()
        self.subgroups = {g.id: g for g in session.scalars(select(Subgroup))}
        self.members = {m.id: m for m in session.scalars(select(Member).options(selectinload(Member.subgroups)))}
        self.info: dict[int, _PostingInfo] = {}
        for p in postings:
            sharers = list(dict.fromkeys(s.member_id for s in p.sightings if s.member_id))
            tags = {t.subgroup_id: t for t in p.tags if t.current}
            words = set(_WORD.findall(f"{p.title} {p.company} {p.description[:3000]}".casefold()))
            self.info[p.id] = _PostingInfo(p, tags, sharers, words)
        self.by_subgroup: dict[int, list[int]] = defaultdict(list)
        for pid, info in self.info.items():
            for gid in info.tags:
                self.by_subgroup[gid].append(pid)
        self.contacts: dict[str, list[PastEmployer]] = defaultdict(list)
        for e in session.scalars(select(PastEmployer)):
            if e.company_key:
                self.contacts[e.company_key].append(e)
        self.sent: dict[int, set[int]] = defaultdict(set)
        for d in session.scalars(select(Delivery).where(Delivery.period != period, Delivery.status == "sent")):
            self.sent[d.member_id].update(d.posting_ids or [])
        counts = Counter(
            s.member_id for pid in self.info for s in self.info[pid].posting.sightings if s.member_id
        )
        self.top_contributors = [
            (self.members[mid].display_name, n)
            for mid, n in counts.most_common(10)
            if mid in self.members and self.members[mid].thank_opt_in and self.members[mid].show_name
        ][:5]
        _ = Sighting


def _keyword_hits(member: Member, info: _PostingInfo) -> list[str]:
    hits = []
    for kw in member.keywords:
        words = _WORD.findall(kw.casefold())
        if words and all(w in info.words for w in words):
            hits.append(kw)
    return hits


def _rank(member: Member, info: _PostingInfo, score: float, kw_hits: list[str]) -> float:
    p = info.posting
    rank = score + 0.15 * len(kw_hits) + 0.05 * min(len(info.sharer_ids), 4)
    if member.location and p.location and member.location.split(",")[0].casefold() in p.location.casefold():
        rank += 0.1
    if p.remote and member.remote_ok:
        rank += 0.05
    return rank


def build_digest(week: Week, member: Member, cap: int = 25, per_company: int = 3) -> MemberDigest:
    """The member's leads, best first, grouped by sub-group, at most `cap`, `per_company` each."""
    my_groups = [g.id for g in member.subgroups]
    candidates: dict[int, Lead] = {}
    seen_before = week.sent.get(member.id, set())
    for pid, info in week.info.items():
        if pid in seen_before:
            continue
        tag = next((info.tags[g] for g in my_groups if g in info.tags), None)
        kw_hits = _keyword_hits(member, info) if member.keywords else []
        if tag is None and not kw_hits:
            continue
        subgroup = week.subgroups[tag.subgroup_id].name if tag else "Your keywords"
        why = list(tag.why) if tag else []
        why += [f"your keyword '{k}'" for k in kw_hits]
        score = tag.score if tag else 0.5
        candidates[pid] = _lead(week, member, info, subgroup, tag.role if tag else "", score, why)
        candidates[pid].rank = _rank(member, info, score, kw_hits)
    ordered = sorted(candidates.values(), key=lambda lead: (-lead.rank, -lead.posting.id))
    chosen: list[Lead] = []
    per: Counter[str] = Counter()
    for lead in ordered:
        key = lead.posting.company_key or f"#{lead.posting.id}"
        if per[key] >= per_company:
            continue
        per[key] += 1
        chosen.append(lead)
    more = max(0, len(chosen) - cap)
    chosen = chosen[:cap]
    sections: dict[str, Section] = {}
    for lead in chosen:
        sections.setdefault(lead.subgroup, Section(lead.subgroup)).leads.append(lead)
    return MemberDigest(member, week.period, list(sections.values()), more, week.top_contributors)


def _lead(week: Week, member: Member, info: _PostingInfo, subgroup: str, role: str, score: float, why: list[str]) -> Lead:
    names, anonymous = [], 0
    for mid in info.sharer_ids:
        m = week.members.get(mid)
        if m is None:
            continue
        if m.show_name:
            names.append(m.display_name)
        else:
            anonymous += 1
    contacts = []
    for e in week.contacts.get(info.posting.company_key, []) if info.posting.company_key else []:
        other = week.members.get(e.member_id)
        if other is None or other.id == member.id or not other.contact_opt_in or other.status == "removed":
            continue
        contacts.append((other.display_name, ", ".join(g.name for g in other.subgroups), e.name))
    return Lead(info.posting, subgroup, role, score, why, names, anonymous, contacts)
