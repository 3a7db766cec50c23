"""parse_mail end to end: the postings, forwards and special kinds a member's mail yields."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.company import normalize_company
from parsers.mail import looks_like_job, org_from_address, parse_mail, title_company
from parsers.model import Address
from parsers.subjects import subject_parts
from tests.support.budget import cpu_bounded
from tests.support.mails import gmail_forward

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
    item = cpu_bounded(5.0, parse_mail, raw)
    json.dumps(item.to_json())


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
    item = cpu_bounded(5.0, parse_mail, raw, path.name)
    json.dumps(item.to_json())


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
    item = cpu_bounded(15.0, parse_mail, raw)
    assert 0 < len(item.postings) <= 400
    assert any("links were examined" in w for w in item.warnings)


# --- auto-forwarded mail: who forwarded it ---------------------------------------------------


def _alert(headers: str) -> bytes:
    """An Indeed-style alert as a member's mailbox rule passes it on, unchanged but for headers."""
    return (
        f"{headers}"
        "From: Indeed <alert@indeed.com>\n"
        "To: nina.patel@gmail.com\n"
        "Subject: Payroll Specialist at Vandelay Industries and 1 more job\n"
        "Content-Type: text/plain\n\n"
        "Payroll Specialist\nVandelay Industries - Tulsa, OK\n"
        "https://www.indeed.com/viewjob?jk=1a2b3c4d5e6f7a8b\n"
    ).encode()


@pytest.mark.parametrize(
    ("headers", "member"),
    [
        (
            "Delivered-To: circle@jobs.example.net\n"
            "X-Forwarded-To: circle@jobs.example.net\n"
            "X-Forwarded-For: nina.patel@gmail.com circle@jobs.example.net\n"
            "Delivered-To: nina.patel@gmail.com\n",
            "nina.patel@gmail.com",
        ),
        (
            "Return-Path: <nina.patel+caf_=circle=jobs.example.net@gmail.com>\n"
            "Delivered-To: circle@jobs.example.net\n",
            "nina.patel@gmail.com",
        ),
        (
            "Delivered-To: circle@jobs.example.net\n"
            "Resent-From: Omar Haddad <omar.h@example.com>\n",
            "omar.h@example.com",
        ),
        (
            "Delivered-To: circle@jobs.example.net\n"
            "X-MS-Exchange-Inbox-Rules-Loop: wei.chen@contoso.example\n",
            "wei.chen@contoso.example",
        ),
        (
            "Delivered-To: circle@jobs.example.net\nX-Forwarded-To: rosa@example.org\n",
            "rosa@example.org",
        ),
    ],
)
def test_auto_forwarded_alert_keeps_its_sender_and_names_the_member(
    headers: str, member: str
) -> None:
    item = parse_mail(_alert(headers))
    assert item.sender is not None and item.sender.address == "alert@indeed.com"
    assert item.forwarded_by is not None and item.forwarded_by.address == member
    assert item.postings  # the alert is read as usual
    assert "forwarded_by" not in item.to_json()


def test_resent_from_keeps_the_members_display_name() -> None:
    item = parse_mail(_alert("Resent-From: Omar Haddad <omar.h@example.com>\n"))
    assert item.forwarded_by == Address("Omar Haddad", "omar.h@example.com")


def test_members_own_forward_has_no_forwarded_by() -> None:
    raw = (
        b"Return-Path: <kim@example.org>\nDelivered-To: circle@jobs.example.net\n"
        b"From: Kim <kim@example.org>\nSubject: Fwd: Buyer role\nContent-Type: text/plain\n\n"
        b"https://jobs.lever.co/acme/0f0e8c3d-1234-4abc-9def-0123456789ab\n"
    )
    assert parse_mail(raw).forwarded_by is None


# --- employer, title and place of forwarded recruiter mail ----------------------------------


def _forward(sender: str, subject: str, body: str, link: str = "", name: str = "Jane Roe") -> bytes:
    return (
        "From: Sam Ortiz <sam.ortiz@example.org>\nTo: circle@jobs.example.net\n"
        f"Subject: Fwd: {subject}\nContent-Type: text/plain; charset=utf-8\n\n"
        "Worth a look for the finance folks.\n\nSam\n\n"
        "---------- Forwarded message ---------\n"
        f"From: {name} <{sender}>\nDate: Mon, Nov 23, 2026 at 9:00 AM\n"
        f"Subject: {subject}\nTo: Sam Ortiz <sam.ortiz@example.org>\n\n"
        f"{body}\n\n{link}\n"
    ).encode()


_LEVER = "https://jobs.lever.co/globex/7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"


