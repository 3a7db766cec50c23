"""The units of work (digest/units.py) on both engines: planners list the work the database
holds, each unit is idempotent, and work another worker has claimed is left to it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from digest import units
from digest.config import Config, load_config
from digest.delivery.lock import SEND_RANGE
from digest.store.db import Database
from digest.store.locks import Work, claimed, range_key
from digest.store.models import Delivery, RawMessage
from tests.digest_seed import PERIOD, seed_group
from tests.servers import SmtpServer, TlsFiles
from tests.support.config import write_config
from tests.support.mails import gmail_forward


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "smtp-secret")
    monkeypatch.setenv("TEST_SECRET_KEY", "k" * 32)


def _group(url: str, smtp: SmtpServer, tls: TlsFiles, folder: Path) -> tuple[Database, Config]:
    path = write_config(folder, db_url=url, smtp=(smtp.host, smtp.port), ca_file=str(tls.ca_file))
    db = Database(url)
    seed_group(db)
    return db, load_config(path)


@pytest.fixture
def group(
    env: None, db_url: str, smtp_server: SmtpServer, tls_files: TlsFiles, tmp_path: Path
) -> Iterator[tuple[Database, Config]]:
    """The seeded digest group, on SQLite and on PostgreSQL."""
    db, cfg = _group(db_url, smtp_server, tls_files, tmp_path)
    yield db, cfg
    db.dispose()


@pytest.fixture
def pg_group(
    env: None,
    postgres,
    migrated_template,
    smtp_server: SmtpServer,
    tls_files: TlsFiles,
    tmp_path: Path,
) -> Iterator[tuple[Database, Config]]:  # type: ignore[no-untyped-def]
    """The seeded group on PostgreSQL alone: where several senders may share a send."""
    name = f"units_{tmp_path.name}"[:63].replace("-", "_")
    db, cfg = _group(
        postgres.create_database(name, template=migrated_template), smtp_server, tls_files,
        tmp_path,
    )  # fmt: skip
    yield db, cfg
    db.dispose()
    postgres.drop_database(name)


def _store_mail(db: Database, n: int) -> None:
    with db.session() as s:
        for i in range(n):
            raw = gmail_forward(
                "Alice <alice@members.example>", "For the group", "Rita <rita@hr.example>",
                f"Data Engineer {i} at Initech",
                f"https://jobs.lever.co/initech/00000000-0000-4000-8000-{i:012d}\n",
            )  # fmt: skip
            s.add(RawMessage(raw=raw))


def test_stored_mail_is_planned_recorded_once_then_tagged(group) -> None:  # type: ignore[no-untyped-def]
    db, cfg = group
    _store_mail(db, 3)
    batches = units.plan_records(db)
    assert [len(b) for b in batches] == [3]
    assert units.record_chunk(db, cfg, batches[0]) == {"processed": 3}
    assert units.record_chunk(db, cfg, batches[0]) == {}  # a redelivered task: nothing twice
    assert units.plan_records(db) == []
    stale = [ids for batch in units.plan_tags(db, cfg) for ids in batch]
    assert len(stale) >= 3
    assert units.tag_batch(db, cfg, stale).postings == len(stale)
    assert units.tag_batch(db, cfg, stale).postings == 0  # tagged already
    assert units.plan_tags(db, cfg) == []


def test_send_batches_share_a_period_once_each(group, smtp_server: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    db, cfg = group
    batches = units.plan_sends(db, cfg, PERIOD)
    assert batches and all(len({range_key(i, SEND_RANGE) for i in b}) == 1 for b in batches)
    first = units.send_batch(db, cfg, PERIOD, batches[0], retry_delay=0.01)
    again = units.send_batch(db, cfg, PERIOD, batches[0], retry_delay=0.01)
    got = Counter(r for m in smtp_server.messages for r in m.rcpt_tos)
    assert first.sent == len(got) > 0 and set(got.values()) == {1}
    assert again.sent == 0 and again.busy == 0
    assert units.plan_sends(db, cfg, PERIOD) == []


def test_a_batch_claimed_by_another_sender_is_left_to_it(pg_group, smtp_server: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    db, cfg = pg_group
    [batch] = units.plan_sends(db, cfg, PERIOD)
    with claimed(db, Work.SEND, range_key(batch[0], SEND_RANGE)) as mine:
        assert mine
        busy = units.send_batch(db, cfg, PERIOD, batch, retry_delay=0.01)
    assert busy.sent == 0 and busy.busy == len(batch) and smtp_server.messages == []
    with db.session() as s:
        assert s.scalars(select(Delivery)).all() == []
    assert units.send_batch(db, cfg, PERIOD, batch, retry_delay=0.01).sent > 0
