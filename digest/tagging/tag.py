"""Tagging stored postings with the sub-groups' current rules; earlier tags are kept for comparison."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Row, Select, and_, delete, func, insert, select, update
from sqlalchemy.orm import Session

from digest.config import Config
from digest.errors import UserError
from digest.store.db import Database
from digest.store.models import Posting, Sighting, Source, Subgroup, Tag
from digest.tagging.compile import group_matcher, load_rules
from digest.tagging.exclusions import excluded_pairs
from digest.tagging.matcher import Matcher
from digest.tagging.semantic import SemanticTagger, combine

CHUNK = 2000


@dataclass
class TagResult:
    postings: int = 0
    tags: int = 0

    def add(self, other: TagResult) -> None:
        """Count another batch's work in this total."""
        self.postings += other.postings
        self.tags += other.tags


def rules_key(groups: Sequence[Subgroup], restricted: Restrictions | None = None) -> str:
    """Changes whenever any sub-group's rules change (or which sub-groups a source feeds), so
    stale tags are found by one comparison."""
    text = ";".join(f"{g.id}:{g.rules_version}" for g in groups)
    if restricted:
        text += "|" + ";".join(f"{k}:{','.join(sorted(v))}" for k, v in sorted(restricted.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


#: source id -> the (case-folded) sub-groups it alone may feed ([[feeds]] / [[boards]] subgroups)
Restrictions = dict[int, frozenset[str]]


def restricted_sources(session: Session) -> Restrictions:
    """Sources tied to sub-groups. A posting seen only through such sources is tagged only for
    their sub-groups: a marketing feed's 'Data Analyst' is not for the IT sub-group."""
    return {
        source_id: frozenset(name.casefold() for name in names)
        for source_id, names in session.execute(select(Source.id, Source.subgroups))
        if names
    }


def _allowed(
    conn: Session, posting_ids: Select, restricted: Restrictions
) -> dict[int, frozenset[str]]:
    """For each posting whose every sighting came through a tied source: the sub-groups it may
    be tagged for. Postings a member shared (or with any untied sighting) are not listed."""
    if not restricted:
        return {}
    allowed: dict[int, frozenset[str]] = {}
    free: set[int] = set()
    rows = conn.execute(
        select(Sighting.posting_id, Sighting.source_id).where(Sighting.posting_id.in_(posting_ids))
    )
    for posting_id, source_id in rows:
        names = restricted.get(source_id) if source_id is not None else None
        if names is None:
            free.add(posting_id)
        else:
            allowed[posting_id] = allowed.get(posting_id, frozenset()) | names
    return {k: v for k, v in allowed.items() if k not in free}


def tag_pending(
    db: Database,
    posting_ids: Sequence[int] | None = None,
    semantic: SemanticTagger | None = None,
    cfg: Config | None = None,
    stale_only: bool = False,
) -> TagResult:
    """Tag postings whose tags are missing or stale (or exactly `posting_ids`; with
    `stale_only`, those of them still stale: one batch of the tag planner), in chunks.

    Each chunk is one transaction of a handful of set-based statements (one read, one delete, one
    update of old tags, one executemany insert, one update of the postings), so re-tagging every
    stored posting after a rule change costs about as much as the matching itself."""
    result = TagResult()
    with db.session() as session:
        groups, _rules, matcher = group_matcher(session, cfg)
        restricted = restricted_sources(session)
        key = rules_key(groups, restricted)
        group_ids = {g.name: (g.id, g.rules_version) for g in groups}
    wanted = sorted(set(posting_ids)) if posting_ids is not None else None
    last_id, offset = 0, 0
    while True:
        with db.session() as session:
            conn = session  # a group's session: its statements are scoped (store/scope.py)
            if wanted is not None:
                batch = wanted[offset : offset + CHUNK]
                if not batch:
                    break
                offset += len(batch)
                chunk = Posting.id.in_(batch)
                if stale_only:
                    chunk = and_(chunk, Posting.tag_key != key)
            else:
                chunk = Posting.tag_key != key
            rows = conn.execute(
                select(Posting.id, Posting.title, Posting.description)
                .where(chunk, Posting.id > last_id)
                .order_by(Posting.id)
                .limit(CHUNK)
            ).all()
            if not rows:
                if wanted is not None:
                    continue  # this chunk of the ids is tagged already; the next may not be
                break
            if wanted is None:
                chunk = and_(chunk, Posting.id.between(rows[0].id, rows[-1].id))
            last_id = rows[-1].id
            allowed = _allowed(conn, select(Posting.id).where(chunk), restricted)
            new_tags = _tag_rows(matcher, rows, group_ids, semantic, allowed)
            new_tags = _without_excluded(conn, select(Posting.id).where(chunk), new_tags)
            _replace_tags(conn, select(Posting.id).where(chunk), new_tags)
            conn.execute(update(Posting.__table__).where(chunk).values(tag_key=key))
            result.postings += len(rows)
            result.tags += len(new_tags)
    return result


def _current_key(session: Session) -> str:
    groups, _rules = load_rules(session)  # the key needs no compiled matcher
    return rules_key(groups, restricted_sources(session))


def stale_ids(db: Database, among: Sequence[int] | None = None) -> list[int]:
    """Ids of the postings whose tags are missing or stale (of `among`, if given): what the tag
    planner splits, and what a batch checks before compiling a matcher for nothing."""
    with db.session() as session:
        query = select(Posting.id).where(Posting.tag_key != _current_key(session))
        if among is not None:
            query = query.where(Posting.id.in_(list(among)))
        return list(session.scalars(query.order_by(Posting.id)))


def stale_count(session: Session, among: Sequence[int] | None = None) -> int:
    """How many postings (of `among`) wait for a re-tag: what a page says is still to do."""
    query = select(func.count()).where(Posting.tag_key != _current_key(session))
    if among is not None:
        query = query.where(Posting.id.in_(list(among)))
    return session.scalar(query) or 0


def mark_stale(session: Session, posting_ids: Sequence[int]) -> None:
    """The postings' tags need recomputing (their text or exclusions changed): the tag planner
    finds them, whatever the rules key."""
    session.execute(update(Posting).where(Posting.id.in_(list(posting_ids))).values(tag_key=""))


def _tag_rows(
    matcher: Matcher,
    rows: Sequence[Row],
    group_ids: dict[str, tuple[int, int]],
    semantic: SemanticTagger | None = None,
    allowed: dict[int, frozenset[str]] | None = None,
) -> list[dict]:
    """Tag rows as insert parameters; the generation is each sub-group's rules version."""
    new_tags = []
    match = matcher.match
    similar = semantic.tags([row.title or "" for row in rows]) if semantic else None
    for i, row in enumerate(rows):
        tags = match(row.title or "", row.description or "")
        if similar is not None:
            tags = combine(tags, similar[i])
        only = allowed.get(row.id) if allowed else None
        if only is not None:
            tags = [t for t in tags if t.subgroup.casefold() in only]
        for tag in tags:
            group_id, version = group_ids[tag.subgroup]
            new_tags.append(
                {
                    "posting_id": row.id,
                    "subgroup_id": group_id,
                    "role": tag.role,
                    "score": tag.score,
                    "why": list(tag.why),
                    "generation": version,
                    "current": True,
                }
            )
    return new_tags


def _without_excluded(conn: Session, posting_ids: Select, new_tags: list[dict]) -> list[dict]:
    """Drop the tags of sub-groups whose lead took the posting out ("not for my sub-group"):
    a rules change re-tags everything, and must not undo a lead's decision."""
    if not new_tags:
        return new_tags
    excluded = excluded_pairs(conn, posting_ids)
    if not excluded:
        return new_tags
    return [t for t in new_tags if (t["posting_id"], t["subgroup_id"]) not in excluded]


def _replace_tags(conn: Session, posting_ids: Select, new_tags: list[dict]) -> None:
    """Keep the previous generation (the sub-group's rules_version - 1) for comparison; drop
    older ones and the one being rewritten. `posting_ids` is a sub-select, so no statement carries
    thousands of bound ids."""
    tags = Tag.__table__
    version = (
        select(Subgroup.rules_version).where(Subgroup.id == tags.c.subgroup_id).scalar_subquery()
    )
    conn.execute(
        delete(tags).where(
            tags.c.posting_id.in_(posting_ids),
            (tags.c.generation >= version) | (tags.c.generation < version - 1),
        )
    )
    conn.execute(
        update(tags)
        .where(tags.c.posting_id.in_(posting_ids), tags.c.current.is_(True))
        .values(current=False)
    )
    if new_tags:
        conn.execute(insert(tags), new_tags)


def semantic_tagger(db: Database, cfg: Config) -> SemanticTagger | None:
    """The optional embedding tagger, when `[tagging] semantic = true` and the extra is installed."""
    if not cfg.tagging.semantic:
        return None
    from digest.tagging import semantic

    if not semantic.available():
        raise UserError(
            "[tagging] semantic = true needs the optional extra: pip install 'jobdigest[semantic]'"
        )
    with db.session() as session:
        _groups, rules = load_rules(session)
    return semantic.SemanticTagger(semantic.role_pairs(rules), cfg.tagging.semantic_threshold)
