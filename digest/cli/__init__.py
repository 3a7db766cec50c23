"""`jobdigest`: the command line. Each command's help is its documentation."""

from __future__ import annotations

from importlib.metadata import entry_points

import click

from digest import __version__
from digest.cli.base import State, err, friendly, out, pass_state  # noqa: F401 - the helpers commands share

EPILOG = """\b
Examples:
  jobdigest demo                                  try it: no servers, no network
  jobdigest init ~/jobdigest                      starter config + database
  jobdigest subgroups import subgroups.toml
  jobdigest members import members.csv
  jobdigest run --once                            poll inbox, fetch feeds, tag
  jobdigest send-digests --dry-run outbox/        write this week's digests as files
  jobdigest parse forwarded.eml alert.eml         what would be ingested, as JSON Lines

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
from digest.cli.inbox import import_mail_cmd, inbox  # noqa: E402
from digest.cli.pipeline import fetch, poll, retag  # noqa: E402
from digest.cli.roster import members, subgroups  # noqa: E402
from digest.cli.setup import db, demo, init  # noqa: E402
from digest.cli.sources import sources  # noqa: E402
from digest.cli.tags import tags  # noqa: E402
from digest.cli.tools import match, parse  # noqa: E402
from digest.cli.watch import watch  # noqa: E402
from digest.cli.web import web  # noqa: E402

for _command in (
    init,
    demo,
    db,
    subgroups,
    members,
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
    tags,
):
    cli.add_command(_command)


def _plugins() -> None:
    """Commands other packages provide (`jobdigest run` from schedules/) through the
    `jobdigest.commands` entry-point group, so digest/ never imports the layers above it."""
    for ep in entry_points(group="jobdigest.commands"):
        if ep.name not in cli.commands:
            cli.add_command(ep.load(), ep.name)


_plugins()


def main() -> None:
    cli(prog_name="jobdigest")
