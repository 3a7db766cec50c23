"""The roster: sub-groups (TOML) and members (CSV), imported and exported."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import Session

from digest.cli.base import (
    State,
    _read,
    _show_rows,
    _write,
    friendly,
    out,
    pass_state,
)
from digest.errors import UserError


@click.group(short_help="Sub-groups and target roles as TOML.")
def subgroups() -> None:
    """Sub-groups and their target roles, as TOML ([[subgroup]] name, roles, exclude, leads)."""


DRY_RUN = click.option(
    "--dry-run", is_flag=True, help="Show what would change, and change nothing."
)


def _report(file: Path, what: str, report: Any, dry_run: bool) -> None:
    """One line per changed member or sub-group, then the counts."""
    for line in report.changes:
        out.print(f"  {line}", highlight=False, markup=False)
    if dry_run:
        summary = (
            f"{file}: would create {report.created} {what}, update {report.updated}, "
            f"{report.unchanged} unchanged. Dry run: nothing was changed."
        )
    else:
        summary = (
            f"{file}: {report.created} {what} created, {report.updated} updated, "
            f"{report.unchanged} unchanged."
        )
    out.print(summary, highlight=False, markup=False)


def _in_transaction(state: State, dry_run: bool, work: Callable[[Session], Any]) -> Any:
    """All or nothing; a dry run does the same work and rolls it back."""
    if not dry_run:
        with state.db.session() as session:
            return work(session)
    with state.db.sessions() as session:
        try:
            return work(session)
        finally:
            session.rollback()


@subgroups.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--replace",
    is_flag=True,
    help="Let the file take target roles and leads away from sub-groups that have them.",
)
@DRY_RUN
@pass_state
@friendly
def subgroups_import(state: State, file: Path, replace: bool, dry_run: bool) -> None:
    """Create or update sub-groups from FILE (all or nothing; re-import updates).

    A key a sub-group's table leaves out (roles, exclude, leads, description) keeps its stored
    value. A sub-group that would lose target roles or leads is refused unless --replace. Leads
    who are not members yet are kept and linked when the members import brings them."""
    from digest.roster.imports import import_subgroups
    from digest.tagging.rules import parse_subgroups_toml

    specs = parse_subgroups_toml(_read(file), str(file))
    report = _in_transaction(
        state, dry_run, lambda s: import_subgroups(s, specs, replace=replace, where=str(file))
    )
    _report(file, "sub-groups", report, dry_run)


@subgroups.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@pass_state
@friendly
def subgroups_export(state: State, file: str) -> None:
    """Write sub-groups to FILE (default: stdout) in the import format."""
    from digest.roster.imports import export_subgroups

    with state.db.session() as session:
        text = export_subgroups(session)
    _write(file, text)


@click.group(short_help="Members as CSV: import, export.")
def members() -> None:
    """Members as CSV: email,name,subgroups,past_employers,keywords,location,inside_contact,targets,pitch
    (';' separates values; only email is required)."""


@members.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@DRY_RUN
@pass_state
@friendly
def members_import(state: State, file: Path, dry_run: bool) -> None:
    """Create or update members from FILE (all or nothing; a bad row is reported by line and column).

    A column the file leaves out leaves that field alone; an empty cell clears it. New members
    are inside contacts only if their inside_contact cell says yes (or [group]
    inside_contacts_default = true)."""
    from digest.roster.imports import import_members, parse_members_csv

    rows = parse_members_csv(_read(file), str(file))
    default = state.cfg.group.inside_contacts_default
    report = _in_transaction(
        state,
        dry_run,
        lambda s: import_members(s, rows, str(file), inside_contacts_default=default),
    )
    _report(file, "members", report, dry_run)


@members.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@pass_state
@friendly
def members_export(state: State, file: str) -> None:
    """Write members to FILE (default: stdout) in the import format."""
    from digest.roster.imports import export_members

    with state.db.session() as session:
        text = export_members(session)
    _write(file, text)


@click.group(short_help="Who may use the operator pages.")
def operators() -> None:
    """Operators: members who may use the operator pages of the web app (members, sub-groups,
    sources, held and failed mail, the send log)."""


SITE = click.option(
    "--site",
    is_flag=True,
    help="A site admin: an operator of every group, and of each group added later.",
)


@operators.command("add")
@click.argument("email")
@SITE
@pass_state
@friendly
def operators_add(state: State, email: str, site: bool) -> None:
    """Make EMAIL an operator (a new member if they are not one yet); with --site, of every
    group of the installation (a site admin), and of each group added later."""
    from digest.store.groups import add_site_admin
    from digest.store.roster import add_operator

    if not site:
        with state.db.session() as session:
            said = add_operator(session, email, state.cfg.group.inside_contacts_default)
        out.print(said, highlight=False)
        out.print(f"Sign in with: jobdigest sign-in-link {email.strip().lower()}", highlight=False)
        return
    with state.site_db.session() as session:
        add_site_admin(session, email)
    for slug in state.slugs():
        group = state.for_group(slug)
        with group.db.session() as session:
            said = add_operator(session, email, group.cfg.group.inside_contacts_default)
        out.print(f"{slug}: {said}", highlight=False)
    out.print(
        f"{email.strip().lower()} is a site admin. Sign in to a group with: "
        f"jobdigest sign-in-link {email.strip().lower()} --group SLUG",
        highlight=False,
    )


@operators.command("remove")
@click.argument("email")
@SITE
@pass_state
@friendly
def operators_remove(state: State, email: str, site: bool) -> None:
    """Take the operator role from EMAIL (they stay a member). The last operator stays. With
    --site: no longer a site admin (they stay operator of the groups until removed there)."""
    from digest.store.groups import remove_site_admin
    from digest.store.roster import remove_operator

    if site:
        with state.site_db.session() as session:
            if not remove_site_admin(session, email):
                raise UserError(f"{email}: not a site admin (see `jobdigest operators list`)")
        out.print(f"{email.strip().lower()} is no longer a site admin.", highlight=False)
        return
    with state.db.session() as session:
        said = remove_operator(session, email)
    out.print(said, highlight=False)


@operators.command("list")
@pass_state
@friendly
def operators_list(state: State) -> None:
    """List the group's operators: email, name, status, and whether a site admin."""
    from digest.store.groups import site_admins
    from digest.store.roster import operators as all_operators

    with state.site_db.session() as session:
        admins = set(site_admins(session))
    with state.db.session() as session:
        rows = [
            [m.email, m.name, m.status, "yes" if m.email in admins else ""]
            for m in all_operators(session)
        ]
    if not rows:
        out.print("No operators yet: jobdigest operators add EMAIL", highlight=False)
        return
    _show_rows("Operators", ["email", "name", "status", "site admin"], rows)


@click.group(short_help="Recruiters as CSV: import.")
def recruiters() -> None:
    """Recruiters as CSV: name,address,agency,specialties (';' separates specialties). Their
    mail is accepted without holding, and digests name them beside their leads."""


@recruiters.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@DRY_RUN
@pass_state
@friendly
def recruiters_import(state: State, file: Path, dry_run: bool) -> None:
    """Create or update recruiters from FILE by address (all or nothing)."""
    from digest.roster.imports import import_recruiters, parse_recruiters_csv

    rows = parse_recruiters_csv(_read(file), str(file))
    report = _in_transaction(state, dry_run, lambda s: import_recruiters(s, rows))
    _report(file, "recruiters", report, dry_run)
