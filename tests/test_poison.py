"""Poison mail and storage trouble on the real servers: a parse that crashes or runs out of
budget costs that mail an attempt (three at most, then it is set aside with its reason), a
transient database error is retried and never becomes a mail's failure, and NUL characters or a
10 KB link never lose a mail on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from digest.cli import cli
from digest.config import load_config
from digest.inbox.poll import poll
from digest.ingest import parallel
from digest.ingest.record import MAX_ATTEMPTS, process_pending, start_pending
from digest.store.db import Database
from digest.store.models import Member, Posting, RawMessage
from tests.servers import PostgresServer
from tests.support.config import write_config
from tests.support.db import migrated_db
from tests.support.mails import gmail_forward, mail

ALICE = "Alice <alice@members.example>"
#: CPU seconds a parse worker may use before the watcher below kills it (a budget from outside)
CPU_LIMIT = 0.3


def victims(n: int) -> list[bytes]:
    return [
        gmail_forward(
            ALICE,
            f"Lead {i}",
            "Rita <rita@hr.example>",
            f"Data Engineer {i} at Initech",
            f"Apply: https://jobs.lever.co/initech/00000000-0000-4000-8000-{i:012d}\n",
        )
        for i in range(n)
    ]


def poison() -> bytes:
    """A real mail that costs over a second of CPU to parse (4 MB of distinct job links)."""
    lines = "".join(
        f"Apply https://jobs.lever.co/acme/{i:08d}-0000-4000-8000-000000000000 for the role\n"
        for i in range(50_000)
    )
    return mail(ALICE, "Fwd: all the jobs", lines)


def store(db: Database, *raws: bytes) -> list[int]:
    with db.session() as s:
        rows = [RawMessage(raw=raw) for raw in raws]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def rows(db: Database) -> dict[int, tuple[str, int, str]]:
    with db.session() as s:
        query = select(RawMessage.id, RawMessage.status, RawMessage.attempts, RawMessage.reason)
        return {i: (status, n, reason) for i, status, n, reason in s.execute(query)}


@pytest.fixture
def db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("JOBDIGEST_PARSE_WORKERS", "2")  # a pool even on a one-core runner
    parallel.shutdown()  # fresh workers: the watcher counts their CPU from zero
    database = Database(db_url)
    with database.session() as s:
        s.add(Member(email="alice@members.example", name="Alice"))
    yield database
    parallel.shutdown()
    database.dispose()


def _children() -> list[int]:
    """This process's forked children (parse workers), not the test servers it started."""
    me = Path("/proc/self/cmdline").read_bytes()
    found = []
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes() == me:
                    found.append(int(pid))
            except OSError:
                continue
    return found


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BudgetKiller:
    """Kills any parse worker that has used more than CPU_LIMIT seconds: what a CPU budget
    enforced by the operating system does to a worker stuck on one mail. `processes` lists
    the workers watched (default: this process's forked children)."""

    def __init__(self, processes: Callable[[], list[int]] | None = None) -> None:
        self.processes = processes or _children
        self.kills = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> BudgetKiller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            for pid in self.processes():
                try:
                    if _cpu_seconds(pid) > CPU_LIMIT:
                        os.kill(pid, signal.SIGKILL)
                        self.kills += 1
                except (OSError, IndexError, ValueError):
                    continue


def test_a_killed_parse_worker_costs_its_mails_one_attempt_and_loses_nothing(db: Database) -> None:
    ids = store(db, *victims(40))
    work = start_pending(db.sessions)  # the pool has the mails now
    for child in multiprocessing.active_children():
        os.kill(child.pid or 0, signal.SIGKILL)
    assert work.finish() == {"processed": 40}
    after = rows(db)
    assert {after[i][0] for i in ids} == {"processed"}
    # killed once: its mails are parsed again, alone, costing at most one more attempt
    assert max(after[i][1] for i in ids) <= 2
    with db.session() as s:
        assert len(s.scalars(select(Posting.id)).all()) == 40


