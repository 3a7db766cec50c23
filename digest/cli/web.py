"""`jobdigest web` (serve the web app) and `jobdigest sign-in-link` (a way in without mail)."""

from __future__ import annotations

import errno

import click

from digest.cli.base import (
    State,
    friendly,
    out,
    pass_state,
)
from digest.errors import ServiceError, UserError, os_problem


@click.command(short_help="Serve the web app (waitress).")
@click.option("--host", help="Address to listen on (default: [web] host).")
@click.option("--port", type=int, help="Port (default: [web] port).")
@pass_state
@friendly
def web(state: State, host: str | None, port: int | None) -> None:
    """Serve the web app for leads, members and the operator with waitress (a production WSGI server).

    Without an [smtp] section, each sign-in link someone asks for is printed here instead of
    mailed; `jobdigest sign-in-link EMAIL` makes one at any time. Every group is served at
    /g/<slug>/, jobdigest.toml's own group also at /."""
    from waitress.server import create_server

    from digest.web import create_app

    state = state.for_group(state.slugs()[0])  # the app serves every group; this one at /
    app = create_app(state.cfg, state.db)
    host, port = host or state.cfg.web.host, port or state.cfg.web.port
    try:
        server = create_server(app, host=host, port=port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServiceError(
                f"cannot listen on {host}:{port}: the port is in use (is `jobdigest web` already "
                "running?); stop the other program or choose another port with --port"
            ) from None
        raise ServiceError(f"cannot listen on {host}:{port}: {os_problem(exc)}") from None
    mail = "" if state.cfg.smtp.host else " No [smtp]: sign-in links are printed here."
    out.print(
        f"Serving {state.cfg.group.name} on http://{host}:{port} (waitress); links in digests "
        f"point to {state.cfg.web.base_url}.{mail} Ctrl-C stops it.",
        highlight=False,
    )
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


@click.command("sign-in-link", short_help="Print a one-time sign-in link for EMAIL.")
@click.argument("email")
@click.option("--next", "next_path", default="/", show_default=True, help="Page to open after.")
@pass_state
@friendly
def sign_in_link(state: State, email: str, next_path: str) -> None:
    """Print a one-time sign-in link for EMAIL (an operator, a lead or any member), like a
    notebook server's token URL: for the first sign-in, or when the server sends no mail.
    It works once, within 15 minutes, and opens the web app at [web] base_url."""
    from digest.delivery.tokens import Signer
    from digest.store.members import find_member
    from digest.web.auth import LINK_MINUTES, signin_url

    if not next_path.startswith("/") or next_path.startswith("//"):
        raise UserError(
            f"--next: expected a path on this site such as /operator/, got {next_path!r}"
        )
    signer = Signer.from_config(state.cfg)
    with state.db.session() as session:
        member = find_member(session, email)
        if member is None:
            raise UserError(
                f"{email}: not an active member; add them first (jobdigest operators add {email}, "
                "or jobdigest members import FILE)"
            )
        member_id, address = member.id, member.email
    click.echo(signin_url(state.cfg, signer, member_id, next_path))
    # The URL alone on stdout (for scripts); what it is on stderr.
    click.echo(
        f"One-time sign-in link for {address}: open it within {LINK_MINUTES} minutes.", err=True
    )
