"""Celery on Redis: `jobdigest worker` and `jobdigest beat` run the same jobs as `jobdigest run`,
and a worker killed mid-task, a Redis restart or PostgreSQL stopping briefly loses no member's
mail and sends no member's digest twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from digest.config import load_config
from digest.delivery.audience import unsent_ids
from digest.store.db import Database
from digest.store.models import Delivery, Member, MemberSubgroup, Posting, RawMessage
from tests.digest_seed import PERIOD, seed_group
from tests.servers.smtp import Attempt
from tests.support.config import write_config
from tests.support.mails import gmail_forward

pytestmark = pytest.mark.servers
MEMBERS = "email,name,subgroups,past_employers,keywords,location\nalice@members.example,Alice,,,,\n"


def wait_for(
    predicate: Callable[[], bool], timeout: float, what: str, show: Callable[[], object] = str
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout}s ({show()})")


class Group:
    """A group on PostgreSQL with its inbox on Dovecot and its queue on Redis."""

    def __init__(
        self, tmp_path: Path, db_url: str, dovecot, account, redis, extra: str = ""
    ) -> None:  # type: ignore[no-untyped-def]
        self.dovecot, self.account = dovecot, account
        queue = f'[queue]\nbroker_url = "{redis.url}"\ningest_seconds = 1\nvisibility_seconds = 3\n'
        self.config = write_config(
            tmp_path,
            db_url=db_url,
            ca_file=str(dovecot.ca_file),
            imap=(dovecot.host, dovecot.port, account.username, account.password),
            extra=queue + extra,
        )
        self.env = {
            **os.environ,
            "TEST_IMAP_PASSWORD": account.password,
            "TEST_SECRET_KEY": "k" * 32,
        }
        self.procs: list[subprocess.Popen[str]] = []
        (tmp_path / "members.csv").write_text(MEMBERS, encoding="utf-8")
        assert self.cli("members", "import", str(tmp_path / "members.csv")).returncode == 0
        self.db = Database(db_url)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "digest.cli", "--config", str(self.config), *args],
            capture_output=True, text=True, env=self.env, timeout=60,
        )  # fmt: skip

    def start(self, *args: str) -> subprocess.Popen[str]:
        """A worker or beat in its own process group (so a test can kill -9 all of it)."""
        log = (self.config.parent / f"proc{len(self.procs)}.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "digest.cli", "--config", str(self.config), *args],
            stdout=log, stderr=subprocess.STDOUT, text=True, env=self.env,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        self.procs.append(proc)
        return proc

    def mail(self, n: int) -> None:
        self.dovecot.append(
            "INBOX",
            gmail_forward(
                "Alice <alice@members.example>", "For the data folks", "Rita <rita@hr.example>",
                f"Data Engineer {n} at Initech",
                f"https://jobs.lever.co/initech/00000000-0000-4000-8000-00000000000{n}\n",
            ),
            username=self.account.username,
        )  # fmt: skip

    def queue(self, task: str, *args: str) -> None:
        from schedules import tasks

        tasks.configure(load_config(self.config))
        getattr(tasks, task).delay(*args)

    def count(self, what: object) -> int:
        with self.db.session() as s:
            return int(s.scalar(select(func.count()).select_from(what)) or 0)  # type: ignore[arg-type]

    def recorded(self) -> list[str]:
        with self.db.session() as s:
            return list(s.scalars(select(RawMessage.status).order_by(RawMessage.id)))

    def state(self) -> str:
        """What a failing wait shows: stored mail and what is left in the inbox."""
        with self.db.session() as s:
            rows = s.execute(select(RawMessage.id, RawMessage.status, RawMessage.reason)).all()
        inbox = self.dovecot.fetch_all("INBOX", username=self.account.username)
        return f"stored {[tuple(r) for r in rows]}, {len(inbox)} left in INBOX"

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
        self.db.dispose()


@pytest.fixture
def group(
    tmp_path: Path, postgres, migrated_template, dovecot, imap_account, redis
) -> Iterator[Group]:  # type: ignore[no-untyped-def]
    with copy_of(postgres, migrated_template, f"celery_{tmp_path.name}") as url:
        g = Group(tmp_path, url, dovecot, imap_account, redis)
        yield g
        g.close()


@contextmanager
def copy_of(postgres, template: str, name: str) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A test's own copy of the migrated database, dropped after it."""
    name = name[:63].replace("-", "_")
    yield postgres.create_database(name, template=template)
    postgres.drop_database(name)


