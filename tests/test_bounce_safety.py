"""Nobody wrongly disabled, nobody's digest lost to another member: forged delivery reports, a
relay that refuses everyone, line breaks in names, formula cells in the members CSV. On the
real servers: aiosmtpd (STARTTLS + AUTH) receives the digests, Dovecot holds the inbox."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from digest.cli import cli
from digest.config import Config, load_config
from digest.delivery.send import send_digests
from digest.inbox.bounces import apply_bounces
from digest.inbox.poll import poll
from digest.store.db import Database
from digest.store.models import Delivery, Member, MemberSubgroup, RawMessage
from tests.digest_seed import PERIOD, Seeded, seed_group
from tests.servers import DovecotServer, ImapAccount, SmtpServer, TlsFiles
from tests.servers.smtp import Attempt, ReceivedMessage
from tests.support.config import write_config

GROUP = "leads@group.example.org"
_reports = itertools.count(1)


@dataclass
class World:
    db: Database
    cfg: Config
    seeded: Seeded
    path: Path
    user: str


@pytest.fixture
def world(  # type: ignore[no-untyped-def]
    db_url: str,
    smtp_server: SmtpServer,
    dovecot: DovecotServer,
    imap_account: ImapAccount,
    tls_files: TlsFiles,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[World]:
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
    db = Database(db_url)
    seeded = seed_group(db)
    yield World(db, load_config(path), seeded, path, imap_account.username)
    db.dispose()


def member(db: Database, email: str) -> Member:
    with db.session() as s:
        return s.scalars(select(Member).where(Member.email == email)).one()


def deliveries(db: Database) -> dict[str, str]:
    with db.session() as s:
        rows = s.execute(select(Member.email, Delivery.status).join(Delivery))
        return dict(rows.all())


def report(
    to: str, recipient: str, returned: ReceivedMessage | None = None, delivered_to: str = ""
) -> bytes:
    """A delivery report (RFC 3464) as the recipient's MTA writes it, delivered to `to`."""
    head = returned.data.split(b"\r\n\r\n", 1)[0].decode() if returned else ""
    parts = [
        "--R\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n",
        "--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.members.example"
        f"\r\n\r\nFinal-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n",
    ]
    if head:
        parts.append(f"--R\r\nContent-Type: text/rfc822-headers\r\n\r\n{head}\r\n")
    top = f"Delivered-To: {delivered_to}\r\n" if delivered_to else ""
    return (
        f"{top}Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.members.example (Mail Delivery System)\r\n"
        f"To: {to}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <report-{next(_reports)}@mx.members.example>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; "
        'boundary="R"\r\n\r\n' + "".join(parts) + "--R--\r\n"
    ).encode()


def everyone_report(emails: list[str]) -> bytes:
    """One 20 KB report naming every member as failed, referring to nothing we sent."""
    blocks = "".join(
        f"Final-Recipient: rfc822; {e}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n" for e in emails
    )
    padding = "".join(f"X-Padding-{i}: {'x' * 60}\r\n" for i in range(270))
    return (
        "From: MAILER-DAEMON@forged.example\r\nTo: leads@group.example.org\r\n"
        "Subject: Delivery Status Notification (Failure)\r\nMessage-ID: <all@forged.example>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; "
        'boundary="R"\r\n\r\n--R\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n'
        f"--R\r\nContent-Type: message/delivery-status\r\n\r\n{padding}\r\n{blocks}--R--\r\n"
    ).encode()


def test_only_reports_about_digests_we_sent_count_and_each_digest_once(
    world: World, smtp_server: SmtpServer, dovecot: DovecotServer
) -> None:
    send_digests(world.db, world.cfg, period=PERIOD, retry_delay=0.01)
    sent = {m.rcpt_tos[0]: m for m in smtp_server.messages}
    alice, bob = sent["alice@members.example"], sent["bob@members.example"]
    # Every digest went out with its own return path, naming its delivery.
    assert alice.mail_from.startswith("leads+d") and alice.mail_from.endswith("@group.example.org")
    assert len({m.mail_from for m in sent.values()}) == len(sent)
    emails = [f"{n}@members.example" for n in ("alice", "bob", "carol", "dan", "erin", "gina")]
    mails = [
        # real: the returned headers carry our Message-ID (delivered to the group address)
        report(GROUP, "alice@members.example", alice),
        report(GROUP, "alice@members.example", alice),  # the same report again: counted once
        # real: only the VERP return path says which digest (no returned headers)
        report(bob.mail_from, "bob@members.example", delivered_to=bob.mail_from),
        # forged: anyone can name a member; no digest of ours is referred to
        report(GROUP, "dan@members.example"),
        # forged: a real digest's headers, but naming another member than its recipient
        report(GROUP, "carol@members.example", alice),
        # forged: a made-up VERP address for carol's delivery (wrong token)
        report(
            "leads+d1-000000000000@group.example.org",
            "carol@members.example",
            delivered_to="leads+d1-000000000000@group.example.org",
        ),  # fmt: skip
        everyone_report(emails),
    ]
    assert len(mails[-1]) > 20_000
    for raw in mails:
        dovecot.append("INBOX", raw, username=world.user)
    result = poll(world.db, world.cfg)
    assert result.statuses == {"bounce": len(mails)}
    with world.db.session() as s:
        applied = apply_bounces(s)
    assert applied.hard == 2
    assert (
        member(world.db, "alice@members.example").bounce_count,
        deliveries(world.db)["alice@members.example"],
    ) == (1, "bounced")
    assert member(world.db, "bob@members.example").bounce_count == 1
    for email in emails[2:]:  # carol, dan, erin, gina: not counted, still active
        m = member(world.db, email)
        assert (m.bounce_count, m.status) == (0, "active"), email
    with world.db.session() as s:
        reasons = s.scalars(select(RawMessage.reason).order_by(RawMessage.id)).all()
    assert "digest already counted" in reasons[1]
    assert "refers to no digest sent to this member" in reasons[3]


