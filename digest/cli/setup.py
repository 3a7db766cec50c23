"""Setting up: a starter config, the demo, database migrations."""

from __future__ import annotations

from pathlib import Path

import click

from digest.cli.base import (
    State,
    friendly,
    out,
    pass_state,
)
from digest.config import load_config
from digest.store.db import Database


@click.command(short_help="Starter config and database.")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@friendly
def init(directory: Path) -> None:
    """Write a starter jobdigest.toml and create its database in DIRECTORY.

    Existing files are left alone. Edit the config, then import sub-groups and members."""
    from digest.starter import write_starter

    path, created = write_starter(directory)
    Database(load_config(path).database_url()).dispose()
    out.print(f"{'Wrote' if created else 'Kept existing'} {path}; database ready.")
    out.print(
        "Next: edit it, then `jobdigest subgroups import FILE.toml` and `jobdigest members import FILE.csv`."
    )


@click.command(short_help="The whole weekly job on a demo group.")
@click.option(
    "--dir",
    "directory",
    default="jobdigest-demo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to create the demo.",
)
@friendly
def demo(directory: Path) -> None:
    """Run the whole weekly job on a bundled demo group: no servers, no network.

    Creates DIR with a config and SQLite database, ingests a demo inbox of forwarded postings
    and job alerts plus two feed files, tags them, and writes every member's digest to
    DIR/outbox/<member>.eml and .html. Running it again duplicates nothing."""
    from digest.demo import run_demo

    run_demo(directory, out)


@click.group(short_help="Database migrations.")
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@pass_state
@friendly
def db_upgrade(state: State) -> None:
    """Apply database migrations (other commands also do this on first use)."""
    from digest.store.db import make_engine, upgrade

    engine = make_engine(state.cfg.database_url())
    changed = upgrade(engine)
    engine.dispose()
    out.print("Database upgraded." if changed else "Database already up to date.")
