"""What a rule edit would change: the edited and the saved rules run over recent postings.

Both sides are computed with the Matcher (not read from stored tags), so the difference shows the
effect of the edit alone, not of postings that were tagged with an older matcher.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from digest.clock import utcnow
from digest.config import Config
from digest.store.models import Posting, Subgroup, SubgroupExclusion
from digest.store.statuses import PostingStatus
from digest.tagging.compile import build_matcher
from digest.tagging.matcher import Matcher
from digest.tagging.matcher import Tag as MatchTag
from digest.tagging.rules import SubgroupRules

PREVIEW_DAYS = 28
MAX_POSTINGS = 20_000
MAX_LISTED = 50


@dataclass
class Change:
    posting_id: int
    title: str
    company: str
    before: MatchTag | None
    after: MatchTag | None

    def as_json(self) -> dict[str, Any]:
        def tag(t: MatchTag | None) -> dict[str, Any] | None:
            return (
                None
                if t is None
                else {"role": t.role, "score": round(t.score, 3), "why": list(t.why)}
            )

        return {
            "id": self.posting_id,
            "title": self.title,
            "company": self.company,
            "before": tag(self.before),
            "after": tag(self.after),
        }


@dataclass
class Preview:
    days: int
    scanned: int = 0
    before: int = 0
    after: int = 0
    added: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "scanned": self.scanned,
            "before": self.before,
            "after": self.after,
            "added": [c.as_json() for c in self.added[:MAX_LISTED]],
            "removed": [c.as_json() for c in self.removed[:MAX_LISTED]],
            "changed": [c.as_json() for c in self.changed[:MAX_LISTED]],
            "error": self.error,
        }


def _first_tags(matcher: Matcher, rows: list[Any]) -> dict[int, MatchTag]:
    found: dict[int, MatchTag] = {}
    for row in rows:
        tags = matcher.match(row.title, row.description or "")
        if tags:
            found[row.id] = tags[0]
    return found


def preview_rules(
    session: Session,
    saved: SubgroupRules,
    edited: SubgroupRules,
    cfg: Config | None = None,
    now: datetime | None = None,
    days: int = PREVIEW_DAYS,
) -> Preview:
    """Which of the last `days` days' live postings the edit would newly tag, untag or re-role."""
    result = Preview(days=days)
    try:
        old_matcher = build_matcher([saved], cfg)
        new_matcher = build_matcher([edited], cfg)
    except Exception as exc:  # noqa: BLE001 - a rule the matcher cannot compile is the lead's input error
        result.error = f"These rules cannot be used: {exc}"
        return result
    since = (now or utcnow()) - timedelta(days=days)
    group_id = select(Subgroup.id).where(Subgroup.name == saved.name).scalar_subquery()
    taken_out = exists().where(  # a lead's "not for my sub-group" holds whatever the rules say
        SubgroupExclusion.posting_id == Posting.id, SubgroupExclusion.subgroup_id == group_id
    )
    rows = session.execute(
        select(Posting.id, Posting.title, Posting.description, Posting.company, Posting.location)
        .where(Posting.first_seen >= since, Posting.status == PostingStatus.ACTIVE, ~taken_out)
        .order_by(Posting.id.desc())
        .limit(MAX_POSTINGS)
    ).all()
    result.scanned = len(rows)
    before, after = _first_tags(old_matcher, rows), _first_tags(new_matcher, rows)
    result.before, result.after = len(before), len(after)
    titles = {row.id: (row.title, row.company) for row in rows}
    for pid in sorted(set(before) | set(after), reverse=True):
        old, new = before.get(pid), after.get(pid)
        change = Change(pid, titles[pid][0], titles[pid][1], old, new)
        if old is None:
            result.added.append(change)
        elif new is None:
            result.removed.append(change)
        elif old.role != new.role:
            result.changed.append(change)
    return result