def test_worker_runs_queued_ingest_jobs(group: Group) -> None:
    for n in range(3):
        group.mail(n)
    group.start("worker", "--concurrency", "2")
    group.queue("ingest")
    wait_for(lambda: group.recorded() == ["processed"] * 3, 60, "three mails recorded")
    wait_for(lambda: group.count(Posting) == 3, 30, "three postings")
    assert group.dovecot.fetch_all("INBOX", username=group.account.username) == []


def test_beat_schedules_ingest_and_worker_picks_new_mail(group: Group) -> None:
    group.start("worker", "--concurrency", "1")
    group.start("beat")
    group.mail(1)
    wait_for(lambda: group.recorded() == ["processed"], 60, "mail ingested on schedule")
    group.mail(2)
    wait_for(lambda: group.recorded() == ["processed"] * 2, 60, "later mail ingested too")


def test_beat_and_workers_serve_every_group_from_its_own_inbox(group: Group) -> None:
    """A second group with its own inbox (groups/north.toml): the beat's ingest fans out one
    planner per group, each group's mail is stored and recorded in its own group only."""
    north = group.dovecot.add_user(f"north-{group.config.parent.name}@example.org", "imap-secret")
    assert group.cli("groups", "add", "north", "--name", "North").returncode == 0
    with (group.config.parent / "groups" / "north.toml").open("a") as handle:
        handle.write(
            f'[inbox]\nhost = "{group.dovecot.host}"\nport = {group.dovecot.port}\n'
            f'security = "starttls"\nusername = "{north.username}"\n'
            f'password_env = "TEST_IMAP_PASSWORD"\nca_file = "{group.dovecot.ca_file}"\n'
        )
    assert group.account.password == north.password  # one password variable for both inboxes
    members = group.config.parent / "members.csv"
    assert group.cli("members", "import", str(members), "--group", "north").returncode == 0
    group.mail(1)
    group.dovecot.append(
        "INBOX",
        gmail_forward(
            "Alice <alice@members.example>", "North folks", "Rita <rita@hr.example>",
            "Data Engineer 7 at Initech",
            "https://jobs.lever.co/initech/00000000-0000-4000-8000-000000000007\n",
        ),
        username=north.username,
    )  # fmt: skip
    group.start("worker", "--concurrency", "2")
    group.start("beat")

    def by_group() -> dict[int, list[str]]:
        with group.db.site().session() as s:
            rows = s.execute(select(RawMessage.group_id, RawMessage.status)).all()
        found: dict[int, list[str]] = {}
        for group_id, status in rows:
            found.setdefault(group_id, []).append(status)
        return found

    wait_for(
        lambda: by_group() == {1: ["processed"], 2: ["processed"]}, 90, "both inboxes", by_group
    )
    with group.db.for_group("north").session() as s:
        assert [p.title for p in s.scalars(select(Posting))] == ["Data Engineer 7"]
    with group.db.for_group("main").session() as s:
        assert [p.title for p in s.scalars(select(Posting))] == ["Data Engineer 1"]


def test_killed_worker_loses_no_mail(group: Group) -> None:
    """kill -9 while the poll task runs: the unacknowledged task is redelivered to the next
    worker, and every mail is recorded exactly once."""
    for n in range(3):
        group.mail(n)
    first = group.start("worker", "--concurrency", "1")
    group.queue("run_job", "poll")
    wait_for(lambda: group.count(RawMessage) > 0 or first.poll() is not None, 60, "poll started")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    group.start("worker", "--concurrency", "1")
    group.queue("run_job", "poll")  # and the redelivered one, after the visibility timeout
    wait_for(
        lambda: group.recorded() == ["processed"] * 3, 180, "every mail recorded once", group.state
    )
    assert group.count(RawMessage) == 3


def test_redis_restart_mid_run_loses_no_work(group: Group, redis) -> None:  # type: ignore[no-untyped-def]
    group.mail(1)
    group.start("worker", "--concurrency", "1")
    group.queue("ingest")
    wait_for(lambda: group.recorded() == ["processed"], 60, "first mail")
    redis.restart()  # queued messages are gone; the work is in the database and the inbox
    group.mail(2)
    group.queue("ingest")
    wait_for(lambda: group.recorded() == ["processed"] * 2, 90, "mail after the restart")


