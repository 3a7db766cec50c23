"""A member's digest for the web: the same composing the mailer uses, for one member."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from digest.config import Config
from digest.delivery.compose import MemberDigest, Week, build_digest, pitch_semantic_of
from digest.delivery.periods import period_of, window
from digest.store.models import Member


def current_period(cfg: Config) -> str:
    return period_of(datetime.now(UTC), cfg.tz)


def member_digest(session: Session, cfg: Config, member: Member, period: str) -> MemberDigest:
    """What `member` gets (or would get) for `period`; `period` must be valid (see periods.window)."""
    begin, end = window(period, cfg.tz, cfg.digest.period_days)
    week = Week(
        session, period, begin, end, pitch_semantic_of(cfg), cfg.tagging.not_relevant_quorum
    )
    return build_digest(week, member, cfg.digest.max_postings, cfg.digest.max_per_company)
