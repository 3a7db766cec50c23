"""`jobdigest sources`: feeds and job boards with their health."""

from __future__ import annotations

import click

from digest.cli.base import (
    State,
    _show_rows,
    _when,
    friendly,
    out,
    pass_state,
)


@click.group(invoke_without_command=True, short_help="Feeds and boards with their health.")
@click.pass_context
def sources(ctx: click.Context) -> None:
    """Feeds, job boards and the inbox with their health (last success, failures, next attempt)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(sources_list)


@sources.command("list")
@pass_state
@friendly
def sources_list(state: State) -> None:
    """List every source and its health."""
    from digest.sources.pull import list_sources

    tz = state.cfg.tz
    rows = [
        [
            s.id,
            s.kind,
            s.name or s.key,
            _when(s.last_success, tz),
            f"{s.consecutive_failures}x since {_when(s.failing_since, tz)}"
            if s.failing_since
            else "",
            "paused" if s.paused else _when(s.next_attempt, tz) or "now",
            (s.last_error or "")[:200],
        ]
        for s in list_sources(state.db, state.cfg)
    ]
    _show_rows(
        "Sources", ["id", "kind", "name", "last success", "failing", "next", "last error"], rows
    )


@sources.command("resume")
@click.argument("source_id", type=int)
@pass_state
@friendly
def sources_resume(state: State, source_id: int) -> None:
    """Unpause a paused source so the next fetch tries it again."""
    from digest.sources.pull import resume_source

    with state.db.session() as session:
        resume_source(session, source_id)
    out.print(f"Source {source_id} resumed.")
