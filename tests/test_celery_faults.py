"""Faults under Celery on the real servers (issue #14): a worker killed -9 while it records a
large stored backlog, Redis restarted while a backlog is recorded or a send is in flight (with
beat running), and a poison mail that kills its worker process every time it is parsed.

Afterwards every stored mail is recorded exactly once, every member has one digest for the
period (the one in flight may repeat, with the same Message-ID), nothing is left pending, and the
poison mail is set aside with its reason after three attempts instead of being retried forever.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from digest.config import load_config
from digest.delivery.audience import unsent_ids
from digest.ingest.record import MAX_ATTEMPTS, RECORD_GROUP
from digest.store.db import Database
from digest.store.models import Posting, RawMessage, Sighting
from tests.digest_seed import PERIOD
from tests.servers.smtp import Attempt
from tests.support.config import write_config
from tests.support.mails import gmail_forward
from tests.test_celery import MEMBERS, Group, SendGroup, copy_of, wait_for
from tests.test_celery import senders as _senders  # noqa: F401 - the fixture, registered here
from tests.test_poison import BudgetKiller, poison, store

pytestmark = pytest.mark.servers

#: stored mails of the backlog: ten record batches, enough that a kill lands mid-way
BACKLOG = 2000


def lead(n: int) -> bytes:
    """A member's forward of one distinct job (its own Lever link)."""
    return gmail_forward(
        "Alice <alice@members.example>", f"Lead {n}", "Rita <rita@hr.example>",
        f"Data Engineer {n} at Initech",
        f"Apply: https://jobs.lever.co/initech/00000000-0000-4000-8000-{n:012d}\n",
    )  # fmt: skip


def mail_row(db: Database, raw_id: int) -> tuple[str, int, str]:
    """A stored mail's status, parse attempts and reason."""
    with db.session() as s:
        r = s.get_one(RawMessage, raw_id)
        return r.status, r.attempts, r.reason


class Backlog(Group):
    """A group with no inbox and a backlog of stored mail (a poll or an import that died after
    storing): the ingest planner shares it out by record batches."""

    def __init__(self, tmp_path: Path, db_url: str, redis) -> None:  # type: ignore[no-untyped-def]
        queue = f'[queue]\nbroker_url = "{redis.url}"\ningest_seconds = 1\nvisibility_seconds = 3\n'
        self.config = write_config(tmp_path, db_url=db_url, extra=queue)
        self.env = {**os.environ, "TEST_SECRET_KEY": "k" * 32}
        self.procs = []
        (tmp_path / "members.csv").write_text(MEMBERS, encoding="utf-8")
        assert self.cli("members", "import", str(tmp_path / "members.csv")).returncode == 0
        self.db = Database(db_url)

    def statuses(self) -> Counter[str]:
        with self.db.session() as s:
            query = select(RawMessage.status, func.count()).group_by(RawMessage.status)
            return Counter({status: int(n) for status, n in s.execute(query)})

    def state(self) -> str:
        return str(dict(self.statuses()))


@pytest.fixture
def backlog(tmp_path: Path, postgres, migrated_template, redis) -> Iterator[Backlog]:  # type: ignore[no-untyped-def]
    with copy_of(postgres, migrated_template, f"faults_{tmp_path.name}") as url:
        g = Backlog(tmp_path, url, redis)
        yield g
        g.close()


def test_worker_killed_mid_ingest_leaves_every_mail_recorded_once(backlog: Backlog) -> None:
    """kill -9 a worker (both its processes) while it records a backlog of stored mail; a new
    worker and the next planner runs finish it: each mail recorded once, one posting per job."""
    ids = store(backlog.db, *(lead(n) for n in range(BACKLOG)))
    first = backlog.start("worker", "--concurrency", "2", "--loglevel", "WARNING")
    backlog.queue("ingest")
    wait_for(
        lambda: backlog.statuses()["processed"] >= 400, 60, "two batches recorded", backlog.state
    )
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    left = backlog.statuses()["new"]
    assert left > 0, "the backlog was recorded before the kill: it must be bigger"

    backlog.start("worker", "--concurrency", "2", "--loglevel", "WARNING")

    def all_recorded() -> bool:
        backlog.queue("ingest")  # as beat would, every [queue] ingest_seconds
        time.sleep(2)
        return backlog.statuses() == Counter(processed=BACKLOG)

    wait_for(all_recorded, 120, "every stored mail recorded", backlog.state)
    with backlog.db.session() as s:
        credits = Counter(s.scalars(select(Sighting.raw_message_id)))
        postings = s.scalar(select(func.count()).select_from(Posting))
        urls = s.scalar(select(func.count(func.distinct(Posting.canonical_url))))
    assert set(credits) == set(ids) and set(credits.values()) == {1}  # each credited once
    assert postings == urls == BACKLOG  # one posting per job, none twice


