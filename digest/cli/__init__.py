"""`jobdigest`: the command line. Each command's help is its documentation."""

from __future__ import annotations

import logging
import os
import sys
from importlib.metadata import entry_points
from typing import Any

import click

from digest import __version__
from digest.cli.base import State, err, friendly, out, pass_state  # noqa: F401 - the helpers commands share

EPILOG = """\b
Examples:
  jobdigest demo                                  try it: no servers, no network
  jobdigest init ~/jobdigest --operator you@example.org   config, database, first operator
  jobdigest subgroups import subgroups.toml
  jobdigest members import members.csv
  jobdigest run --once                            poll inbox, fetch feeds, tag
  jobdigest send-digests --dry-run outbox/        write this week's digests as files
  jobdigest parse forwarded.eml alert.eml         what would be ingested, as JSON Lines
  jobdigest sign-in-link you@example.org          a one-time link into the web app
  jobdigest groups add north --name "North Texas" another group: groups/north.toml
  jobdigest members import north.csv --group north   each command acts on one group

The config file is --config, else $JOBDIGEST_CONFIG, else ./jobdigest.toml.
Secrets come only from environment variables named in the config (*_env keys)."""


@click.group(
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    envvar="JOBDIGEST_CONFIG",
    help="Config file (default: $JOBDIGEST_CONFIG, else ./jobdigest.toml).",
)
@click.version_option(__version__, prog_name="jobdigest")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """Job Lead Digest: collect job leads that members forward to a group inbox, tag them for
    each sub-group, and mail every member a weekly personal digest."""
    ctx.obj = State(config_path)


from digest.cli.digests import preview, send_digests_cmd  # noqa: E402
from digest.cli.groups import groups  # noqa: E402
from digest.cli.inbox import import_mail_cmd, inbox  # noqa: E402
from digest.cli.pipeline import fetch, poll, retag  # noqa: E402
from digest.cli.reports import sheet, stats  # noqa: E402
from digest.cli.roster import members, operators, recruiters, subgroups  # noqa: E402
from digest.cli.setup import db, demo, init  # noqa: E402
from digest.cli.sources import sources  # noqa: E402
from digest.cli.tags import tags  # noqa: E402
from digest.cli.tools import match, parse  # noqa: E402
from digest.cli.watch import watch  # noqa: E402
from digest.cli.web import sign_in_link, web  # noqa: E402

for _command in (
    init,
    demo,
    db,
    groups,
    subgroups,
    members,
    recruiters,
    poll,
    fetch,
    retag,
    sources,
    watch,
    inbox,
    import_mail_cmd,
    send_digests_cmd,
    preview,
    parse,
    match,
    web,
    sign_in_link,
    operators,
    tags,
    sheet,
    stats,
):
    cli.add_command(_command)


def _plugins() -> None:
    """Commands other packages provide (`jobdigest run` from schedules/) through the
    `jobdigest.commands` entry-point group, so digest/ never imports the layers above it."""
    for ep in entry_points(group="jobdigest.commands"):
        if ep.name in cli.commands:
            continue
        try:
            command = ep.load()
        except (ImportError, AttributeError) as exc:
            # Stale install metadata (an entry point the installed code no longer has) must
            # not take every other command down with a traceback.
            print(f"jobdigest: skipping command {ep.name!r} ({ep.value}): {exc}", file=sys.stderr)
            continue
        cli.add_command(command, ep.name)


_plugins()

#: commands that act on the whole installation (or on no data), not on one group's
SITE_WIDE = {"init", "demo", "db", "groups", "parse", "match", "web", "worker", "beat", "run"}


def _choose_group(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(State).group_slug = value


GROUP_HELP = (
    "The group whose data this acts on ($JOBDIGEST_GROUP); needed when the installation "
    "has several (jobdigest groups list)."
)


def _with_group_option(command: click.Command) -> None:
    """`--group SLUG` on every command acting on one group's data, however deep."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _with_group_option(sub)
        return
    command.params.append(
        click.Option(
            ["--group"],
            metavar="SLUG",
            envvar="JOBDIGEST_GROUP",
            expose_value=False,
            callback=_choose_group,
            help=GROUP_HELP,
        )
    )


for _name, _command in cli.commands.items():
    if _name not in SITE_WIDE:
        _with_group_option(_command)


DEBUG_ENV = "JOBDIGEST_DEBUG"


class _OneLine(logging.Formatter):
    """Log records as one line each; tracebacks only when $JOBDIGEST_DEBUG is set."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return super().formatException(ei) if os.environ.get(DEBUG_ENV) else ""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        if record.exc_info and record.exc_info[1] is not None and not os.environ.get(DEBUG_ENV):
            exc = record.exc_info[1]
            line += f" ({type(exc).__name__}: {exc}; {DEBUG_ENV}=1 shows the traceback)"
        return line


def setup_logging() -> None:
    """Warnings and errors of every module (and the web app's sign-in links) on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine("jobdigest: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("jobdigest").setLevel(logging.INFO)


def main() -> None:
    """The `jobdigest` command. A failure nobody foresaw is still one line, not a traceback."""
    setup_logging()
    try:
        cli(prog_name="jobdigest")
    except Exception as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        first = (str(exc).strip().splitlines() or [""])[0]
        err.print(
            f"[bold red]Error:[/] unexpected {type(exc).__name__}: {first}. This is a bug in "
            f"jobdigest: please report it with the command you ran ({DEBUG_ENV}=1 shows the details).",
            highlight=False,
            markup=True,
        )
        sys.exit(1)
