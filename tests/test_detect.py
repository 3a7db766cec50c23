"""parse_file picks the right parser from the bytes, and never raises."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.detect import parse_file
from tests.support.budget import cpu_bounded

DATA = Path(__file__).parent / "data"


def test_eml_is_parsed_as_mail_whatever_its_name() -> None:
    raw = (DATA / "mail" / "linkedin_share.eml").read_bytes()
    for name in ("share.eml", "share", "download.bin"):
        item = parse_file(name, raw)
        assert item.kind == "email"
        assert item.file == name
        assert [p.canonical_url for p in item.postings] == [
            "https://www.linkedin.com/jobs/view/3912345678/"
        ]


def test_mbox_from_line_is_accepted() -> None:
    raw = (
        b"From alice@example.com Mon Nov 23 09:00:00 2026\n"
        + (DATA / "mail" / "html_only.eml").read_bytes()
    )
    item = parse_file("saved", raw)
    assert item.kind == "email"
    assert len(item.postings) == 2


def test_html_page_gives_jsonld_postings() -> None:
    item = parse_file("posting.html", (DATA / "pages" / "jsonld_graph.html").read_bytes())
    assert item.kind == "page"
    assert item.error is None
    assert [p.title for p in item.postings] == ["Senior Data Analyst"]


def test_bare_text_body_is_read_as_a_mail_body() -> None:
    body = b"Sabre is hiring a Marketing Manager: https://careers.sabre.com/job/Southlake-Marketing-Manager/1234/\n"
    item = parse_file("note.txt", body)
    assert item.kind == "email"
    assert item.error is None
    assert [p.canonical_url for p in item.postings] == [
        "https://careers.sabre.com/job/Southlake-Marketing-Manager/1234/"
    ]


def test_rss_feed_goes_to_the_feed_parser() -> None:
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Jobs</title>'
        b"<item><title>Buyer at Acme</title><link>https://acme.example/jobs/1</link></item>"
        b"</channel></rss>"
    )
    item = parse_file("jobs.rss", rss)
    assert item.kind == "feed"
    assert item.file == "jobs.rss"


def test_utf16_feed_is_sniffed_as_feed() -> None:
    rss = '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel></channel></rss>'
    assert parse_file("f.xml", rss.encode("utf-16")).kind == "feed"


def test_unreadable_files_give_errors() -> None:
    assert parse_file("empty.eml", b"").error
    assert parse_file("blob", b"\x00\x01\x02\x03" * 100).error
    msg = parse_file("mail.msg", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert msg.error is not None and ".eml" in msg.error
    assert parse_file("x.json", b'{"not": "a board"}').error


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(max_size=3000), st.sampled_from(["a.eml", "a.html", "a.json", "a.xml", "a.txt", "a"])
)
def test_arbitrary_text_never_raises(text: str, name: str) -> None:
    item = cpu_bounded(5.0, parse_file, name, text.encode("utf-8", errors="surrogatepass"))
    json.dumps(item.to_json())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    item = parse_file("upload", data)
    json.dumps(item.to_json())


def test_broken_mime_mail_is_reported_as_an_error() -> None:
    raw = (
        b"From: Ann <ann@example.org>\nTo: g@example.net\nSubject: Fwd: Analyst\n"
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="q1\n\n'
        b"--q2\nContent-Transfer-Encoding: base64\n\nSGVsbG8gd29ybGQ!!@@##\n"
        b"aHR0cHM6Ly9qb2JzLmxldmVyLmNvL2FjbWUvMGYwZThjM2QtMTIzNC00YWJj\n"
    )
    item = parse_file("forwarded.eml", raw)
    assert item.kind == "email"
    assert item.error is not None and item.error.startswith("broken MIME:")
    assert item.to_json()["error"] == item.error
