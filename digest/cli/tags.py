"""`jobdigest tags explain|gaps`: why a posting was (not) tagged, and what a sub-group's roles miss."""

from __future__ import annotations

from typing import Any

import click

from digest.cli.base import friendly, out


def _say(text: str = "") -> None:
    out.print(text, highlight=False, markup=False)


@click.group(short_help="Why postings got their tags; gaps in the roles.")
def tags() -> None:
    """How postings were tagged: explain one posting, find gaps in a sub-group's roles."""


@tags.command("explain")
@click.argument("posting_id", type=int)
@click.pass_obj
@friendly
def explain(state: Any, posting_id: int) -> None:
    """Show POSTING_ID's tags with score and why, the previous rules' tags when they differ,
    and for each sub-group that did not tag it the closest role and why not."""
    from digest.tagging.explain import explain_posting

    for line in explain_posting(state.db, posting_id, state.cfg):
        _say(line)


@tags.command("gaps")
@click.argument("subgroup")
@click.option("--weeks", default=1, show_default=True, type=click.IntRange(min=1))
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
@click.pass_obj
@friendly
def gaps(state: Any, subgroup: str, weeks: int, limit: int) -> None:
    """This period's postings that matched no sub-group, and the frequent title words and word
    pairs no role of SUBGROUP covers: candidates for new roles."""
    from digest.tagging.explain import gap_report

    for line in gap_report(state.db, subgroup, weeks, limit, state.cfg):
        _say(line)