def test_a_wake_from_the_web_app_is_done_by_a_worker(group: Group) -> None:
    """The operator's "reprocess" records the intent and wakes a worker by the task's name
    (no beat running): the worker records the mail again."""
    from digest.clock import utcnow
    from digest.store.wakes import RECORD, notify, record_wake

    group.mail(1)
    group.start("worker", "--concurrency", "1")
    group.queue("ingest")
    wait_for(lambda: group.recorded() == ["processed"], 60, "first mail")
    with group.db.session() as s:  # what the Failures page's "Reprocess" does in its request
        raw = s.scalars(select(RawMessage)).one()
        raw.status, raw.reprocess_by, raw.reprocess_at = "new", "op@example.org", utcnow()
        record_wake(s, RECORD, f"failed message {raw.id} reprocessed")
    assert group.recorded() == ["new"]
    notify(load_config(group.config))
    wait_for(lambda: group.recorded() == ["processed"], 60, "reprocessed by the worker")


def test_worker_without_broker_is_one_line(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, db_url=f"sqlite:///{tmp_path / 'q.db'}",
        extra='[queue]\nbroker_url = "redis://127.0.0.1:9/0"\n',
    )  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "digest.cli", "--config", str(config), "worker"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "cannot reach the broker at redis://127.0.0.1:9/0" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


# -- several workers sharing a send, and faults mid-ingest ------------------------------------

EXTRA_MEMBERS = 600  # with the seeded seven: three send batches (lock.SEND_RANGE members each)


class SendGroup(Group):
    """The seeded digest group plus EXTRA_MEMBERS, on PostgreSQL, sending to aiosmtpd."""

    def __init__(self, tmp_path: Path, db_url: str, redis, smtp, ca_file: str) -> None:  # type: ignore[no-untyped-def]
        queue = f'[queue]\nbroker_url = "{redis.url}"\nvisibility_seconds = 3\n'
        self.config = write_config(
            tmp_path, db_url=db_url, smtp=(smtp.host, smtp.port), ca_file=ca_file, extra=queue
        )
        self.env = {**os.environ, "TEST_SMTP_PASSWORD": "smtp-secret", "TEST_SECRET_KEY": "k" * 32}
        self.procs = []
        self.db = Database(db_url)
        seeded = seed_group(self.db)
        with self.db.session() as s:
            for i in range(EXTRA_MEMBERS):
                member = Member(email=f"extra{i}@members.example", name=f"Extra Member {i}")
                s.add(member)
                s.flush()
                s.add(
                    MemberSubgroup(member_id=member.id, subgroup_id=seeded.subgroups["marketing"])
                )

    def rows(self) -> dict[str, tuple[str, str]]:
        """email -> (delivery status, Message-ID) for the period."""
        with self.db.session() as s:
            query = select(Member.email, Delivery.status, Delivery.message_id).join(
                Delivery, Delivery.member_id == Member.id
            )
            return {
                e: (st, mid) for e, st, mid in s.execute(query.where(Delivery.period == PERIOD))
            }


