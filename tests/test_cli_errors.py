"""Every command with the mistakes people make, through the real `jobdigest` process.

Against a real Dovecot inbox and a real aiosmtpd relay that wants a login. Each mistake must give
one line on stderr that names the problem and what to do, exit code 2 for a usage or input error
and 1 for a failure, and never a traceback or a Python repr (b'...', (535, b'...'))."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from digest.store.models import Member, Subgroup
from tests.support.config import write_config
from tests.support.db import migrated_db
from tests.support.webproc import cli_env

KEY = "k" * 32


@dataclass
class Case:
    id: str
    args: list[str]
    expect: str
    code: int
    env: dict[str, str | None] = field(default_factory=dict)
    extra_config: str = ""
    setup: Callable[[Path], None] | None = None
    #: stderr may hold this many lines (run --once reports each failed job on its own line)
    lines: int = 1


def _latin1_csv(folder: Path) -> None:
    (folder / "members.csv").write_bytes(b"email,name\njose@example.org,Jos\xe9 P\xe9rez\n")


def _a_file_where_a_folder_should_be(folder: Path) -> None:
    (folder / "notes.txt").write_text("not a folder")


def _member_who_always_gets_mail(folder: Path) -> None:
    db = migrated_db(f"sqlite:///{folder / 'jobdigest.db'}")
    with db.session() as session:
        group = Subgroup(name="Marketing")
        session.add(group)
        session.add(
            Member(email="ann@example.org", name="Ann", subgroups=[group], always_send=True)
        )
    db.dispose()


CASES = [
    Case(
        "run-once-missing-imap-password",
        ["run", "--once"],
        "environment variable TEST_IMAP_PASSWORD is not set; set it",
        2,
        env={"TEST_IMAP_PASSWORD": None},
    ),
    Case(
        "run-once-wrong-imap-password",
        ["run", "--once"],
        "login as {imap_user} refused",
        1,
        env={"TEST_IMAP_PASSWORD": "wrong"},
    ),
    Case(
        "poll-missing-imap-password",
        ["poll"],
        "environment variable TEST_IMAP_PASSWORD is not set",
        2,
        env={"TEST_IMAP_PASSWORD": None},
    ),
    Case(
        "poll-wrong-imap-password",
        ["poll"],
        "check inbox.username and the password in $TEST_IMAP_PASSWORD",
        1,
        env={"TEST_IMAP_PASSWORD": "wrong"},
    ),
    Case(
        "send-digests-wrong-smtp-password",
        ["send-digests"],
        "login as mailer@example.org refused (535",
        1,
        env={"TEST_SMTP_PASSWORD": "wrong"},
        setup=_member_who_always_gets_mail,
    ),
    Case(
        "send-digests-missing-smtp-password",
        ["send-digests"],
        "environment variable TEST_SMTP_PASSWORD is not set",
        2,
        env={"TEST_SMTP_PASSWORD": None},
        setup=_member_who_always_gets_mail,
    ),
    Case(
        "send-digests-unknown-member",
        ["send-digests", "--member", "nobody@example.org"],
        "--member nobody@example.org: no such member",
        2,
    ),
    Case("send-digests-bad-period", ["send-digests", "--period", "next week"], "ISO week", 2),
    Case(
        "send-digests-short-signing-key",
        ["send-digests", "--dry-run", "outbox"],
        "at least 16 are needed",
        2,
        env={"TEST_SECRET_KEY": "short"},
    ),
    Case("preview-unknown-member", ["preview", "nobody@example.org"], "no such active member", 2),
    Case(
        "inbox-reprocess-unknown-id",
        ["inbox", "reprocess", "9999"],
        "no stored mail with id 9999",
        2,
    ),
    Case("inbox-reprocess-nothing", ["inbox", "reprocess"], "give message IDs or --all", 2),
    Case("web-busy-port", ["web", "--port", "{busy_port}"], "the port is in use", 1),
    Case(
        "web-short-signing-key",
        ["web", "--port", "{free_port}"],
        "the signing key has 5 characters, at least 16",
        2,
        env={"TEST_SECRET_KEY": "short"},
    ),
    Case(
        "web-missing-signing-key",
        ["web", "--port", "{free_port}"],
        "environment variable TEST_SECRET_KEY is not set",
        2,
        env={"TEST_SECRET_KEY": None},
    ),
    Case(
        "init-into-a-folder-it-cannot-create",
        ["init", "notes.txt/group"],
        "cannot create the config there: part of the path is not a folder",
        1,
        setup=_a_file_where_a_folder_should_be,
    ),
    Case("init-bad-operator", ["init", "new", "--operator", "alice"], "not an email address", 2),
    Case(
        "members-import-missing-file",
        ["members", "import", "missing.csv"],
        "missing.csv: cannot read: no such file or folder",
        2,
    ),
    Case(
        "members-import-latin1",
        ["members", "import", "members.csv"],
        "members.csv: line 2: not UTF-8 text (byte 0xe9); save the file as UTF-8",
        2,
        setup=_latin1_csv,
    ),
    Case(
        "members-export-into-missing-folder",
        ["members", "export", "no/such/folder/members.csv"],
        "cannot write: no such file or folder",
        1,
    ),
    Case(
        "subgroups-import-missing-file",
        ["subgroups", "import", "subgroups.toml"],
        "subgroups.toml: cannot read: no such file or folder",
        2,
    ),
    Case(
        "match-missing-rules",
        ["match", "--subgroups", "subgroups.toml"],
        "subgroups.toml: cannot read",
        2,
    ),
    Case("import-mail-missing", ["import-mail", "old.mbox"], "old.mbox: no such file", 2),
    Case(
        "missing-config",
        ["--config", "nowhere.toml", "poll"],
        "config file not found (create one with 'jobdigest init'",
        2,
    ),
    Case(
        "sign-in-link-unknown-member",
        ["sign-in-link", "nobody@example.org"],
        "not an active member; add them first",
        2,
    ),
    Case(
        "operators-remove-non-operator",
        ["operators", "remove", "nobody@example.org"],
        "not an operator",
        2,
    ),
    Case(
        "fetch-feed-for-unknown-subgroup",
        ["fetch"],
        "feed it-jobs: subgroups: unknown sub-group 'Astrology'",
        2,
        extra_config='[[feeds]]\nurl = "demo:it-jobs.atom"\nname = "it-jobs"\nsubgroups = ["Astrology"]\n',
    ),
    Case("tags-explain-unknown", ["tags", "explain", "9999"], "no such posting", 2),
    Case("sources-resume-unknown", ["sources", "resume", "9999"], "no source with id 9999", 2),
    Case(
        "database-folder-missing",
        ["db", "upgrade"],
        "database: unable to open database file (check database.url",
        1,
        env={"JOBDIGEST_TEST_DB": "sqlite:///no/such/folder/x.db"},
    ),
]


@pytest.fixture
def folder(tmp_path: Path, dovecot, imap_account, smtp_server, request) -> Path:  # type: ignore[no-untyped-def]
    case: Case = request.param
    db_url = case.env.get("JOBDIGEST_TEST_DB") or f"sqlite:///{tmp_path / 'jobdigest.db'}"
    write_config(
        tmp_path,
        db_url=db_url,
        imap=(dovecot.host, dovecot.port, imap_account.username, imap_account.password),
        smtp=(smtp_server.host, smtp_server.port),
        ca_file=str(dovecot.ca_file),
        extra=case.extra_config,
    )
    if case.setup:
        case.setup(tmp_path)
    return tmp_path


@pytest.mark.parametrize("folder", CASES, ids=[c.id for c in CASES], indirect=True)
def test_mistake_gives_one_clear_line_and_the_right_exit_code(
    folder: Path,
    request: pytest.FixtureRequest,
    imap_account,  # type: ignore[no-untyped-def]
) -> None:
    case: Case = request.node.callspec.params["folder"]
    env = cli_env(
        TEST_IMAP_PASSWORD=imap_account.password, TEST_SMTP_PASSWORD="smtp-secret",
        TEST_SECRET_KEY=KEY,
    )  # fmt: skip
    for name, value in case.env.items():
        if value is None:
            env.pop(name, None)
        elif not name.startswith("JOBDIGEST_TEST"):
            env[name] = value
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    spare = socket.socket()
    spare.bind(("127.0.0.1", 0))
    free = spare.getsockname()[1]
    spare.close()
    fill = {
        "busy_port": str(busy.getsockname()[1]),
        "free_port": str(free),
        "imap_user": imap_account.username,
    }
    args = [a.format(**fill) for a in case.args]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "digest.cli", *args],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        busy.close()
    everything = done.stdout + done.stderr
    assert done.returncode == case.code, everything
    assert case.expect.format(**fill) in done.stderr, everything
    assert "Traceback" not in everything
    assert "b'" not in everything and 'b"' not in everything and "(535," not in everything
    assert "[Errno" not in everything
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert 1 <= len(lines) <= case.lines, done.stderr


def test_run_once_exits_zero_when_every_job_succeeds(
    tmp_path: Path,
    dovecot,
    imap_account,
    smtp_server,  # type: ignore[no-untyped-def]
) -> None:
    write_config(
        tmp_path,
        db_url=f"sqlite:///{tmp_path / 'jobdigest.db'}",
        imap=(dovecot.host, dovecot.port, imap_account.username, imap_account.password),
        smtp=(smtp_server.host, smtp_server.port),
        ca_file=str(dovecot.ca_file),
    )
    done = subprocess.run(
        [sys.executable, "-m", "digest.cli", "run", "--once"],
        cwd=tmp_path,
        env=cli_env(TEST_IMAP_PASSWORD=imap_account.password, TEST_SECRET_KEY=KEY),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "poll:" in done.stdout and "failed" not in done.stdout + done.stderr


def test_an_unforeseen_failure_is_one_line_too(tmp_path: Path) -> None:
    """A bug (here: a database file that is not a database) still ends in one line, exit 1."""
    (tmp_path / "jobdigest.db").write_bytes(b"this is not sqlite" * 100)
    write_config(tmp_path, db_url=f"sqlite:///{tmp_path / 'jobdigest.db'}", migrate=False)
    done = subprocess.run(
        [sys.executable, "-m", "digest.cli", "members", "export"],
        cwd=tmp_path,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
