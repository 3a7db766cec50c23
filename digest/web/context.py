"""Per-app state and per-request helpers: the database session, who is signed in, who may do what."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from digest.config import Config
from digest.delivery.tokens import Signer
from digest.store.db import Database
from digest.store.models import Member, Subgroup
from digest.web.outbox import Outbox
from digest.web.ratelimit import RateLimiter

F = TypeVar("F", bound=Callable[..., Any])
EXTENSION = "jobdigest"


@dataclass
class WebState:
    cfg: Config
    db: Database
    signer: Signer
    outbox: Outbox
    limit_address: RateLimiter
    limit_ip: RateLimiter


def state() -> WebState:
    return current_app.extensions[EXTENSION]


def db_session() -> Session:
    """One session per request, closed (and rolled back unless committed) at teardown."""
    if "db_session" not in g:
        g.db_session = state().db.sessions()
    return g.db_session


def close_db_session(exc: BaseException | None) -> None:
    sess: Session | None = g.pop("db_session", None)
    if sess is not None:
        if exc is not None:
            sess.rollback()
        sess.close()


def current_member() -> Member | None:
    """The signed-in member; a removed member's session stops working at once."""
    if "member" not in g:
        member_id = session.get("member_id")
        member = db_session().get(Member, member_id) if isinstance(member_id, int) else None
        if member is not None and member.status == "removed":
            session.clear()
            member = None
        g.member = member
    return g.member


def safe_next(target: str | None) -> str:
    """Only same-site paths: a `next` pointing elsewhere would make sign-in an open redirect."""
    if not target:
        return url_for("auth.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("auth.home")
    return target


def signin_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_member() is None:
            return redirect(url_for("auth.signin", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def operator_required(view: F) -> F:
    @wraps(view)
    @signin_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        member = current_member()
        if member is None or not member.is_operator:
            abort(403)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def can_lead(member: Member, group: Subgroup) -> bool:
    return member.is_operator or any(lead.id == member.id for lead in group.leads)


def led_subgroups(member: Member) -> list[Subgroup]:
    """The sub-groups this member may curate: all of them for the operator."""
    query = select(Subgroup).options(selectinload(Subgroup.leads)).order_by(Subgroup.name)
    groups = list(db_session().scalars(query))
    return [grp for grp in groups if can_lead(member, grp)]


def lead_required(view: F) -> F:
    """Loads `subgroup_id` into `group`; 403 unless the member leads it (or is the operator)."""

    @wraps(view)
    @signin_required
    def wrapper(*args: Any, subgroup_id: int, **kwargs: Any) -> Any:
        group = db_session().get(Subgroup, subgroup_id)
        if group is None:
            abort(404)
        member = current_member()
        if member is None or not can_lead(member, group):
            abort(403)
        return view(*args, group=group, **kwargs)

    return wrapper  # type: ignore[return-value]
