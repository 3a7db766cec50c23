"""Only `jobdigest db upgrade` (and `init`, `demo`) change the schema; every other command on an
empty, old or newer database stops with one line saying what to do, and touches nothing.

Through the real `jobdigest` process, on real SQLite files and the test PostgreSQL server."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from digest.store.db import alembic_config, head_revision, make_engine
from tests.support.config import write_config
from tests.support.webproc import cli_env

KEY = "k" * 32


def _jobdigest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest.cli", *args],
        cwd=folder,
        env=cli_env(TEST_SECRET_KEY=KEY, TEST_IMAP_PASSWORD="secret"),
        capture_output=True,
        text=True,
        timeout=180,
    )


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    everything = done.stdout + done.stderr
    assert "Traceback" not in everything, everything
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    return lines[0]


def _stamped_at(url: str, revision: str) -> None:
    """A database as an older jobdigest left it: migrated up to `revision` only."""
    engine = make_engine(url)
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


def _revision(url: str) -> str | None:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    return found


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_init_then_commands_work(tmp_path: Path) -> None:
    done = _jobdigest(tmp_path, "init", ".")
    assert done.returncode == 0, done.stdout + done.stderr
    listed = _jobdigest(tmp_path, "members", "export")
    assert listed.returncode == 0, listed.stdout + listed.stderr


def test_an_old_database_is_refused_untouched_until_db_upgrade(tmp_path: Path) -> None:
    db_file = tmp_path / "jobdigest.db"
    url = f"sqlite:///{db_file}"
    _stamped_at(url, "0009")
    nowhere = ("127.0.0.1", 9, "user@example.org", "secret")  # never reached: the schema is first
    write_config(tmp_path, db_url=url, imap=nowhere, migrate=False)
    before = _digest(db_file)
    for args in (["poll"], ["members", "export"], ["run", "--once"], ["web"], ["worker"], ["beat"]):
        done = _jobdigest(tmp_path, *args)
        assert done.returncode == 1, (args, done.stdout + done.stderr)
        line = _one_line(done)
        assert str(db_file) in line and "0009" in line, line
        assert "run: jobdigest db upgrade" in line, line
    assert _digest(db_file) == before
    assert _revision(url) == "0009"

    upgraded = _jobdigest(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert "Database upgraded." in upgraded.stdout
    assert _revision(url) == head_revision()
    works = _jobdigest(tmp_path, "members", "export")
    assert works.returncode == 0, works.stdout + works.stderr
    again = _jobdigest(tmp_path, "db", "upgrade")
    assert "already up to date" in again.stdout


def test_a_missing_database_is_named_and_not_created(tmp_path: Path) -> None:
    db_file = tmp_path / "nowhere.db"
    write_config(tmp_path, db_url=f"sqlite:///{db_file}", migrate=False)
    done = _jobdigest(tmp_path, "members", "export")
    assert done.returncode == 1
    line = _one_line(done)
    assert str(db_file) in line and "jobdigest db upgrade" in line, line
    assert not db_file.exists()


def test_a_schema_newer_than_the_code_says_upgrade_jobdigest(tmp_path: Path) -> None:
    db_file = tmp_path / "jobdigest.db"
    url = f"sqlite:///{db_file}"
    write_config(tmp_path, db_url=url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    for args in (["members", "export"], ["db", "upgrade"]):
        done = _jobdigest(tmp_path, *args)
        assert done.returncode == 1, done.stdout + done.stderr
        line = _one_line(done)
        assert "9999" in line and "upgrade jobdigest" in line, line
    assert _revision(url) == "9999"


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_two_db_upgrades_at_once_both_succeed(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if engine == "sqlite":
        url = f"sqlite:///{tmp_path / 'jobdigest.db'}"
    else:
        postgres = request.getfixturevalue("postgres")
        name = f"upgrade_race_{tmp_path.name}"[:63]
        postgres.drop_database(name)
        url = postgres.create_database(name)
        request.addfinalizer(lambda: postgres.drop_database(name))
    write_config(tmp_path, db_url=url, migrate=False)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "digest.cli", "db", "upgrade"],
            cwd=tmp_path,
            env=cli_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    said = sorted(out.strip() for out, _err in outputs)
    assert said == ["Database already up to date.", "Database upgraded."], outputs
    assert _revision(url) == head_revision()
    works = _jobdigest(tmp_path, "members", "export")
    assert works.returncode == 0, works.stdout + works.stderr
