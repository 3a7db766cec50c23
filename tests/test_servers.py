"""The test servers behave like the real ones the service will talk to."""

from __future__ import annotations

import email.policy
import http.server
import smtplib
import ssl
import struct
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy as sa
from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from playwright.sync_api import Browser

from tests.servers import (
    Attempt,
    DovecotServer,
    ImapAccount,
    PostgresServer,
    SmtpServer,
    TlsFiles,
    make_test_tls,
)

RAW_MAIL = (
    b"From: Ana Member <ana@example.org>\r\n"
    b"To: leads@example.org\r\n"
    b"Subject: Fwd: Data Analyst at Acme\r\n"
    b"Message-ID: <lead-1@example.org>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Caf\xc3\xa9 chain hiring a data analyst, Dallas TX.\r\n"
)


def _mail(subject: str, to: str = "member@example.org") -> EmailMessage:
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = "Job Leads <leads@example.org>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Your weekly digest: 3 new leads.")
    return message


# -- IMAP -------------------------------------------------------------------------------------


@pytest.mark.parametrize("security", ["none", "ssl", "starttls"])
def test_imap_login_over_each_security(dovecot: DovecotServer, security: str) -> None:
    with dovecot.connect(security) as client:  # type: ignore[arg-type]
        encrypted = isinstance(client.socket(), ssl.SSLSocket)
        assert client.folder_exists("INBOX")
    assert encrypted == (security != "none")


def test_imap_tls_rejects_a_certificate_from_another_ca(
    dovecot: DovecotServer, tmp_path: Path
) -> None:
    stranger = make_test_tls(tmp_path / "other-ca").client_context()
    with pytest.raises(ssl.SSLCertVerificationError):
        IMAPClient(dovecot.host, dovecot.ssl_port, ssl=True, ssl_context=stranger, timeout=5)
    client = IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=5)
    with pytest.raises(ssl.SSLCertVerificationError):
        client.starttls(stranger)


def test_imap_trusts_the_ca_file_by_path(dovecot: DovecotServer) -> None:
    context = ssl.create_default_context(cafile=str(dovecot.ca_file))
    with IMAPClient("localhost", dovecot.ssl_port, ssl=True, ssl_context=context) as client:
        client.login(dovecot.username, dovecot.password)


def test_imap_wrong_password_is_refused_without_stalling_others(dovecot: DovecotServer) -> None:
    began = time.monotonic()
    client = IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10)
    with pytest.raises(LoginError, match="AUTHENTICATIONFAILED"):
        client.login(dovecot.username, "wrong")
    with dovecot.connect() as good:
        assert good.folder_exists("INBOX")
    assert time.monotonic() - began < 15.0  # Dovecot's auth penalty would stall 15-30 s


def test_imap_append_then_fetch_returns_identical_bytes(
    dovecot: DovecotServer, imap_account: ImapAccount
) -> None:
    second = RAW_MAIL.replace(b"lead-1", b"lead-2")
    dovecot.append("INBOX", RAW_MAIL, username=imap_account.username)
    dovecot.append("INBOX", second, username=imap_account.username)
    assert dovecot.fetch_all("INBOX", username=imap_account.username) == [RAW_MAIL, second]


def test_imap_fresh_account_is_empty(dovecot: DovecotServer, imap_account: ImapAccount) -> None:
    assert dovecot.folders(username=imap_account.username) == ["INBOX"]
    assert dovecot.fetch_all("INBOX", username=imap_account.username) == []


def test_imap_create_folders_and_move_a_message(
    dovecot: DovecotServer, imap_account: ImapAccount
) -> None:
    user = imap_account.username
    dovecot.append("INBOX", RAW_MAIL, username=user)
    with dovecot.connect("starttls", username=user) as client:
        client.create_folder("Processed")
        client.create_folder("Needs review")
        client.select_folder("INBOX")
        (uid,) = client.search("ALL")
        client.move([uid], "Processed")
    assert set(dovecot.folders(username=user)) == {"INBOX", "Processed", "Needs review"}
    assert dovecot.fetch_all("INBOX", username=user) == []
    assert dovecot.fetch_all("Processed", username=user) == [RAW_MAIL]


