"""One reading of a packed title line, whether a feed entry's title or a forwarded subject.

Feeds and recruiters pack the same shapes into one line; parsers.titles reads them for both,
so a job seen in a feed and in a member's mail gets the same title, company and place.
"""

from __future__ import annotations

from html import escape

import pytest

from parsers.feeds import parse_feed
from parsers.subjects import subject_parts

LINES = [
    ("Data Analyst - Globex - Austin, TX", "Data Analyst", "Globex", "Austin, TX"),
    ("Globex: Data Analyst (Austin, TX)", "Data Analyst", "Globex", "Austin, TX"),
    ("Buyer at Target (Minneapolis, MN)", "Buyer", "Target", "Minneapolis, MN"),
    ("Gringotts Partners | Wealth Advisor", "Wealth Advisor", "Gringotts Partners", ""),
    ("Massive Dynamic is hiring: Lab Technician", "Lab Technician", "Massive Dynamic", ""),
    ("Staff Accountant at Dunder Mifflin - Scranton, PA", "Staff Accountant", "Dunder Mifflin",
     "Scranton, PA"),
    ("Work at Home Customer Service Agent", "Work at Home Customer Service Agent", "", ""),
]  # fmt: skip


def _feed_with_title(title: str) -> bytes:
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Jobs</title>"
        f"<item><title>{escape(title)}</title><link>https://jobs.example.org/1</link>"
        "<description>x</description></item></channel></rss>"
    ).encode()


@pytest.mark.parametrize(("line", "title", "company", "location"), LINES)
def test_feed_title_and_subject_read_alike(
    line: str, title: str, company: str, location: str
) -> None:
    [posting] = parse_feed(_feed_with_title(line)).postings
    parts = subject_parts(f"Fwd: {line}")
    assert (posting.title, posting.company, posting.location) == (title, company, location)
    assert (parts.title, parts.company, parts.location) == (title, company, location)


def test_remote_piece_keeps_what_it_says_in_a_feed_and_a_subject() -> None:
    """'Remote - US' is where the work may be done: kept as the place, and remote is set."""
    [posting] = parse_feed(_feed_with_title("Buyer - Initech - Remote - US")).postings
    parts = subject_parts("Buyer - Initech - Remote - US")
    assert (posting.company, posting.location, posting.remote) == ("Initech", "Remote - US", True)
    assert (parts.company, parts.location, parts.remote) == ("Initech", "Remote - US", True)


@pytest.mark.parametrize(
    ("subject", "title", "company"),
    [
        ("Acme recherche une analyste financière", "analyste financière", "Acme"),
        ("Initech busca uno Contador", "Contador", "Initech"),
        ("Globex sucht einen Controller (m/w/d)", "Controller (m/w/d)", "Globex"),
    ],
)
def test_hiring_verb_takes_its_whole_article(subject: str, title: str, company: str) -> None:
    """'une', not 'un' + 'e analyste': the longest article is the one read."""
    parts = subject_parts(subject)
    assert (parts.title, parts.company) == (title, company)
