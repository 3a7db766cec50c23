"""Why a posting was (not) tagged, and what a sub-group's roles miss: the reports behind
`jobdigest tags explain|gaps`, as lines of text."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from digest.clock import utcnow
from digest.config import Config
from digest.errors import UserError
from digest.formatting import plural
from digest.store.db import Database
from digest.store.models import Posting, Subgroup, Tag
from digest.store.statuses import PostingStatus
from digest.tagging.compile import group_matcher, load_rules, vocabulary_for
from digest.tagging.exclusions import exclusion_lines
from digest.tagging.gaps import gap_suggestions
from digest.tagging.tag import restricted_sources, rules_key

#: unmatched titles listed by `tags gaps` before "... and N more"
MAX_TITLES = 30


def explain_posting(db: Database, posting_id: int, cfg: Config | None = None) -> list[str]:
    """POSTING_ID's tags with score and why, the previous rules' tags when they differ, and for
    each sub-group that did not tag it the closest role and why not: lines a person reads."""
    with db.session() as session:
        posting = session.get(Posting, posting_id)
        if posting is None:
            raise UserError(f"posting {posting_id}: no such posting")
        groups, _rules, matcher = group_matcher(session, cfg)
        stale = posting.tag_key != rules_key(groups, restricted_sources(session))
        now, was = _tags_of(session, posting_id)
        lines = _header(posting, stale)
        lines += _current_lines(now)
        lines += _previous_lines(now, was)
        taken = exclusion_lines(session, posting_id, cfg.tz if cfg else ZoneInfo("UTC"))
        if taken:
            lines += ["Not for their sub-group (tagging leaves it out):", *taken]
        misses = matcher.near_misses(posting.title, posting.description or "")
    every = "Tagged for every other sub-group." if taken else "Tagged for every sub-group."
    lines.append("Not tagged for:" if misses else every)
    for miss in misses:
        closest = f"closest role '{miss.role}': " if miss.role else ""
        lines.append(f"  {miss.subgroup}: {closest}{miss.reason}")
    return lines


def _tags_of(session: Session, posting_id: int) -> tuple[list[Tag], list[Tag]]:
    rows = session.scalars(
        select(Tag).where(Tag.posting_id == posting_id).order_by(Tag.score.desc(), Tag.id)
    ).all()
    for row in rows:
        _ = row.subgroup.name  # loaded while the session is open
    return [t for t in rows if t.current], [t for t in rows if not t.current]


def _header(posting: Posting, stale: bool) -> list[str]:
    where = ", ".join(p for p in (posting.company, posting.location) if p)
    lines = [f"Posting {posting.id}: {posting.title}" + (f" ({where})" if where else "")]
    if stale:
        lines.append("  (tags are from older rules; `jobdigest retag` brings them up to date)")
    return lines


def _current_lines(now: list[Tag]) -> list[str]:
    if not now:
        return ["Tags: none"]
    lines = ["Tags:"]
    for tag in now:
        why = "; ".join(tag.why)
        lines.append(f"  {tag.subgroup.name}: '{tag.role}' score {tag.score:.2f} - {why}")
    return lines


def _previous_lines(now: list[Tag], was: list[Tag]) -> list[str]:
    """The previous generation, only for sub-groups whose tag changed."""
    current = {t.subgroup_id: t.role for t in now}
    changed = [t for t in was if current.get(t.subgroup_id) != t.role]
    lines = []
    for tag in changed:
        now_role = current.get(tag.subgroup_id)
        after = f"now '{now_role}'" if now_role else "no longer tagged"
        lines.append(
            f"  was: {tag.subgroup.name}: '{tag.role}' score {tag.score:.2f} "
            f"(rules v{tag.generation}; {after})"
        )
    return (["Before the last rule change:"] + lines) if lines else []


def gap_report(
    db: Database, subgroup: str, weeks: int = 1, limit: int = 20, cfg: Config | None = None
) -> list[str]:
    """This period's postings that matched no sub-group, and the frequent title words and word
    pairs no role of SUBGROUP covers: candidates for new roles."""
    out: list[str] = []
    since = utcnow() - timedelta(weeks=weeks)
    with db.session() as session:
        names = {g.name.casefold(): g for g in session.scalars(select(Subgroup))}
        group = names.get(subgroup.casefold())
        if group is None:
            known = ", ".join(sorted(g.name for g in names.values())) or "none yet"
            raise UserError(f"sub-group {subgroup!r}: no such sub-group (known: {known})")
        _, rules = load_rules(session)
        titles = _untagged_titles(session, since)
    rule = next(r for r in rules if r.name == group.name)
    period = "the last week" if weeks == 1 else f"the last {weeks} weeks"
    out.append(f"{plural(len(titles), 'posting')} from {period} matched no sub-group:")
    for title in titles[:MAX_TITLES]:
        out.append(f"  {title}")
    if len(titles) > MAX_TITLES:
        out.append(f"  ... and {len(titles) - MAX_TITLES} more")
    suggestions = gap_suggestions(titles, rule, vocabulary=vocabulary_for(cfg), limit=limit)
    if not suggestions:
        out.append(f"No frequent title words that the roles of {group.name} miss.")
        return out
    out.append(f"Title words no role of {group.name} covers (postings using them):")
    for text, count in suggestions:
        out.append(f"  {text} ({count})")
    return out


def _untagged_titles(session: Session, since: datetime) -> list[str]:
    tagged = exists().where(Tag.posting_id == Posting.id, Tag.current.is_(True))
    return list(
        session.scalars(
            select(Posting.title)
            .where(Posting.first_seen >= since, Posting.status == PostingStatus.ACTIVE, ~tagged)
            .order_by(Posting.first_seen.desc(), Posting.id.desc())
        )
    )
