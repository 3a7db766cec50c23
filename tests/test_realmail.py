"""Mail the way members really send it, in the forms of many clients and languages.

The fixtures (tests/data/forwards/clients/, tests/data/mail/links/) were written for this
project from the public formats of Gmail, Outlook (desktop, Live, web), Apple Mail, Thunderbird,
Yahoo, HubSpot and Missive, in several languages, with made-up jobs; `expected.json` beside them
says what each must yield. They stand for material the parsers were not tuned on: each class -
forward or reply, HTML or text, career links of any ATS, ages in forwarded alerts - is checked,
not a file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from parsers.links import job_id_key
from parsers.mail import parse_mail
from parsers.model import ParsedItem, Posting

DATA = Path(__file__).parent / "data"
CLIENTS = DATA / "forwards" / "clients"
LINKS = DATA / "mail" / "links"
MEMBER = "priya.raman@members.example"


def cases(folder: Path) -> dict[str, dict[str, Any]]:
    return json.loads((folder / "expected.json").read_text("utf-8"))["cases"]


def check_postings(item: ParsedItem, expected: list[dict[str, str]]) -> None:
    """The postings, in order, with the stated facts; any fact not stated is not checked."""
    got = [(p.title, p.company, p.location, p.canonical_url) for p in item.postings]
    assert len(item.postings) == len(expected), got
    for posting, want in zip(item.postings, expected, strict=True):
        for name, value in want.items():
            assert fact(posting, name) == value, (name, got)


def fact(posting: Posting, name: str) -> str:
    if name == "key":
        return job_id_key(posting.canonical_url or posting.url) or ""
    return str(getattr(posting, name))


@pytest.mark.parametrize("name", sorted(cases(CLIENTS)))
def test_forward_or_reply_in_any_client(name: str) -> None:
    want = cases(CLIENTS)[name]
    item = parse_mail((CLIENTS / name).read_bytes(), name)
    assert item.error is None
    assert item.sender is not None and item.sender.address == MEMBER  # the member is credited
    if want["kind"] == "reply":
        assert item.forwarded == []  # a reply is no forward...
        assert item.postings  # ...but what it quotes is read
    else:
        assert item.forwarded, "a forward was missed"
        first = item.forwarded[0]
        if "from" in want:
            assert first.from_.address == want["from"]
        if "subject" in want:
            assert first.subject == want["subject"]
        assert item.note == want.get("note"), item.note
    check_postings(item, want["postings"])


@pytest.mark.parametrize("name", sorted(cases(LINKS)))
def test_career_link_in_a_plain_note(name: str) -> None:
    item = parse_mail((LINKS / name).read_bytes(), name)
    assert item.error is None and item.forwarded == []
    check_postings(item, cases(LINKS)[name])
    assert all(p.url and p.origin == "link" for p in item.postings)  # each link kept


def test_ages_count_from_the_forwarded_alert_not_from_the_forward() -> None:
    """'Just posted' in an alert of 15 February forwarded on 1 March is 15 February."""
    item = parse_mail((CLIENTS / "gmail_fwd_indeed_alert_two_weeks_later.eml").read_bytes())
    assert [p.posted_at for p in item.postings] == ["2024-02-15", "2024-02-12", "2024-01-16"]
