"""`jobdigest inbox` and `import-mail`: stored mail that failed, reprocessing, backfill."""

from __future__ import annotations

from pathlib import Path

import click

from digest.cli.base import (
    State,
    _counts,
    _when,
    err,
    friendly,
    out,
    pass_state,
)
from digest.formatting import plural


@click.group(short_help="Failed mail: list and reprocess.")
def inbox() -> None:
    """The group inbox's stored mail: failures and reprocessing."""


@inbox.command("failures")
@click.option(
    "--all", "show_all", is_flag=True, help="Also list held mail (non-members, failed DMARC)."
)
@pass_state
@friendly
def inbox_failures(state: State, show_all: bool) -> None:
    """List stored mails that could not be processed, with their reason."""
    from digest.ingest.failures import stored_failures

    tz = state.cfg.tz
    data = [
        (r.id, r.status, _when(r.received_at, tz), r.sender or "(no sender)",
         r.message_id or "(no Message-ID)", r.reason)
        for r in stored_failures(state.db, include_held=show_all)
    ]  # fmt: skip
    if not data:
        out.print("No failures.")
        return
    # One line each, reason in full: it is what the operator acts on (and greps for).
    for row in data:
        click.echo("\t".join(str(v) for v in row))
    out.print(
        f"{plural(len(data), 'message')}. Reprocess with `jobdigest inbox reprocess ID` or `--all`."
    )


@inbox.command("reprocess")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "all_failed", is_flag=True, help="Reprocess every failed mail.")
@pass_state
@friendly
def inbox_reprocess(state: State, ids: tuple[int, ...], all_failed: bool) -> None:
    """Parse stored mails again (after a parser improved): IDs, or --all failed ones."""
    from digest.ingest.budget import ParseBudget
    from digest.ingest.failures import reprocess
    from digest.ingest.verdict import Rules

    budget = ParseBudget.from_config(state.cfg.inbox)
    counts = reprocess(state.db, list(ids), all_failed, Rules.from_config(state.cfg), budget)
    out.print(f"Reprocessed {sum(counts.values())}: {_counts(counts)}")


@click.command("import-mail", short_help="Backfill from an mbox or Maildir.")
@click.argument("path", type=click.Path(path_type=Path))
@pass_state
@friendly
def import_mail_cmd(state: State, path: Path) -> None:
    """Backfill from an mbox file or a Maildir folder: each mail is stored once (by Message-ID),
    then parsed like inbox mail. Safe to run again."""
    from rich.progress import Progress

    from digest.inbox.backfill import count, import_mail
    from digest.ingest.verdict import Rules

    total = count(path)
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task(f"Importing {path.name}", total=total)
        result = import_mail(
            state.db,
            path,
            progress=lambda n: bar.advance(task, n),
            rules=Rules.from_config(state.cfg),
        )
    out.print(
        f"{path}: {result.read} read, {result.stored} stored, {result.already} already stored; "
        + _counts(result.statuses)
    )
