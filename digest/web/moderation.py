"""Lead moderation of postings: what a lead may touch, corrections, and merging duplicates."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from digest.store.models import Feedback, Member, Posting, Sighting, Subgroup, Tag
from parsers.company import normalize_company

MODERATION_STATUSES = ("active", "hidden", "filled", "expired")


def current_subgroup_ids(session: Session, posting_id: int) -> set[int]:
    query = select(Tag.subgroup_id).where(Tag.posting_id == posting_id, Tag.current)
    return set(session.scalars(query))


def may_moderate(session: Session, member: Member, group: Subgroup, posting: Posting) -> bool:
    """A lead moderates postings tagged for their sub-group, and those no sub-group claimed;
    the operator moderates everything."""
    if member.is_operator:
        return True
    tagged = current_subgroup_ids(session, posting.id)
    return not tagged or group.id in tagged


def correct(posting: Posting, title: str, company: str) -> bool:
    """Fix what a parser got wrong; True when the title changed (so the posting needs re-tagging)."""
    title_changed = title != posting.title
    posting.title = title[:500]
    posting.company = company[:300]
    posting.company_key = normalize_company(company)
    return title_changed


def resolve(session: Session, posting: Posting) -> Posting:
    """Follow merges to the posting that survives (guarding against cycles)."""
    seen = {posting.id}
    while (
        posting.status == "merged" and posting.merged_into_id and posting.merged_into_id not in seen
    ):
        nxt = session.get(Posting, posting.merged_into_id)
        if nxt is None:
            break
        seen.add(nxt.id)
        posting = nxt
    return posting


def merge(session: Session, duplicate: Posting, target: Posting) -> None:
    """Fold `duplicate` into `target`: credits and feedback move, the duplicate leaves digests."""
    for sighting in list(duplicate.sightings):
        if _target_has_sighting(session, target, sighting):
            session.delete(sighting)
        else:
            sighting.posting_id = target.id
    for fb in session.scalars(select(Feedback).where(Feedback.posting_id == duplicate.id)):
        exists = session.scalar(
            select(Feedback.id).where(
                Feedback.posting_id == target.id,
                Feedback.member_id == fb.member_id,
                Feedback.kind == fb.kind,
            )
        )
        if exists:
            session.delete(fb)
        else:
            fb.posting_id = target.id
    for attr in ("company", "location", "url", "posted_at", "description", "salary"):
        if not getattr(target, attr) and getattr(duplicate, attr):
            setattr(target, attr, getattr(duplicate, attr))
    if not target.company_key and target.company:
        target.company_key = normalize_company(target.company)
    target.remote = target.remote or duplicate.remote
    duplicate.status = "merged"
    duplicate.merged_into_id = target.id
    session.flush()
    session.expire(duplicate, ["sightings"])
    session.expire(target, ["sightings"])


def _target_has_sighting(session: Session, target: Posting, sighting: Sighting) -> bool:
    """The unique keys a moved sighting would collide with on the target."""
    if sighting.raw_message_id is not None:
        clash = select(Sighting.id).where(
            Sighting.posting_id == target.id, Sighting.raw_message_id == sighting.raw_message_id
        )
        if session.scalar(clash):
            return True
    return False
