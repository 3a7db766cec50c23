"""The IMAP seam on a real Dovecot: implicit TLS and STARTTLS verified, MOVE or its fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
from imapclient import IMAPClient

from digest.config import load_config
from digest.errors import ServiceError, UserError
from digest.inbox.connection import connect
from digest.inbox.poll import poll
from tests.support.config import write_config
from tests.support.db import migrated_db
from tests.support.mails import gmail_forward

pytestmark = pytest.mark.servers


def _cfg(tmp_path: Path, dovecot, account, security: str, port: int, ca: str):  # type: ignore[no-untyped-def]
    path = write_config(
        tmp_path,
        db_url=f"sqlite:///{tmp_path / 't.db'}",
        ca_file=ca,
        imap=(dovecot.host, port, account.username, account.password),
    )
    path.write_text(
        path.read_text().replace('security = "starttls"', f'security = "{security}"', 1)
    )
    return load_config(path)


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_connection_is_verified_against_the_configured_ca(
    tmp_path: Path, dovecot, imap_account, monkeypatch: pytest.MonkeyPatch, security: str
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap_account.password)
    port = dovecot.ssl_port if security == "ssl" else dovecot.port
    client = connect(_cfg(tmp_path, dovecot, imap_account, security, port, str(dovecot.ca_file)))
    assert client.select_folder("INBOX")[b"UIDVALIDITY"]
    client.logout()
    # Without the private CA the server's certificate is not trusted: no silent fallback.
    with pytest.raises(ServiceError, match="certificate is not trusted"):
        connect(_cfg(tmp_path, dovecot, imap_account, security, port, ""))


def test_missing_ca_file_is_a_config_error(
    tmp_path: Path, dovecot, imap_account, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap_account.password)
    cfg = _cfg(tmp_path, dovecot, imap_account, "ssl", dovecot.ssl_port, str(tmp_path / "nope.pem"))
    with pytest.raises(UserError, match="inbox.ca_file: cannot load"):
        connect(cfg)


def test_without_move_capability_copy_delete_expunge_is_used(
    tmp_path: Path, dovecot, imap_account, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap_account.password)
    for i in range(3):
        dovecot.append(
            "INBOX",
            gmail_forward(
                "A <a@x.example>",
                "note",
                "R <r@x.example>",
                f"Job {i} at Acme",
                f"https://jobs.lever.co/acme/00000000-0000-4000-8000-00000000000{i}\n",
            ),
            username=imap_account.username,
        )
    real = IMAPClient.has_capability
    monkeypatch.setattr(
        IMAPClient, "has_capability", lambda self, cap: cap.upper() != "MOVE" and real(self, cap)
    )
    cfg = _cfg(tmp_path, dovecot, imap_account, "starttls", dovecot.port, str(dovecot.ca_file))
    db = migrated_db(cfg.database_url())
    assert poll(db, cfg).moved == 3
    assert dovecot.fetch_all("INBOX", username=imap_account.username) == []
    assert len(dovecot.fetch_all("Processed", username=imap_account.username)) == 3
    db.dispose()
