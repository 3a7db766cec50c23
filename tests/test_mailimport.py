"""Backfill with `jobdigest import-mail`: mbox and Maildir, each mail once, progress shown."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from digest.cli import cli
from digest.store.db import Database
from digest.store.models import Member, RawMessage, Sighting
from tests.support.config import write_config
from tests.support.mails import BROKEN_MIME, gmail_forward


def mails(n: int) -> list[bytes]:
    return [
        gmail_forward(
            "Alice <alice@members.example>",
            f"Old lead {i}",
            "Rita <rita@hr.example>",
            f"Financial Analyst {i} at Globex",
            f"https://boards.greenhouse.io/globex/jobs/{5_000_000 + i}\n",
        )
        for i in range(n)
    ] + [BROKEN_MIME]


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    path = write_config(tmp_path, db_url=db_url)
    db = Database(db_url)
    with db.session() as s:
        s.add(Member(email="alice@members.example", name="Alice"))
    db.dispose()
    return path


def make_mbox(path: Path, raws: list[bytes]) -> Path:
    box = mailbox.mbox(str(path))
    for raw in raws:
        box.add(raw)
    box.flush()
    box.close()
    return path


def make_maildir(path: Path, raws: list[bytes]) -> Path:
    box = mailbox.Maildir(str(path))
    for raw in raws:
        box.add(raw)
    return path


@pytest.mark.parametrize("kind", ["mbox", "maildir"])
def test_import_stores_each_mail_once_and_processes_it(
    config: Path, tmp_path: Path, db_url: str, kind: str
) -> None:
    raws = mails(5)
    source = (
        make_mbox(tmp_path / "old.mbox", raws)
        if kind == "mbox"
        else make_maildir(tmp_path / "Maildir", raws)
    )
    runner = CliRunner()
    first = runner.invoke(cli, ["--config", str(config), "import-mail", str(source)])
    assert first.exit_code == 0, first.output
    assert "6 read, 6 stored, 0 already stored" in first.output and "5 processed" in first.output
    again = runner.invoke(cli, ["--config", str(config), "import-mail", str(source)])
    assert again.exit_code == 0 and "6 read, 0 stored, 6 already stored" in again.output
    db = Database(db_url)
    with db.session() as s:
        assert s.scalar(select(func.count(RawMessage.id))) == 6
        assert s.scalar(select(func.count(Sighting.id))) == 5
        assert (
            s.scalar(
                select(RawMessage.status).where(RawMessage.message_id == "<broken@test.example>")
            )
            == "failed"
        )
    db.dispose()


def test_not_a_mailbox_is_a_clear_error(config: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello\n")
    result = CliRunner().invoke(cli, ["--config", str(config), "import-mail", str(bogus)])
    assert result.exit_code == 2 and "not an mbox file" in result.output
    missing = CliRunner().invoke(
        cli, ["--config", str(config), "import-mail", str(tmp_path / "nope")]
    )
    assert missing.exit_code == 2 and "no such file or folder" in missing.output


def test_failures_list_and_reprocess(config: Path, tmp_path: Path, db_url: str) -> None:
    runner = CliRunner()
    runner.invoke(
        cli, ["--config", str(config), "import-mail", str(make_mbox(tmp_path / "a.mbox", mails(1)))]
    )
    listing = runner.invoke(cli, ["--config", str(config), "inbox", "failures"])
    assert listing.exit_code == 0 and "declares boundary 'missing'" in " ".join(
        listing.output.split()
    )
    usage = runner.invoke(cli, ["--config", str(config), "inbox", "reprocess"])
    assert usage.exit_code == 2 and "--all" in usage.output
    redo = runner.invoke(cli, ["--config", str(config), "inbox", "reprocess", "--all"])
    assert redo.exit_code == 0 and "Reprocessed 1: 1 failed" in redo.output
