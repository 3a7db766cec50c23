"""The weekly trigger in the group's zone across DST, and the runner's catch-up after downtime."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.config import Config, load_config
from digest.store.db import Database
from schedules.runner import Runner
from schedules.triggers import occurrences, previous
from tests.digest_seed import seed_group
from tests.servers import SmtpServer, TlsFiles
from tests.support.config import write_config

CHICAGO = ZoneInfo("America/Chicago")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after", "expected_utc"),
    [
        # Spring forward on Sunday 2026-03-08: 07:00 CST is 13:00Z, 07:00 CDT is 12:00Z.
        (utc(2026, 3, 1), [utc(2026, 3, 2, 13), utc(2026, 3, 9, 12), utc(2026, 3, 16, 12)]),
        # Fall back on Sunday 2026-11-01: back from 12:00Z to 13:00Z.
        (utc(2026, 10, 25), [utc(2026, 10, 26, 12), utc(2026, 11, 2, 13), utc(2026, 11, 9, 13)]),
    ],
)
def test_monday_seven_stays_seven_local_across_dst(
    after: datetime, expected_utc: list[datetime]
) -> None:
    got = occurrences("monday", "07:00", CHICAGO, after, count=3)
    assert [t.astimezone(UTC) for t in got] == expected_utc
    assert {(t.hour, t.minute) for t in got} == {(7, 0)}


def test_a_time_skipped_by_spring_forward_runs_once_just_after_the_gap() -> None:
    runs = occurrences("sunday", "02:30", CHICAGO, utc(2026, 3, 1, 12), count=3)
    assert [t.astimezone(UTC) for t in runs] == [
        utc(2026, 3, 8, 8, 30),
        utc(2026, 3, 15, 7, 30),
        utc(2026, 3, 22, 7, 30),
    ]
    assert runs[0].strftime("%H:%M %Z") == "03:30 CDT"


def test_a_time_repeated_by_fall_back_runs_once() -> None:
    runs = occurrences("sunday", "01:30", CHICAGO, utc(2026, 10, 26), count=2)
    assert [t.astimezone(UTC) for t in runs] == [utc(2026, 11, 1, 6, 30), utc(2026, 11, 8, 7, 30)]
    # Between the first and the repeated 01:30 nothing else is due.
    assert previous("sunday", "01:30", CHICAGO, utc(2026, 11, 1, 7, 45)) == runs[0]


# -- the runner, on real servers ----------------------------------------------------------------

#: Monday 2026-11-23 07:00 in Chicago (CST): the seeded group's digest time for 2026-W48.
DUE = utc(2026, 11, 23, 13, 0)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def world(
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
    smtp_server: SmtpServer,
    tls_files: TlsFiles,
    tmp_path: Path,
) -> Iterator[tuple[Database, Config]]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "smtp-secret")
    monkeypatch.setenv("TEST_SECRET_KEY", "k" * 32)
    path = write_config(
        tmp_path, db_url=db_url, smtp=(smtp_server.host, smtp_server.port), ca_file=str(tls_files.ca_file),
        extra='[digest]\nday = "monday"\ntime = "07:00"\ngrace_hours = 24\n',
    )  # fmt: skip
    db = Database(db_url)
    seed_group(db)
    yield db, load_config(path)
    db.dispose()


def recipients(smtp_server: SmtpServer) -> Counter[str]:
    return Counter(r for m in smtp_server.messages for r in m.rcpt_tos)


def test_a_missed_run_catches_up_at_start_and_never_runs_twice(
    world, smtp_server: SmtpServer
) -> None:  # type: ignore[no-untyped-def]
    db, cfg = world
    clock = Clock(DUE - timedelta(minutes=1))
    assert Runner(db, cfg, clock=clock).due_period() is None  # not yet
    # The worker was down at 07:00 and starts at 12:00 local: the run is caught up.
    clock.now = DUE + timedelta(hours=5)
    runner = Runner(db, cfg, clock=clock, report=lambda *_: None)
    assert runner.due_period() == "2026-W48"
    runner.send_if_due()
    first = recipients(smtp_server)
    assert first and set(first.values()) == {1}
    assert runner.due_period() is None
    # Restarted an hour later (a new process): nobody gets a second digest for the period.
    clock.now = DUE + timedelta(hours=6)
    restarted = Runner(db, cfg, clock=clock, report=lambda *_: None)
    assert restarted.due_period() is None  # the database, not process memory, says it is done
    restarted.send_if_due()
    assert recipients(smtp_server) == first


def test_beyond_the_grace_window_the_run_is_left_for_next_week(
    world, smtp_server: SmtpServer
) -> None:  # type: ignore[no-untyped-def]
    db, cfg = world
    runner = Runner(db, cfg, clock=Clock(DUE + timedelta(hours=25)), report=lambda *_: None)
    assert runner.due_period() is None
    runner.send_if_due()
    assert smtp_server.messages == []


def test_dst_week_runner_fires_at_local_seven(world) -> None:  # type: ignore[no-untyped-def]
    _db, cfg = world
    # A schedule of 'every 168 hours' would fire at 13:00Z here (08:00 CDT), and at 12:00Z (06:00 CST)
    # after fall-back; the group's 07:00 is 12:00Z and 13:00Z.
    clock = Clock(utc(2026, 3, 9, 11, 30))  # 06:30 CDT
    runner = Runner(_db, cfg, clock=clock)
    assert runner.due_period() is None
    clock.now = utc(2026, 3, 9, 12, 1)  # 07:01 CDT
    assert runner.due_period() == "2026-W11"
    clock.now = utc(2026, 11, 2, 12, 30)  # 06:30 CST after fall-back: not yet
    assert runner.due_period() is None
    clock.now = utc(2026, 11, 2, 13, 0)
    assert runner.due_period() == "2026-W45"
