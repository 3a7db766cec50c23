"""The demo group's inbox, read the way a member reading the digest would expect.

One test per kind of mail in `digest/demo/data/inbox`: who shared it, what they said, and each
posting's title, employer, place and link. Nothing here is special-cased in the parser; the
same shapes are checked with other names in test_parse_mail.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.company import normalize_company
from parsers.mail import parse_mail
from parsers.model import Address, ParsedItem

INBOX = Path(__file__).resolve().parent.parent / "digest" / "demo" / "data" / "inbox"


def parse(prefix: str) -> ParsedItem:
    [path] = sorted(INBOX.glob(f"{prefix}-*.eml"))
    return parse_mail(path.read_bytes(), file=path.name)


def facts(item: ParsedItem) -> list[tuple[str, str, str, str]]:
    return [(p.title, p.company, p.location, p.canonical_url) for p in item.postings]


def test_every_demo_mail_parses_without_crashing() -> None:
    paths = sorted(INBOX.glob("*.eml"))
    assert len(paths) == 17
    failed = [p.name for p in paths if parse_mail(p.read_bytes(), p.name).error]
    assert failed == ["11-broken-mime.eml"]


@pytest.mark.parametrize(
    ("prefix", "sender", "expected"),
    [
        (
            "01",
            "jorge.ramirez@example.org",
            (
                "Senior DevOps Engineer",
                "Trinity Ridge Software",
                "Plano, TX",
                "https://job-boards.greenhouse.io/trinityridgesoftware/jobs/4871203004",
            ),
        ),
        (
            "02",
            "dan.whitaker@example.com",
            (
                "Digital Marketing Manager",
                "Acme Foods",
                "Dallas",
                "https://www.linkedin.com/jobs/view/4071234567/",
            ),
        ),
        (
            "03",
            "tom.nguyen@example.org",
            (
                "Senior Financial Analyst, FP&A",
                "Cotton Exchange Bank",
                "Fort Worth",
                "https://cottonexchangebank.wd5.myworkdayjobs.com/External/job/Fort-Worth-TX/"
                "Senior-Financial-Analyst--FP-A_R24817",
            ),
        ),
        (
            "06",
            "kevin.brooks@example.net",
            (
                "HR Business Partner",
                "Bluebonnet Health",
                "Dallas",
                "https://jobs.lever.co/bluebonnethealth/3f6c2a1e-8b4d-4c9a-9e2f-7a1d5b0c8e34",
            ),
        ),
        (
            "13",
            "priya.raman@example.net",
            ("Cloud Security Engineer", "Mesquite Airlines", "DFW Airport, TX", ""),
        ),
        (
            "14",
            "grace.okafor@example.net",
            (
                "Assistant Controller",
                "Frontier Freight Corporation",
                "",
                "https://www.indeed.com/viewjob?jk=5e8a1c3f90b2d746",
            ),
        ),
    ],
)
def test_forwarded_recruiter_mail_is_one_clean_posting(
    prefix: str, sender: str, expected: tuple[str, str, str, str]
) -> None:
    """Title without company or place; the employer, never the staffing firm's domain."""
    item = parse(prefix)
    assert item.error is None
    assert item.sender is not None and item.sender.address == sender
    assert item.forwarded_by is None
    assert item.note  # the member's own words above the forward
    assert facts(item) == [expected]
    assert item.postings[0].origin == "forward"


def test_recruiters_staffing_domain_never_becomes_the_company() -> None:
    for prefix in ("01", "02", "03", "13"):
        for posting in parse(prefix).postings:
            key = normalize_company(posting.company)
            assert not any(w in key for w in ("staff", "recruit", "talent", "meridian")), key


def test_hiring_managers_note_names_her_employer_not_her_mail_domain() -> None:
    item = parse("12")
    [posting] = item.postings
    assert posting.title == "Compensation Analyst"
    assert normalize_company(posting.company) == normalize_company("Starlight Hotels & Resorts")
    assert posting.canonical_url == (
        "https://jobs.smartrecruiters.com/StarlightHotelsResorts/744000027516385"
    )
    assert item.note is not None and item.note.startswith("HR group - my old manager")


