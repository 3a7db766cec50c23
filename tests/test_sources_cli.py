"""`jobdigest sources`: the operator sees each source's health and can resume a paused one."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from click.testing import CliRunner

from digest.cli import cli
from digest.store.db import Database
from digest.store.models import Source
from tests.support.config import write_config


def test_sources_lists_health_and_resume_unpauses(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 's.db'}"
    config = write_config(
        tmp_path,
        db_url=db_url,
        extra='[[feeds]]\nurl = "https://jobs.example.org/marketing.rss"\nname = "Marketing jobs"\n',
    )
    runner = CliRunner()
    listing = runner.invoke(cli, ["--config", str(config), "sources"], terminal_width=200)
    assert listing.exit_code == 0 and "Marketing jobs" in listing.output
    db = Database(db_url)
    with db.session() as s:
        source = s.query(Source).one()
        source.paused, source.consecutive_failures = True, 14
        source.failing_since = datetime(2026, 11, 20, 8, 0)
        source.last_error = "paused after failing for 3 days (14 attempts); last error: HTTP 500"
        source_id = source.id
    listing = runner.invoke(cli, ["--config", str(config), "sources", "list"], terminal_width=200)
    assert "paused" in listing.output and "14x since 2026-11-20 02:00 CST" in listing.output
    resumed = runner.invoke(cli, ["--config", str(config), "sources", "resume", str(source_id)])
    assert resumed.exit_code == 0 and f"Source {source_id} resumed" in resumed.output
    with db.session() as s:
        source = s.get_one(Source, source_id)
        assert (
            not source.paused and source.failing_since is None and source.consecutive_failures == 0
        )
    missing = runner.invoke(cli, ["--config", str(config), "sources", "resume", "999"])
    assert missing.exit_code == 2 and "no source with id 999" in missing.output
    db.dispose()
