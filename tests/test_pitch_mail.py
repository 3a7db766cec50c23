"""Pitches, leads meant for someone and recruiters through real servers: Dovecot in, SMTP out."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from digest.store.db import Database
from digest.store.models import IntendedRecipient, Posting, RawMessage
from tests.support.config import write_config
from tests.support.mails import gmail_forward, mail
from tests.test_end_to_end import SUBGROUPS, invoke

MEMBERS = """email,name,subgroups,keywords,pitch
alice@members.example,Alice Moreno,Marketing,brand,
bob@members.example,Bob Stone,Marketing,,
carol@members.example,Carol Diaz,Information Technology,python,"I have global experience in high tech products, looking to pursue a career in social media marketing"
sarah.kim@members.example,Sarah Kim,Marketing,,
sarah.lee@members.example,Sarah Lee,Marketing,,
"""

RECRUITERS = """name,address,agency,specialties
Jane Roe,jane.roe@acmestaffing.example,Acme Staffing,marketing;sales
"""


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, imap_account) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap_account.password)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "smtp-secret")
    monkeypatch.setenv("TEST_SECRET_KEY", "x" * 32)


def inbox_mails() -> list[bytes]:
    return [
        gmail_forward(
            "Alice Moreno <alice@members.example>",
            "Carol, this one is for you",
            "Tom Hiring <tom@vandelay.example>",
            "Account Executive at Vandelay Industries",
            "Vandelay Industries is hiring an Account Executive in Dallas, TX.\n"
            "Apply: https://boards.greenhouse.io/vandelay/jobs/5550001\n",
        ),
        gmail_forward(
            "Bob Stone <bob@members.example>",
            "For Sarah: worth a look",
            "Tom Hiring <tom@vandelay.example>",
            "Sales Manager at Vandelay Industries",
            "Vandelay Industries is hiring a Sales Manager in Dallas, TX.\n"
            "Apply: https://boards.greenhouse.io/vandelay/jobs/5550002\n",
        ),
        gmail_forward(
            "Bob Stone <bob@members.example>",
            "Sharing this one",
            "Initrode Careers <jobs@initrode.example>",
            "Social Media Marketing Manager at Initrode",
            "Initrode is hiring a Social Media Marketing Manager in Austin, TX.\n"
            "Apply: https://boards.greenhouse.io/initrode/jobs/7770001\n",
        ),
        mail(
            "Jane Roe <jane.roe@acmestaffing.example>",
            "Social Media Marketing Manager at Initrode",
            "Initrode is hiring a Social Media Marketing Manager in Austin, TX; I am recruiting for them.\n"
            "Details: https://acmestaffing.example/jobs/initrode-smm-77\n",
        ),
        mail(
            "Mallory Stranger <mallory@spam.example>",
            "Marketing Manager job",
            "Marketing Manager wanted: https://boards.greenhouse.io/shadyco/jobs/999\n",
        ),
    ]


def test_pitch_meant_for_and_recruiter_through_the_inbox(
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
    for name, text in (("subgroups.toml", SUBGROUPS), ("members.csv", MEMBERS),
                       ("recruiters.csv", RECRUITERS)):  # fmt: skip
        (tmp_path / name).write_text(text)
    invoke(config, "subgroups", "import", str(tmp_path / "subgroups.toml"))
    invoke(config, "members", "import", str(tmp_path / "members.csv"))
    assert "1 recruiters created" in invoke(
        config, "recruiters", "import", str(tmp_path / "recruiters.csv")
    )

    invoke(config, "run", "--once")
    db = Database(db_url)
    with db.session() as s:
        statuses = dict(s.execute(select(RawMessage.sender, RawMessage.status)).all())
        ambiguous = s.scalar(
            select(func.count()).where(
                IntendedRecipient.named == "Sarah", IntendedRecipient.member_id.is_(None)
            )
        )
        held = s.scalars(select(Posting.title).where(Posting.held)).all()
        social = s.scalar(
            select(func.count()).where(Posting.title == "Social Media Marketing Manager")
        )
    db.dispose()
    assert statuses["jane.roe@acmestaffing.example"] == "processed"  # not held
    assert statuses["mallory@spam.example"] == "held"
    assert len(held) == 1 and held[0].startswith("Marketing Manager")
    assert ambiguous == 1
    assert social == 1  # the agency's repost folded into the employer's posting

    invoke(config, "send-digests")
    received = {m.rcpt_tos[0]: m.message() for m in smtp_server.messages}
    carol = received["carol@members.example"].get_body(("plain",)).get_content()
    # Meant for her first, with Alice's words, though no tag of IT fits a sales job.
    assert carol.index("== Meant for you ==") < carol.index("Account Executive")
    assert "Alice Moreno thought of you: \u201cCarol, this one is for you\u201d" in carol
    # Her pitch brings the recruiter's social media job, with the recruiter named.
    assert "fits your pitch: 'social media marketing'" in carol
    assert "recruiter: Jane Roe, Acme Staffing \u2014 marketing, sales" in carol
    assert carol.count("Social Media Marketing Manager") == 1
    assert "boards.greenhouse.io/initrode/jobs/7770001" in carol  # the employer's link
    for sarah in ("sarah.kim@members.example", "sarah.lee@members.example"):
        text = received[sarah].get_body(("plain",)).get_content() if sarah in received else ""
        assert "thought of you" not in text
