"""The weekly job end to end on real servers: Dovecot inbox in, SMTP digests out, via the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import cli
from tests.support.config import write_config
from tests.support.mails import BROKEN_MIME, apple_forward, gmail_forward, mail, outlook_forward

SUBGROUPS = """
[[subgroup]]
name = "Marketing"
roles = ["Marketing Manager", "Brand Manager", "Social Media Marketing"]
leads = ["alice@members.example"]

[[subgroup]]
name = "Information Technology"
roles = ["Software Engineer", "DevOps Engineer", "Data Engineer"]
"""

MEMBERS = """email,name,subgroups,past_employers,keywords,location,inside_contact
alice@members.example,Alice Moreno,Marketing,Acme Foods,brand,Dallas TX,yes
bob@members.example,Bob Stone,Marketing,,social media,Plano TX,no
carol@members.example,Carol Diaz,Information Technology,Globex,python,Remote,yes
dan@members.example,Dan Whitaker,Marketing,Sabre Inc.;Frito-Lay,,Fort Worth TX,yes
"""

BRAND_URL = "https://boards.greenhouse.io/sabre/jobs/4012345"


def inbox_mails() -> list[bytes]:
    brand_body = (
        "Hi, Sabre Corporation is hiring a Senior Brand Manager in Southlake, TX.\n"
        f"Apply here: {BRAND_URL}?utm_source=email&gh_src=abc\n\nBest, Jane"
    )
    return [
        gmail_forward(
            "Alice Moreno <alice@members.example>",
            "Great fit for our marketing folks!",
            "Jane Recruiter <jane@talent.example>",
            "Senior Brand Manager at Sabre Corporation",
            brand_body,
        ),
        outlook_forward(
            "Bob Stone <bob@members.example>",
            "Sharing this one",
            "Jane Recruiter <jane@talent.example>",
            "Senior Brand Manager at Sabre Corporation",
            brand_body.replace("utm_source=email", "utm_source=linkedin"),
        ),
        apple_forward(
            "Carol Diaz <carol@members.example>",
            "For the IT group",
            "Tom Hiring <tom@globex.example>",
            "DevOps Engineer at Initech",
            "Initech needs a DevOps Engineer (Remote).\nhttps://jobs.lever.co/initech/8f2c1a9e-1111-4c3b-9d7e-0a1b2c3d4e5f\n",
        ),
        mail(
            "Mallory Stranger <mallory@spam.example>",
            "Marketing Manager job",
            "Marketing Manager wanted: https://boards.greenhouse.io/shadyco/jobs/999\n",
        ),
        BROKEN_MIME,
    ]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, imap_account, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap_account.password)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "smtp-secret")
    monkeypatch.setenv("TEST_SECRET_KEY", "x" * 32)


def invoke(config: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_weekly_job_end_to_end(
    env, dovecot, imap_account, smtp_server, db_url, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    for raw in inbox_mails():
        dovecot.append("INBOX", raw, username=imap_account.username)
    config = write_config(
        tmp_path,
        db_url=db_url,
        ca_file=str(dovecot.ca_file),
        imap=(dovecot.host, dovecot.port, imap_account.username, imap_account.password),
        smtp=(smtp_server.host, smtp_server.port),
    )
    (tmp_path / "subgroups.toml").write_text(SUBGROUPS)
    (tmp_path / "members.csv").write_text(MEMBERS)
    invoke(config, "subgroups", "import", str(tmp_path / "subgroups.toml"))
    invoke(config, "members", "import", str(tmp_path / "members.csv"))

    invoke(config, "run", "--once")
    invoke(config, "send-digests")

    received = {m.rcpt_tos[0]: m.message() for m in smtp_server.messages}
    # Marketing members get the brand posting, once, credited to both forwarders.
    assert set(received) == {
        "alice@members.example",
        "bob@members.example",
        "carol@members.example",
        "dan@members.example",
    }
    dan = received["dan@members.example"]
    dan_text = dan.get_body(("plain",)).get_content()
    assert dan_text.count("Senior Brand Manager") == 1
    assert "Shared by Alice Moreno and Bob Stone" in dan_text, dan_text
    assert "DevOps" not in dan_text
    assert "shadyco" not in dan_text
    # Alice sees Dan, who used to work at Sabre, as an inside contact.
    alice_text = received["alice@members.example"].get_body(("plain",)).get_content()
    assert "Dan Whitaker (Marketing sub-group) used to work at Sabre" in " ".join(
        alice_text.split()
    )
    # Carol (IT) sees the IT posting and not the marketing one.
    carol_text = received["carol@members.example"].get_body(("plain",)).get_content()
    assert "DevOps Engineer" in carol_text and "Brand Manager" not in carol_text
    for msg in received.values():
        assert msg["List-Unsubscribe"] and msg["To"]
        assert msg.get_body(("html",)) is not None

    # A second run sends nothing.
    count = len(smtp_server.messages)
    invoke(config, "run", "--once")
    invoke(config, "send-digests")
    assert len(smtp_server.messages) == count

    # Every message is still on the server: inbox empty, broken one in the failed folder.
    assert dovecot.fetch_all("INBOX", username=imap_account.username) == []
    processed = dovecot.fetch_all("Processed", username=imap_account.username)
    failed = dovecot.fetch_all("Needs review", username=imap_account.username)
    assert len(processed) == 4 and len(failed) == 1
    assert b"broken@test.example" in failed[0]
    failures = invoke(config, "inbox", "failures")
    assert "broken@test.example" in failures or "message" in failures
