"""Every group of the installation at /g/<slug>/…, one app for all.

`GroupPrefix` moves "/g/<slug>" from the path into the WSGI SCRIPT_NAME (where an app mounted
under a prefix keeps it), so the views and `url_for` work unchanged and every link a group's
page makes stays inside the group. The request's database session, config, signer and mail are
the group's (`WebState.for_group` in digest/web/context.py). Paths without the prefix serve
jobdigest.toml's own group (group 1), so the links of a one-group installation keep working.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

#: the WSGI environ key naming the request's group (absent: jobdigest.toml's own group)
GROUP_ENVIRON = "jobdigest.group"
#: the app.extensions key of the app's WebState (digest/web/context.py)
EXTENSION = "jobdigest"
#: the cookie key of jobdigest.toml's own group's session; others add ":<slug>"
SESSION_KEY = "sid"
_PREFIX = re.compile(r"^/g/([a-z0-9][a-z0-9-]{0,59})(/.*)?$")


class GroupPrefix:
    """WSGI middleware: /g/<slug>/rest is the app mounted at /g/<slug>, serving "/rest"."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        match = _PREFIX.match(environ.get("PATH_INFO", ""))
        if match:
            environ[GROUP_ENVIRON] = match[1]
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + f"/g/{match[1]}"
            environ["PATH_INFO"] = match[2] or "/"
        return self.app(environ, start_response)


def cookie_key() -> str:
    """The key of the request's group's session in the signed cookie: one browser may be
    signed in to several groups (a person in two groups), each group's session its own."""
    from flask import current_app, request

    slug = request.environ.get(GROUP_ENVIRON)
    if slug is None or slug == current_app.extensions[EXTENSION].cfg.group.slug:
        return SESSION_KEY
    return f"{SESSION_KEY}:{slug}"


def is_session_key(key: str) -> bool:
    return key == SESSION_KEY or key.startswith(SESSION_KEY + ":")