@pytest.mark.servers
def test_dovecot_restart_keeps_mail_and_ports(tls_files: TlsFiles) -> None:
    with DovecotServer({"box@example.org": "pw"}, tls=tls_files) as server:
        server.append("INBOX", RAW_MAIL)
        ports = (server.port, server.ssl_port)
        server.restart()
        assert (server.port, server.ssl_port) == ports
        assert server.fetch_all("INBOX") == [RAW_MAIL]


# -- SMTP -------------------------------------------------------------------------------------


def _login(server: SmtpServer) -> tuple[str, str]:
    assert server.auth is not None, "the smtp_server fixture offers AUTH"
    return server.auth


def _starttls_login(server: SmtpServer, tls: TlsFiles) -> smtplib.SMTP:
    client = smtplib.SMTP(server.host, server.port, local_hostname="localhost", timeout=10)
    client.starttls(context=tls.client_context())
    client.login(*_login(server))
    return client


def test_smtp_send_over_starttls_with_auth(smtp_server: SmtpServer, tls_files: TlsFiles) -> None:
    with _starttls_login(smtp_server, tls_files) as client:
        client.send_message(_mail("Weekly digest"), to_addrs=["member@example.org"])
    (received,) = smtp_server.messages
    assert received.mail_from == "leads@example.org"
    assert received.rcpt_tos == ("member@example.org",)
    assert received.message()["Subject"] == "Weekly digest"
    assert received.authenticated_as == _login(smtp_server)[0]
    assert received.tls is True


def test_smtp_send_over_implicit_tls(smtp_server: SmtpServer, tls_files: TlsFiles) -> None:
    context = tls_files.client_context()
    with smtplib.SMTP_SSL(
        "localhost", smtp_server.ssl_port, local_hostname="localhost", context=context
    ) as client:
        client.login(*_login(smtp_server))
        client.send_message(_mail("Over SMTPS"))
    assert [m.message()["Subject"] for m in smtp_server.messages] == ["Over SMTPS"]
    assert smtp_server.messages[0].tls is True


def test_smtp_plain_unauthenticated_send_is_recorded_as_such(smtp_server: SmtpServer) -> None:
    with smtplib.SMTP(smtp_server.host, smtp_server.port, local_hostname="localhost") as client:
        client.send_message(_mail("Plain"))
    (received,) = smtp_server.messages
    assert (received.authenticated_as, received.tls) == (None, False)


