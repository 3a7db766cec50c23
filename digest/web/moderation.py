"""Lead moderation of postings: what a lead may touch, corrections, and merging duplicates.

A lead curates their own sub-groups' digests, not anyone else's. A correction (a new title) can
re-tag a posting, so before it is applied the posting is matched again with the new title: when
that would move it into, or out of, a sub-group the lead does not lead, the correction waits
(a PendingCorrection) until a lead of each such sub-group, or an operator, accepts it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from digest.clock import utcnow
from digest.store.models import (
    Feedback,
    Member,
    PendingCorrection,
    Posting,
    Sighting,
    Subgroup,
    SubgroupLead,
    Tag,
)
from digest.store.statuses import CorrectionStatus, PostingStatus
from digest.tagging.compile import group_matcher
from digest.tagging.exclusions import is_excluded
from digest.web.context import state
from parsers.company import normalize_company

MODERATION_STATUSES = (
    PostingStatus.ACTIVE,
    PostingStatus.HIDDEN,
    PostingStatus.FILLED,
    PostingStatus.EXPIRED,
)


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


def led_ids(session: Session, member: Member) -> set[int]:
    query = select(SubgroupLead.subgroup_id).where(SubgroupLead.member_id == member.id)
    return set(session.scalars(query))


def subgroups_after(session: Session, posting: Posting, title: str) -> set[int]:
    """The sub-groups the posting would be tagged for under the current rules with `title`."""
    groups, _rules, matcher = group_matcher(session, state().cfg)
    ids = {g.name: g.id for g in groups}
    tags = matcher.match(title, posting.description or "")
    after = {ids[t.subgroup] for t in tags if t.subgroup in ids}
    return {g for g in after if not is_excluded(session, g, posting.id)}  # a lead's choice holds


def others_affected(session: Session, member: Member, posting: Posting, title: str) -> list[int]:
    """Sub-groups, not led by `member`, whose digests would gain or lose the posting if its
    title became `title` (none for an operator, or when the title stays)."""
    if member.is_operator or title == posting.title:
        return []
    before = current_subgroup_ids(session, posting.id)
    changed = before ^ subgroups_after(session, posting, title)
    return sorted(changed - led_ids(session, member))


def propose(
    session: Session, member: Member, posting: Posting, title: str, company: str, needs: list[int]
) -> PendingCorrection:
    """Queue a correction for the leads of `needs` (an earlier pending one by the same member
    for the same posting is replaced)."""
    for old in session.scalars(
        select(PendingCorrection).where(
            PendingCorrection.posting_id == posting.id,
            PendingCorrection.proposed_by_id == member.id,
            PendingCorrection.status == CorrectionStatus.PENDING,
        )
    ):
        session.delete(old)
    pending = PendingCorrection(
        posting_id=posting.id,
        proposed_by_id=member.id,
        title=title[:500],
        company=company[:300],
        subgroup_ids=needs,
    )
    session.add(pending)
    return pending


def pending_for(session: Session, group: Subgroup) -> list[PendingCorrection]:
    """Corrections waiting for this sub-group's lead."""
    rows = session.scalars(
        select(PendingCorrection)
        .where(PendingCorrection.status == CorrectionStatus.PENDING)
        .order_by(PendingCorrection.id)
    )
    return [c for c in rows if group.id in (c.subgroup_ids or [])]


def decide(session: Session, member: Member, correction: PendingCorrection, accept: bool) -> bool:
    """Accept or reject as `member`; True when the correction was applied (the posting then
    needs re-tagging). Accepting clears the sub-groups `member` leads (all, for an operator);
    the correction is applied once none is left. Rejecting by any of them ends it."""
    now = utcnow()
    if not accept:
        correction.status, correction.decided_by_id, correction.decided_at = (
            CorrectionStatus.REJECTED,
            member.id,
            now,
        )
        return False
    mine = set(correction.subgroup_ids) if member.is_operator else led_ids(session, member)
    correction.subgroup_ids = [g for g in correction.subgroup_ids if g not in mine]
    if correction.subgroup_ids:
        return False
    correction.status, correction.decided_by_id, correction.decided_at = (
        CorrectionStatus.ACCEPTED,
        member.id,
        now,
    )
    return correct(correction.posting, correction.title, correction.company)


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
        posting.status == PostingStatus.MERGED
        and posting.merged_into_id
        and posting.merged_into_id not in seen
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
    duplicate.status = PostingStatus.MERGED
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
