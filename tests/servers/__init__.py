"""Real servers for tests, started privately on loopback: Dovecot, SMTP, PostgreSQL, Chromium.

Each helper fails loudly (ServerError with the install command) when its program is missing:
a skipped server test would hide a broken machine. The pytest fixtures in tests/conftest.py are
thin wrappers around these classes.
"""

from .dovecot import DovecotServer, ImapAccount
from .errors import ServerError
from .postgres import PostgresServer
from .redis import RedisServer
from .smtp import Attempt, ReceivedMessage, SmtpServer
from .tls import TlsFiles, make_test_tls

#: Loaded on first use, so the pure tests never import Playwright.
_BROWSER_NAMES = ("CHROMIUM_ARGS", "ChromiumBrowser", "launch_args")


def __getattr__(name: str) -> object:
    if name in _BROWSER_NAMES:
        from . import browser

        return getattr(browser, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CHROMIUM_ARGS",
    "Attempt",
    "ChromiumBrowser",
    "DovecotServer",
    "ImapAccount",
    "PostgresServer",
    "ReceivedMessage",
    "RedisServer",
    "ServerError",
    "SmtpServer",
    "TlsFiles",
    "launch_args",
    "make_test_tls",
]
