"""Choosing and ranking each member's leads for a period.

`Week` loads the period once (postings, tags, credits, feedback, inside contacts) into plain
objects shared by every member; `build_digest` then works per member from memory. Member-specific
history (what was already sent to them) is loaded per chunk of members, so memory stays flat
however many members the group has.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digest.config import Config
from digest.formatting import join_names, plural, subgroups_label
from digest.store.intros import Celebration, answered_for, celebrations
from digest.store.models import (
    Delivery,
    Feedback,
    IntendedRecipient,
    Member,
    MemberSubgroup,
    MemberTarget,
    PastEmployer,
    Posting,
    Recruiter,
    Sighting,
    Subgroup,
    Tag,
)
from digest.store.statuses import MEMBERS_GONE, DeliveryStatus, FeedbackKind, PostingStatus
from digest.tagging.pitch import pitch_fit, pitch_phrases
from parsers.company import normalize_company

_WORD = re.compile(r"[\w+#]+")
KEYWORD_SECTION = "Your keywords"
#: Postings that fit nothing but the member's pitch.
PITCH_SECTION = "Your pitch"
#: Leads a fellow member meant for this one: first, whatever the tags say.
MEANT_SECTION = "Meant for you"
PITCH_BONUS = 0.2
#: Postings at the companies a member targets: a section of its own, first, by company.
TARGET_SECTION = "At your target companies"
#: How many fellow members are named as inside contacts beside one posting.
MAX_CONTACTS = 3
NEGATIVE = {"not_relevant": 0.2, "dead_link": 0.3}
MAX_PENALTY = 0.6
#: How far a member's own "not relevant" pushes down, for them, postings with the same title.
LOOKALIKE_PENALTY = 0.3
KEYWORD_BONUS = 0.15


@dataclass(frozen=True, slots=True)
class PostingView:
    """The fields a digest shows, detached from the database session (cheap, immutable)."""

    id: int
    title: str
    company: str
    company_key: str
    location: str
    remote: bool
    url: str
    canonical_url: str
    posted_at: str
    salary: str
    first_seen: datetime

    @property
    def link(self) -> str:
        return self.canonical_url or self.url


@dataclass(frozen=True, slots=True)
class TagView:
    subgroup_id: int
    role: str
    score: float
    why: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Person:
    """A fellow member as others may see them: as a sharer, a contact, a contributor."""

    id: int
    display_name: str
    show_name: bool
    contact_opt_in: bool
    thank_opt_in: bool
    listed: bool  # still in the group (not removed or unsubscribed)
    subgroups: str  # 'Marketing sub-group', 'HR and Marketing sub-groups'
    intro_opt_in: bool = False  # takes introduction requests


@dataclass
class Lead:
    """One posting as one member will see it."""

    posting: PostingView
    subgroup: str
    role: str
    score: float
    why: list[str]
    sharers: list[str]
    anonymous_sharers: int
    contacts: list[tuple[str, str, str]]  # (name, 'Marketing sub-group', company as they wrote it)
    rank: float = 0.0
    more_contacts: int = 0
    shared_by_you: bool = False
    #: aligned with `contacts`: (member id, works there now, takes introduction requests)
    contact_extra: list[tuple[int, bool, bool]] = field(default_factory=list)
    #: 'Alice thought of you: "Sarah, this one is for you"' (a sharer's note naming the member)
    meant: str = ""
    #: 'Jane Roe, Acme Staffing — marketing, sales' (the recruiter who sent it)
    recruiter: str = ""

    @cached_property
    def credit(self) -> str:
        """'Shared by Dan Whitaker and Sarah Kim': anonymous sharers are counted, never named.

        Up to three sharers are all named ('A, B and C'); past that, two and a count ('A, B and
        2 others'). The member's own share reads 'You shared this' and is no credit to count."""
        others = self._others(list(self.sharers), self.anonymous_sharers)
        if self.shared_by_you:
            return f"You shared this; also shared by {others}" if others else "You shared this"
        return f"Shared by {others}" if others else ""

    @staticmethod
    def _others(names: list[str], anonymous: int) -> str:
        total = len(names) + anonymous
        if total == 0:
            return ""
        if not names:
            return "a member" if total == 1 else f"{total} members"
        shown = names if total <= 3 else names[:2]
        rest = total - len(shown)
        if rest == 0:
            return join_names(shown)
        return join_names([*shown, plural(rest, "other")])


@dataclass
class RoleGroup:
    role: str
    leads: list[Lead]

    @property
    def heading(self) -> str:
        """The role as a heading, only where it groups several leads: above a single lead it
        just repeats the title (eleven times in one digest, before)."""
        return self.role if self.role and len(self.leads) > 1 else ""


@dataclass
class Section:
    subgroup: str
    leads: list[Lead] = field(default_factory=list)

    @property
    def roles(self) -> list[RoleGroup]:
        """The section's leads grouped by target role, roles in order of their best lead."""
        groups: dict[str, RoleGroup] = {}
        for lead in self.leads:
            groups.setdefault(lead.role, RoleGroup(lead.role, [])).leads.append(lead)
        return list(groups.values())

    @property
    def blocks(self) -> list[RoleGroup]:
        """`roles` as the digest shows them: a role with several leads under its heading, and
        neighbouring roles with one lead each run together without one (role '')."""
        out: list[RoleGroup] = []
        for group in self.roles:
            if group.heading:
                out.append(group)
            elif out and not out[-1].heading:
                out[-1].leads.extend(group.leads)
            else:
                out.append(RoleGroup("", list(group.leads)))
        return out


@dataclass
class MemberDigest:
    member: Member
    period: str
    sections: list[Section]
    more: int
    contributors: list[tuple[str, int]]
    #: the member's target companies as they wrote them (loaded with the period, not lazily)
    targets: list[str] = field(default_factory=list)
    #: the group's landings of the period the members let the group celebrate
    landings: list[Celebration] = field(default_factory=list)
    #: answers the member's introduction requests got this period
    intro_answers: list[str] = field(default_factory=list)
    #: prepared lead fragments (digest.delivery.render), shared by the period's digests
    fragments: dict[object, object] = field(default_factory=dict, repr=False)

    @property
    def leads(self) -> list[Lead]:
        return [lead for s in self.sections for lead in s.leads]

    @property
    def total(self) -> int:
        return len(self.leads) + self.more

    def drop_last(self, count: int) -> None:
        """Move the `count` lowest-ranked leads to 'N more' (used to stay under size limits)."""
        for _ in range(min(count, len(self.leads))):
            worst = min((s for s in self.sections if s.leads), key=lambda s: s.leads[-1].rank)
            worst.leads.pop()
            self.more += 1
        self.sections = [s for s in self.sections if s.leads]


#: an inside contact: (name, their sub-groups, employer as written, member id, works there
#: now, takes introduction requests)
_Contact = tuple[str, str, str, int, bool, bool]


@dataclass(slots=True)
class _PostingInfo:
    posting: PostingView
    tags: dict[int, TagView]  # subgroup id -> current tag
    sharer_ids: list[int]
    words: frozenset[str]
    base: float  # member-independent part of the rank
    title: str = ""
    description: str = ""


class Week:
    """Everything a period's digests share, loaded in a few queries and kept as plain objects."""

    def __init__(
        self,
        session: Session,
        period: str,
        begin: datetime,
        end: datetime,
        pitch_semantic: float | None = None,
        not_relevant_quorum: int = 3,
    ) -> None:
        """`pitch_semantic`: the similarity threshold of embedding-based pitch matching
        ([tagging] pitch_semantic), None for rules only. `not_relevant_quorum`: how many members'
        "not relevant" lower a posting for everyone ([tagging] not_relevant_quorum)."""
        self.period = period
        self.pitch_semantic = pitch_semantic
        self.begin, self.end = begin, end
        self._session = session
        self.subgroups = {g.id: g.name for g in session.scalars(select(Subgroup))}
        postings = _load_postings(session, begin, end)
        tags = _load_tags(session, list(postings))
        sharers = _load_sharers(session, list(postings))
        penalties = _load_penalties(session, list(postings), not_relevant_quorum)
        self.info: dict[int, _PostingInfo] = {}
        for pid, (view, text, description) in postings.items():
            words = frozenset(_WORD.findall(text.casefold()))
            info = _PostingInfo(view, tags.get(pid, {}), sharers.get(pid, []), words, 0.0)
            info.title, info.description = view.title, description
            info.base = _base_rank(info, begin, end, penalties.get(pid, 0.0))
            self.info[pid] = info
        #: the week's postings by index (pid order): ranks are computed on arrays over them
        self.pids = np.array(sorted(self.info), dtype=np.int64)
        self.index = {int(pid): i for i, pid in enumerate(self.pids)}
        base = np.array([self.info[int(pid)].base for pid in self.pids], dtype=np.float64)
        self.base = base
        #: 0.5 + base: where a posting that fits only a keyword or the pitch starts
        self.middling = 0.5 + base
        self.group_ranks: dict[int, np.ndarray] = {}  # tag score + base, -inf where untagged
        for pid, info in self.info.items():
            for gid, tag in info.tags.items():
                table = self.group_ranks.get(gid)
                if table is None:
                    table = self.group_ranks[gid] = np.full(len(self.pids), -np.inf)
                table[self.index[pid]] = tag.score + info.base
        self.company_of = {pid: i.posting.company_key or f"#{pid}" for pid, i in self.info.items()}
        self.company_codes: dict[str, int] = {}
        self.company_code = np.array(
            [self.company_codes.setdefault(self.company_of[int(pid)], len(self.company_codes))
             for pid in self.pids], dtype=np.int64,
        )  # fmt: skip
        self.by_company: dict[str, list[int]] = defaultdict(list)
        for pid, i in self.info.items():
            if i.posting.company_key:
                self.by_company[i.posting.company_key].append(pid)
        self.remote = self.mask_of(pid for pid, i in self.info.items() if i.posting.remote)
        self._locations = {pid: i.posting.location.casefold() for pid, i in self.info.items()}
        companies = {i.posting.company_key for i in self.info.values() if i.posting.company_key}
        self.contacts = _load_contacts(session, companies)
        #: member -> [(posting, sharer, their note)]: notes that named the member
        self.meant = _load_meant(session, list(self.info))
        self.recruiters = _load_recruiters(session, list(self.info))
        wanted = {m for i in self.info.values() for m in i.sharer_ids}
        wanted |= {sharer for lst in self.meant.values() for _, sharer, _ in lst if sharer}
        wanted |= {c[0] for lst in self.contacts.values() for c in lst}
        self.people = _load_people(session, wanted)
        self.top_contributors = self._contributors()
        self.landings = celebrations(session, begin, end)
        self.intro_answers: dict[int, list[str]] = {}
        self.sent: dict[int, set[int]] = {}
        self.own_negative: dict[int, set[int]] = {}
        self.rejected_titles: dict[int, set[str]] = {}  # member -> titles they called not relevant
        self.targets: dict[int, dict[str, str]] = {}  # member -> company key -> their spelling
        self._keyword_cache: dict[str, frozenset[int]] = {}
        self._city_cache: dict[str, np.ndarray] = {}
        self._keyword_masks: dict[str, np.ndarray] = {}
        self._contacts_at: dict[str, tuple[list[_Contact], frozenset[int]]] = {}
        self._credits: dict[int, tuple[list[str], int]] = {}
        self._pitch_masks: dict[str, np.ndarray] = {}
        self._pitch_cache: dict[tuple[str, ...], dict[int, str]] = {}
        self._pitch_text: dict[str, dict[int, str]] = {}  # the pitch as written -> the same
        #: each lead rendered once per variant, joined into every digest that shows it
        self.fragments: dict[object, object] = {}

    # -- per-member history, loaded per chunk ---------------------------------------------

    def load_history(self, session: Session, member_ids: Iterable[int]) -> None:
        """What was already sent to these members (earlier periods) and what they rejected.

        Replaces the previous chunk's history so memory does not grow with the member count."""
        ids = list(member_ids)
        self.sent = {mid: set() for mid in ids}
        self.own_negative = {mid: set() for mid in ids}
        self.rejected_titles = _load_rejected_titles(session, ids)
        self.targets = _load_targets(session, ids)
        self.intro_answers = answered_for(session, ids, self.begin, self.end)
        if not ids or not self.info:
            return
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            rows = session.execute(
                select(Delivery.member_id, Delivery.posting_ids).where(
                    Delivery.member_id.in_(part),
                    Delivery.period != self.period,
                    Delivery.status == DeliveryStatus.SENT,
                    Delivery.created_at >= self.begin,
                )
            )
            for mid, posting_ids in rows:
                self.sent[mid].update(posting_ids or [])
            feedback = session.execute(
                select(Feedback.member_id, Feedback.posting_id).where(
                    Feedback.member_id.in_(part), Feedback.kind.in_(tuple(NEGATIVE))
                )
            )
            for mid, pid in feedback:
                self.own_negative[mid].add(pid)

    def history(self, member_id: int) -> tuple[set[int], set[int]]:
        if member_id not in self.sent:
            self.load_history(self._session, [member_id])
        return self.sent[member_id], self.own_negative[member_id]

    @cached_property
    def by_title(self) -> dict[str, list[int]]:
        """Same-title postings of the period (title_key), for a member's own "not relevant"."""
        out: dict[str, list[int]] = defaultdict(list)
        for pid, info in self.info.items():
            out[title_key(info.title)].append(pid)
        return out

    def targets_of(self, member_id: int) -> dict[str, str]:
        """The member's target companies: company key -> the name as they wrote it."""
        if member_id not in self.sent:
            self.load_history(self._session, [member_id])
        return self.targets.get(member_id, {})

    # -- keyword matching ------------------------------------------------------------------

    def keyword_matches(self, keyword: str) -> frozenset[int]:
        """Postings containing every word of `keyword`; cached, members share keywords."""
        key = keyword.casefold().strip()
        found = self._keyword_cache.get(key)
        if found is None:
            words = _WORD.findall(key)
            found = frozenset(
                pid
                for pid, info in self.info.items()
                if words and all(w in info.words for w in words)
            )
            if len(self._keyword_cache) > 4096:
                self._keyword_cache.clear()
            self._keyword_cache[key] = found
        return found

    def pitch_matches(self, pitch: str) -> dict[int, str]:
        """pid -> why it fits the pitch ("fits your pitch: 'social media marketing'"); cached by
        the pitch as written (asked once per lead of a digest) and by its phrases."""
        text = pitch or ""
        found = self._pitch_text.get(text)
        if found is None:
            if len(self._pitch_text) > 4096:
                self._pitch_text.clear()
            found = self._pitch_text[text] = self._pitch_fits(tuple(pitch_phrases(text)))
        return found

    def _pitch_fits(self, phrases: tuple[str, ...]) -> dict[int, str]:
        found = self._pitch_cache.get(phrases)
        if found is None:
            found = {}
            if phrases:
                for pid, info in self.info.items():
                    phrase = pitch_fit(phrases, info.title, info.description)
                    if phrase:
                        found[pid] = f"fits your pitch: '{phrase}'"
                if self.pitch_semantic is not None:
                    found.update(self._semantic_pitch(phrases, found))
            if len(self._pitch_cache) > 1024:
                self._pitch_cache.clear()
            self._pitch_cache[phrases] = found
        return found

    def _semantic_pitch(self, phrases: tuple[str, ...], found: dict[int, str]) -> dict[int, str]:
        """Titles close to a pitch phrase by embeddings, among those rules did not match."""
        from digest.tagging.pitch_semantic import semantic_fits

        rest = [pid for pid in self.info if pid not in found]
        titles = [self.info[pid].title for pid in rest]
        close = semantic_fits(phrases, titles, self.pitch_semantic or 0.0)
        return {rest[j]: f"close to your pitch: '{phrase}'" for j, (phrase, _) in close.items()}

    def city_matches(self, city: str) -> np.ndarray:
        """Postings whose location names the member's city (a mask); cached, members share
        cities."""
        found = self._city_cache.get(city)
        if found is None:
            found = self.mask_of(pid for pid, loc in self._locations.items() if city in loc)
            if len(self._city_cache) > 4096:
                self._city_cache.clear()
            self._city_cache[city] = found
        return found

    def credits(self, info: _PostingInfo, me: int | None) -> tuple[list[str], int]:
        """The sharers a lead names and how many it counts without naming: still in the group,
        never `me` (the member it is for, when they shared it too). Worked out once per
        posting for everyone else."""
        if me is None:
            found = self._credits.get(info.posting.id)
            if found is None:
                found = self._credits[info.posting.id] = self._credits_without(info, None)
            return found
        return self._credits_without(info, me)

    def _credits_without(self, info: _PostingInfo, me: int | None) -> tuple[list[str], int]:
        names: list[str] = []
        anonymous = 0
        for mid in info.sharer_ids:
            person = self.people.get(mid)
            if mid == me or person is None or not person.listed:
                continue
            if person.show_name:
                names.append(person.display_name)
            else:
                anonymous += 1
        return names, anonymous

    def contacts_at(self, company_key: str) -> tuple[list[_Contact], frozenset[int]]:
        """Members who may be named as inside contacts at a company, current employees first,
        then by name, and their ids: worked out once per company, not once per lead."""
        found = self._contacts_at.get(company_key)
        if found is None:
            out: list[_Contact] = []
            seen: set[int] = set()
            for mid, employer, current in self.contacts.get(company_key, []):
                person = self.people.get(mid)
                if person is None or mid in seen or not person.contact_opt_in or not person.listed:
                    continue
                seen.add(mid)
                out.append((person.display_name, person.subgroups, employer, mid, current,
                            person.intro_opt_in))  # fmt: skip
            out.sort(key=lambda c: (not c[4], c[0].casefold()))  # current employees first
            found = self._contacts_at[company_key] = (out, frozenset(seen))
        return found

    def mask_of(self, pids: Iterable[int]) -> np.ndarray:
        """The week's postings among `pids`, as a mask over `pids` (the array)."""
        mask = np.zeros(len(self.pids), dtype=bool)
        index = self.index
        mask[[index[pid] for pid in pids if pid in index]] = True
        return mask

    def keyword_mask(self, keyword: str) -> np.ndarray:
        """`keyword_matches` as a mask; cached the same way."""
        return self._cached_mask(self._keyword_masks, keyword, self.keyword_matches)

    def pitch_mask(self, pitch: str) -> np.ndarray:
        """`pitch_matches` as a mask; cached by the pitch as written."""
        return self._cached_mask(self._pitch_masks, pitch, self.pitch_matches)

    def _cached_mask(
        self, cache: dict[str, np.ndarray], key: str, matches: Callable[[str], Iterable[int]]
    ) -> np.ndarray:
        found = cache.get(key)
        if found is None:
            if len(cache) > 4096:
                cache.clear()
            found = cache[key] = self.mask_of(matches(key))
        return found

    def _contributors(self) -> list[tuple[str, int]]:
        counts = Counter(mid for info in self.info.values() for mid in info.sharer_ids)
        out: list[tuple[str, int]] = []
        for mid, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            person = self.people.get(mid)
            if person and person.listed and person.thank_opt_in and person.show_name:
                out.append((person.display_name, n))
            if len(out) == 5:
                break
        return out


# -- loading ---------------------------------------------------------------------------------


def _load_postings(
    session: Session, begin: datetime, end: datetime
) -> dict[int, tuple[PostingView, str, str]]:
    """pid -> (the posting, its searchable text, the start of its description)."""
    cols = (Posting.id, Posting.title, Posting.company, Posting.company_key, Posting.location,
            Posting.remote, Posting.url, Posting.canonical_url, Posting.posted_at, Posting.salary,
            Posting.first_seen, func.substr(Posting.description, 1, 3000))  # fmt: skip
    rows = session.execute(
        select(*cols).where(
            Posting.first_seen >= begin,
            Posting.first_seen < end,
            Posting.status == PostingStatus.ACTIVE,
            Posting.held.is_(False),
        )
    )
    out: dict[int, tuple[PostingView, str, str]] = {}
    for r in rows:
        key = r.company_key or normalize_company(r.company or "")
        view = PostingView(r.id, r.title or "", r.company or "", key, r.location or "", bool(r.remote),
                           r.url or "", r.canonical_url or "", r.posted_at or "", r.salary or "",
                           r.first_seen)  # fmt: skip
        out[r.id] = (view, f"{r.title} {r.company} {r[11] or ''}", r[11] or "")
    return out


def _chunks(ids: list[int], size: int = 900) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _load_tags(session: Session, pids: list[int]) -> dict[int, dict[int, TagView]]:
    out: dict[int, dict[int, TagView]] = defaultdict(dict)
    cols = (Tag.posting_id, Tag.subgroup_id, Tag.role, Tag.score, Tag.why)
    for part in _chunks(pids):
        for pid, gid, role, score, why in session.execute(
            select(*cols).where(Tag.posting_id.in_(part), Tag.current)
        ):
            best = out[pid].get(gid)
            if best is None or score > best.score:
                out[pid][gid] = TagView(gid, role, float(score), tuple(why or ()))
    return out


def _load_sharers(session: Session, pids: list[int]) -> dict[int, list[int]]:
    """Members who shared each posting, in the order they shared it."""
    out: dict[int, list[int]] = defaultdict(list)
    for part in _chunks(pids):
        rows = session.execute(
            select(Sighting.posting_id, Sighting.member_id)
            .where(Sighting.posting_id.in_(part), Sighting.member_id.is_not(None))
            .order_by(Sighting.seen_at, Sighting.id)
        )
        for pid, mid in rows:
            if mid not in out[pid]:
                out[pid].append(mid)
    return out


def _load_penalties(session: Session, pids: list[int], quorum: int = 3) -> dict[int, float]:
    """'Dead link' from a member pushes a posting down for everyone; 'not relevant' only once
    `quorum` members said it (one member's taste is theirs: it hides the posting for them)."""
    out: dict[int, float] = defaultdict(float)
    for part in _chunks(pids):
        rows = session.execute(
            select(Feedback.posting_id, Feedback.kind, func.count())
            .where(Feedback.posting_id.in_(part), Feedback.kind.in_(tuple(NEGATIVE)))
            .group_by(Feedback.posting_id, Feedback.kind)
        )
        for pid, kind, n in rows:
            if kind != FeedbackKind.NOT_RELEVANT or n >= quorum:
                out[pid] = min(MAX_PENALTY, out[pid] + NEGATIVE[kind] * n)
    return out


def title_key(title: str) -> str:
    """'Marketing Coordinator (m/w/d)' and 'marketing coordinator m w d' are the same title."""
    return " ".join(_WORD.findall((title or "").casefold()))


def _load_rejected_titles(session: Session, ids: list[int]) -> dict[int, set[str]]:
    """member -> title_key of every posting they marked not relevant (any period)."""
    out: dict[int, set[str]] = defaultdict(set)
    for part in _chunks(ids):
        rows = session.execute(
            select(Feedback.member_id, Posting.title)
            .join(Posting, Posting.id == Feedback.posting_id)
            .where(Feedback.member_id.in_(part), Feedback.kind == FeedbackKind.NOT_RELEVANT)
        )
        for mid, title in rows:
            out[mid].add(title_key(title))
    return out


def _load_contacts(session: Session, companies: set[str]) -> dict[str, list[tuple[int, str, bool]]]:
    """company key -> [(member id, employer as they wrote it, works there now)], keys
    normalized the same way."""
    out: dict[str, list[tuple[int, str, bool]]] = defaultdict(list)
    if not companies:
        return out
    cols = (PastEmployer.member_id, PastEmployer.name, PastEmployer.company_key,
            PastEmployer.current)  # fmt: skip
    for mid, name, stored, current in session.execute(select(*cols)):
        key = normalize_company(name) or stored
        if key in companies:
            out[key].append((mid, name, bool(current)))
    return out


def _load_targets(session: Session, ids: list[int]) -> dict[int, dict[str, str]]:
    """Target companies of these members, keyed like postings' companies."""
    out: dict[int, dict[str, str]] = defaultdict(dict)
    for part in _chunks(ids):
        rows = session.execute(
            select(MemberTarget.member_id, MemberTarget.company_key, MemberTarget.name)
            .where(MemberTarget.member_id.in_(part))
            .order_by(MemberTarget.id)
        )
        for mid, key, name in rows:
            if key:
                out[mid].setdefault(key, name)
    return out


def pitch_semantic_of(cfg: Config) -> float | None:
    """The embedding threshold for pitches when [tagging] pitch_semantic is on, else None."""
    tagging = cfg.tagging
    return tagging.pitch_semantic_threshold if tagging.pitch_semantic else None


def _load_meant(session: Session, pids: list[int]) -> dict[int, list[tuple[int, int | None, str]]]:
    """member -> [(posting id, sharer id, note)]: leads a sharer's note named them for."""
    out: dict[int, list[tuple[int, int | None, str]]] = defaultdict(list)
    for part in _chunks(pids):
        rows = session.execute(
            select(IntendedRecipient.member_id, IntendedRecipient.posting_id,
                   IntendedRecipient.sharer_id, IntendedRecipient.note)
            .where(IntendedRecipient.posting_id.in_(part), IntendedRecipient.member_id.is_not(None))
            .order_by(IntendedRecipient.id)
        )  # fmt: skip
        for mid, pid, sharer, note in rows:
            if all(p != pid for p, _, _ in out[mid]):
                out[mid].append((pid, sharer, note or ""))
    return out


def recruiter_label(name: str, agency: str, specialties: Iterable[str]) -> str:
    """'Jane Roe, Acme Staffing — marketing, sales'."""
    who = ", ".join(x for x in (name, agency) if x)
    spec = ", ".join(specialties)
    return f"{who} — {spec}" if spec and who else who or spec


def _load_recruiters(session: Session, pids: list[int]) -> dict[int, str]:
    """posting id -> the recruiter who sent it, as the digest names them."""
    out: dict[int, str] = {}
    for part in _chunks(pids):
        rows = session.execute(
            select(Sighting.posting_id, Recruiter.name, Recruiter.agency, Recruiter.specialties)
            .join(Recruiter, Recruiter.address == func.lower(Sighting.sender))
            .where(Sighting.posting_id.in_(part))
            .order_by(Sighting.id)
        )
        for pid, name, agency, specialties in rows:
            out.setdefault(pid, recruiter_label(name, agency, specialties or []))
    return out


def _load_people(session: Session, ids: set[int]) -> dict[int, Person]:
    people: dict[int, Person] = {}
    groups: dict[int, list[str]] = defaultdict(list)
    id_list = sorted(ids)
    for part in _chunks(id_list):
        for mid, name in session.execute(
            select(MemberSubgroup.member_id, Subgroup.name)
            .join(Subgroup, Subgroup.id == MemberSubgroup.subgroup_id)
            .where(MemberSubgroup.member_id.in_(part))
            .order_by(Subgroup.name)
        ):
            groups[mid].append(name)
        for m in session.scalars(select(Member).where(Member.id.in_(part))):
            people[m.id] = Person(m.id, m.display_name, m.show_name, m.contact_opt_in, m.thank_opt_in,
                                  m.status not in MEMBERS_GONE, subgroups_label(groups[m.id]),
                                  bool(m.intro_opt_in))  # fmt: skip
    return people


# -- ranking ---------------------------------------------------------------------------------


def _base_rank(info: _PostingInfo, begin: datetime, end: datetime, penalty: float) -> float:
    """Freshness (up to 0.1), members who shared it (0.05 each, up to 4), minus negative feedback."""
    span = max((end - begin).total_seconds(), 1.0)
    age = min(max((end - info.posting.first_seen).total_seconds(), 0.0), span)
    return 0.1 * (1 - age / span) + 0.05 * min(len(info.sharer_ids), 4) - penalty


def _city(member: Member) -> str:
    city = member.location.split(",")[0].strip().casefold() if member.location else ""
    return "" if city == "remote" else city


def _ranks(
    week: Week, member: Member, my_groups: list[int], targets: Iterable[str] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """The rank of every posting of the week (by index, `Week.pids`) and which of them the
    member could get: best tag of their sub-groups (or 0.5 for a keyword-only match) +
    freshness/sharers/feedback + keywords + place. A posting at a target company that fits none
    of these still counts (freshness and place only). Array operations only: this runs once per
    member over every posting of the week. The additions are the same, in the same order, as
    one posting at a time in Python floats, so ranks (and ties) are exactly those."""
    sent, rejected = week.history(member.id)
    tables = [week.group_ranks[gid] for gid in my_groups if gid in week.group_ranks]
    ranks = tables[0].copy() if tables else np.full(len(week.pids), -np.inf)
    for table in tables[1:]:
        np.maximum(ranks, table, out=ranks)
    present = ranks > -np.inf
    _personal(week, member, ranks, present)
    if targets:
        at = week.mask_of(pid for key in targets for pid in week.by_company.get(key, ()))
        np.copyto(ranks, week.base, where=at & ~present)
        present |= at
    if sent or rejected:
        present &= ~week.mask_of(sent | rejected)
    for key in week.rejected_titles.get(member.id, ()):
        like = week.mask_of(week.by_title.get(key, ())) & present
        _add(ranks, like, -LOOKALIKE_PENALTY)  # like one they called not relevant: lower, for them
    city = _city(member)
    if city:
        _add(ranks, week.city_matches(city) & present, 0.1)
    _add(ranks, week.remote & present, 0.05 if member.remote_ok else -0.05)
    return ranks, present


def _add(ranks: np.ndarray, where: np.ndarray, bonus: float) -> None:
    """ranks += bonus where `where` is set (a ufunc with `where`: no copies in and out)."""
    np.add(ranks, bonus, out=ranks, where=where)


def _personal(week: Week, member: Member, ranks: np.ndarray, present: np.ndarray) -> None:
    """Add the member's own targets: each keyword a posting mentions, the pitch it fits (a
    posting that fits only these starts at 0.5, like a middling tag)."""
    for kw in member.keywords or []:
        _boost(week, ranks, present, week.keyword_mask(kw), KEYWORD_BONUS)
    if week.pitch_matches(member.pitch):
        _boost(week, ranks, present, week.pitch_mask(member.pitch or ""), PITCH_BONUS)


def _boost(
    week: Week, ranks: np.ndarray, present: np.ndarray, matched: np.ndarray, bonus: float
) -> None:
    """ranks = (ranks if present else 0.5 + base) + bonus where `matched`; those present now."""
    _add(ranks, matched & present, bonus)
    np.add(week.middling, bonus, out=ranks, where=matched & ~present)
    present |= matched


def _pick(
    week: Week, ranks: np.ndarray, present: np.ndarray, cap: int, per_company: int
) -> tuple[list[tuple[float, int]], int]:
    """The best `cap` postings, at most `per_company` from one company, and how many could
    have been shown (within the per-company limit). Only the best few are sorted (the ranks
    alone find where they end), all of them only when a few companies crowd the top."""
    chosen: list[tuple[float, int]] = []
    best = cap * per_company  # enough, unless a few companies crowd the top
    where = np.flatnonzero(present)
    if cap > 0 and best > 0 and where.size:
        values = ranks[where]
        cut = where.size - min(best, where.size)
        top = where[values >= np.partition(values, cut)[cut]]
        chosen = _best(_ordered(week, ranks, top), week.company_of, cap, per_company)
        if len(chosen) < cap and top.size < where.size:
            chosen = _best(_ordered(week, ranks, where), week.company_of, cap, per_company)
    counts = np.bincount(week.company_code[where], minlength=1)
    return chosen, int(np.minimum(counts, per_company).sum())


def _ordered(week: Week, ranks: np.ndarray, where: np.ndarray) -> list[tuple[float, int]]:
    """(rank, pid) of these postings, best first, ties by the higher pid (as sorting the pairs
    in reverse would)."""
    order = where[np.lexsort((where, ranks[where]))[::-1]]
    return list(zip(ranks[order].tolist(), week.pids[order].tolist(), strict=True))


def _best(
    ordered: list[tuple[float, int]], company: dict[int, str], cap: int, per_company: int
) -> list[tuple[float, int]]:
    chosen: list[tuple[float, int]] = []
    per: Counter[str] = Counter()
    for rank, pid in ordered:
        if len(chosen) >= cap:
            break
        key = company[pid]
        if per[key] < per_company:
            per[key] += 1
            chosen.append((rank, pid))
    return chosen


def build_digest(week: Week, member: Member, cap: int = 25, per_company: int = 3) -> MemberDigest:
    """The member's leads, best first, grouped by sub-group, at most `cap`, `per_company` each.

    Rank = tag score + 0.15 per personal keyword + location/remote fit + freshness + sharers
    - negative feedback; postings already sent to the member or that they rejected are left out.
    Postings at the member's target companies come first, in a section of their own ranked the
    same way, taking at most half the cap. Everything past the cap (after the per-company limit)
    is counted as "N more"."""
    my_groups = [g.id for g in member.subgroups]
    targets = week.targets_of(member.id)
    ranks, present = _ranks(week, member, my_groups, targets)
    fits = _Fits.of(week, member)
    meant = _meant_section(week, member, my_groups, fits)
    if meant:
        present &= ~week.mask_of(lead.posting.id for lead in meant)
    cap = max(cap - len(meant), 0)
    at_targets = np.zeros_like(present)
    if targets:
        codes = [week.company_codes[key] for key in targets if key in week.company_codes]
        at_targets = np.isin(week.company_code, codes) & present
        present &= ~at_targets
    picked, target_eligible = _pick(week, ranks, at_targets, (cap + 1) // 2, per_company)
    chosen, eligible = _pick(week, ranks, present, cap - len(picked), per_company)
    sections = [Section(MEANT_SECTION, meant)] if meant else []
    sections += _target_section(week, member, picked, my_groups, targets, fits)
    sections += _sections(week, member, chosen, my_groups, fits)
    more = eligible + target_eligible - len(chosen) - len(picked)
    digest = MemberDigest(
        member, week.period, sections, more, week.top_contributors, list(targets.values())
    )
    digest.landings = list(week.landings)
    digest.intro_answers = list(week.intro_answers.get(member.id, []))
    digest.fragments = week.fragments
    return digest


def _meant_section(week: Week, member: Member, my_groups: list[int], fits: _Fits) -> list[Lead]:
    """Leads a sharer's note named this member for, oldest note first, not already sent."""
    sent, rejected = week.history(member.id)
    out: list[Lead] = []
    for pid, sharer_id, note in week.meant.get(member.id, []):
        if pid in sent or pid in rejected or pid not in week.info:
            continue
        tag, why = _fit(week, fits, pid, my_groups)
        lead = _lead(
            week, member, week.info[pid], MEANT_SECTION, "", tag.score if tag else 1.0, why
        )
        person = week.people.get(sharer_id) if sharer_id else None
        who = person.display_name if person and person.show_name else "A member"
        lead.meant = (
            f"{who} thought of you: \u201c{note.strip()}\u201d"
            if note.strip()
            else (f"{who} thought of you")
        )
        lead.rank = 9.0
        out.append(lead)
    return out


@dataclass(frozen=True, slots=True)
class _Fits:
    """A member's keywords with the postings each matches, and the postings their pitch fits:
    looked up once per digest, asked once per lead."""

    keywords: tuple[tuple[str, frozenset[int]], ...]
    pitch: dict[int, str]

    @classmethod
    def of(cls, week: Week, member: Member) -> _Fits:
        keywords = tuple((k, week.keyword_matches(k)) for k in member.keywords or [])
        return cls(keywords, week.pitch_matches(member.pitch))


def _fit(
    week: Week, fits: _Fits, pid: int, my_groups: list[int]
) -> tuple[TagView | None, list[str]]:
    """The member's best tag on a posting and why it is theirs: the tag's reasons, the
    personal keywords it mentions, the phrase of their pitch it fits."""
    info = week.info[pid]
    tag = max(
        (info.tags[g] for g in my_groups if g in info.tags), key=lambda t: t.score, default=None
    )
    why = list(tag.why) if tag else []
    why += [f"your keyword '{k}'" for k, matches in fits.keywords if pid in matches]
    fit = fits.pitch.get(pid)
    if fit:
        why.append(fit)
    return tag, why


def _target_section(
    week: Week,
    member: Member,
    picked: list[tuple[float, int]],
    my_groups: list[int],
    targets: dict[str, str],
    fits: _Fits,
) -> list[Section]:
    """'At your target companies': grouped by company (the member's spelling), best first."""
    if not picked:
        return []
    section = Section(TARGET_SECTION)
    for rank, pid in picked:
        tag, fitting = _fit(week, fits, pid, my_groups)
        company = targets[week.company_of[pid]]
        why = [f"at your target company {company}", *fitting]
        score = tag.score if tag else 0.0
        lead = _lead(week, member, week.info[pid], TARGET_SECTION, company, score, why)
        lead.rank = rank
        section.leads.append(lead)
    return [section]


def _sections(
    week: Week,
    member: Member,
    chosen: list[tuple[float, int]],
    my_groups: list[int],
    fits: _Fits,
) -> list[Section]:
    by_name: dict[str, Section] = {}
    for rank, pid in chosen:
        info = week.info[pid]
        tag, why = _fit(week, fits, pid, my_groups)
        keyworded = any(w.startswith("your keyword") for w in why)
        pitch_only = tag is None and not keyworded
        subgroup = week.subgroups.get(tag.subgroup_id, "") if tag else KEYWORD_SECTION
        subgroup = PITCH_SECTION if pitch_only else subgroup
        lead = _lead(
            week, member, info, subgroup, tag.role if tag else "", tag.score if tag else 0.5, why
        )
        lead.rank = rank
        by_name.setdefault(subgroup, Section(subgroup)).leads.append(lead)
    order = [week.subgroups.get(g, "") for g in my_groups] + [KEYWORD_SECTION, PITCH_SECTION]
    return sorted(
        by_name.values(),
        key=lambda s: order.index(s.subgroup) if s.subgroup in order else len(order),
    )


def _lead(
    week: Week,
    member: Member,
    info: _PostingInfo,
    subgroup: str,
    role: str,
    score: float,
    why: list[str],
) -> Lead:
    me = member.id  # an ORM attribute: read once, not per sharer and contact
    shared_by_you = me in info.sharer_ids
    names, anonymous = week.credits(info, me if shared_by_you else None)
    contacts, ids = week.contacts_at(info.posting.company_key)
    if me in ids:
        contacts = [c for c in contacts if c[3] != me]  # never the member themselves
    shown = contacts[:MAX_CONTACTS]
    lead = Lead(info.posting, subgroup, role, score, why, list(names), anonymous,
                [c[:3] for c in shown])  # fmt: skip
    lead.contact_extra = [(c[3], c[4], c[5]) for c in shown]
    lead.more_contacts = max(0, len(contacts) - MAX_CONTACTS)
    lead.shared_by_you = shared_by_you
    lead.recruiter = week.recruiters.get(info.posting.id, "")
    return lead