@pytest.mark.parametrize(
    ("sender", "subject", "body", "expected"),
    [
        (
            "lena@apex-talent.example",
            "Payroll Manager opportunity – Globex Corp (Austin, TX)",
            "Hi Sam, I have a great role for you.",
            ("Payroll Manager", "Globex Corp", "Austin, TX"),
        ),
        (
            "r.diaz@summitsearchpartners.example",
            "Tax Analyst - Hooli - San Jose, CA",
            "Hi Sam, see below.",
            ("Tax Analyst", "Hooli", "San Jose, CA"),
        ),
        (
            "k.ito@northwind.example",
            "Treasury Analyst opening on my team",
            "Hi Sam! I'm hiring for the Treasury Analyst role on my team here at Northwind "
            "Traders. It's hybrid.",
            ("Treasury Analyst", "Northwind Traders", ""),
        ),
        (
            "bo@peakstaffing.example",
            "Quick question",
            "Hi Sam, my client, Initech, is adding a Senior Accountant to its Dallas office.",
            ("", "Initech", ""),
        ),
        (
            "mia@crestrecruiting.example",
            "Come join Umbrella Health as a Billing Supervisor",
            "Hi Sam, interested?",
            ("Billing Supervisor", "Umbrella Health", ""),
        ),
        (
            "leo@hirewell-consulting.example",
            "Wonka Industries: Cost Accountant (Hybrid)",
            "Hi Sam, thoughts?",
            ("Cost Accountant", "Wonka Industries", ""),
        ),
    ],
)
def test_subject_and_body_cues_name_the_employer_not_the_recruiters_domain(
    sender: str, subject: str, body: str, expected: tuple[str, str, str]
) -> None:
    item = parse_mail(_forward(sender, subject, body, _LEVER))
    [posting] = item.postings
    title, company, location = expected
    if title:
        assert posting.title == title
    assert (posting.company, posting.location) == (company, location)


@pytest.mark.parametrize(
    "sender", ["lena@apex-talent.example", "tom@bluewaverecruiting.example", "amy88@gmail.com",
               "x@outlook.com", "jo@icloud.com", "pat@talentpartners.example"]
)  # fmt: skip
def test_staffing_firms_and_personal_mailboxes_never_become_the_company(sender: str) -> None:
    raw = _forward(sender, "Senior Buyer", "Hi Sam, a buyer role, apply below.", _LEVER)
    [posting] = parse_mail(raw).postings
    assert posting.company == "Globex"  # whose Lever board it is; never the sender's firm
    raw = _forward(sender, "Senior Buyer", "Hi Sam, a buyer role.", "https://x.example/jobs/123")
    [posting] = parse_mail(raw).postings
    assert posting.company == ""


def test_employers_own_mail_domain_is_the_last_resort_company() -> None:
    raw = _forward("jane@initech.example", "Senior Buyer", "Hi Sam, we have an opening.", _LEVER)
    [posting] = parse_mail(raw).postings
    assert posting.company == "Initech"


def test_linkless_recruiter_mail_splits_title_company_and_place() -> None:
    raw = _forward(
        "ana@skyline-techstaff.example",
        "Payroll Supervisor - Oceanic Air (Honolulu, HI)",
        "Hi Sam, not posted yet. Send me a resume if interested; salary $90K.",
    )
    [posting] = parse_mail(raw).postings
    assert (posting.title, posting.company, posting.location) == (
        "Payroll Supervisor",
        "Oceanic Air",
        "Honolulu, HI",
    )
    assert posting.origin == "forward"


@pytest.mark.parametrize(
    ("subject", "title", "company", "location", "remote"),
    [
        ("Fwd: Brand Manager opportunity – Wayne Logistics (Gotham)", "Brand Manager",
         "Wayne Logistics", "Gotham", False),
        ("FW: Data Engineer - Soylent - Portland, OR", "Data Engineer", "Soylent",
         "Portland, OR", False),
        ("Aperture: QA Engineer (Remote)", "QA Engineer", "Aperture", "", True),
        ("Fwd: Benefits Manager opening on my team", "Benefits Manager", "", "", False),
        ("Recruiter role at Tyrell (Denver, CO - Hybrid)", "Recruiter", "Tyrell", "Denver, CO",
         False),
        ("URGENT: Remote Data Entry Clerk - $22/hr - Apply Now!!", "Data Entry Clerk", "", "",
         True),
        ("Massive Dynamic is hiring a Lab Technician", "Lab Technician", "Massive Dynamic", "",
         False),
        ("Re: Fwd: Staff Accountant at Dunder Mifflin - Scranton, PA", "Staff Accountant",
         "Dunder Mifflin", "Scranton, PA", False),
    ],
)  # fmt: skip
def test_subject_parts_keep_company_and_place_out_of_the_title(
    subject: str, title: str, company: str, location: str, remote: bool
) -> None:
    parts = subject_parts(subject)
    assert (parts.title, parts.company, parts.location, parts.remote) == (
        title,
        company,
        location,
        remote,
    )


def test_subject_of_a_team_of_partners_company_is_not_a_title() -> None:
    """'Partners' (plural) is a firm; 'Partner' (singular) is a role."""
    assert title_company("HR Business Partner - Pied Piper Partners") == (
        "HR Business Partner",
        "Pied Piper Partners",
    )
    assert title_company("Gringotts Partners | Wealth Advisor") == (
        "Wealth Advisor",
        "Gringotts Partners",
    )


