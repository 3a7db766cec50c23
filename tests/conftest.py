"""Shared pytest fixtures. Server fixtures are thin wrappers over tests/servers.

Servers start once per session, on first use; tests that use them are marked `servers` so
`pytest -m "not servers"` runs only the pure tests.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.servers import (
    DovecotServer,
    ImapAccount,
    PostgresServer,
    RedisServer,
    SmtpServer,
    TlsFiles,
    make_test_tls,
)
from tests.support.db import migrated
from tests.support.http import LocalServer, serve_http

if TYPE_CHECKING:
    from playwright.sync_api import Browser

SERVER_FIXTURES = {
    "dovecot",
    "imap_account",
    "smtp_server",
    "postgres",
    "migrated_template",
    "redis",
    "browser",
    "db_url",
}
SMTP_LOGIN = ("mailer@example.org", "smtp-secret")
_database_numbers = itertools.count(1)
_account_numbers = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    # aiosmtpd warns about its own internals on every AUTH; not actionable for us.
    config.addinivalue_line("filterwarnings", "ignore:Session.login_data is deprecated")
    # Raised for the implicit-TLS port, which aiosmtpd does not count as TLS.
    config.addinivalue_line("filterwarnings", "ignore:Requiring AUTH while not requiring TLS")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.servers)


# -- TLS and IMAP -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """One test CA for every server, so clients verify certificates for real."""
    return make_test_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def dovecot(tls_files: TlsFiles) -> Iterator[DovecotServer]:
    """Private Dovecot: `port` (plain/STARTTLS), `ssl_port`, `ca_file`, default user."""
    with DovecotServer(tls=tls_files) as server:
        yield server


@pytest.fixture
def imap_account(dovecot: DovecotServer) -> ImapAccount:
    """A fresh, empty mailbox on the session's Dovecot, so tests never see each other's mail."""
    return dovecot.add_user(f"user{next(_account_numbers)}@example.org", "imap-secret")


# -- SMTP -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _smtp_session(tls_files: TlsFiles) -> Iterator[SmtpServer]:
    with SmtpServer(tls=tls_files, auth=SMTP_LOGIN) as server:
        yield server


@pytest.fixture
def smtp_server(_smtp_session: SmtpServer) -> Iterator[SmtpServer]:
    """SMTP with STARTTLS on `port`, implicit TLS on `ssl_port`; AUTH with `auth` is optional.

    Received messages and scripted replies are reset for every test.
    """
    _smtp_session.reset()
    yield _smtp_session
    _smtp_session.reset()


# -- databases --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="session")
def migrated_template(postgres: PostgresServer) -> str:
    """A PostgreSQL database migrated to head once per run; each test's database is a copy."""
    name = "jd_migrated_template"
    postgres.drop_database(name)
    migrated(postgres.create_database(name))
    return name


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLAlchemy URL of a database at the newest schema; every test using it runs on both
    engines (PostgreSQL ones are copies of a template migrated once per run)."""
    if request.param == "sqlite":
        yield migrated(f"sqlite:///{tmp_path / 'test.db'}")  # a copy of a migrated template
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    template = request.getfixturevalue("migrated_template")
    name = _database_name(request.node.name)
    url = server.create_database(name, template=template)
    yield url
    server.drop_database(name)


def _database_name(test_name: str) -> str:
    """Unique, readable, within PostgreSQL's 63-character limit."""
    slug = re.sub(r"[^a-z0-9]+", "_", test_name.lower()).strip("_")
    return f"t{next(_database_numbers)}_{slug}"[:63]


# -- Redis (the Celery broker) ----------------------------------------------------------------


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    """A private Redis for one test, so queued tasks never leak between tests."""
    with RedisServer() as server:
        yield server


# -- HTTP -------------------------------------------------------------------------------------


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A threaded HTTP server on 127.0.0.1; set `routes[path] = reply(...)` to answer."""
    with serve_http() as server:
        yield server


# -- browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright; open pages with `browser.new_page()`."""
    from tests.servers.browser import ChromiumBrowser

    with ChromiumBrowser() as chromium:
        yield chromium.browser
