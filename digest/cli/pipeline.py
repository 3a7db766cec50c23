"""One pipeline stage by hand: poll the inbox, fetch sources, retag."""

from __future__ import annotations

import click

from digest.cli.base import (
    State,
    _counts,
    friendly,
    out,
    pass_state,
)
from digest.formatting import plural


@click.command(short_help="Read the group inbox once.")
@pass_state
@friendly
def poll(state: State) -> None:
    """Read the group inbox once: store each mail, parse it, move it to the processed or failed folder."""
    from digest.delivery.replies import send_replies
    from digest.inbox.poll import poll as do_poll

    result = do_poll(state.db, state.cfg)
    out.print(f"Inbox: {result.fetched} fetched, {result.moved} moved; " + _counts(result.statuses))
    if state.cfg.smtp.host:
        replies = send_replies(state.db, state.cfg)
        if replies.sent or replies.failed:
            out.print(f"Replies: {replies.sent} sent, {replies.failed} failed.")


@click.command(short_help="Fetch due feeds and job boards.")
@pass_state
@friendly
def fetch(state: State) -> None:
    """Fetch the configured feeds and job boards that are due (backoff and pauses respected)."""
    from digest.sources.pull import fetch_all

    results = fetch_all(state.db, state.cfg) or []
    for r in results:
        detail = r.error or f"{plural(r.entries, 'entry')}, {r.new_sightings} new"
        out.print(f"{r.status:>12}  {r.key}  {detail}", highlight=False)
    if not results:
        out.print("No feeds or boards configured or due.")


@click.command(short_help="Tag new postings; re-tag after rule changes.")
@pass_state
@friendly
def retag(state: State) -> None:
    """Tag new postings, and re-tag all postings whose sub-group rules changed."""
    from digest.units import run_tags

    result = run_tags(state.db, state.cfg)  # the batches a Celery worker would tag, in turn
    out.print(f"Tagged {plural(result.postings, 'posting')}: {plural(result.tags, 'tag')}.")
