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
from digest.errors import ServiceError
from digest.store.db import Database, upgrade


@click.command(short_help="Starter config, database and first operator.")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--operator",
    "operator_email",
    metavar="EMAIL",
    help="Make EMAIL the first operator (who runs the group in the web app).",
)
@friendly
def init(directory: Path, operator_email: str | None) -> None:
    """Write a starter jobdigest.toml and create its database in DIRECTORY (default: here).

    Existing files are left alone, so running it again is safe. With --operator EMAIL, that
    person becomes the first operator. Then: edit the config, import sub-groups and members."""
    from digest.starter import write_starter
    from digest.store.roster import add_operator

    path, created = write_starter(directory)
    cfg = load_config(path)
    try:
        db = Database(cfg.database_url())
        upgrade(db.engine)
    except Exception as exc:  # noqa: BLE001 - sqlite3/psycopg errors differ; each is one line here
        raise ServiceError(f"database {cfg.database.url}: cannot create it: {exc}") from None
    from digest.store.groups import MAIN_GROUP, sync_group

    with db.site().session() as session:  # group 1 is jobdigest.toml's own group
        sync_group(session, cfg.group.slug, cfg.group.name, cfg.group.timezone, main=True)
    said = ""
    if operator_email:
        with db.for_group(MAIN_GROUP).session() as session:
            said = add_operator(session, operator_email, cfg.group.inside_contacts_default)
    db.dispose()
    out.print(f"{'Wrote' if created else 'Kept existing'} {path}; database ready.", highlight=False)
    if said:
        out.print(said, highlight=False)
    where = "" if directory.resolve() == Path.cwd() else f"cd {directory} && "
    out.print(
        f"Next: {where}edit jobdigest.toml, then `jobdigest subgroups import subgroups.toml` and "
        "`jobdigest members import members.csv`"
        + (
            f"; sign in with `jobdigest sign-in-link {operator_email.strip().lower()}` while `jobdigest web` runs."
            if operator_email
            else "; make yourself an operator: `jobdigest operators add EMAIL`."
        ),
        highlight=False,
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
    """Apply database migrations: after installing a new jobdigest, before starting it.

    The only command (with `init` and `demo`) that changes the schema; the others refuse an
    old one. Safe to run from several machines at once: one migrates, the others wait."""
    from digest.store.db import make_engine

    engine = make_engine(state.cfg.database_url())
    changed = upgrade(engine)
    engine.dispose()
    out.print("Database upgraded." if changed else "Database already up to date.")
