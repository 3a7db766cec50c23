"""Web requests record intents; workers do the work. The web app's mail waits in the database.

Real SQLite and PostgreSQL, a real SMTP relay, a real Redis: the outbox survives the process
that queued it and two drainers never send one row twice; a wake is taken once and the
in-process runner acts on it within seconds; with a broker, a wake is a Celery task by name."""

from __future__ import annotations

import threading
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from digest.config import Config, load_config
from digest.delivery.outbox import LEASE, queue_mail, send_outbox, waiting
from digest.store.db import Database
from digest.store.models import OutboxMail, Posting, Subgroup
from digest.store.wakes import RETAG, record_wake, take_wakes
from schedules.runner import Runner
from tests.digest_seed import seed_group
from tests.servers import SmtpServer, TlsFiles
from tests.support.config import write_config


@pytest.fixture
def setup(
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
    smtp_server: SmtpServer,
    tls_files: TlsFiles,
    tmp_path: Path,
) -> tuple[Database, Config]:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "smtp-secret")
    monkeypatch.setenv("TEST_SECRET_KEY", "k" * 32)
    path = write_config(
        tmp_path, db_url=db_url, smtp=(smtp_server.host, smtp_server.port),
        ca_file=str(tls_files.ca_file),
    )  # fmt: skip
    db = Database(db_url)
    yield db, load_config(path)
    db.dispose()


def _mail(to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Test Leads <leads@group.example.org>"
    msg["To"] = to
    msg["Subject"] = f"Your sign-in link ({to})"
    msg.set_content("https://leads.group.example.org/signin/x")
    return msg


def test_queued_mail_outlives_its_process_and_two_drainers_send_each_once(
    setup: tuple[Database, Config], smtp_server: SmtpServer
) -> None:
    db, cfg = setup
    with db.session() as session:  # queued by a web process that then died
        for n in range(12):
            queue_mail(session, _mail(f"member{n}@example.org"))
    assert waiting(db) == 12
    others = [Database(db.url) for _ in range(2)]  # two drainers: a web thread, a worker
    threads = [threading.Thread(target=send_outbox, args=(other, cfg)) for other in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for other in others:
        other.dispose()
    sent = Counter(r for m in smtp_server.messages for r in m.rcpt_tos)
    assert sent == Counter({f"member{n}@example.org": 1 for n in range(12)})
    assert waiting(db) == 0
    assert send_outbox(db, cfg).sent == 0  # nothing twice


def test_mail_the_relay_refuses_waits_with_its_reason(
    setup: tuple[Database, Config], smtp_server: SmtpServer
) -> None:
    db, cfg = setup
    smtp_server.reject_recipient("gone@example.org", "550 5.1.1 no such user")
    with db.session() as session:
        queue_mail(session, _mail("gone@example.org"))
    assert send_outbox(db, cfg).failed == 1
    with db.session() as session:
        row = session.scalars(select(OutboxMail)).one()
        assert row.sent_at is None and "no such user" in row.last_error
    smtp_server.reset()
    assert send_outbox(db, cfg).sent == 0  # not again at once: after the lease
    with db.session() as session:  # the lease ran out
        row = session.scalars(select(OutboxMail)).one()
        row.claimed_at = row.claimed_at - LEASE
    assert send_outbox(db, cfg).sent == 1


def test_a_wake_is_taken_once(setup: tuple[Database, Config]) -> None:
    db, _cfg = setup
    with db.session() as session:
        record_wake(session, RETAG, "rules saved")
        record_wake(session, RETAG, "posting corrected")
    assert take_wakes(db) == [RETAG]
    assert take_wakes(db) == []


def test_the_runner_acts_on_a_wake_within_seconds(setup: tuple[Database, Config]) -> None:
    """A rules change recorded by the web app is re-tagged by `jobdigest run` between its
    ingest runs, not at the next poll interval."""
    db, cfg = setup
    seed = seed_group(db)
    runner = Runner(db, cfg, report=lambda *_: None)
    runner.run_ingest()  # everything tagged, as after any ingest
    with db.session() as session:
        keys = set(session.scalars(select(Posting.tag_key)))
        group = session.scalars(select(Subgroup)).first()
        assert group is not None
        group.rules_version += 1
        record_wake(session, RETAG, "rules saved")
    stop = threading.Event()
    worker = threading.Thread(target=runner._wait, args=(stop, 300.0, None))  # noqa: SLF001
    worker.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with db.session() as session:
            if not keys & set(session.scalars(select(Posting.tag_key))):
                break
        time.sleep(0.2)
    stop.set()
    worker.join(timeout=30)
    with db.session() as session:
        assert not keys & set(session.scalars(select(Posting.tag_key))), "not re-tagged"
    assert take_wakes(db) == [] and not runner.failures and seed


def test_with_a_broker_a_wake_is_a_celery_task_by_name(
    setup: tuple[Database, Config], redis, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    import json

    import redis as redis_client

    from digest.store import wakes

    db, cfg = setup
    cfg.queue.broker_url = redis.url
    wakes.notify(cfg)
    client = redis_client.Redis.from_url(redis.url)
    queued = client.lrange("jobdigest", 0, -1)
    assert len(queued) == 1
    assert json.loads(queued[0])["headers"]["task"] == wakes.WAKE_TASK
