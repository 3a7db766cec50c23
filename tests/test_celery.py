"""Celery on Redis: `jobdigest worker` and `jobdigest beat` run the same jobs as `jobdigest run`,
and a worker killed mid-task or a Redis restart loses no member's mail."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from digest.config import load_config
from digest.store.db import Database
from digest.store.models import Posting, RawMessage
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
        proc = subprocess.Popen(
            [sys.executable, "-m", "digest.cli", "--config", str(self.config), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=self.env,
        )  # fmt: skip
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
                    proc.kill()
        self.db.dispose()


@pytest.fixture
def group(
    tmp_path: Path, postgres, migrated_template, dovecot, imap_account, redis
) -> Iterator[Group]:  # type: ignore[no-untyped-def]
    name = f"celery_{tmp_path.name}"[:63].replace("-", "_")
    url = postgres.create_database(name, template=migrated_template)
    g = Group(tmp_path, url, dovecot, imap_account, redis)
    yield g
    g.close()
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


def test_killed_worker_loses_no_mail(group: Group) -> None:
    """kill -9 while the poll task runs: the unacknowledged task is redelivered to the next
    worker, and every mail is recorded exactly once."""
    for n in range(3):
        group.mail(n)
    first = group.start("worker", "--concurrency", "1")
    group.queue("run_job", "poll")
    wait_for(lambda: group.count(RawMessage) > 0 or first.poll() is not None, 60, "poll started")
    first.send_signal(signal.SIGKILL)
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
