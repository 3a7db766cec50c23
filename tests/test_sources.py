"""Configured sources fetched from a real local HTTP server into a real database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from digest.config import BoardConfig, Config, FeedConfig, FetchConfig
from digest.sources.pull import (
    PAUSE_AFTER,
    backoff,
    board_url,
    fetch_due_sources,
    fetch_source,
    resume_source,
    sync_sources,
)
from digest.store.db import Database
from digest.store.models import Posting, Sighting, Source, Subgroup

BOARDS = Path(__file__).parent / "data" / "boards"
T0 = datetime(2024, 6, 10, 9, 0, 0)


@dataclass
class FeedServer:
    """Serves `pages[path]` = (status, body, etag); answers If-None-Match with 304."""

    pages: dict[str, tuple[int, bytes, str]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _handler(state: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            state.requests.append((self.path, self.headers.get("If-None-Match", "")))
            status, body, etag = state.pages.get(self.path, (404, b"missing", ""))
            if etag and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(status)
            if etag:
                self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def server() -> Iterator[FeedServer]:
    state = FeedServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """With the sub-groups the configs below tie sources to ([[feeds]] subgroups are checked)."""
    database = Database(db_url)
    with database.session() as session:
        session.add_all([Subgroup(name="Marketing"), Subgroup(name="IT")])
    yield database
    database.dispose()


def config(*feeds: str, boards: list[BoardConfig] | None = None) -> Config:
    return Config(
        fetch=FetchConfig(timeout_seconds=2.0, allow_private=True),
        feeds=[FeedConfig(url=u, subgroups=["Marketing"]) for u in feeds],
        boards=boards or [],
    )


def rss(*items: tuple[str, str]) -> bytes:
    body = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title>"
        f"<link>https://jobs.example.com/{guid}</link></item>"
        for guid, title in items
    )
    return f"<rss version='2.0'><channel><title>Jobs</title>{body}</channel></rss>".encode()


def sightings(db: Database, source_id: int) -> int:
    with db.session() as session:
        return (
            session.scalar(
                select(func.count()).select_from(Sighting).where(Sighting.source_id == source_id)
            )
            or 0
        )


def source(db: Database, source_id: int) -> Source:
    with db.session() as session:
        return session.get_one(Source, source_id)


# -- configuration --------------------------------------------------------------------------------


def test_sync_sources_upserts_feeds_and_boards(db: Database) -> None:
    boards = [
        BoardConfig(kind="greenhouse", company="acme", name="Acme Robotics"),
        BoardConfig(kind="lever", company="initech", subgroups=["IT"]),
    ]
    cfg = config("https://example.org/jobs.rss", boards=boards)
    with db.session() as session:
        first = sync_sources(session, cfg)
    cfg.feeds[0].name = "Example jobs"
    with db.session() as session:
        again = sync_sources(session, cfg)
        rows = {s.key: (s.kind, s.name, s.subgroups) for s in session.scalars(select(Source))}
    assert first == again and len(first) == 3
    assert rows == {
        "https://example.org/jobs.rss": ("feed", "Example jobs", ["Marketing"]),
        "https://boards-api.greenhouse.io/v1/boards/acme/jobs?content=true": (
            "greenhouse",
            "Acme Robotics",
            [],
        ),
        "https://api.lever.co/v0/postings/initech?mode=json": ("lever", "initech", ["IT"]),
    }


def test_board_urls() -> None:
    assert board_url("greenhouse", "acme") == (
        "https://boards-api.greenhouse.io/v1/boards/acme/jobs?content=true"
    )
    assert board_url("lever", "initech") == "https://api.lever.co/v0/postings/initech?mode=json"


# -- fetching -------------------------------------------------------------------------------------


def test_changing_feed_ingests_new_entries_once(db: Database, server: FeedServer) -> None:
    server.pages["/jobs.rss"] = (
        200,
        rss(("a", "Marketing Manager"), ("b", "Data Analyst")),
        '"v1"',
    )
    cfg = config(server.url("/jobs.rss"))
    (first,) = fetch_due_sources(db, cfg, now=T0)
    assert (first.status, first.entries, first.new_sightings) == ("ok", 2, 2)
    stored = source(db, first.source_id)
    assert stored.etag == '"v1"' and stored.last_success == T0 and stored.consecutive_failures == 0

    (unchanged,) = fetch_due_sources(db, cfg, now=T0 + timedelta(hours=1))
    assert unchanged.status == "not_modified"
    assert server.requests[-1] == ("/jobs.rss", '"v1"')

    server.pages["/jobs.rss"] = (
        200,
        rss(("c", "Brand Strategist"), ("a", "Marketing Manager"), ("b", "Data Analyst")),
        '"v2"',
    )
    (changed,) = fetch_due_sources(db, cfg, now=T0 + timedelta(hours=2))
    assert (changed.status, changed.entries, changed.new_sightings) == ("ok", 3, 1)
    assert sightings(db, first.source_id) == 3
    with db.session() as session:
        titles = sorted(session.scalars(select(Posting.title)))
    assert titles == ["Brand Strategist", "Data Analyst", "Marketing Manager"]
    assert source(db, first.source_id).etag == '"v2"'


def test_fetching_twice_without_validators_adds_nothing(db: Database, server: FeedServer) -> None:
    server.pages["/plain.rss"] = (200, rss(("x", "Buyer"), ("y", "Planner")), "")
    cfg = config(server.url("/plain.rss"))
    with db.session() as session:
        (source_id,) = sync_sources(session, cfg)
    assert fetch_source(db, source_id, cfg, now=T0).new_sightings == 2
    repeat = fetch_source(db, source_id, cfg, now=T0 + timedelta(minutes=1))
    assert (repeat.status, repeat.entries, repeat.new_sightings) == ("ok", 2, 0)
    assert sightings(db, source_id) == 2


def test_same_job_in_two_feeds_is_one_posting_with_two_sightings(
    db: Database, server: FeedServer
) -> None:
    server.pages["/one.rss"] = (200, rss(("1", "Payroll Specialist")), "")
    server.pages["/two.rss"] = (200, rss(("1", "Payroll Specialist")), "")
    results = fetch_due_sources(db, config(server.url("/one.rss"), server.url("/two.rss")), now=T0)
    assert [r.status for r in results] == ["ok", "ok"]
    assert results[0].posting_ids == results[1].posting_ids
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Posting)) == 1
        assert session.scalar(select(func.count()).select_from(Sighting)) == 2


def test_board_source_from_a_board_response(db: Database, server: FeedServer) -> None:
    server.pages["/v1/boards/acme/jobs"] = (200, (BOARDS / "greenhouse-acme.json").read_bytes(), "")
    with db.session() as session:
        board = Source(
            kind="greenhouse", key=server.url("/v1/boards/acme/jobs"), name="Acme Robotics"
        )
        session.add(board)
        session.flush()
        board_id = board.id
    result = fetch_source(db, board_id, config(), now=T0)
    assert (result.status, result.entries, result.new_sightings) == ("ok", 2, 2)
    with db.session() as session:
        rows = session.execute(select(Posting.company, Posting.origin)).all()
    assert sorted(rows) == [("Acme Robotics", "greenhouse")] * 2


def test_wrong_content_is_a_failure_with_a_reason(db: Database, server: FeedServer) -> None:
    server.pages["/not-a-board"] = (200, b"<html><body>Careers</body></html>", "")
    with db.session() as session:
        board = Source(kind="lever", key=server.url("/not-a-board"), name="Initech")
        session.add(board)
        session.flush()
        board_id = board.id
    result = fetch_source(db, board_id, config(), now=T0)
    assert result.status == "failed" and "not a Lever job board response" in result.error
    assert source(db, board_id).last_error == result.error


# -- health ---------------------------------------------------------------------------------------


def test_failing_source_backs_off_then_pauses(db: Database, server: FeedServer) -> None:
    server.pages["/broken.rss"] = (500, b"boom", "")
    cfg = config(server.url("/broken.rss"))
    now = T0
    (result,) = fetch_due_sources(db, cfg, now=now)
    assert result.status == "failed" and "HTTP 500" in result.error
    first = source(db, result.source_id)
    assert first.consecutive_failures == 1 and "HTTP 500" in first.last_error
    assert timedelta(minutes=4) < first.next_attempt - now <= timedelta(minutes=6)

    requests_before = len(server.requests)
    assert fetch_due_sources(db, cfg, now=now + timedelta(minutes=1)) == []  # not due yet
    assert len(server.requests) == requests_before

    delays = []
    while not source(db, result.source_id).paused:
        state = source(db, result.source_id)
        delays.append(state.next_attempt - now)
        now = state.next_attempt + timedelta(seconds=1)
        fetch_due_sources(db, cfg, now=now)
        assert now - T0 < timedelta(days=6), "never paused"
    paused = source(db, result.source_id)
    assert now - T0 >= PAUSE_AFTER
    assert all(later > earlier for earlier, later in zip(delays[:7], delays[1:8], strict=True))
    assert max(delays) <= timedelta(days=1)
    assert paused.next_attempt is None
    assert paused.last_error.startswith("paused after") and "HTTP 500" in paused.last_error

    requests_before = len(server.requests)
    assert fetch_due_sources(db, cfg, now=now + timedelta(days=2)) == []
    assert len(server.requests) == requests_before

    server.pages["/broken.rss"] = (200, rss(("z", "Recruiter")), "")
    with db.session() as session:
        resume_source(session, result.source_id)
    (revived,) = fetch_due_sources(db, cfg, now=now + timedelta(days=2))
    assert revived.status == "ok" and revived.new_sightings == 1
    assert source(db, result.source_id).consecutive_failures == 0


def test_one_failure_after_a_long_quiet_spell_does_not_pause(
    db: Database, server: FeedServer
) -> None:
    server.pages["/feed.rss"] = (200, rss(("a", "Buyer")), "")
    cfg = config(server.url("/feed.rss"))
    (ok,) = fetch_due_sources(db, cfg, now=T0)
    server.pages["/feed.rss"] = (503, b"maintenance", "")
    (failed,) = fetch_due_sources(db, cfg, now=T0 + timedelta(days=10))
    assert failed.status == "failed"
    assert not source(db, ok.source_id).paused


def test_backoff_grows_to_a_day_with_jitter() -> None:
    assert backoff(1, jitter=0) == timedelta(minutes=5)
    assert backoff(3, jitter=0) == timedelta(minutes=20)
    assert backoff(30, jitter=0) == timedelta(days=1)
    samples = {backoff(4) for _ in range(20)}
    assert len(samples) > 1
    assert all(timedelta(minutes=36) <= s <= timedelta(minutes=44) for s in samples)
