"""The groups of one installation: finding one by slug, adding and removing them.

Site-wide work: these run on connections or site sessions that no group filters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.orm import Session

from digest.errors import UserError
from digest.store.models import Group, Member, Posting, SiteAdmin

if TYPE_CHECKING:
    from digest.config import Config
    from digest.store.db import Database

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
#: jobdigest.toml's own group: the one a database from before groups moved into (migration 0012)
MAIN_GROUP = 1


def check_slug(slug: str) -> str:
    """A slug names a group in URLs and file names: lowercase letters, digits and dashes."""
    if not SLUG.fullmatch(slug or ""):
        raise UserError(
            f"group {slug!r}: expected a slug of lowercase letters, digits and dashes "
            "(e.g. 'north-texas')"
        )
    return slug


def slugs(conn: Connection | Session) -> list[str]:
    """Every group's slug, oldest first."""
    return list(conn.execute(select(Group.slug).order_by(Group.id)).scalars())


def resolve_group(conn: Connection | Session, group: str | int | None) -> int:
    """The id of the named group; None names the only group (several: ask which one)."""
    if isinstance(group, int):
        found = conn.execute(select(Group.id).where(Group.id == group)).scalar()
        if found is None:
            raise UserError(f"no group with id {group}")
        return found
    rows = conn.execute(select(Group.id, Group.slug).order_by(Group.id)).all()
    if group is None:
        if len(rows) == 1:
            return rows[0][0]
        if not rows:
            raise UserError("no group yet: add one with `jobdigest groups add SLUG`")
        names = ", ".join(slug for _id, slug in rows)
        raise UserError(f"several groups ({names}): name one with --group SLUG")
    for group_id, slug in rows:
        if slug == group:
            return group_id
    names = ", ".join(slug for _id, slug in rows) or "none yet"
    raise UserError(f"unknown group {group!r} (groups: {names})")


@dataclass
class GroupRow:
    id: int
    slug: str
    name: str
    timezone: str
    members: int
    postings: int


def group_rows(session: Session) -> list[GroupRow]:
    """Every group with its member and posting counts (a site session)."""
    members = dict(
        session.execute(select(Member.group_id, func.count()).group_by(Member.group_id)).all()
    )
    postings = dict(
        session.execute(select(Posting.group_id, func.count()).group_by(Posting.group_id)).all()
    )
    return [
        GroupRow(g.id, g.slug, g.name, g.timezone, members.get(g.id, 0), postings.get(g.id, 0))
        for g in session.scalars(select(Group).order_by(Group.id))
    ]


def add_group(session: Session, slug: str, name: str = "", timezone: str = "UTC") -> Group:
    """A new group (a site session); a slug in use is refused."""
    check_slug(slug)
    if session.scalar(select(Group.id).where(Group.slug == slug)) is not None:
        raise UserError(f"group {slug!r} exists already")
    group = Group(slug=slug, name=name, timezone=timezone)
    session.add(group)
    session.flush()
    return group


def sync_group(session: Session, slug: str, name: str, timezone: str, main: bool = False) -> int:
    """The id of the group's row, made to match its config (created when missing).
    jobdigest.toml's own group (`main`) is group 1, whatever its slug."""
    if main:
        group = session.get(Group, MAIN_GROUP)
        if group is None:  # a database made before its first group row: make it group 1
            group = Group(id=MAIN_GROUP, slug=slug)
            session.add(group)
    else:
        group = session.scalar(select(Group).where(Group.slug == slug))
        if group is None:
            group = add_group(session, slug, name, timezone)
    if (group.slug, group.name, group.timezone) != (slug, name, timezone):
        group.slug, group.name, group.timezone = slug, name, timezone
    session.flush()
    return group.id


def group_database(site: Database, cfg: Config, main: bool = False) -> Database:
    """The database bound to the group `cfg` configures, its row made to match that config
    first: the one way the CLI, the workers and the web app open a group."""
    with site.session() as session:
        group_id = sync_group(session, cfg.group.slug, cfg.group.name, cfg.group.timezone, main)
    return site.for_group(group_id)


def remove_group(session: Session, slug: str) -> GroupRow:
    """Delete a group and all its data (a site session); the last group is kept."""
    rows = group_rows(session)
    doomed = next((r for r in rows if r.slug == slug), None)
    if doomed is None:
        names = ", ".join(r.slug for r in rows)
        raise UserError(f"unknown group {slug!r} (groups: {names})")
    if len(rows) == 1:
        raise UserError(f"group {slug!r} is the only group; an installation keeps one")
    session.execute(delete(Group).where(Group.id == doomed.id))
    return doomed


def site_admins(session: Session) -> list[str]:
    """The addresses of the site admins (a site session), in order."""
    return list(session.scalars(select(SiteAdmin.email).order_by(SiteAdmin.email)))


def add_site_admin(session: Session, email: str) -> bool:
    """Record a site admin (a site session); False when they were one already."""
    address = email.strip().lower()
    if session.scalar(select(SiteAdmin.id).where(SiteAdmin.email == address)) is not None:
        return False
    session.add(SiteAdmin(email=address))
    return True


def remove_site_admin(session: Session, email: str) -> bool:
    """No longer a site admin (they stay operators where they are); False if they were not."""
    address = email.strip().lower()
    return bool(session.execute(delete(SiteAdmin).where(SiteAdmin.email == address)).rowcount)