def test_a_mail_that_kills_its_worker_every_time_is_set_aside_after_three_attempts(
    db: Database,
) -> None:
    ids = store(db, *victims(10), poison(), *victims(20)[10:])
    bad = ids[10]
    with BudgetKiller() as killer:
        counts = process_pending(db.sessions)
    assert counts == {"processed": 20, "failed": 1}
    assert killer.kills >= MAX_ATTEMPTS
    status, attempts, reason = rows(db)[bad]
    assert (status, attempts) == ("failed", MAX_ATTEMPTS)
    assert "killed" in reason and ("out of memory" in reason or "of memory" in reason)
    assert {rows(db)[i][0] for i in ids if i != bad} == {"processed"}
    # Never again: the next run does not touch it, and the operator sees it with its reason.
    assert process_pending(db.sessions) == {}
    result = CliRunner().invoke(cli, ["--config", _config(db), "inbox", "failures"])
    (line,) = [row for row in result.output.splitlines() if row.startswith(f"{bad}\t")]
    assert line.split("\t")[1] == "failed" and "\talice@members.example\t" in line
    assert reason in result.output


def test_a_mail_whose_parse_killed_the_whole_process_is_tried_alone_then_set_aside(
    db: Database,
) -> None:
    """A row left 'new' with attempts counted: the process died while parsing it."""
    first, second = store(db, *victims(2))
    with db.session() as s:
        s.get_one(RawMessage, first).attempts = MAX_ATTEMPTS  # died three times already
        s.get_one(RawMessage, second).attempts = 1  # died once, in a batch
    assert process_pending(db.sessions) == {"failed": 1, "processed": 1}
    assert rows(db)[first][:2] == ("failed", MAX_ATTEMPTS)
    assert "died" in rows(db)[first][2]
    assert rows(db)[second][:2] == ("processed", 2)


def _config(db: Database) -> str:
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"poison-{os.getpid()}-{id(db)}"
    folder.mkdir(exist_ok=True)
    return str(write_config(folder, db_url=db.url))


# -- storage: PostgreSQL restarted mid-ingest, NUL characters, a 10 KB link --------------------


LONG_URL = "https://careers.initech.example/jobs/4243/analyst?req=" + "x" * 3000


def hostile_values() -> list[bytes]:
    long_url = LONG_URL  # over PostgreSQL's VARCHAR(1000) and a btree entry's 2.7 KB
    return [
        b"From: Alice <alice@members.example>\r\nTo: leads@group.example.org\r\n"
        b"Subject: Fwd: Buyer\x00 at Acme\r\nMessage-ID: <nul\x00@test>\r\n\r\n"
        b"Buyer at Acme\x00 Corp: https://boards.greenhouse.io/acme/jobs/4242\r\n",
        gmail_forward(ALICE, "long one", "Rita <rita@hr.example>", "Analyst at Initech", long_url),
    ]


@pytest.fixture
def pg_setup(  # type: ignore[no-untyped-def]
    postgres: PostgresServer, dovecot, imap_account, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap_account.password)
    url = postgres.create_database(
        f"poison_{os.getpid()}_{imap_account.username[:8]}".replace("@", "")
    )
    path = write_config(
        tmp_path,
        db_url=url,
        ca_file=str(dovecot.ca_file),
        imap=(dovecot.host, dovecot.port, imap_account.username, imap_account.password),
    )
    cfg = load_config(path)
    database = migrated_db(cfg.database_url())
    with database.session() as s:
        s.add(Member(email="alice@members.example", name="Alice"))
    yield cfg, database, imap_account.username
    database.dispose()


def test_postgres_restarted_mid_poll_loses_nothing_and_fails_no_mail(  # type: ignore[no-untyped-def]
    pg_setup, dovecot, postgres: PostgresServer
) -> None:
    cfg, db, user = pg_setup
    for raw in [*victims(5), *hostile_values()]:
        dovecot.append("INBOX", raw, username=user)
    restarted = threading.Event()

    def outage(done: int, total: int) -> None:
        if done == 3 and not restarted.is_set():
            postgres.pause()  # every connection drops; the next statements find no server
            threading.Timer(1.0, lambda: (postgres.resume(), restarted.set())).start()

    result = poll(db, cfg, progress=outage)
    assert restarted.wait(30)
    assert result.fetched == 7 and result.moved == 7
    statuses = {status for status, _n, _r in rows(db).values()}
    assert statuses == {"processed"}, rows(db)
    assert dovecot.fetch_all("INBOX", username=user) == []
    with db.session() as s:
        postings = s.scalars(select(Posting)).all()
        subjects = s.scalars(select(RawMessage.subject)).all()
    assert any(p.url == LONG_URL for p in postings)  # the whole link is kept
    assert all(len(p.canonical_url or "") <= 1000 for p in postings)
    assert any("4242" in (p.canonical_url or "") for p in postings)
    assert not any("\x00" in text for text in subjects)