def test_redis_restart_mid_ingest_is_finished_by_beat_alone(backlog: Backlog, redis) -> None:  # type: ignore[no-untyped-def]
    """Redis goes down while two worker processes record a backlog batch by batch, and comes
    back empty. Nobody queues anything by hand: beat's next ingest plans what is left."""
    store(backlog.db, *(lead(n) for n in range(BACKLOG // 2)))
    backlog.start("worker", "--concurrency", "2", "--loglevel", "WARNING")
    beat = backlog.start("beat", "--loglevel", "WARNING")
    wait_for(lambda: backlog.statuses()["processed"] > 0, 60, "ingest started", backlog.state)
    redis.stop()
    time.sleep(2)  # the outage
    redis.start()  # the same port, empty
    assert backlog.statuses()["new"] > 0, "the backlog was recorded before the outage"
    done = Counter(processed=BACKLOG // 2)
    wait_for(lambda: backlog.statuses() == done, 120, "every mail recorded", backlog.state)
    with backlog.db.session() as s:
        credits = Counter(s.scalars(select(Sighting.raw_message_id)))
        postings = s.scalar(select(func.count()).select_from(Posting))
    assert len(credits) == postings == BACKLOG // 2 and set(credits.values()) == {1}
    assert beat.poll() is None


# -- Redis restarted while a send is in flight, beat running ----------------------------------


@pytest.fixture
def beat_senders(request: pytest.FixtureRequest) -> SendGroup:
    """test_celery's seeded digest group (seven members and EXTRA_MEMBERS, sending to aiosmtpd),
    with beat queueing the ingest every second."""
    group: SendGroup = request.getfixturevalue("_senders")
    with group.config.open("a", encoding="utf-8") as config:
        config.write("ingest_seconds = 1\n")  # the [queue] section is the file's last
    return group


def test_redis_restart_mid_send_leaves_every_member_one_digest(
    beat_senders: SendGroup, smtp_server, redis
) -> None:  # type: ignore[no-untyped-def]
    """Redis goes down while a worker is inside a send batch (its SMTP transaction held open)
    and comes back on the same port with an empty queue. The worker and beat reconnect by
    themselves; the send planner finds whoever is still owed: one digest each, none pending."""
    g = beat_senders
    blocked, release = threading.Event(), threading.Event()
    seen = {"data": 0}

    def stall_mid_send(attempt: Attempt) -> str | None:
        if attempt.stage != "DATA" or blocked.is_set():
            return None
        seen["data"] += 1
        if seen["data"] >= 100:
            blocked.set()
            release.wait(30)  # accepted once Redis is back
        return None

    smtp_server.respond_with(stall_mid_send)
    worker = g.start("worker", "--concurrency", "1", "--loglevel", "WARNING")
    beat = g.start("beat", "--loglevel", "WARNING")
    g.queue("plan_sends", PERIOD)
    try:
        assert blocked.wait(120), "no send reached the 100th message"
        redis.stop()  # the queued batches are lost with it, as on a crash
        time.sleep(2)  # the outage
        redis.start()  # the same port, empty
    finally:
        release.set()
    cfg = load_config(g.config)

    def all_sent() -> bool:
        g.queue("plan_sends", PERIOD)  # as beat's minutely digest check would
        time.sleep(2)
        return not unsent_ids(g.db, cfg, PERIOD)

    wait_for(all_sent, 120, "every digest sent", lambda: Counter(s for s, _ in g.rows().values()))
    rows = g.rows()
    assert {status for status, _ in rows.values()} <= {"sent", "skipped"}
    got = Counter(rcpt for m in smtp_server.messages for rcpt in m.rcpt_tos)
    sent = {email for email, (status, _) in rows.items() if status == "sent"}
    assert len(sent) > 600 and set(got) == sent
    assert len([rcpt for rcpt, n in got.items() if n > 1]) <= 1  # at most the one in flight
    for m in smtp_server.messages:
        assert m.message()["Message-ID"] == rows[m.rcpt_tos[0]][1]  # a repeat is the same mail

    # beat and the worker outlived the outage: stored mail is recorded with nobody queueing it
    (raw_id,) = store(g.db, lead(1))
    wait_for(lambda: mail_row(g.db, raw_id)[0] == "processed", 60, "beat's ingest after it")
    assert worker.poll() is None and beat.poll() is None


# -- a poison mail that kills its Celery worker process ---------------------------------------


def _pool_processes(worker_pid: int) -> list[int]:
    """The worker's pool processes (its forked children)."""
    found = []
    for task in Path(f"/proc/{worker_pid}/task").iterdir():
        try:
            found += [int(pid) for pid in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def test_poison_mail_that_kills_its_worker_is_set_aside_after_three_attempts(
    backlog: Backlog,
) -> None:
    """The poison mail is first in its batch, so each fresh pool process starts on it and is
    killed parsing it. The redelivered task (acks late) tries it alone each time; the third
    death sets it aside as failed with its reason, the other mails are recorded, the operator
    sees it in `inbox failures`, and later runs leave it alone."""
    bad, *good = store(backlog.db, poison(), *(lead(n) for n in range(RECORD_GROUP + 4)))
    worker = backlog.start("worker", "--concurrency", "1", "--loglevel", "WARNING")
    # what an operating system's CPU limit (or the OOM killer) does to the pool process stuck
    # on one mail; Celery replaces each process killed, and stops being watched once set aside
    with BudgetKiller(lambda: _pool_processes(worker.pid)) as killer:
        backlog.queue("record_chunk", [bad, *good])
        wait_for(
            lambda: mail_row(backlog.db, bad)[0] == "failed", 90, "poison set aside", backlog.state
        )
    assert killer.kills >= MAX_ATTEMPTS
    status, attempts, reason = mail_row(backlog.db, bad)
    assert (status, attempts) == ("failed", MAX_ATTEMPTS)
    assert "died" in reason and "killed" in reason
    wait_for(
        lambda: backlog.statuses() == Counter(processed=len(good), failed=1),
        60, "the other mails recorded", backlog.state,
    )  # fmt: skip

    # Never again: a later ingest records new mail and does not touch the poison.
    later = store(backlog.db, lead(99))[0]
    backlog.queue("ingest")
    wait_for(lambda: mail_row(backlog.db, later)[0] == "processed", 60, "a later mail recorded")
    assert mail_row(backlog.db, bad) == (status, attempts, reason)
    assert worker.poll() is None
    shown = backlog.cli("inbox", "failures")
    (line,) = [row for row in shown.stdout.splitlines() if row.startswith(f"{bad}\t")]
    assert line.split("\t")[1] == "failed" and "\talice@members.example\t" in line
    assert reason in shown.stdout