# --- the member's own words ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "note"),
    [
        ("Perfect for Sam, he knows Kubernetes https://jobs.lever.co/hooli/"
         "0f0e8c3d-1234-4abc-9def-0123456789ab\n\nSent from my Galaxy\n",
         "Perfect for Sam, he knows Kubernetes"),
        ("Found on Indeed:\n<https://www.indeed.com/viewjob?jk=0a1b2c3d4e5f6a7b>\n\n"
         "Anyone in finance?\n-- \nRosa Diaz | 555-0100\n",
         "Found on Indeed\n\nAnyone in finance?"),
    ],
)  # fmt: skip
def test_one_liner_with_a_link_keeps_the_members_words_as_note(body: str, note: str) -> None:
    raw = f"From: Rosa <rosa@example.org>\nSubject: job\nContent-Type: text/plain\n\n{body}"
    item = parse_mail(raw.encode())
    assert item.note == note
    assert len(item.postings) == 1


def test_bare_link_has_no_note() -> None:
    raw = (
        b"From: Rosa <rosa@example.org>\nSubject: job\nContent-Type: text/plain\n\n"
        b"https://www.indeed.com/viewjob?jk=0a1b2c3d4e5f6a7b\n\nSent from my iPhone\n"
    )
    assert parse_mail(raw).note is None


# --- broken MIME ---------------------------------------------------------------------------


def test_multipart_whose_boundary_never_appears_is_an_error_with_the_reason() -> None:
    raw = (
        b"From: Ann <ann@example.org>\nSubject: Fwd: Analyst\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="abc123\n\n'
        b"--zzz999\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
        b"SGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Qgb2YgYnJva2VuIG1pbWUgbWFpbA!!@@##\n"
        b"aHR0cHM6Ly9qb2JzLmxldmVyLmNvL2FjbWUvMGYwZThjM2QtMTIzNC00YWJjLTlkZWYtMDEyMzQ1\n"
        b"--zzz999\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n"
        b"JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9GbGF0ZURlY29k\n"
    )
    item = parse_mail(raw)
    assert item.error is not None
    assert item.error == (
        "broken MIME: multipart/mixed declares boundary 'abc123' but it never appears"
    )
    assert item.sender == Address("Ann", "ann@example.org")  # still known for the report


def test_undecodable_base64_body_is_an_error() -> None:
    raw = (
        b"From: Ann <ann@example.org>\nSubject: Analyst\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        + b"\x01\x02##$$%%^^&&**~~ZZ\x7f\x7f\x03\n"
        * 20
    )
    item = parse_mail(raw)
    assert item.error is not None and item.error.startswith("broken MIME:")
    assert "base64" in item.error


def test_missing_boundary_with_readable_text_still_parses_with_a_warning() -> None:
    raw = (
        b"From: Ann <ann@example.org>\nSubject: Buyer role\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/alternative; boundary="nope"\n\n'
        b"Hi all, a buyer role at Acme that fits our supply chain folks:\n"
        b"https://jobs.lever.co/acme/0f0e8c3d-1234-4abc-9def-0123456789ab\n"
    )
    item = parse_mail(raw)
    assert item.error is None
    assert item.warnings
    assert [p.canonical_url for p in item.postings] == [
        "https://jobs.lever.co/acme/0f0e8c3d-1234-4abc-9def-0123456789ab"
    ]


def test_base64_with_a_little_junk_still_parses() -> None:
    text = "Hi all, a buyer role at Acme:\nhttps://jobs.lever.co/acme/0f0e8c3d-1234-4abc-9def-0123456789ab\n"
    encoded = base64.encodebytes(text.encode())
    raw = (
        b"From: Ann <ann@example.org>\nSubject: Buyer role\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        + encoded
        + b"~~~ mangled by a phone ~~~\n"
    )
    item = parse_mail(raw)
    assert item.error is None
    assert len(item.postings) == 1


def test_in_house_recruiter_writes_for_the_employer_but_a_staffing_firm_does_not() -> None:
    in_house = _forward("jane@initech.example", "Senior Buyer", "Hi Sam.", _LEVER, "Recruiter")
    assert parse_mail(in_house).postings[0].company == "Initech"
    link = "https://x.example/jobs/4471"
    firm = _forward("jane@apex.example", "Senior Buyer", "Hi Sam.", link, "Apex Staffing Group")
    assert parse_mail(firm).postings[0].company == ""


@pytest.mark.parametrize(
    ("sentence", "place"),
    [
        ("The role is hybrid out of the Tulsa office, three days a week.", "Tulsa"),
        ("You'd be based at the Round Rock headquarters with a great team.", "Round Rock"),
        ("This job is based in Boise, ID and pays well.", "Boise, ID"),
        ("Drop by the Main Street office if you like.", ""),
        ("I was in the mood for a new role anyway.", ""),
    ],
)
def test_place_named_in_the_forwarded_prose_becomes_the_location(sentence: str, place: str) -> None:
    raw = gmail_forward(
        "Alice <alice@members.example>",
        "Thought of you",
        "Rita <rita@hr.example>",
        "Payroll Specialist at Quarry Mills",
        f"Hi! {sentence}\nhttps://jobs.lever.co/quarry/00000000-0000-4000-8000-000000000042\n",
    )
    (posting,) = parse_mail(raw).postings
    assert posting.location == place