def client_pid(port: int) -> int:
    """The process with the TCP connection from local `port` (read from /proc, as root)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        try:
            if os.readlink(fd).removeprefix("socket:[").removesuffix("]") in inodes:
                return int(fd.parts[2])
        except OSError:
            continue
    raise AssertionError(f"no process holds local port {port}")


@pytest.fixture
def senders(
    tmp_path: Path, postgres, migrated_template, redis, smtp_server, tls_files
) -> Iterator[SendGroup]:  # type: ignore[no-untyped-def]
    with copy_of(postgres, migrated_template, f"send_{tmp_path.name}") as url:
        g = SendGroup(tmp_path, url, redis, smtp_server, str(tls_files.ca_file))
        yield g
        g.close()


def test_killed_sender_of_two_leaves_every_member_one_digest(
    senders: SendGroup, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    """Two workers share the period's send; one is killed -9 while its SMTP transaction waits.
    Afterwards every member has exactly one digest, the interrupted one with the Message-ID its
    row recorded before the kill, and no row is left sending or failed."""
    blocked, release = threading.Event(), threading.Event()
    seen: dict[str, object] = {"data": 0}

    def stall_mid_send(attempt: Attempt) -> str | None:
        if attempt.stage != "DATA" or blocked.is_set():
            return None
        seen["data"] = int(seen["data"]) + 1  # type: ignore[call-overload]
        if seen["data"] < 150:
            return None
        seen["peer"], seen["rcpt"] = attempt.peer, attempt.rcpt_tos[0]
        blocked.set()
        release.wait(30)
        return "451 4.3.0 Connection lost"

    smtp_server.respond_with(stall_mid_send)
    workers = [senders.start("worker", "--concurrency", "1", "--loglevel", "WARNING") for _ in "ab"]
    senders.queue("plan_sends", PERIOD)
    try:
        assert blocked.wait(120), "no send reached the 150th message"
        victim = os.getpgid(client_pid(seen["peer"][1]))  # type: ignore[index]
        assert victim in {w.pid for w in workers}
        os.killpg(victim, signal.SIGKILL)
    finally:
        release.set()
    smtp_server.respond_with(None)
    in_flight = senders.rows()[str(seen["rcpt"])]
    assert in_flight[0] == "sending"  # in flight when its sender died
    senders.start("worker", "--concurrency", "1", "--loglevel", "WARNING")

    cfg = load_config(senders.config)

    def all_sent() -> bool:
        """Nobody is owed the period's digest any more (a 'sending' row is still owed)."""
        senders.queue("plan_sends", PERIOD)  # as beat's minutely check would
        time.sleep(2)
        return not unsent_ids(senders.db, cfg, PERIOD)

    wait_for(
        all_sent, 180, "every digest sent", lambda: Counter(s for s, _ in senders.rows().values())
    )
    rows = senders.rows()
    assert {status for status, _ in rows.values()} <= {"sent", "skipped"}
    got = Counter(rcpt for m in smtp_server.messages for rcpt in m.rcpt_tos)
    sent = {email for email, (status, _) in rows.items() if status == "sent"}
    assert len(sent) > 600 and set(got) == sent and set(got.values()) == {1}
    for m in smtp_server.messages:
        assert m.message()["Message-ID"] == rows[m.rcpt_tos[0]][1]
    assert rows[str(seen["rcpt"])][1] == in_flight[1]  # resent with the Message-ID it had


def test_postgres_stopped_mid_ingest_loses_nothing(group: Group, postgres) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL stops while two worker processes poll and record; once it is back, the next
    planner runs find the work: every mail is recorded once and nothing is left pending."""
    for n in range(9):
        group.mail(n)
    group.start("worker", "--concurrency", "2", "--loglevel", "WARNING")
    group.queue("ingest")
    wait_for(lambda: group.count(RawMessage) > 0, 60, "ingest started", group.state)
    postgres.pause()
    time.sleep(2)
    postgres.resume()

    def all_recorded() -> bool:
        group.queue("ingest")  # as beat would, every [queue] ingest_seconds
        time.sleep(2)
        return group.recorded() == ["processed"] * 9

    wait_for(all_recorded, 180, "every mail recorded once", group.state)
    assert group.count(RawMessage) == 9 and group.count(Posting) == 9
    assert group.dovecot.fetch_all("INBOX", username=group.account.username) == []


def test_second_worker_on_sqlite_is_refused_in_one_line(tmp_path: Path, redis) -> None:  # type: ignore[no-untyped-def]
    database = tmp_path / "one.db"
    config = write_config(
        tmp_path, db_url=f"sqlite:///{database}",
        extra=f'[queue]\nbroker_url = "{redis.url}"\n',
    )  # fmt: skip
    command = [sys.executable, "-m", "digest.cli", "--config", str(config), "worker"]
    env = {**os.environ, "TEST_SECRET_KEY": "k" * 32}
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)  # fmt: skip
    try:
        lock = Path(f"{database}.worker-lock")
        wait_for(lambda: lock.exists() and first.poll() is None, 60, "first worker running")
        time.sleep(1)
        second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    finally:
        os.killpg(first.pid, signal.SIGTERM)
        first.wait(timeout=20)
    assert second.returncode == 2
    assert second.stderr.strip().count("\n") == 0
    assert "another `jobdigest worker` is running on the SQLite database" in second.stderr
    assert "Traceback" not in second.stderr + second.stdout
