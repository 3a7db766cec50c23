"""Digests by hand: send this period's digests, preview one member's."""

from __future__ import annotations

import sys
from datetime import UTC
from pathlib import Path

import click

from digest.cli.base import (
    State,
    err,
    friendly,
    out,
    pass_state,
)
from digest.errors import UserError
from digest.formatting import plural, week_of
from digest.store.statuses import MemberStatus


@click.command("send-digests", short_help="Send this period's digests now.")
@click.option("--period", metavar="YYYY-Www", help="ISO week to send (default: the current week).")
@click.option("--member", "member_email", metavar="EMAIL", help="Only this member.")
@click.option(
    "--dry-run",
    "dry_run",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Write the digests to DIR as .eml and .html instead of sending.",
)
@pass_state
@friendly
def send_digests_cmd(
    state: State, period: str | None, member_email: str | None, dry_run: Path | None
) -> None:
    """Send this period's digests now. Each member gets at most one per period, however often this runs."""
    from digest.delivery.send import send_digests

    if member_email:
        _check_member(state, member_email)
    result = send_digests(
        state.db, state.cfg, period=period, member_email=member_email, dry_run=dry_run
    )
    week = f"{week_of(result.period).capitalize()} ({result.period})"
    if dry_run is not None:
        out.print(f"{week}: wrote {plural(len(result.written), 'digest')} to {dry_run}")
    else:
        out.print(
            f"{week}: {result.sent} sent, {result.already} already sent, "
            f"{result.skipped_no_leads} without leads, {result.failed} failed"
        )
    for line in result.errors:
        err.print(f"  {line}", highlight=False)
    if result.failed:
        sys.exit(1)


def _check_member(state: State, email: str) -> None:
    """--member names someone who gets digests: a typo must not look like 'nothing to send'."""
    from digest.store.roster import member_by_email

    with state.db.session() as session:
        member = member_by_email(session, email)
        if member is None:
            raise UserError(
                f"--member {email}: no such member (`jobdigest members export` lists them)"
            )
        if member.status not in (MemberStatus.ACTIVE, MemberStatus.PAUSED):
            raise UserError(f"--member {email}: the member is {member.status}; no digest is sent")


@click.command(short_help="One member's digest as HTML.")
@click.argument("email")
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the HTML here.",
)
@click.option("--period", metavar="YYYY-Www", help="ISO week (default: the current week).")
@pass_state
@friendly
def preview(state: State, email: str, out_file: Path | None, period: str | None) -> None:
    """One member's digest as HTML (stdout, or --out FILE); nothing is sent or recorded."""
    from datetime import datetime

    from digest.delivery.audience import compose_all
    from digest.delivery.periods import period_of
    from digest.delivery.render import Links, render
    from digest.delivery.tokens import Signer

    period = period or period_of(datetime.now(UTC), state.cfg.tz)
    digests = list(compose_all(state.db, state.cfg, period, email))
    if not digests:
        raise UserError(f"{email}: no such active member")
    html, _text = render(
        state.cfg, digests[0], Links(state.cfg, Signer.from_config(state.cfg), digests[0].member.id)
    )
    if out_file:
        out_file.write_text(html, encoding="utf-8")
        out.print(f"Wrote {out_file} ({plural(len(digests[0].leads), 'lead')}).")
    else:
        click.echo(html)
