"""Per-app state and per-request helpers: the database session, who is signed in, who may do what.

GET and HEAD never change state: link checkers, mail scanners and prefetching browsers send them
to every link they see (Flask answers HEAD with the GET view). The request's database session
refuses to write during a GET, HEAD or OPTIONS request, so a view that would is a loud error in
the tests, not a silent unsubscribe in production.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, g, has_request_context, redirect, request, url_for
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, selectinload

from digest.config import Config
from digest.delivery.tokens import Signer
from digest.store.db import Database
from digest.store.models import Member, Subgroup
from digest.web import sessions
from digest.web.groups import EXTENSION, GROUP_ENVIRON
from digest.web.outbox import Outbox
from digest.web.ratelimit import RateLimiter

F = TypeVar("F", bound=Callable[..., Any])
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class WebState:
    """What a request of one group works with: its config, database (bound to the group),
    signer and mail. The app holds jobdigest.toml's group's; `for_group` the others'."""

    cfg: Config
    db: Database
    signer: Signer
    outbox: Outbox
    limit_address: RateLimiter  # sign-in links per target address
    limit_ip: RateLimiter  # sign-in requests per client address
    limit_alias: RateLimiter  # alias confirmation mails per address
    groups: dict[str, WebState] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def for_group(self, slug: str | None) -> WebState | None:
        """The state of the group `slug` (None: this one); None for a group that is not there."""
        if slug is None or slug == self.cfg.group.slug:
            return self
        with self.lock:
            if slug not in self.groups:
                found = self._load(slug)
                if found is None:
                    return None
                self.groups[slug] = found
            return self.groups[slug]

    def _load(self, slug: str) -> WebState | None:
        from digest.config import group_slugs, load_config
        from digest.store.groups import group_database

        if self.cfg.path is None or slug not in group_slugs(self.cfg.path):
            return None
        cfg = load_config(self.cfg.path, slug)
        db = group_database(self.db.site(), cfg)
        return dataclasses.replace(
            self,
            cfg=cfg,
            db=db,
            outbox=Outbox(cfg, db),
            groups={},
            lock=threading.Lock(),
        )


def state() -> WebState:
    """The state of the request's group (/g/<slug>/…), else of jobdigest.toml's own group."""
    found = known_state()
    if found is None:
        abort(404)
    return found


def known_state() -> WebState | None:
    """The request's group's state, None for a /g/<slug>/ of no group (its 404 page)."""
    site: WebState = current_app.extensions[EXTENSION]
    slug = request.environ.get(GROUP_ENVIRON) if has_request_context() else None
    return site.for_group(slug)


def db_session() -> Session:
    """One session per request, closed (and rolled back unless committed) at teardown."""
    if "db_session" not in g:
        g.db_session = state().db.sessions()
        if request.method in SAFE_METHODS:
            _read_only(g.db_session)
    return g.db_session


class WriteOnSafeMethod(RuntimeError):
    """A GET/HEAD/OPTIONS view tried to change the database: a bug, refused."""


def _read_only(sess: Session) -> None:
    def before_flush(session: Session, _ctx: UOWTransaction, _instances: object) -> None:
        changed = (
            session.new or session.deleted or any(session.is_modified(o) for o in session.dirty)
        )
        if changed:
            raise WriteOnSafeMethod(f"{request.method} {request.path} must not change state")

    def before_execute(orm_state: ORMExecuteState) -> None:
        if orm_state.is_insert or orm_state.is_update or orm_state.is_delete:
            raise WriteOnSafeMethod(f"{request.method} {request.path} must not change state")

    event.listen(sess, "before_flush", before_flush)
    event.listen(sess, "do_orm_execute", before_execute)


def close_db_session(exc: BaseException | None) -> None:
    sess: Session | None = g.pop("db_session", None)
    if sess is not None:
        if exc is not None:
            sess.rollback()
        sess.close()


def current_member() -> Member | None:
    """The signed-in member (a live server-side session); a removed member is nobody."""
    if "member" not in g:
        g.member = sessions.signed_in(db_session())
    return g.member


def _signed_in_elsewhere() -> bool:
    with state().db.site().sessions() as site:
        return sessions.signed_in_elsewhere(site, db_session())


def safe_next(target: str | None) -> str:
    """Only same-site paths: a `next` pointing elsewhere would make sign-in an open redirect.
    Paths are the group's (without /g/<slug>): the redirect adds the request's prefix."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def signin_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_member() is None:
            if _signed_in_elsewhere():
                abort(404)  # a member of another group: nothing here exists for them
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
