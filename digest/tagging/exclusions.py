""" "Not for my sub-group": a lead takes a posting out of their own sub-group, and tagging remembers.

The exclusion is data beside the tags, not a tag flag: every re-tag (a rules change, a
correction, `jobdigest retag`) rewrites the tags, and reads these rows to leave the sub-group's
tag out again. Other sub-groups' tags of the posting are untouched.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from digest.clock import utcnow
from digest.formatting import on_day
from digest.store.models import Member, Posting, Subgroup, SubgroupExclusion


def take_out(session: Session, subgroup_id: int, posting_id: int, member_id: int) -> bool:
    """Remember that the lead `member_id` took the posting out of the sub-group; False when it
    already was (the first lead's name and day are kept)."""
    if is_excluded(session, subgroup_id, posting_id):
        return False
    session.add(
        SubgroupExclusion(subgroup_id=subgroup_id, posting_id=posting_id, member_id=member_id)
    )
    session.flush()
    return True


def put_back(session: Session, subgroup_id: int, posting_id: int) -> bool:
    """Forget the exclusion (the undo); False when there was none."""
    gone = session.execute(
        delete(SubgroupExclusion).where(
            SubgroupExclusion.subgroup_id == subgroup_id,
            SubgroupExclusion.posting_id == posting_id,
        )
    )
    return bool(gone.rowcount)


def is_excluded(session: Session, subgroup_id: int, posting_id: int) -> bool:
    """Did a lead take this posting out of this sub-group?"""
    found = session.scalar(
        select(SubgroupExclusion.id).where(
            SubgroupExclusion.subgroup_id == subgroup_id,
            SubgroupExclusion.posting_id == posting_id,
        )
    )
    return found is not None


def excluded_pairs(conn: Session, posting_ids: Select) -> set[tuple[int, int]]:
    """(posting id, sub-group id) pairs tagging must leave out, for the postings `posting_ids`
    selects (a sub-select, so no statement carries thousands of bound ids)."""
    rows = conn.execute(
        select(SubgroupExclusion.posting_id, SubgroupExclusion.subgroup_id).where(
            SubgroupExclusion.posting_id.in_(posting_ids)
        )
    )
    return {(posting_id, subgroup_id) for posting_id, subgroup_id in rows}


def excluded_from(
    session: Session, subgroup_id: int, begin: datetime, end: datetime
) -> list[tuple[SubgroupExclusion, Posting]]:
    """The sub-group's exclusions of postings first seen in [begin, end), newest first: the
    lead's week page lists them, each with its "Put it back"."""
    rows = session.execute(
        select(SubgroupExclusion, Posting)
        .join(Posting, Posting.id == SubgroupExclusion.posting_id)
        .where(
            SubgroupExclusion.subgroup_id == subgroup_id,
            Posting.first_seen >= begin,
            Posting.first_seen < end,
        )
        .order_by(SubgroupExclusion.created_at.desc(), SubgroupExclusion.id.desc())
        .limit(500)
    )
    return [(exclusion, posting) for exclusion, posting in rows]


def exclusion_lines(session: Session, posting_id: int, tz: ZoneInfo) -> list[str]:
    """'Taken out of Marketing by lead Ann Lee on 2026-12-02', one per sub-group: why a
    sub-group that matches the posting does not tag it."""
    rows = session.execute(
        select(Subgroup.name, Member, SubgroupExclusion.created_at)
        .join(Subgroup, Subgroup.id == SubgroupExclusion.subgroup_id)
        .outerjoin(Member, Member.id == SubgroupExclusion.member_id)
        .where(SubgroupExclusion.posting_id == posting_id)
        .order_by(Subgroup.name)
    ).all()
    lines = []
    for name, lead, at in rows:
        who = f"lead {lead.display_name}" if lead is not None else "a former lead"
        lines.append(f"  Taken out of {name} by {who} on {on_day(at or utcnow(), tz)}")
    return lines
