"""Tagging stored postings with the sub-groups' current rules; earlier tags are kept for comparison."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from digest.db import Database
from digest.imports import SubgroupSpec
from digest.matcher import Matcher, RoleRule, SubgroupRules
from digest.models import Posting, Role, Subgroup, Tag

CHUNK = 2000


@dataclass
class TagResult:
    postings: int = 0
    tags: int = 0


def load_rules(session: Session) -> tuple[list[Subgroup], list[SubgroupRules]]:
    groups = list(
        session.scalars(
            select(Subgroup).options(selectinload(Subgroup.roles)).order_by(Subgroup.id)
        )
    )
    return groups, [subgroup_rules(g) for g in groups]


def subgroup_rules(group: Subgroup, roles: Sequence[Role] | None = None) -> SubgroupRules:
    return SubgroupRules(
        name=group.name,
        roles=tuple(
            RoleRule(
                phrase=r.phrase,
                synonyms=tuple(r.synonyms),
                exclude=tuple(r.exclude),
                required=tuple(r.required),
            )
            for r in (roles if roles is not None else group.roles)
        ),
        exclude=tuple(group.exclude),
    )


def rules_key(groups: Sequence[Subgroup]) -> str:
    """Changes whenever any sub-group's rules change, so stale tags are found by one comparison."""
    text = ";".join(f"{g.id}:{g.rules_version}" for g in groups)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def tag_pending(db: Database, posting_ids: Sequence[int] | None = None) -> TagResult:
    """Tag postings whose tags are missing or stale (or exactly `posting_ids`), in chunks."""
    result = TagResult()
    with db.session() as session:
        groups, rules = load_rules(session)
        key = rules_key(groups)
        by_name = {g.name: g for g in groups}
    matcher = Matcher.compile(rules)
    last_id = 0
    while True:
        with db.session() as session:
            query = select(
                Posting.id, Posting.title, Posting.description, Posting.company, Posting.location
            )
            if posting_ids is not None:
                query = query.where(Posting.id.in_(list(posting_ids)))
            else:
                query = query.where(Posting.tag_key != key)
            rows = session.execute(
                query.where(Posting.id > last_id).order_by(Posting.id).limit(CHUNK)
            ).all()
            if not rows:
                break
            last_id = rows[-1].id
            ids = [r.id for r in rows]
            new_tags = []
            for row in rows:
                for tag in matcher.match(
                    row.title, row.description or "", row.company or "", row.location or ""
                ):
                    group = by_name[tag.subgroup]
                    new_tags.append(
                        {
                            "posting_id": row.id,
                            "subgroup_id": group.id,
                            "role": tag.role,
                            "score": tag.score,
                            "why": list(tag.why),
                            "generation": group.rules_version,
                            "current": True,
                        }
                    )
            _replace_tags(session, ids, new_tags, [(g.id, g.rules_version) for g in groups])
            session.execute(update(Posting).where(Posting.id.in_(ids)).values(tag_key=key))
            result.postings += len(ids)
            result.tags += len(new_tags)
    return result


def _replace_tags(
    session: Session, ids: list[int], new_tags: list[dict], versions: list[tuple[int, int]]
) -> None:
    """Keep the previous generation for comparison; drop older ones and the one being rewritten."""
    for group_id, version in versions:
        session.execute(
            delete(Tag).where(
                Tag.posting_id.in_(ids),
                Tag.subgroup_id == group_id,
                (Tag.generation >= version) | (Tag.generation < version - 1),
            )
        )
    session.execute(update(Tag).where(Tag.posting_id.in_(ids)).values(current=False))
    if new_tags:
        session.execute(Tag.__table__.insert(), new_tags)


def retag_all(db: Database) -> TagResult:
    """After a rule change: every posting's tags are recomputed (stale ones only, by key)."""
    return tag_pending(db)


def rules_from_specs(specs: Sequence[SubgroupSpec]) -> list[SubgroupRules]:
    """Rules straight from a subgroups.toml, for `jobdigest match` (no database)."""
    return [
        SubgroupRules(
            name=s.name,
            roles=tuple(
                RoleRule(
                    phrase=r.phrase,
                    synonyms=tuple(r.synonyms),
                    exclude=tuple(r.exclude),
                    required=tuple(r.required),
                )
                for r in s.roles
            ),
            exclude=tuple(s.exclude),
        )
        for s in specs
    ]