def test_a_relay_refusing_every_recipient_stops_the_run_and_marks_nobody(
    world: World, smtp_server: SmtpServer
) -> None:
    def relaying_denied(attempt: Attempt) -> str | None:
        if attempt.stage == "RCPT":
            return f"554 5.7.1 <{attempt.address}>: Relay access denied"
        return None

    smtp_server.respond_with(relaying_denied)
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(world.path), "send-digests", "--period", PERIOD])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output
    assert "refused 5 of 5 recipients" in lines[0] and "Relay access denied" in lines[0]
    with world.db.session() as s:
        assert set(s.scalars(select(Member.status))) == {"active", "removed"}
        assert set(s.scalars(select(Member.bounce_count))) == {0}
    assert set(deliveries(world.db).values()) == {"failed"}  # retryable
    assert smtp_server.messages == []
    # Relay fixed: the next run sends everyone their digest.
    smtp_server.reset()
    again = runner.invoke(cli, ["--config", str(world.path), "send-digests", "--period", PERIOD])
    assert again.exit_code == 0, again.output
    assert len(smtp_server.messages) == 6 and set(deliveries(world.db).values()) == {"sent"}


def test_a_single_refused_recipient_still_bounces_alone(
    world: World, smtp_server: SmtpServer
) -> None:
    smtp_server.reject_recipient("dan@members.example")
    result = send_digests(world.db, world.cfg, period=PERIOD, retry_delay=0.01)
    assert result.sent == 5 and result.failed == 1
    assert member(world.db, "dan@members.example").status == "bouncing"
    assert deliveries(world.db)["dan@members.example"] == "bounced"


def test_line_breaks_in_names_break_no_header_and_stop_nobody(
    world: World, smtp_server: SmtpServer
) -> None:
    marketing = world.seeded.subgroups["marketing"]
    with world.db.session() as s:
        evil = Member(email="mallory@members.example", name="Mallory\r\nBcc: victim@evil.example")
        broken = Member(email="dora\r\n@members.example", name="Dora")
        s.add_all([evil, broken])
        s.flush()
        s.add_all([MemberSubgroup(member_id=m.id, subgroup_id=marketing) for m in (evil, broken)])
    world.cfg.group.name = "Test\r\nNetwork"
    result = send_digests(world.db, world.cfg, period=PERIOD, retry_delay=0.01)
    rcpts = sorted(r for m in smtp_server.messages for r in m.rcpt_tos)
    assert "mallory@members.example" in rcpts and len(rcpts) == 7  # the six, and Mallory
    assert result.failed == 1 and "dora" in result.errors[0]
    assert deliveries(world.db)["dora\r\n@members.example"] == "failed"
    for received in smtp_server.messages:
        head = received.data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
        assert not [line for line in head.split("\r\n") if line.lower().startswith("bcc:")]
    mallory = next(
        m.message() for m in smtp_server.messages if m.rcpt_tos == ("mallory@members.example",)
    )
    assert str(mallory["To"]) == '"Mallory Bcc: victim@evil.example" <mallory@members.example>'
    assert mallory["Bcc"] is None and str(mallory["Subject"]).startswith("Test Network: ")


def test_members_export_escapes_formula_cells_and_import_takes_them_back(
    world: World, tmp_path: Path
) -> None:
    with world.db.session() as s:
        s.add(Member(email="eve@members.example", name='=HYPERLINK("http://evil.example","x")',
                     location="+1 555", keywords=["-2+3", "@SUM(A1)", "'=quoted"]))  # fmt: skip
    runner = CliRunner()
    out = tmp_path / "members.csv"
    assert (
        runner.invoke(cli, ["--config", str(world.path), "members", "export", str(out)]).exit_code
        == 0
    )
    line = next(line for line in out.read_text().splitlines() if line.startswith("eve@"))
    assert line == (
        'eve@members.example,"\'=HYPERLINK(""http://evil.example"",""x"")",,,'
        "'-2+3;@SUM(A1);'=quoted,'+1 555,no,,"  # no targets, no pitch
    )
    with world.db.session() as s:
        s.execute(
            Member.__table__.update()
            .where(Member.email == "eve@members.example")
            .values(name="", location="")
        )
    result = runner.invoke(cli, ["--config", str(world.path), "members", "import", str(out)])
    assert result.exit_code == 0, result.output
    eve = member(world.db, "eve@members.example")
    assert eve.name == '=HYPERLINK("http://evil.example","x")' and eve.location == "+1 555"
    assert eve.keywords == ["-2+3", "@SUM(A1)", "'=quoted"]
