"""Job-alert mails become one posting per job card, whoever sent them and however they arrive."""

from __future__ import annotations

import email
import email.policy
import html as html_lib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.alerts import parse_alert
from parsers.links import canonicalize_url, unwrap_redirect
from parsers.mail import parse_mail
from parsers.model import Posting

DATA = Path(__file__).parent / "data" / "alerts"
NAV_WORDS = (
    "see all",
    "see more",
    "view all",
    "view more",
    "settings",
    "unsubscribe",
    "manage alerts",
    "manage job alerts",
    "help",
    "privacy",
    " app",
    "profile",
    "edit this",
)


def _load(name: str) -> tuple[str, str, str, str, bytes]:
    raw = (DATA / name).read_bytes()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    html_part = msg.get_body(("html",))
    text_part = msg.get_body(("plain",))
    html = html_part.get_content() if html_part else ""
    text = text_part.get_content() if text_part else ""
    sender = email.utils.parseaddr(str(msg["From"]))[1]
    return sender, str(msg["Subject"]), html, text, raw


def _facts(postings: list[Posting] | None) -> list[tuple[str, str, str, bool]]:
    assert postings is not None
    return [(p.title, p.company, p.location, p.remote) for p in postings]


def _canon(url: str) -> str:
    return canonicalize_url(unwrap_redirect(url))


LINKEDIN = [
    ("Senior Product Manager", "Acme Robotics", "Austin, TX", False),
    ("Product Manager, Payments", "Northwind Traders", "United States", True),
    ("Technical Product Manager", "Globex Corporation", "Denver, CO", False),
    ("Group Product Manager – Platform", "Initech", "San Francisco Bay Area", False),
    ("Product Owner", "Contoso Ltd.", "London, England, United Kingdom", True),
]
LINKEDIN_IDS = ["3901234567", "3907654321", "3911112222", "3923334444", "3935556666"]
INDEED = [
    ("Data Analyst", "Blue Harbor Health", "Chicago, IL 60601", False),
    ("Senior Business Intelligence Analyst", "Lakeshore Bank", "Remote", True),
    ("Marketing Data Analyst", "Windy City Outfitters", "Evanston, IL", False),
    ("Junior Data Analyst (Contract)", "Prairie Analytics Group", "Schaumburg, IL", False),
]
INDEED_JKS = ["4f2a9c81d3b7e605", "0b7d1e22a9c4f318", "c91e07aa5d3f2b64", "77ad0c1e5b9f3a20"]
GLASSDOOR = [
    ("Principal Engineer - Enterprise DevOps", "Dell Technologies", "Hopkinton, MA", False),
    ("Senior Cloud Security Engineer", "Jack Henry & Associates", "Remote", True),
    ("Site Reliability Engineer II", "Wayfair", "Boston, MA", False),
]
GLASSDOOR_IDS = ["1009123456789", "1009234567890", "1009345678901"]
ZIPRECRUITER = [
    ("Registered Nurse - Med/Surg", "Northwestern Medicine", "Chicago, IL", False),
    ("Telehealth Nurse Practitioner", "Carewell Virtual", "Chicago, IL", True),
    ("Charge Nurse, Night Shift", "Advocate Health Care", "Oak Lawn, IL", False),
]
ZIPRECRUITER_TOKENS = ["ekm/AAHc_Oka10xYzQ", "ekm/AAEiGy6UNl_DWu", "ekm/AAHq2ryj6HJ-cm"]
DICE = [
    ("DevOps Engineer", "AaraTechnologies Inc", "Remote or Jersey City, New Jersey, USA", True),
    ("Senior Cloud AWS Engineer", "Arnex Solutions LLC", "Remote", True),
    ("Kubernetes Platform Engineer", "Brightline Systems", "Austin, Texas, USA", False),
]
DICE_IDS = [
    "7b1f3c2a-9d4e-4f6a-8b2c-1e5d7a9c3f01",
    "0c9e8d7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f",
    "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
]
GOOGLE_JOBS = [
    ("Data Analyst", "Blue Harbor Health", "Chicago, IL", False),
    ("Reporting Analyst (Remote)", "Midwest Mutual", "Anywhere", True),
    ("Business Analyst", "City of Chicago", "Chicago, IL", False),
]

