"""Sending on a real SMTP server (aiosmtpd, STARTTLS + AUTH): once per member and period, whatever
the server answers and even when the sender is killed mid-send."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from digest.config import Config, load_config
from digest.delivery.relay import Sender
from digest.delivery.send import send_digests
from digest.inbox.bounces import apply_bounces
from digest.store.db import Database
from digest.store.models import Delivery, Member, MemberSubgroup, RawMessage
from tests.digest_seed import PERIOD, Seeded, seed_group
from tests.servers import SmtpServer, TlsFiles
from tests.servers.smtp import Attempt
from tests.support.config import write_config

#: Members of the seeded group who get a digest for PERIOD (Frank was removed).
RECIPIENTS = {f"{n}@members.example" for n in ("alice", "bob", "carol", "dan", "erin", "gina")}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "smtp-secret")
    monkeypatch.setenv("TEST_SECRET_KEY", "k" * 32)


@pytest.fixture
def setup(
    env, db_url: str, smtp_server: SmtpServer, tls_files: TlsFiles, tmp_path: Path
) -> Iterator[tuple[Database, Config, Seeded, Path]]:  # type: ignore[no-untyped-def]
    path = write_config(
        tmp_path,
        db_url=db_url,
        smtp=(smtp_server.host, smtp_server.port),
        ca_file=str(tls_files.ca_file),
    )
    db = Database(db_url)
    seeded = seed_group(db)
    yield db, load_config(path), seeded, path
    db.dispose()


def received(smtp_server: SmtpServer) -> Counter[str]:
    return Counter(rcpt for m in smtp_server.messages for rcpt in m.rcpt_tos)


def statuses(db: Database) -> dict[str, str]:
    with db.session() as s:
        rows = s.execute(
            select(Member.email, Delivery.status).join(Delivery, Delivery.member_id == Member.id)
        )
        return {email: status for email, status in rows}


def test_each_member_gets_one_digest_over_tls_with_auth(setup, smtp_server: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    db, cfg, _, _ = setup
    result = send_digests(db, cfg, period=PERIOD, retry_delay=0.01)
    assert received(smtp_server) == Counter(RECIPIENTS)
    assert result.sent == len(RECIPIENTS) and result.failed == 0
    assert all(m.tls and m.authenticated_as == "mailer@example.org" for m in smtp_server.messages)
    assert send_digests(db, cfg, period=PERIOD, retry_delay=0.01).sent == 0
    assert received(smtp_server) == Counter(RECIPIENTS)
    assert "frank@members.example" not in statuses(db)


def test_greylisting_451_then_250_is_retried(setup, smtp_server: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    db, cfg, _, _ = setup
    smtp_server.fail_next(2)  # the first message is refused twice, then accepted
    result = send_digests(db, cfg, period=PERIOD, retry_delay=0.01)
    assert received(smtp_server) == Counter(RECIPIENTS)
    assert smtp_server.attempts == len(RECIPIENTS) + 2
    assert result.failed == 0 and set(statuses(db).values()) == {"sent"}


def test_a_4xx_that_never_clears_is_retried_by_the_next_run(setup, smtp_server: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    db, cfg, _, _ = setup
    smtp_server.reject_recipient("erin@members.example", "452 4.2.2 Mailbox full, try later")
    first = send_digests(db, cfg, period=PERIOD, retry_delay=0.01)
    assert first.failed == 1 and statuses(db)["erin@members.example"] == "failed"
    smtp_server.reset()
    second = send_digests(db, cfg, period=PERIOD, retry_delay=0.01)
    assert received(smtp_server) == Counter({"erin@members.example": 1}) and second.sent == 1


def test_550_for_one_recipient_marks_only_that_member_bouncing(
    setup, smtp_server: SmtpServer
) -> None:  # type: ignore[no-untyped-def]
    db, cfg, _, _ = setup
    smtp_server.reject_recipient("dan@members.example")
    result = send_digests(db, cfg, period=PERIOD, retry_delay=0.01)
    assert received(smtp_server) == Counter(RECIPIENTS - {"dan@members.example"})
    assert result.failed == 1 and "550" in result.errors[0]
    with db.session() as s:
        dan = s.scalar(select(Member).where(Member.email == "dan@members.example"))
        assert dan.status == "bouncing" and dan.bounce_count == 1
    assert statuses(db)["dan@members.example"] == "bounced"
    # Skipped from now on: next week's run does not even try.
    smtp_server.reset()
    send_digests(db, cfg, period="2026-W49", retry_delay=0.01)
    assert "dan@members.example" not in received(smtp_server)


def test_one_connection_is_reused_for_a_batch(setup, smtp_server: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    _, cfg, _, _ = setup
    cfg.smtp.batch_size = 4
    sender = Sender(cfg)
    msg = EmailMessage()
    msg["From"], msg["Subject"] = cfg.smtp.from_address, "hi"
    msg.set_content("hello")
    for i in range(10):
        sender.send(f"m{i}@members.example", msg.as_bytes())
    sender.close()
    assert len(smtp_server.messages) == 10
    assert sender.connections == 3  # 4 + 4 + 2


def test_no_leads_no_email_unless_always_send(setup, smtp_server: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    db, cfg, _, _ = setup
    with db.session() as s:
        s.add_all([Member(email="hank@members.example", name="Hank Always", always_send=True),
                   Member(email="ivy@members.example", name="Ivy Quiet")])  # fmt: skip
    result = send_digests(db, cfg, period=PERIOD, retry_delay=0.01)
    assert received(smtp_server) == Counter(RECIPIENTS | {"hank@members.example"})
    assert result.skipped_no_leads == 1 and statuses(db)["ivy@members.example"] == "skipped"
    hank = next(
        m.message() for m in smtp_server.messages if m.rcpt_tos == ("hank@members.example",)
    )
    assert "no new job leads" in hank["Subject"]
    assert "No new leads matched" in hank.get_body(("plain",)).get_content()


def test_rate_limit_spaces_messages_out(setup, smtp_server: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    _, cfg, _, _ = setup
    cfg.smtp.rate_per_minute = 600  # one every 0.1 s
    sender = Sender(cfg)
    started = time.monotonic()
    for i in range(4):
        sender.send(f"m{i}@members.example", b"Subject: hi\r\n\r\nhello\r\n")
    sender.close()
    assert time.monotonic() - started >= 0.3 and len(smtp_server.messages) == 4


def dsn(recipient: str, status: str, message_id: str = "<digest.none@group.example.org>") -> bytes:
    """A delivery status notification as Postfix writes it (RFC 3464), returning the headers
    of the digest `message_id`."""
    return (
        "From: MAILER-DAEMON@mx.members.example (Mail Delivery System)\r\n"
        "To: leads@group.example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.members.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message"
        f" could not be delivered to <{recipient}>.\r\n\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.members.example\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "From: Test Leads <leads@group.example.org>\r\nSubject: Test Network: 7 job leads\r\n"
        f"Message-ID: {message_id}\r\n\r\n--B--\r\n"
    ).encode()


def test_bounce_reports_in_the_inbox_mark_a_member_after_three(
    setup, smtp_server: SmtpServer
) -> None:  # type: ignore[no-untyped-def]
    db, cfg, seeded, _ = setup
    carol_id = seeded.members["carol"]
    sent = [f"<digest.2026-W4{w}.{carol_id}.x@group.example.org>" for w in (5, 6, 7)]
    with db.session() as s:
        for week, mid in zip((5, 6, 7), sent, strict=True):
            s.add(
                Delivery(member_id=carol_id, period=f"2026-W4{week}", status="sent", message_id=mid)
            )
        s.add(
            RawMessage(raw=dsn("Carol@Members.example", "4.2.2", sent[0]), status="bounce")
        )  # soft: not counted
        for mid in sent:
            s.add(RawMessage(raw=dsn("carol@members.example", "5.1.1", mid), status="bounce"))
        s.add(RawMessage(raw=dsn("stranger@elsewhere.example", "5.1.1"), status="bounce"))
    with db.session() as s:
        first = apply_bounces(s)
    with db.session() as s:
        again = apply_bounces(s)  # nothing is counted twice
        carol = s.get_one(Member, seeded.members["carol"])
        assert (carol.bounce_count, carol.status) == (3, "bouncing")
        reasons = [r.reason for r in s.scalars(select(RawMessage).order_by(RawMessage.id))]
        matched = [r.member_id for r in s.scalars(select(RawMessage).order_by(RawMessage.id))]
    assert first.hard == 3 and first.soft == 1 and first.unmatched == ["stranger@elsewhere.example"]
    assert again.messages == 0
    assert matched[:4] == [seeded.members["carol"]] * 4 and matched[4] is None
    assert "hard bounce 3" in reasons[3]
    send_digests(db, cfg, period=PERIOD, retry_delay=0.01)
    assert received(smtp_server) == Counter(RECIPIENTS - {"carol@members.example"})


def test_killed_mid_send_resumes_without_sending_anyone_twice(
    setup, smtp_server: SmtpServer
) -> None:  # type: ignore[no-untyped-def]
    db, cfg, seeded, config_path = setup
    add_members(db, seeded, 14)
    everyone = RECIPIENTS | {f"extra{i}@members.example" for i in range(14)}
    blocked, release = threading.Event(), threading.Event()
    accepted = Counter[str]()

    def stall_after_seven(attempt: Attempt) -> str | None:
        if attempt.stage != "DATA":
            return None
        if accepted["n"] < 7:
            accepted["n"] += 1
            return None
        blocked.set()  # the sender now waits for our reply to its 8th message: kill it here
        release.wait(30)
        return "451 4.3.0 Connection lost"

    smtp_server.respond_with(stall_after_seven)
    worker = run_cli(config_path, "send-digests", "--period", PERIOD)
    try:
        assert blocked.wait(60), (
            worker.stderr.read() if worker.poll() is not None else "no 8th message"
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        release.set()
    smtp_server.respond_with(None)
    first = received(smtp_server)
    assert sum(first.values()) == 7
    assert Counter(statuses(db).values())["sending"] == 1  # the one in flight when it died

    again = run_cli(config_path, "send-digests", "--period", PERIOD)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    total = received(smtp_server)
    assert total == Counter(everyone)  # everyone exactly once
    assert set(statuses(db).values()) == {"sent"}
    # The interrupted one went out with the Message-ID recorded before the crash.
    with db.session() as s:
        ids = dict(
            s.execute(
                select(Member.email, Delivery.message_id).join(
                    Delivery, Delivery.member_id == Member.id
                )
            ).all()
        )
    for m in smtp_server.messages:
        assert m.message()["Message-ID"] == ids[m.rcpt_tos[0]]


def add_members(db: Database, seeded: Seeded, count: int) -> None:
    with db.session() as s:
        for i in range(count):
            member = Member(email=f"extra{i}@members.example", name=f"Extra Member {i}")
            s.add(member)
            s.flush()
            s.add(MemberSubgroup(member_id=member.id, subgroup_id=seeded.subgroups["marketing"]))


def run_cli(config: Path, *args: str) -> subprocess.Popen[str]:
    root = Path(__file__).resolve().parents[1]
    code = "from digest.cli import main; main()"
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.Popen(
        [sys.executable, "-c", code, "--config", str(config), *args],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
