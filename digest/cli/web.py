"""`jobdigest web`: serve the web app."""

from __future__ import annotations

import click

from digest.cli.base import (
    State,
    friendly,
    out,
    pass_state,
)


@click.command(short_help="Serve the web app (waitress).")
@click.option("--host", help="Address to listen on (default: [web] host).")
@click.option("--port", type=int, help="Port (default: [web] port).")
@pass_state
@friendly
def web(state: State, host: str | None, port: int | None) -> None:
    """Serve the web app for leads, members and the operator with waitress (a production WSGI server)."""
    from waitress import serve

    from digest.web import create_app

    app = create_app(state.cfg)
    host, port = host or state.cfg.web.host, port or state.cfg.web.port
    out.print(
        f"Serving {state.cfg.group.name} on http://{host}:{port} (waitress); links in digests "
        f"point to {state.cfg.web.base_url}. Ctrl-C stops it.",
        highlight=False,
    )
    serve(app, host=host, port=port)