def test_same_acme_posting_from_two_members_has_one_canonical_url() -> None:
    dan, sarah = parse("02"), parse("05")
    assert dan.postings[0].canonical_url == sarah.postings[0].canonical_url
    assert sarah.postings[0].title == "Digital Marketing Manager"
    assert normalize_company(sarah.postings[0].company) == "acme foods"
    assert sarah.sender == Address("Sarah Kim", "sarah.kim@example.org")


def test_iphone_one_liner_note_is_the_members_words_without_the_link() -> None:
    item = parse("07")
    assert item.note == "Saw this on LinkedIn — great fit for the HR folks"
    assert facts(item) == [
        (
            "Talent Acquisition Partner",
            "Summit Ridge Credit Union",
            "",
            "https://www.linkedin.com/jobs/view/4069876543/",
        )
    ]
    assert item.postings[0].origin == "link"


def test_linkedin_alert_forward_gives_the_four_job_cards_only() -> None:
    item = parse("04")
    assert item.sender is not None and item.sender.address == "alice.moreno@example.org"
    assert [(p.title, p.company) for p in item.postings] == [
        ("Senior Brand Manager", "Pecan Grove Snacks"),
        ("Marketing Communications Manager", "Trinity Ridge Software"),
        ("Social Media Marketing Specialist", "Lone Star Credit Union"),
        ("Product Marketing Manager", "Pegasus Travel Technologies"),
    ]
    assert all(
        p.canonical_url.startswith("https://www.linkedin.com/jobs/view/") for p in item.postings
    )


def test_indeed_alert_forward_gives_three_cards() -> None:
    item = parse("08")
    assert [(p.title, p.company) for p in item.postings] == [
        ("Accounts Payable Supervisor", "Lakewood Logistics"),
        ("Senior Tax Accountant", "Parker & Lowe"),
        ("Staff Accountant", "Red River Insurance"),
    ]
    assert all("viewjob?jk=" in p.canonical_url for p in item.postings)


def test_auto_forwarded_glassdoor_alert_names_the_member_who_forwarded_it() -> None:
    item = parse("09")
    assert item.sender is not None and item.sender.address == "noreply@glassdoor.com"
    assert item.forwarded_by is not None
    assert item.forwarded_by.address == "marcus.lee@example.com"
    assert "forwarded_by" not in item.to_json()  # not part of the `parse` contract
    assert [p.company for p in item.postings] == [
        "Brazos Energy Partners",
        "Pecan Grove Snacks",
        "Cotton Exchange Bank",
    ]


def test_strangers_staffing_blast_still_parses_with_a_clean_title() -> None:
    item = parse("10")
    assert item.error is None and item.forwarded_by is None
    [posting] = item.postings
    assert posting.title == "Payroll & HR Assistant"
    assert posting.remote is True
    assert posting.company == ""  # the staffing firm is not the employer


def test_broken_mime_is_an_error_saying_why() -> None:
    item = parse("11")
    assert item.error is not None
    assert item.error.startswith("broken MIME:")
    assert "boundary" in item.error and "never appears" in item.error
    assert item.sender is not None and item.sender.address == "jorge.ramirez@example.org"
    assert item.postings == []


def test_meeting_reminder_has_no_postings() -> None:
    item = parse("15")
    assert item.error is None
    assert item.postings == []


def test_demo_note_naming_a_member_and_recruiter_mail() -> None:
    from parsers.addressee import named_in_note

    meant = parse("16")
    assert [n.first for n in named_in_note(meant.note or "")] == ["priya"]
    assert facts(meant)[0][:2] == ("Technical Program Manager", "Metroplex Data Systems")
    recruiter = parse("17")
    assert recruiter.sender is not None
    assert recruiter.sender.address == "jane.roe@acmestaffing.example"
    assert facts(recruiter)[0][:2] == ("Social Media Marketing Manager", "Initrode")
