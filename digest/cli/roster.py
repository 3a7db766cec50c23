"""The roster: sub-groups (TOML) and members (CSV), imported and exported."""

from __future__ import annotations

from pathlib import Path

import click

from digest.cli.base import (
    State,
    _read,
    _write,
    friendly,
    out,
    pass_state,
)


@click.group(short_help="Sub-groups and target roles as TOML.")
def subgroups() -> None:
    """Sub-groups and their target roles, as TOML ([[subgroup]] name, roles, exclude, leads)."""


@subgroups.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
@friendly
def subgroups_import(state: State, file: Path) -> None:
    """Create or update sub-groups from FILE (all or nothing; re-import updates)."""
    from digest.store.imports import import_subgroups
    from digest.tagging.rules import parse_subgroups_toml

    specs = parse_subgroups_toml(_read(file), str(file))
    with state.db.session() as session:
        created, updated = import_subgroups(session, specs)
    out.print(f"{file}: {created} sub-groups created, {updated} updated.")


@subgroups.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@pass_state
@friendly
def subgroups_export(state: State, file: str) -> None:
    """Write sub-groups to FILE (default: stdout) in the import format."""
    from digest.store.imports import export_subgroups

    with state.db.session() as session:
        text = export_subgroups(session)
    _write(file, text)


@click.group(short_help="Members as CSV: import, export.")
def members() -> None:
    """Members as CSV: email,name,subgroups,past_employers,keywords,location[,targets] (";" separates values)."""


@members.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
@friendly
def members_import(state: State, file: Path) -> None:
    """Create or update members from FILE (all or nothing; a bad row is reported by line and column)."""
    from digest.store.imports import import_members, parse_members_csv

    rows = parse_members_csv(_read(file), str(file))
    with state.db.session() as session:
        created, updated = import_members(session, rows, str(file))
    out.print(f"{file}: {created} members created, {updated} updated.")


@members.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@pass_state
@friendly
def members_export(state: State, file: str) -> None:
    """Write members to FILE (default: stdout) in the import format."""
    from digest.store.imports import export_members

    with state.db.session() as session:
        text = export_members(session)
    _write(file, text)
