"""Server-side sessions: the cookie names a session row, and only the row signs anyone in.

Flask's cookie session alone cannot be revoked: a copy taken before sign-out kept working until
it expired. Here the (signed) cookie carries a random session id, the `web_sessions` table keeps
its SHA-256 with the member and an expiry, and every request looks it up. Signing out deletes the
row, removing a member or "sign out everywhere" deletes all of theirs, so every copy of a
cookie ends at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import session
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from digest.clock import utcnow
from digest.store.models import Member, WebSession
from digest.store.statuses import MemberStatus
from digest.web.groups import cookie_key, is_session_key

LIFETIME = timedelta(hours=12)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def start(db: Session, member: Member) -> None:
    """Sign `member` in on this browser: a new session row and a fresh cookie."""
    now = utcnow()
    db.execute(delete(WebSession).where(WebSession.expires_at <= now))
    raw = secrets.token_urlsafe(32)
    db.add(WebSession(id=_digest(raw), member_id=member.id, expires_at=now + LIFETIME))
    db.commit()
    _clear_but_other_groups()  # nothing of before the sign-in carries over
    session[cookie_key()] = raw
    session.permanent = True


def signed_in(db: Session) -> Member | None:
    """The member whose live session this browser's cookie names, or None."""
    key = cookie_key()
    raw = session.get(key)
    if not isinstance(raw, str) or not raw:
        return None
    row = db.get(WebSession, _digest(raw))
    if row is None or row.expires_at <= utcnow():
        session.pop(key, None)
        return None
    member = db.get(Member, row.member_id)
    if member is None or member.status == MemberStatus.REMOVED:
        session.pop(key, None)
        return None
    return member


def signed_in_elsewhere(site: Session, db: Session) -> bool:
    """True when this browser is signed in to another group only, as someone who is no member
    of the request's group: its pages answer 404, so nothing tells them the group's pages
    exist (a fellow member of both groups is asked to sign in here instead)."""
    own = cookie_key()
    for key, raw in list(session.items()):
        if key == own or not is_session_key(key) or not isinstance(raw, str):
            continue
        row = site.get(WebSession, _digest(raw))
        if row is None or row.expires_at <= utcnow():
            continue
        other = site.get(Member, row.member_id)
        if other is not None and not db.scalar(
            select(Member.id).where(Member.email == other.email)
        ):
            return True
    return False


def end(db: Session) -> None:
    """Sign this browser out: its row goes, so copies of the cookie stop working too."""
    key = cookie_key()
    raw = session.get(key)
    if isinstance(raw, str) and raw:
        db.execute(delete(WebSession).where(WebSession.id == _digest(raw)))
        db.commit()
    _clear_but_other_groups()  # signed out of this group; still in the others it is in


def _clear_but_other_groups() -> None:
    """Empty the cookie but for the sessions of the other groups this browser is signed in to."""
    key = cookie_key()
    others = {k: v for k, v in session.items() if is_session_key(k) and k != key}
    session.clear()
    session.update(others)


def end_all(db: Session, member_id: int) -> int:
    """End every session of a member (sign out everywhere, removal); how many there were.
    The caller commits."""
    ids = list(db.scalars(select(WebSession.id).where(WebSession.member_id == member_id)))
    if ids:
        db.execute(delete(WebSession).where(WebSession.member_id == member_id))
    return len(ids)
