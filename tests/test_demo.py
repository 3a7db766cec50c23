"""`jobdigest demo`: the whole job on the bundled group, no servers, and idempotent."""

from __future__ import annotations

import email
import email.policy
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import cli


def run_demo(folder: Path) -> str:
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(cli, ["demo"], catch_exceptions=False)
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return result.output


def counts(db: Path) -> tuple[int, ...]:
    with sqlite3.connect(db) as conn:
        return tuple(
            conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("raw_messages", "postings", "sightings", "members", "subgroups")
        )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    output = run_demo(folder)
    assert "digests:" in output and "outbox" in output
    return folder / "jobdigest-demo"


def digests(demo: Path) -> dict[str, email.message.EmailMessage]:
    out = {}
    for path in sorted((demo / "outbox").glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        out[path.stem] = msg  # type: ignore[assignment]
    return out


def test_one_multipart_digest_per_member_with_to_and_unsubscribe(demo_dir: Path) -> None:
    mails = digests(demo_dir)
    with sqlite3.connect(demo_dir / "demo.db") as conn:
        members = {r[0] for r in conn.execute("SELECT email FROM members")}
    assert len(members) >= 8
    assert set(mails) <= members and len(mails) >= 8
    for address, msg in mails.items():
        assert msg.get_content_type() == "multipart/alternative"
        assert address in str(msg["To"])
        assert msg["List-Unsubscribe"].strip().startswith("<http")
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None
        assert (
            (demo_dir / "outbox" / f"{address}.html")
            .read_text()
            .lstrip()
            .lower()
            .startswith("<!doctype html")
        )


def test_members_of_different_subgroups_get_different_leads(demo_dir: Path) -> None:
    with sqlite3.connect(demo_dir / "demo.db") as conn:
        rows = conn.execute(
            "SELECT m.email, s.name FROM members m JOIN member_subgroups ms ON ms.member_id = m.id "
            "JOIN subgroups s ON s.id = ms.subgroup_id"
        ).fetchall()
    groups: dict[str, set[str]] = {}
    for address, name in rows:
        groups.setdefault(address, set()).add(name)
    mails = digests(demo_dir)
    texts = {a: m.get_body(("plain",)).get_content() for a, m in mails.items()}  # type: ignore[union-attr]
    it_only = next(a for a, g in groups.items() if g == {"Information Technology"} and a in texts)
    marketing_only = next(a for a, g in groups.items() if g == {"Marketing"} and a in texts)
    assert (
        "== Information Technology ==" in texts[it_only] and "== Marketing ==" not in texts[it_only]
    )
    assert "== Marketing ==" in texts[marketing_only]
    assert "== Information Technology ==" not in texts[marketing_only]


def test_running_again_duplicates_nothing(demo_dir: Path) -> None:
    before = counts(demo_dir / "demo.db")
    run_demo(demo_dir.parent)
    assert counts(demo_dir / "demo.db") == before


def test_strangers_and_broken_mail_are_kept_but_never_in_a_digest(demo_dir: Path) -> None:
    with sqlite3.connect(demo_dir / "demo.db") as conn:
        statuses = dict(
            conn.execute("SELECT status, COUNT(*) FROM raw_messages GROUP BY status").fetchall()
        )
        held_titles = [r[0] for r in conn.execute("SELECT title FROM postings WHERE held")]
    assert statuses.get("failed", 0) >= 1 and statuses.get("held", 0) >= 1
    texts = " ".join(m.get_body(("plain",)).get_content() for m in digests(demo_dir).values())  # type: ignore[union-attr]
    for title in held_titles:
        assert title not in texts


def test_the_demo_shows_an_intro_request_and_a_landing(demo_dir: Path) -> None:
    alice = digests(demo_dir)["alice.moreno@example.org"].get_body(("plain",)).get_content()
    flat = " ".join(alice.split())
    assert (
        "Landed: Kevin Brooks, Compensation Analyst at Starlight Hotels & Resorts; lead shared by"
        " Linda Castillo, intro by Sarah Kim" in flat
    )
    assert "Ask Dan for an introduction:" in alice
    assert "kevin.brooks@example.net" not in digests(demo_dir)  # landed: his leads stopped
    with sqlite3.connect(demo_dir / "demo.db") as conn:
        assert conn.execute("SELECT status FROM intro_requests ORDER BY id").fetchall() == [
            ("pending",),
            ("accepted",),
        ]
