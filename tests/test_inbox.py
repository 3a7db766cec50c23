"""The inbox stage on a real Dovecot: every mail stored once and moved only after the commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from digest.config import load_config
from digest.errors import ServiceError
from digest.inbox.poll import poll, process_pending, store_batch
from digest.store.db import Database
from digest.store.models import Member, RawMessage
from tests.support.config import write_config
from tests.support.db import migrated_db
from tests.support.mails import gmail_forward

pytestmark = pytest.mark.servers


def forwards(n: int) -> list[bytes]:
    return [
        gmail_forward(
            "Alice <alice@members.example>",
            f"Lead number {i}",
            "Rita <rita@hr.example>",
            f"Data Engineer {i} at Initech",
            f"Apply: https://jobs.lever.co/initech/00000000-0000-4000-8000-{i:012d}\n",
        )
        for i in range(n)
    ]


@pytest.fixture
def setup(dovecot, imap_account, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap_account.password)
    path = write_config(
        tmp_path,
        db_url=db_url,
        ca_file=str(dovecot.ca_file),
        imap=(dovecot.host, dovecot.port, imap_account.username, imap_account.password),
    )
    cfg = load_config(path)
    db = migrated_db(cfg.database_url())
    with db.session() as s:
        s.add(Member(email="alice@members.example", name="Alice"))
    yield cfg, db, imap_account.username
    db.dispose()


def stored(db: Database) -> list[tuple[int | None, str]]:
    with db.session() as s:
        return list(
            s.execute(select(RawMessage.uid, RawMessage.status).order_by(RawMessage.uid)).all()
        )


def test_poll_stores_processes_and_moves_in_batches(setup, dovecot) -> None:  # type: ignore[no-untyped-def]
    cfg, db, user = setup
    for raw in forwards(7):
        dovecot.append("INBOX", raw, username=user)
    batches: list[int] = []
    result = poll(db, cfg, progress=lambda done, total: batches.append(done))
    assert batches == [3, 6, 7]  # batch_size = 3 in the test config
    assert result.fetched == 7 and result.moved == 7
    assert [s for _, s in stored(db)] == ["processed"] * 7
    assert dovecot.fetch_all("INBOX", username=user) == []
    assert len(dovecot.fetch_all("Processed", username=user)) == 7
    # Polling again finds nothing and changes nothing.
    again = poll(db, cfg)
    assert again.fetched == 0 and len(stored(db)) == 7


def test_crash_between_commit_and_move_stores_nothing_twice(setup, dovecot) -> None:  # type: ignore[no-untyped-def]
    cfg, db, user = setup
    for raw in forwards(4):
        dovecot.append("INBOX", raw, username=user)
    # What a worker killed right after its commit leaves behind: rows stored, mail not moved.
    with dovecot.connect(username=user) as client:
        info = client.select_folder("INBOX")
        data = client.fetch(client.search("ALL"), ["BODY.PEEK[]"])
    store_batch(db, cfg, int(info[b"UIDVALIDITY"]), {uid: d[b"BODY[]"] for uid, d in data.items()})
    assert len(dovecot.fetch_all("INBOX", username=user)) == 4
    result = poll(db, cfg)
    assert result.moved == 4
    assert len(stored(db)) == 4 and {s for _, s in stored(db)} == {"processed"}
    assert dovecot.fetch_all("INBOX", username=user) == []
    assert len(dovecot.fetch_all("Processed", username=user)) == 4


def test_connection_dropped_mid_batch_then_next_poll_completes(setup, dovecot) -> None:  # type: ignore[no-untyped-def]
    cfg, db, user = setup
    for raw in forwards(7):
        dovecot.append("INBOX", raw, username=user)

    def drop(done: int, total: int) -> None:
        if done == 3:
            dovecot.restart()  # every open connection is cut

    with pytest.raises(Exception):  # noqa: B017 - imaplib/socket errors vary by moment
        poll(db, cfg, progress=drop)
    # The first batch is done; the second was already stored (pipelined) but not yet moved.
    first = stored(db)
    assert len(first) in (3, 6) and [s for _, s in first[:3]] == ["processed"] * 3
    poll(db, cfg)
    rows = stored(db)
    assert len(rows) == 7 and len({uid for uid, _ in rows}) == 7
    assert dovecot.fetch_all("INBOX", username=user) == []
    assert len(dovecot.fetch_all("Processed", username=user)) == 7


@pytest.mark.parametrize(("total", "kept"), [(6, 6), (9, 8)], ids=["stored", "not-yet-fetched"])
def test_message_deleted_by_someone_else_mid_run(setup, dovecot, total: int, kept: int) -> None:  # type: ignore[no-untyped-def]
    """Deleted after we stored it (MOVE must skip it) or before we fetched it (never stored)."""
    cfg, db, user = setup
    for raw in forwards(total):
        dovecot.append("INBOX", raw, username=user)

    def delete_last(done: int, total: int) -> None:
        if done == 3:  # batch 2 is stored by now (pipelined), batch 3 is not fetched yet
            with dovecot.connect(username=user) as other:
                other.select_folder("INBOX")
                last = max(other.search("ALL"))
                other.delete_messages([last])
                other.expunge()

    poll(db, cfg, progress=delete_last)
    assert len(stored(db)) == kept
    assert dovecot.fetch_all("INBOX", username=user) == []
    assert len(dovecot.fetch_all("Processed", username=user)) == total - 1


def test_same_message_appended_twice_is_ingested_once(setup, dovecot) -> None:  # type: ignore[no-untyped-def]
    cfg, db, user = setup
    raw = forwards(1)[0]
    dovecot.append("INBOX", raw, username=user)
    dovecot.append("INBOX", raw, username=user)
    poll(db, cfg)
    assert sorted(s for _, s in stored(db)) == ["duplicate", "processed"]
    assert len(dovecot.fetch_all("Processed", username=user)) == 2


def test_wrong_password_is_a_clear_service_error(setup, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    cfg, db, _user = setup
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "wrong")
    with pytest.raises(ServiceError, match="login as .* refused"):
        poll(db, cfg)


def test_process_pending_survives_a_message_that_crashes_the_parser(setup, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cfg, db, _user = setup
    with db.session() as s:
        s.add_all([RawMessage(raw=forwards(1)[0]), RawMessage(raw=b"Subject: boom\r\n\r\nboom")])
    import digest.ingest.parallel as parallel

    real = parallel.parse_mail

    def flaky(raw: bytes, file: str = ""):  # type: ignore[no-untyped-def]
        if b"boom" in raw:
            raise RuntimeError("parser bug")
        return real(raw, file)

    monkeypatch.setattr(parallel, "parse_mail", flaky)
    counts = process_pending(db.sessions)
    assert counts == {"processed": 1, "failed": 1}
    with db.session() as s:
        reason = s.scalar(select(RawMessage.reason).where(RawMessage.status == "failed"))
        assert reason == "internal error: RuntimeError: parser bug"
        assert s.scalar(select(func.count(RawMessage.id))) == 2
