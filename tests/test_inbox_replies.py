"""What the inbox answers and whom it trusts, on Dovecot (the group inbox) and aiosmtpd (the
relay): mail without a job posting is kept for review and its member gets one receipt a day;
mail to the digests' unsubscribe address unsubscribes its sender and is confirmed; a stranger's
job alert posing as a member's auto-forward is held unless our server verified its DKIM."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from digest.cli import cli
from digest.config import Config, load_config
from digest.delivery.replies import send_replies
from digest.inbox.poll import poll
from digest.store.db import Database
from digest.store.models import Member, MemberAlias, RawMessage, Reply, Sighting
from tests.servers import DovecotServer, ImapAccount, SmtpServer, TlsFiles
from tests.support.config import write_config
from tests.support.mails import mail

ALERT = Path(__file__).parent / "data" / "alerts" / "linkedin_alert.eml"
AUTHSERV = "mx.group.example.org"
UNSUBSCRIBE = "leads+unsubscribe@group.example.org"


@dataclass
class Inbox:
    db: Database
    cfg: Config
    path: Path
    user: str
    dovecot: DovecotServer

    def deliver(self, *raws: bytes) -> None:
        for raw in raws:
            self.dovecot.append("INBOX", raw, username=self.user)

    def folder(self, name: str) -> list[bytes]:
        return self.dovecot.fetch_all(name, username=self.user)


@pytest.fixture
def inbox(  # type: ignore[no-untyped-def]
    db_url: str,
    smtp_server: SmtpServer,
    dovecot: DovecotServer,
    imap_account: ImapAccount,
    tls_files: TlsFiles,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Inbox]:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "smtp-secret")
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap_account.password)
    monkeypatch.setenv("TEST_SECRET_KEY", "k" * 32)
    path = write_config(
        tmp_path,
        db_url=db_url,
        smtp=(smtp_server.host, smtp_server.port),
        imap=(dovecot.host, dovecot.port, imap_account.username, imap_account.password),
        ca_file=str(tls_files.ca_file),
    )
    text = path.read_text().replace(
        "batch_size = 3\n", f'batch_size = 3\nreceipts = true\nauthserv_id = "{AUTHSERV}"\n', 1
    )
    path.write_text(text)
    db = Database(db_url)
    with db.session() as s:
        s.add(Member(email="alice@members.example", name="Alice Moreno"))
        s.add(Member(email="marcus@members.example", name="Marcus Lee"))
        carol = Member(email="carol@members.example", name="Carol Díaz")
        carol.aliases = [
            MemberAlias(address="carol.home@mail.example", confirmed_at=datetime(2026, 11, 1))
        ]
        s.add(carol)
    yield Inbox(db, load_config(path), path, imap_account.username, dovecot)
    db.dispose()


def raws(db: Database) -> list[RawMessage]:
    with db.session() as s:
        return list(s.scalars(select(RawMessage).order_by(RawMessage.id)))


def status_of(db: Database, email: str) -> str:
    with db.session() as s:
        return s.scalars(select(Member.status).where(Member.email == email)).one()


def no_posting(sender: str, subject: str, **headers: str) -> bytes:
    raw = mail(sender, subject, "See you all at Thursday's meeting! Bring a friend.\n")
    extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    return extra.encode() + raw


def test_mail_without_a_posting_is_kept_for_review_and_answered_once(
    inbox: Inbox, smtp_server: SmtpServer
) -> None:
    first = no_posting("Alice Moreno <alice@members.example>", "Thursday meeting")
    inbox.deliver(
        first,
        no_posting("Alice Moreno <alice@members.example>", "Another one"),  # same day: no reply
        no_posting("Stranger <someone@elsewhere.example>", "Hello"),  # not a member: no reply
        no_posting("Alice Moreno <alice@members.example>", "Newsletter", List_Id="<news.example>"),
        no_posting("Marcus Lee <marcus@members.example>", "Away", Auto_Submitted="auto-replied"),
    )
    result = poll(inbox.db, inbox.cfg)
    assert result.moved == 5
    stored = raws(inbox.db)
    assert [r.status for r in stored] == ["failed", "failed", "held", "failed", "auto-reply"]
    assert stored[0].reason == "no job posting found"
    assert len(inbox.folder("Needs review")) == 3 and inbox.folder("INBOX") == []
    listed = CliRunner().invoke(cli, ["--config", str(inbox.path), "inbox", "failures"])
    assert listed.output.count("no job posting found") == 3

    sent = send_replies(inbox.db, inbox.cfg)
    assert (sent.sent, sent.skipped) == (1, 1)
    (reply,) = smtp_server.messages
    assert reply.rcpt_tos == ("alice@members.example",) and reply.mail_from == "<>"
    msg = reply.message()
    original_id = stored[0].message_id
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["In-Reply-To"] == original_id and original_id in msg["References"]
    assert msg["Subject"] == "Re: Thursday meeting"
    assert "we found no job posting in your mail" in msg.get_content().lower()
    assert "reply with the link" in msg.get_content().lower()
    # Reprocessing (after a parser fix) does not answer again.
    again = CliRunner().invoke(cli, ["--config", str(inbox.path), "inbox", "reprocess", "--all"])
    assert again.exit_code == 0, again.output
    assert send_replies(inbox.db, inbox.cfg).sent == 0 and len(smtp_server.messages) == 1


def test_mail_to_the_unsubscribe_address_unsubscribes_its_sender_and_confirms(
    inbox: Inbox, smtp_server: SmtpServer
) -> None:
    routed = "Delivered-To: " + UNSUBSCRIBE + "\r\n"
    inbox.deliver(
        routed.encode() + mail("Alice Moreno <alice@members.example>", "please stop", "thanks", to=UNSUBSCRIBE),
        routed.encode() + mail("Carol <carol.home@mail.example>", "", "", to=UNSUBSCRIBE),  # an alias
        routed.encode() + mail("Mallory <mallory@evil.example>", "unsubscribe marcus", "x", to=UNSUBSCRIBE),
    )  # fmt: skip
    poll(inbox.db, inbox.cfg)
    assert [r.status for r in raws(inbox.db)] == ["unsubscribe"] * 3
    assert status_of(inbox.db, "alice@members.example") == "unsubscribed"
    assert status_of(inbox.db, "carol@members.example") == "unsubscribed"
    assert status_of(inbox.db, "marcus@members.example") == "active"
    assert "not a member" in raws(inbox.db)[2].reason
    assert send_replies(inbox.db, inbox.cfg).sent == 2
    confirmations = {m.rcpt_tos[0]: m.message() for m in smtp_server.messages}
    assert set(confirmations) == {"alice@members.example", "carol.home@mail.example"}
    alice = confirmations["alice@members.example"]
    assert alice["Auto-Submitted"] == "auto-replied"
    assert alice["In-Reply-To"] == raws(inbox.db)[0].message_id
    assert "You are unsubscribed" in alice["Subject"]
    with inbox.db.session() as s:
        assert {r.kind for r in s.scalars(select(Reply))} == {"unsubscribed"}


def test_a_strangers_alert_posing_as_a_members_auto_forward_is_held(inbox: Inbox) -> None:
    alert = ALERT.read_bytes()
    routing = b"X-Forwarded-For: marcus@members.example leads@group.example.org\r\n"
    genuine = (
        f"Authentication-Results: {AUTHSERV}; dkim=pass header.d=linkedin.com; spf=pass\r\n".encode()
        + routing
        + alert
    )
    # The stranger's own server vouches for it, and our server saw no valid signature.
    forged = (
        (
            f"Authentication-Results: {AUTHSERV}; dkim=fail header.d=linkedin.com\r\n"
            "Authentication-Results: mx.attacker.example; dkim=pass header.d=linkedin.com\r\n"
        ).encode()
        + routing
        + alert.replace(b"Message-ID: <", b"Message-ID: <forged.")
    )
    inbox.deliver(genuine, forged)
    poll(inbox.db, inbox.cfg)
    first, second = raws(inbox.db)
    assert (first.status, first.sender) == ("processed", "marcus@members.example")
    assert second.status == "held" and second.member_id is None
    assert "DKIM" in second.reason and "not trusted" in second.reason
    with inbox.db.session() as s:
        credited = s.scalars(select(Sighting.raw_message_id).where(Sighting.member_id.is_not(None)))
        assert set(credited) == {first.id}
