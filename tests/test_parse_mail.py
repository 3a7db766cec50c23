"""parse_mail end to end: the postings, forwards and special kinds a member's mail yields."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.company import normalize_company
from parsers.mail import looks_like_job, org_from_address, parse_mail, title_company
from parsers.model import Address

MAIL = Path(__file__).parent / "data" / "mail"
FIXTURES = sorted(MAIL.glob("*.eml"))


def parse(name: str):  # noqa: ANN201 - test helper
    return parse_mail((MAIL / name).read_bytes(), file=name)


def test_html_only_mail_yields_one_posting_per_job_link() -> None:
    item = parse("html_only.eml")
    assert item.error is None
    assert item.sender == Address("Alice Moreno", "alice.moreno@gmail.com")
    assert item.message_id == "<html-only-1@mail.gmail.com>"
    assert [(p.title, p.canonical_url, p.origin) for p in item.postings] == [
        (
            "Senior Data Analyst",
            "https://job-boards.greenhouse.io/acmeanalytics/jobs/4012345",
            "link",
        ),
        (
            "Northwind Product Marketing Manager",
            "https://jobs.lever.co/northwind/0f0e8c3d-1234-4abc-9def-0123456789ab",
            "link",
        ),
    ]
    # The company page, unsubscribe link and script never become postings.
    assert all("unsubscribe" not in p.url and "/company/" not in p.url for p in item.postings)


def test_same_posting_linked_twice_is_one_posting() -> None:
    item = parse("linkedin_share.eml")
    assert len(item.postings) == 1
    [p] = item.postings
    assert (p.title, p.company) == ("Senior Marketing Manager", "Sabre")
    assert p.canonical_url == "https://www.linkedin.com/jobs/view/3912345678/"
    assert "safelinks" not in p.url


def test_forward_as_attachment_two_messages() -> None:
    item = parse("forward_two_attachments.eml")
    assert item.note is not None and item.note.startswith("Forwarding two recruiter mails")
    assert [f.from_.address for f in item.forwarded] == [
        "dana@northwind-traders.com",
        "ravi@contoso-health.org",
    ]
    assert item.forwarded[0].subject == "Opportunity: Supply Chain Analyst at Northwind"
    assert item.forwarded[0].date.startswith("Tue, 17 Nov 2026")
    assert [(p.title, p.company, p.origin) for p in item.postings] == [
        ("Supply Chain Analyst", "Northwind", "forward"),
        ("HR Business Partner", "Contoso Health", "forward"),  # no link: still a lead
    ]
    assert item.postings[0].canonical_url.endswith("/Supply-Chain-Analyst_R-20431")
    assert item.postings[1].url == ""
    assert "submit your resume" in item.postings[1].description


def test_outlook_word_html_forward() -> None:
    item = parse("outlook_word_forward.eml")
    assert item.note == "Thought of the marketing group for this one."
    assert len(item.forwarded) == 1
    original = item.forwarded[0]
    assert original.from_ == Address("Maria Lopez", "maria.lopez@sabre.com")
    assert original.subject == "Marketing Manager opening at Sabre"
    [p] = item.postings
    assert (p.title, p.company, p.origin) == ("Marketing Manager", "Sabre", "forward")
    assert p.canonical_url == (
        "https://sabre.wd1.myworkdayjobs.com/SabreJobs/job/Southlake-TX/Marketing-Manager_JR112233"
    )
    assert "Marketing Manager opening on my team" in p.description


def test_forwarded_recruiter_mail_without_link_is_one_posting() -> None:
    item = parse("gmail_recruiter_no_link.eml")
    [p] = item.postings
    assert (p.title, p.company, p.location, p.url) == (
        "Controller",
        "Lakeside Foods",
        "Irving, TX",
        "",
    )
    assert p.origin == "forward"
    assert item.note == "Anyone in Finance looking? Not for me."


def test_forwarded_chat_yields_no_posting() -> None:
    item = parse("plain_chat.eml")
    assert item.postings == []
    assert item.forwarded and item.forwarded[0].subject == "lunch on Friday?"


@pytest.mark.parametrize("name", ["bounce_dsn.eml", "bounce_plain.eml"])
def test_bounces_have_no_postings(name: str) -> None:
    item = parse(name)
    assert item.special == "bounce"
    assert item.postings == [] and item.forwarded == []


@pytest.mark.parametrize("name", ["auto_reply.eml", "out_of_office_subject.eml"])
def test_auto_replies_have_no_postings(name: str) -> None:
    item = parse(name)
    assert item.special == "auto-reply"
    assert item.postings == []


def test_dmarc_verdict_is_reported_and_posting_still_parsed() -> None:
    item = parse("dmarc_fail.eml")
    assert item.auth["dmarc"] == "fail"
    [p] = item.postings
    assert p.title == "Teller"  # "- apply today" is noise, "position" is implied
    assert p.canonical_url == "https://careers.bigbank.example/jobs/teller-9911/"


def test_broken_mime_still_yields_the_posting() -> None:
    item = parse("broken_mime.eml")
    assert item.error is None
    assert [p.canonical_url for p in item.postings] == [
        "https://careers.example.com/jobs/payroll-specialist-4421/"
    ]
    assert item.warnings


def test_json_contract_shape() -> None:
    data = json.loads(json.dumps(parse("forward_two_attachments.eml").to_json()))
    assert list(data) == ["file", "kind", "error", "sender", "note", "forwarded", "postings"]
    assert data["kind"] == "email"
    assert set(data["forwarded"][0]) == {"from", "to", "cc", "subject", "date", "body"}
    assert data["postings"][0]["posted_at"] is None


def test_empty_and_garbage_input_become_errors_not_exceptions() -> None:
    assert parse_mail(b"").error == "empty file"
    assert parse_mail(b"\x00\x01\x02").error is not None


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Fwd: Job Opportunity: Senior Buyer at Acme", ("Senior Buyer", "Acme")),
        ("RE: FW: [EXTERNAL] Sabre is hiring: Marketing Manager", ("Marketing Manager", "Sabre")),
        (
            "Check out this job at Sabre: Senior Marketing Manager",
            ("Senior Marketing Manager", "Sabre"),
        ),
        ("Role for you - HR Business Partner", ("HR Business Partner", "")),
        ("Fwd: Controller opportunity with Lakeside Foods", ("Controller", "Lakeside Foods")),
        ("TR: Senior Product Manager role - Remote", ("Senior Product Manager", "")),
    ],
)
def test_title_and_company_from_subjects(subject: str, expected: tuple[str, str]) -> None:
    assert title_company(subject) == expected


def test_original_senders_org() -> None:
    assert org_from_address(Address("", "jane@mail.sabre.com")) == "Sabre"
    assert org_from_address(Address("", "x@bbc.co.uk")) == "BBC"
    assert org_from_address(Address("", "someone@gmail.com")) == ""
    assert org_from_address(Address("", "jobs-noreply@linkedin.com")) == ""


def test_looks_like_job() -> None:
    assert looks_like_job("Quick question", "We are hiring for a role on my team, send your resume")
    assert not looks_like_job("lunch on Friday?", "Are you free for lunch?")


@pytest.mark.parametrize(
    "name", ["Sabre Corporation", "Sabre", "Sabre Inc.", "SABRE, Inc.", "The Sabre Group Holdings"]
)
def test_company_names_normalize_alike(name: str) -> None:
    assert normalize_company(name) == "sabre"


def test_company_normalization_folds_accents_and_legal_forms() -> None:
    assert normalize_company("Nestlé S.A.") == normalize_company("NESTLE SA") == "nestle"
    assert normalize_company("Siemens AG") == "siemens"
    assert normalize_company("Amazon.com, Inc.") == "amazon"
    assert normalize_company("Group") == "group"  # never empty for a real name
    assert normalize_company("") == ""


# --- robustness -------------------------------------------------------------------------------------


def _mangle(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    out = bytearray(data)
    for pos, cut, insert in edits:
        at = pos % (len(out) + 1)
        out[at : at + cut] = insert
    return bytes(out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    start = time.monotonic()
    item = parse_mail(raw)
    json.dumps(item.to_json())
    assert time.monotonic() - start < 5


_PIECES = st.sampled_from(
    [b"\n", b"\r\n", b"--", b"=?utf-8?B?", b"?=", b"Content-Type: multipart/mixed; boundary=X\n",
     b"--X\n", b"Content-Transfer-Encoding: base64\n", b"charset=koi8-r", b"\xff\xfe", b"=\n", b":",
     b"message/rfc822\n\n", b"<a href='https://x.example/jobs/1'>", b"=3D", b"\x00"]
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(FIXTURES),
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 40), _PIECES | st.binary(max_size=30)),
        max_size=12,
    ),
)
def test_mangled_mime_never_raises(path: Path, edits: list[tuple[int, int, bytes]]) -> None:
    raw = _mangle(path.read_bytes(), edits)
    start = time.monotonic()
    item = parse_mail(raw, file=path.name)
    json.dumps(item.to_json())
    assert time.monotonic() - start < 5


def test_intro_phrase_before_a_link_is_not_taken_for_a_title() -> None:
    raw = (
        b"From: Kim <kim@gmail.com>\nSubject: FYI\nContent-Type: text/plain\n\n"
        b"Here is the link:\nhttps://careers.example.com/jobs/5521-senior-buyer-dallas\n"
    )
    [p] = parse_mail(raw).postings
    assert p.title == ""  # not stated; never 'FYI' or 'Here is the link'
    assert p.canonical_url == "https://careers.example.com/jobs/5521-senior-buyer-dallas"


def test_huge_link_dump_is_capped_and_fast() -> None:
    rows = "".join(
        f"<p><a href='https://careers.example.com/jobs/{i}-analyst'>Analyst {i}</a></p>"
        for i in range(1000, 21000)
    )
    raw = f"From: a@b.example\nSubject: dump\nContent-Type: text/html\n\n{rows}".encode()
    start = time.monotonic()
    item = parse_mail(raw)
    assert time.monotonic() - start < 15
    assert 0 < len(item.postings) <= 400
    assert any("links were examined" in w for w in item.warnings)
