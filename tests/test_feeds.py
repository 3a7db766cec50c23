"""Feeds as postings: job-feed conventions, entry keys, sanitizing, and robustness on odd feeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.feeds import parse_feed, parse_feed_entries
from parsers.htmltext import fragment_to_text
from parsers.titles import split_title

DATA = Path(__file__).parent / "data" / "feeds"
CORPUS = DATA / "feedparser-tests" / "tests"
CORPUS_FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file())


def entries_of(name: str, url: str = "https://example.org/feed"):  # type: ignore[no-untyped-def]
    item, entries = parse_feed_entries((DATA / name).read_bytes(), url)
    assert item.kind == "feed"
    assert [e.posting for e in entries] == item.postings
    return item, entries


# -- job-feed conventions -------------------------------------------------------------------


def test_stack_overflow_style_title_author_location_and_remote() -> None:
    item, entries = entries_of("so-jobs.rss")
    assert item.error is None and item.warnings == []
    first, second = (e.posting for e in entries)
    assert (first.title, first.company, first.location) == (
        "Senior Data Analyst",
        "Initech",
        "Austin, TX",
    )
    assert first.remote is True  # "(allows remote)"
    assert first.posted_at == "2024-06-04T14:30:00Z"
    assert first.canonical_url.startswith("https://stackoverflow.com/jobs/412345/")
    assert "utm_source" not in first.canonical_url
    assert (second.company, second.location, second.remote) == (
        "Globex Corporation",
        "Berlin, Germany",
        False,
    )
    assert [e.key for e in entries] == ["412345", "412346"]


def test_description_is_sanitized_text() -> None:
    _, entries = entries_of("so-jobs.rss")
    text = entries[0].posting.description
    assert "Senior Data Analyst" in text and "• SQL" in text and "Salary & benefits" in text
    assert "<" not in text and "track()" not in text


def test_company_colon_title_and_region() -> None:
    _, entries = entries_of("wwr.rss")
    designer, support = (e.posting for e in entries)
    assert (designer.company, designer.title) == ("Hooli", "Senior Product Designer")
    assert designer.location == "Anywhere in the World" and designer.remote
    assert (support.company, support.title, support.location) == (
        "Pied Piper",
        "Customer Support Specialist",
        "USA Only",
    )
    assert designer.description == "Headquarters: Palo Alto\n\nDesign things people love."


def test_title_company_location_dashes_and_relative_links() -> None:
    _, entries = entries_of("indeed.rss", url="https://www.indeed.com/rss?q=supply+chain")
    analyst, coordinator = (e.posting for e in entries)
    assert (analyst.title, analyst.company, analyst.location) == (
        "Supply Chain Analyst",
        "Sabre",
        "Southlake, TX",
    )
    assert coordinator.title == "Logistics Coordinator" and coordinator.remote
    assert coordinator.url == "https://www.indeed.com/viewjob?jk=fedcba9876543210"


def test_atom_with_namespaced_location_author_and_hostile_html() -> None:
    _, entries = entries_of("jobs.atom", url="https://careers.acme.example/feed.atom")
    (posting,) = (e.posting for e in entries)
    assert posting.title == "HR Business Partner & People Lead"
    assert (posting.company, posting.location) == ("Acme Corp", "Chicago, IL")
    assert posting.url == "https://careers.acme.example/jobs/hr-business-partner?utm_campaign=feed"
    assert posting.canonical_url == "https://careers.acme.example/jobs/hr-business-partner"
    assert posting.posted_at == "2024-06-06T08:00:00Z"  # +02:00 turned into UTC
    assert "alert" not in posting.description and "color" not in posting.description
    assert posting.description.splitlines()[0] == "About the role"
    assert entries[0].key == "tag:careers.acme.example,2024:job-77"


def test_rss10_dc_creator_and_rss091_latin1() -> None:
    _, rdf = entries_of("jobs-rss10.rdf")
    assert (rdf[0].posting.title, rdf[0].posting.company, rdf[0].posting.location) == (
        "Financial Analyst",
        "Umbrella Corporation",
        "Dallas, TX",
    )
    _, old = entries_of("jobs-rss091.xml")
    assert old[0].posting.company == "Société Générale"
    assert old[0].posting.title == "Comptable (m/w/d)"
    assert old[0].posting.location == "Paris"


def test_json_feed_is_detected_and_read() -> None:
    item, entries = entries_of("jobs.json")
    assert item.error is None
    sdr, procurement, untitled = (e.posting for e in entries)
    assert (sdr.company, sdr.location, sdr.salary, sdr.remote) == (
        "Vandelay Industries",
        "United States",
        "$60k - $80k",
        True,
    )
    assert sdr.posted_at == "2024-06-08T14:30:00Z"
    assert sdr.description == "Book meetings.\n\n• Quota"
    assert sdr.canonical_url == "https://remote.example.com/jobs/1001"
    assert (procurement.title, procurement.company, procurement.remote) == (
        "Procurement Manager",
        "Wonka Industries",
        True,
    )
    keys = [e.key for e in entries]
    assert keys[:2] == ["job-1001", "https://remote.example.com/jobs/1002"]
    assert keys[2].startswith("sha256:") and untitled.url == ""


def test_entry_keys_are_stable_across_parses() -> None:
    for name in ("jobs.json", "so-jobs.rss", "illformed.rss"):
        data = (DATA / name).read_bytes()
        first = [e.key for e in parse_feed_entries(data)[1]]
        again = [e.key for e in parse_feed_entries(data)[1]]
        assert first == again and len(set(first)) == len(first)


def test_illformed_feed_keeps_what_it_can_and_warns() -> None:
    item, entries = entries_of("illformed.rss")
    assert item.error is None
    assert item.warnings and "not well-formed" in item.warnings[0]
    assert [e.posting.title for e in entries] == ["IT Support Technician", "Network Engineer"]
    assert entries[0].posting.company == "Wayne Enterprises"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   ",
        b"not xml at all",
        b"<html><body>Hello</body></html>",
        b"{}",
        b"[1, 2]",
        b"\xff\xfe\x00",
    ],
)
def test_unreadable_input_is_an_error_value(data: bytes) -> None:
    item = parse_feed(data, "https://example.org/x")
    assert item.postings == [] and item.error


# -- title shapes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "title", "company", "location"),
    [
        (
            "Nurse Practitioner at St. Mary's Hospital (Dallas, TX)",
            "Nurse Practitioner",
            "St. Mary's Hospital",
            "Dallas, TX",
        ),
        ("Engineer @ Initech", "Engineer", "Initech", ""),
        ("Hiring: Payroll Specialist at Acme", "Payroll Specialist", "Acme", ""),
        ("Senior Engineer: Backend Platform", "Senior Engineer: Backend Platform", "", ""),
        ("Work at Home Customer Service Agent", "Work at Home Customer Service Agent", "", ""),
        ("Buyer - Target - Minneapolis, MN", "Buyer", "Target", "Minneapolis, MN"),
        ("Controller (Contract)", "Controller (Contract)", "", ""),
        ("Recruiter (Denver, CO)", "Recruiter", "", "Denver, CO"),
        (
            "Data Engineer (GCP) at Stark Industries - Austin, TX",
            "Data Engineer (GCP)",
            "Stark Industries",
            "Austin, TX",
        ),
        ("Tax Analyst at Globex - Remote", "Tax Analyst", "Globex", "Remote"),
    ],
)
def test_title_shapes(raw: str, title: str, company: str, location: str) -> None:
    parts = split_title(raw)
    assert (parts.title, parts.company, parts.location) == (title, company, location)


def test_author_with_legal_form_still_names_the_title_prefix() -> None:
    """'Hooli: ...' with author 'Hooli, Inc.' is the company, not part of the title."""
    parts = split_title("Hooli: Site Reliability Engineer (Remote)", "Hooli, Inc.")
    assert (parts.title, parts.company, parts.remote) == (
        "Site Reliability Engineer",
        "Hooli",
        True,
    )
    assert split_title("Backend Developer - Initech LLC", "Initech").title == "Backend Developer"


def _atom_entry(title: str, author: str, location: str) -> bytes:
    return (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:job="https://example.org/job"><title>Jobs</title>'
        f"<entry><title>{title}</title><link href='https://jobs.example.org/j/1'/>"
        f"<id>tag:x,2026:1</id><author><name>{author}</name></author>"
        f"<job:location>{location}</job:location><summary>x</summary></entry></feed>"
    ).encode()


def test_feed_entry_title_company_place_and_remote() -> None:
    [p] = parse_feed(
        _atom_entry("Hooli: QA Automation Engineer (Remote)", "Hooli, Inc.", "Remote (US)")
    ).postings
    assert (p.title, p.company, p.remote) == ("QA Automation Engineer", "Hooli, Inc.", True)
    [p] = parse_feed(
        _atom_entry("Staff Accountant", "Initech", "Hybrid work in Tulsa, OK 74103")
    ).postings
    assert p.location == "Tulsa, OK 74103"
    [p] = parse_feed(_atom_entry("Staff Accountant", "Initech", "Tulsa, OK (Remote)")).postings
    assert (p.location, p.remote) == ("Tulsa, OK", True)


def test_known_company_decides_an_ambiguous_dash() -> None:
    assert split_title("Staff Accountant - Initech", "Initech").company == "Initech"
    assert split_title("Account Manager - Enterprise Sales", "Initech").title == (
        "Account Manager - Enterprise Sales"
    )


def test_description_text_blocks_entities_and_scripts() -> None:
    """Feed descriptions are read by the same HTML-to-text path as mail (parsers.htmltext)."""
    html = "<h1>Role</h1><p>A&amp;B&nbsp;team<br>now</p><script>x()</script><ol><li>one</li><li>two</li></ol>"
    assert fragment_to_text(html) == "Role\n\nA&B team\nnow\n\n• one\n• two"


def test_plain_text_description_keeps_its_lines() -> None:
    assert (
        fragment_to_text("Duties:\n\n\n\n  Ship   it &amp; tell  ") == "Duties:\n\nShip it & tell"
    )


# -- feedparser's own test corpus -------------------------------------------------------------


def test_corpus_is_present() -> None:
    assert len(CORPUS_FILES) > 600
    assert (DATA / "feedparser-tests" / "LICENSE").is_file()


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_feedparser_corpus_never_raises(path: Path) -> None:
    item = parse_feed(path.read_bytes(), "http://example.org/feed/")
    assert item.kind == "feed"
    json.dumps(item.to_json())  # the `jobdigest parse` contract shape is always serializable
    if "wellformed" in path.parts:
        assert item.error is None, item.error
    for posting in item.postings:
        assert posting.url == "" or posting.url.lower().startswith(("http://", "https://"))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    parse_feed(data)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_titles_never_raise(text: str) -> None:
    feed = (
        "<rss version='2.0'><channel><item><title><![CDATA["
        + text.replace("]]>", "")
        + "]]></title>"
        "<link>https://x.example/1</link></item></channel></rss>"
    ).encode("utf-8", "replace")
    parse_feed(feed)