EXPECTED = {
    "linkedin_alert.eml": (
        "linkedin_alert",
        LINKEDIN,
        [f"https://www.linkedin.com/jobs/view/{i}/" for i in LINKEDIN_IDS],
    ),
    "indeed_alert.eml": (
        "indeed_alert",
        INDEED,
        [f"https://www.indeed.com/viewjob?jk={jk}" for jk in INDEED_JKS],
    ),
    "glassdoor_alert.eml": (
        "glassdoor_alert",
        GLASSDOOR,
        [
            _canon(f"https://www.glassdoor.com/partner/jobListing.htm?jobListingId={i}")
            for i in GLASSDOOR_IDS
        ],
    ),
    "ziprecruiter_alert.eml": (
        "ziprecruiter_alert",
        ZIPRECRUITER,
        [_canon(f"https://www.ziprecruiter.com/{t}") for t in ZIPRECRUITER_TOKENS],
    ),
    "dice_alert.eml": (
        "dice_alert",
        DICE,
        [f"https://www.dice.com/job-detail/{i}" for i in DICE_IDS],
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_card_becomes_exactly_one_posting(name: str) -> None:
    origin, facts, canonical = EXPECTED[name]
    sender, subject, html, text, _raw = _load(name)
    postings = parse_alert(sender, subject, html, text)
    assert _facts(postings) == facts
    assert [p.canonical_url for p in postings or []] == canonical
    assert {p.origin for p in postings or []} == {origin}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_text_only_alert_gives_the_same_jobs(name: str) -> None:
    origin, facts, canonical = EXPECTED[name]
    sender, subject, _html, text, _raw = _load(name)
    postings = parse_alert(sender, subject, "", text)
    assert _facts(postings) == facts
    assert [p.canonical_url for p in postings or []] == canonical


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_end_to_end_through_parse_mail(name: str) -> None:
    origin, facts, canonical = EXPECTED[name]
    item = parse_mail(_load(name)[4], file=name)
    assert item.error is None
    assert _facts(item.postings) == facts
    assert [p.canonical_url for p in item.postings] == canonical
    assert {p.origin for p in item.postings} == {origin}


@pytest.mark.parametrize("name", sorted(EXPECTED) + ["google_jobs_alert.eml", "google_alerts.eml"])
def test_navigation_links_never_become_postings(name: str) -> None:
    sender, subject, html, text, _raw = _load(name)
    for postings in (
        parse_alert(sender, subject, html, text),
        parse_alert(sender, subject, "", text),
    ):
        for posting in postings or []:
            assert not any(word in posting.title.lower() for word in NAV_WORDS), posting.title
            assert "unsubscribe" not in posting.url and "/alerts" not in posting.url


def test_linkedin_card_details() -> None:
    sender, subject, html, text, _raw = _load("linkedin_alert.eml")
    postings = parse_alert(sender, subject, html, text) or []
    assert [p.salary for p in postings] == [
        "$150K/yr - $180K/yr",
        "",
        "",
        "$210,000/yr - $250,000/yr",
        "",
    ]
    # The first job is shown twice (top list and "More jobs for you"): it is one posting.
    assert len({p.canonical_url for p in postings}) == len(postings) == 5
    assert "linkedin.com/" in postings[0].url and "/jobs/view/3901234567/" in postings[0].url


def test_indeed_pay_age_and_snippet() -> None:
    sender, subject, html, text, _raw = _load("indeed_alert.eml")
    postings = parse_alert(sender, subject, html, text) or []
    assert [p.salary for p in postings] == [
        "$65,000 - $80,000 a year",
        "$95,000 - $120,000 a year",
        "",
        "$28 - $34 an hour",
    ]
    assert [p.posted_at for p in postings] == [
        "Just posted",
        "2 days ago",
        "5 days ago",
        "30+ days ago",
    ]
    assert postings[0].description.startswith("Build dashboards in Tableau")


def test_indeed_text_alert_with_click_trackers_only() -> None:
    sender, subject, html, text, raw = _load("indeed_text_only.eml")
    assert html == ""
    expected = [
        ("Staff Data Scientist - Product Analytics", "Ironclad, Inc.", "San Francisco, CA", False),
        ("Senior Manager, Data Science", "Turn/River", "San Francisco, CA", False),
        ("Engineering Manager", "Omnifold", "Remote", True),
    ]
    postings = parse_alert(sender, subject, html, text)
    assert _facts(postings) == expected
    assert all(p.url.startswith("https://engage.indeed.com/f/a/JOB") for p in postings or [])
    assert _facts(parse_mail(raw).postings) == expected


def test_glassdoor_pay_and_age() -> None:
    sender, subject, html, text, _raw = _load("glassdoor_alert.eml")
    postings = parse_alert(sender, subject, html, text) or []
    assert [p.salary for p in postings] == [
        "$183K - $237K (Employer est.)",
        "",
        "$120K - $160K (Glassdoor est.)",
    ]
    assert [p.posted_at for p in postings] == ["21h", "7d", "30d+"]


def test_dice_absolute_dates_become_iso() -> None:
    sender, subject, html, text, _raw = _load("dice_alert.eml")
    postings = parse_alert(sender, subject, html, text) or []
    assert [p.posted_at for p in postings] == ["2024-02-13", "2024-02-12", "2024-02-14"]


def test_google_jobs_alert() -> None:
    sender, subject, html, text, raw = _load("google_jobs_alert.eml")
    postings = parse_alert(sender, subject, html, text)
    assert _facts(postings) == GOOGLE_JOBS
    assert [p.posted_at for p in postings or []] == ["2 days ago", "5 days ago", "17 hours ago"]
    canonical = [p.canonical_url for p in postings or []]
    assert len(set(canonical)) == 3 and all("htidocid=" in c for c in canonical)
    assert _facts(parse_mail(raw).postings) == GOOGLE_JOBS


def test_google_alerts_keep_job_pages_and_drop_news() -> None:
    sender, subject, html, text, _raw = _load("google_alerts.eml")
    for postings in (
        parse_alert(sender, subject, html, text),
        parse_alert(sender, subject, "", text),
    ):
        assert [(p.title, p.company) for p in postings or []] == [
            ("Data Analyst", "Blue Harbor Health"),
            ("Senior Data Analyst", "Lakeshore Bank"),
        ]
        assert (postings or [])[0].canonical_url == "https://www.linkedin.com/jobs/view/3912345678/"
        assert {p.origin for p in postings or []} == {"google_alert"}


def _gmail_forward(sender: str, subject: str, html: str, text: str) -> tuple[str, str]:
    """The alert as Gmail forwards it: quoted HTML in div.gmail_quote, text under a header."""
    body = html.split("<body", 1)[-1].split(">", 1)[-1].rsplit("</body>", 1)[0]
    header = (
        '<div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>'
        f'From: <strong class="gmail_sendername" dir="auto">Alerts</strong> '
        f'<span dir="auto">&lt;<a href="mailto:{sender}">{sender}</a>&gt;</span><br>'
        f"Date: Tue, Feb 13, 2024 at 3:04 PM<br>Subject: {html_lib.escape(subject)}<br>"
        'To: &lt;<a href="mailto:pat@example.org">pat@example.org</a>&gt;<br></div><br><br>'
    )
    fwd_html = (
        '<div dir="ltr"><div>Thought of the product folks - Pat</div><br>'
        '<div><a href="https://calendly.com/pat">my calendar</a></div>'
        f'<div class="gmail_quote">{header}<blockquote class="gmail_quote">{body}</blockquote>'
        "</div></div>"
    )
    quoted = "\n".join("> " + line for line in text.splitlines())
    fwd_text = (
        "Thought of the product folks - Pat\n\n---------- Forwarded message ---------\n"
        f"From: Alerts <{sender}>\nDate: Tue, Feb 13, 2024 at 3:04 PM\nSubject: {subject}\n"
        f"To: <pat@example.org>\n\n{quoted}\n"
    )
    return fwd_html, fwd_text


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("known_sender", [True, False])
def test_forwarded_alert(name: str, known_sender: bool) -> None:
    origin, facts, canonical = EXPECTED[name]
    sender, subject, html, text, _raw = _load(name)
    fwd_html, fwd_text = _gmail_forward(sender, subject, html, text)
    given_sender = sender if known_sender else "pat@example.org"
    postings = parse_alert(given_sender, "Fwd: " + subject, fwd_html, fwd_text)
    assert _facts(postings) == facts
    assert [p.canonical_url for p in postings or []] == canonical
    text_only = parse_alert("", "Fwd: " + subject, "", fwd_text)
    assert _facts(text_only) == facts


def test_forwarded_eml_end_to_end() -> None:
    item = parse_mail((DATA / "forwarded_linkedin_alert.eml").read_bytes())
    assert item.error is None
    assert _facts(item.postings) == LINKEDIN
    assert {p.origin for p in item.postings} == {"linkedin_alert"}


def test_unknown_sender_detected_by_content() -> None:
    _sender, subject, html, text, _raw = _load("linkedin_alert.eml")
    assert _facts(parse_alert("", subject, html, "")) == LINKEDIN


def test_ordinary_mail_is_not_an_alert() -> None:
    html = '<p>Hi all, lunch on Friday? <a href="https://example.org/menu">menu</a></p>'
    assert parse_alert("friend@example.org", "Lunch", html, "Hi all, lunch on Friday?") is None
    assert parse_alert("", "", "", "") is None


def test_known_sender_without_cards_is_an_empty_alert() -> None:
    html = "<p>Your job alert has been created. You'll get new jobs by email.</p>"
    assert parse_alert("jobalerts-noreply@linkedin.com", "Job alert created", html, "") == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sender=st.sampled_from(
        [
            "",
            "jobalerts-noreply@linkedin.com",
            "alert@indeed.com",
            "noreply@glassdoor.com",
            "x@example.org",
            "notify-noreply@google.com",
        ]
    ),
    html=st.text(max_size=400)
    | st.lists(
        st.sampled_from(
            [
                "<a href='https://www.linkedin.com/comm/jobs/view/1234567/'>",
                "</a>",
                "<table><tr><td>",
                "</td></tr></table>",
                "<br>",
                "Engineer",
                "Acme · Remote",
                "<a href=https://www.indeed.com/rc/clk?jk=abcdef0123456789>",
                "<p>",
                "$100K/yr",
                "&amp;",
                "<div style='display:none'>",
                "\u034f",
                "<a>",
                ">",
            ]
        ),
        max_size=40,
    ).map("".join),
    text=st.text(max_size=400),
)
def test_arbitrary_input_never_raises(sender: str, html: str, text: str) -> None:
    result = parse_alert(sender, "s", html, text)
    assert result is None or all(isinstance(p, Posting) and p.title for p in result)
