"""`jobdigest run`, the long-running worker, against a real Dovecot: IDLE brings new mail in seconds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from digest.store.models import Member, RawMessage
from tests.support.config import write_config
from tests.support.db import migrated_db
from tests.support.mails import gmail_forward

pytestmark = pytest.mark.servers


def wait_for(predicate, timeout: float) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout}s")


def test_idle_ingests_new_mail_within_seconds_and_sigterm_stops(
    dovecot, imap_account, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    config = write_config(
        tmp_path,
        db_url=f"sqlite:///{tmp_path / 'w.db'}",
        ca_file=str(dovecot.ca_file),
        imap=(dovecot.host, dovecot.port, imap_account.username, imap_account.password),
    )
    # Polling alone would wait 10 minutes: only IDLE can be this quick.
    config.write_text(
        config.read_text().replace("batch_size = 3", "batch_size = 3\npoll_seconds = 600")
    )
    db = migrated_db(f"sqlite:///{tmp_path / 'w.db'}")
    with db.session() as s:
        s.add(Member(email="alice@members.example", name="Alice"))
    env = {**os.environ, "TEST_IMAP_PASSWORD": imap_account.password, "TEST_SECRET_KEY": "k" * 32}
    worker = subprocess.Popen(
        [sys.executable, "-m", "digest.cli", "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        time.sleep(2.0)  # first ingest pass done, IDLE established
        dovecot.append(
            "INBOX",
            gmail_forward(
                "Alice <alice@members.example>",
                "For the data folks",
                "Rita <rita@hr.example>",
                "Data Engineer at Initech",
                "https://jobs.lever.co/initech/00000000-0000-4000-8000-000000000009\n",
            ),
            username=imap_account.username,
        )

        def stored() -> bool:
            with db.session() as s:
                return s.scalar(select(RawMessage.status)) == "processed"

        seconds = wait_for(stored, timeout=15)
        assert seconds < 15
        wait_for(
            lambda: dovecot.fetch_all("INBOX", username=imap_account.username) == [], timeout=5
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=20)
    assert worker.returncode == 0, output
    assert "Worker started" in output
    db.dispose()
