"""`jobdigest groups add|list|remove`: the groups of one installation."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from digest.cli.base import State, _show_rows, _when, friendly, out, pass_state
from digest.config import groups_folder, load_config
from digest.errors import UserError
from digest.store.groups import add_group, check_slug, group_rows, remove_group, site_admins
from digest.store.roster import add_operator


@click.group()
def groups() -> None:
    """The groups of this installation: each with its own members, sub-groups, inbox, feeds
    and digests, none seeing another's data. jobdigest.toml's own group is the first; each
    other group's settings live in groups/<slug>.toml beside it."""


@groups.command("add", short_help="A new group and its groups/<slug>.toml.")
@click.argument("slug")
@click.option("--name", default="", help="The group's name, shown in digests and pages.")
@click.option(
    "--timezone", default="UTC", show_default=True, help="IANA zone of its digest day and time."
)
@pass_state
@friendly
def add(state: State, slug: str, name: str, timezone: str) -> None:
    """Add a group SLUG (lowercase letters, digits, dashes): writes groups/SLUG.toml from a
    template and the group's row. Then edit the file (inbox, SMTP, digest time) and import
    its members with `jobdigest members import FILE --group SLUG`."""
    from digest.starter import write_group_file

    check_slug(slug)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(
            f"--timezone: unknown time zone {timezone!r} (e.g. 'America/Chicago')"
        ) from None
    if slug in state.slugs():
        raise UserError(f"group {slug!r} exists already")
    with state.site_db.session() as session:
        add_group(session, slug, name or slug, timezone)
        admins = site_admins(session)
        path = write_group_file(groups_folder(state.config_path), slug, name, timezone)
    if admins:  # site admins run every group, this one too
        with state.for_group(slug).db.session() as session:
            for email in admins:
                add_operator(session, email)
    out.print(
        f"Added group {slug}; its settings: {path}. Next: edit it, then "
        f"`jobdigest subgroups import FILE --group {slug}` and "
        f"`jobdigest members import FILE --group {slug}`.",
        highlight=False,
    )


@groups.command("list", short_help="Every group: members, postings, next digest.")
@pass_state
@friendly
def list_groups(state: State) -> None:
    """Every group of the installation with its members, postings and next digest time."""
    from digest.delivery.periods import next_digest

    with state.site_db.session() as session:
        rows = {r.slug: r for r in group_rows(session)}
    table = []
    for slug in state.slugs():
        cfg = load_config(state.config_path, None if slug == state.slugs()[0] else slug)
        row = rows.get(slug)
        table.append(
            [
                slug,
                cfg.group.name,
                row.members if row else 0,
                row.postings if row else 0,
                _when(
                    next_digest(cfg.digest.day, cfg.digest.time, cfg.tz, datetime.now(UTC)), cfg.tz
                ),
            ]
        )
    _show_rows("Groups", ["slug", "name", "members", "postings", "next digest"], table)


@groups.command("remove", short_help="Delete a group and all its data.")
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
@friendly
def remove(state: State, slug: str, yes: bool) -> None:
    """Delete group SLUG with all its members, sub-groups, sources, stored mail, postings,
    tags and delivery records, and its groups/SLUG.toml. The last group cannot be removed."""
    slugs = state.slugs()
    if slug not in slugs:
        raise UserError(f"unknown group {slug!r} (groups: {', '.join(slugs)})")
    if len(slugs) == 1:
        raise UserError(f"group {slug!r} is the only group; an installation keeps one")
    if slug == slugs[0]:
        raise UserError(
            f"group {slug!r} is jobdigest.toml's own group; move its sections to "
            f"groups/{slug}.toml or remove another group"
        )
    with state.site_db.session() as session:
        row = next((r for r in group_rows(session) if r.slug == slug), None)
        what = (
            f"group {slug!r}: {row.members} members, {row.postings} postings, and its "
            "sub-groups, sources, stored mail, tags and delivery records"
            if row
            else f"group {slug!r}"
        )
        if not yes and not click.confirm(f"Delete {what}?", default=False):
            raise UserError("nothing removed (confirm, or pass --yes)")
        if row:
            remove_group(session, slug)
    path = groups_folder(state.config_path) / f"{slug}.toml"
    path.unlink(missing_ok=True)
    out.print(f"Removed {what}; deleted {path}.", highlight=False)