def test_smtp_wrong_password_and_wrong_ca_are_refused(
    smtp_server: SmtpServer, tls_files: TlsFiles, tmp_path: Path
) -> None:
    with smtplib.SMTP(smtp_server.host, smtp_server.port, local_hostname="localhost") as client:
        client.starttls(context=tls_files.client_context())
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            client.login(_login(smtp_server)[0], "wrong")
    assert refused.value.smtp_code == 535
    stranger = make_test_tls(tmp_path / "other-ca").client_context()
    with (
        smtplib.SMTP(smtp_server.host, smtp_server.port, local_hostname="localhost") as client,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        client.starttls(context=stranger)
    assert smtp_server.messages == []


def test_smtp_greylisting_451_then_250(smtp_server: SmtpServer, tls_files: TlsFiles) -> None:
    smtp_server.fail_next(2)
    codes = []
    with _starttls_login(smtp_server, tls_files) as client:
        for _try in range(3):
            try:
                client.send_message(_mail("Retry me"))
                codes.append(250)
            except smtplib.SMTPDataError as exc:
                codes.append(exc.smtp_code)
    assert codes == [451, 451, 250]
    assert smtp_server.attempts == 3
    assert len(smtp_server.messages) == 1


def test_smtp_550_for_one_recipient_bounces_only_that_one(
    smtp_server: SmtpServer, tls_files: TlsFiles
) -> None:
    smtp_server.reject_recipient("Gone@Example.org")
    with _starttls_login(smtp_server, tls_files) as client:
        refused = client.sendmail(
            "leads@example.org",
            ["member@example.org", "gone@example.org"],
            _mail("Two recipients").as_bytes(),
        )
        with pytest.raises(smtplib.SMTPRecipientsRefused) as all_refused:
            client.send_message(_mail("Only the gone one", to="gone@example.org"))
    assert refused["gone@example.org"][0] == 550
    assert all_refused.value.recipients["gone@example.org"][0] == 550
    (received,) = smtp_server.messages
    assert received.rcpt_tos == ("member@example.org",)


def test_smtp_custom_responder_sees_the_envelope(smtp_server: SmtpServer) -> None:
    seen: list[Attempt] = []

    def quota(attempt: Attempt) -> str | None:
        seen.append(attempt)
        return "452 4.2.2 Mailbox full" if attempt.stage == "RCPT" else None

    smtp_server.respond_with(quota)
    with (
        smtplib.SMTP(smtp_server.host, smtp_server.port, local_hostname="localhost") as client,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
    ):
        client.send_message(_mail("Full"))
    assert refused.value.recipients["member@example.org"][0] == 452
    assert [(a.stage, a.address) for a in seen] == [("RCPT", "member@example.org")]


# -- databases --------------------------------------------------------------------------------


def test_database_starts_without_rows_and_keeps_them(db_url: str) -> None:
    """db_url's database is at the newest schema (PostgreSQL: a copy of the migrated template)
    and holds no data but group 1, which the migrations make; what a test writes stays."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            groups = connection.execute(sa.text("SELECT id, slug FROM groups")).all()
            assert [tuple(row) for row in groups] == [(1, "main")]
            for table in sa.inspect(engine).get_table_names():
                if table not in ("alembic_version", "groups"):
                    count = connection.scalar(sa.text(f'SELECT count(*) FROM "{table}"'))
                    assert count == 0, table
        metadata = sa.MetaData()
        leads = sa.Table(
            "leads",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("title", sa.String(200), nullable=False),
        )
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(leads.insert(), [{"title": "Data Analyst"}, {"title": "Café"}])
        with engine.connect() as connection:
            titles = connection.scalars(sa.select(leads.c.title).order_by(leads.c.id)).all()
        assert titles == ["Data Analyst", "Café"]
        assert engine.dialect.name == db_url.split(":")[0].split("+")[0]
    finally:
        engine.dispose()


def test_postgres_databases_are_isolated(postgres: PostgresServer) -> None:
    first = sa.create_engine(postgres.create_database("isolation_a"))
    second = sa.create_engine(postgres.create_database("isolation_b"))
    try:
        with first.begin() as connection:
            connection.execute(sa.text("CREATE TABLE only_here (id int)"))
        assert sa.inspect(second).get_table_names() == []
    finally:
        first.dispose()
        second.dispose()
        postgres.drop_database("isolation_a")
        postgres.drop_database("isolation_b")


# -- browser ----------------------------------------------------------------------------------


@pytest.fixture
def static_site(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "index.html").write_text(
        "<!doctype html><title>Digest preview</title><h1>3 new leads</h1>", encoding="utf-8"
    )
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
        httpd.shutdown()


def test_chromium_renders_a_local_page_and_screenshots_it(
    browser: Browser, static_site: str
) -> None:
    page = browser.new_page(viewport={"width": 640, "height": 360})
    try:
        page.goto(static_site)
        assert page.title() == "Digest preview"
        assert page.inner_text("h1") == "3 new leads"
        png = page.screenshot()
    finally:
        page.close()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (640, 360)
