"""Every parser under hostile input: no exception, and bounded in CPU time.

Three parts:
- the findings of the security review, one test per input class (tests/support/hostile.py),
  each of which took from 15 s to hours before the patterns were made linear;
- the parse budget (digest.ingest.budget): a mail over it is reported with its reason while
  the next mail parses as usual, inline and in the worker pool;
- a hypothesis suite over every parser entry point, arbitrary bytes/text plus structured
  nasties (deep MIME, huge headers, odd charsets, deep JSON-LD, entity expansion).

Each call runs under a CPU-time budget (`within_budget`): a call that runs away fails the test
with "parse exceeded N s of CPU time" instead of hanging CI. No wall-clock asserts. The
hypothesis part is derandomized with a fixed number of examples; `python -m benchmarks.fuzz`
is the long run.
"""

from __future__ import annotations

import json
import os
import resource
import string
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from digest.ingest import parallel
from digest.ingest.budget import (
    ParseBudget,
    ParseBudgetExceeded,
    parse_mail_isolated,
    run_isolated,
    within_budget,
)
from digest.ingest.record import process_pending
from digest.store.db import Database
from digest.store.models import Member, RawMessage
from parsers import company, dates, fingerprint, location, subjects
from parsers.alerts import MAX_CARDS, SPECS, is_alert_sender, parse_alert
from parsers.autoforward import forwarded_by
from parsers.boards import parse_board
from parsers.detect import parse_file
from parsers.feeds import parse_feed_entries
from parsers.forwards import MAX_CANDIDATES, split_forward
from parsers.htmltext import fragment_to_text, html_links, html_to_text
from parsers.jsonld import loads_lenient, page_jobs
from parsers.links import (
    canonicalize_url,
    find_urls,
    is_job_url,
    job_id_key,
    title_from_url,
    unwrap_redirect,
)
from parsers.mail import looks_like_job, parse_mail
from parsers.mime import (
    MAX_BOUNDARIES,
    bounce_recipients,
    decode_bytes,
    decode_header_value,
    decode_mail,
)
from parsers.model import Address, ParsedItem, Posting
from parsers.titles import split_title
from tests.support.budget import cpu_bounded
from tests.support.hostile import ALERT_SENDER, JOB_LINK, MAIL_CLASSES, mail
from tests.support.mails import gmail_forward

T = TypeVar("T")

#: CPU seconds one call may take. Every input here is at most a few hundred kB; a linear
#: parser needs a small fraction of this, a backtracking one minutes.
CAP = ParseBudget(seconds=3.0)


def bounded(fn: Callable[..., T], *args: Any) -> T:
    """fn(*args) under CAP: an exception or a runaway call fails the test, with its reason."""
    return within_budget(fn, *args, budget=CAP)


# ---------------------------------------------------------------- the findings, one per class

#: Large enough that the old super-linear code took 15 s to hours; small enough for CI.
FINDING_SIZE = 200_000
#: Issue #12: "well under a second for inputs under 1 MB". Every class runs at ~0.5 s per MB
#: or less (`python -m benchmarks.hostile`); one that regresses to a second per MB fails.
SECONDS_PER_MB = 1.0
BUDGET_SIZE = 500_000


def _parse_and_bounce(raw: bytes) -> ParsedItem:
    """What the benchmark times: the mail read, and read again as a possible bounce."""
    bounce_recipients(raw)
    return parse_mail(raw, "hostile")


@pytest.mark.parametrize("name", sorted(MAIL_CLASSES))
def test_each_pathological_class_parses_well_under_a_second_per_megabyte(name: str) -> None:
    raw = MAIL_CLASSES[name](BUDGET_SIZE)
    item = cpu_bounded(SECONDS_PER_MB * len(raw) / 1e6, _parse_and_bounce, raw)
    assert isinstance(item, ParsedItem)
    assert item.error is None or "cannot parse" not in item.error


def _cards(count: int) -> bytes:
    return MAIL_CLASSES["alert: many cards"](count * 132)  # 132 bytes a card


def test_an_alert_over_the_card_cap_reads_its_first_jobs_whole_and_says_so() -> None:
    item = bounded(parse_mail, _cards(MAX_CARDS + 50), "alert")
    assert [p.title for p in item.postings] == [
        f"Marketing Manager {1_000_000 + i}" for i in range(MAX_CARDS)
    ]
    last = item.postings[-1]  # ends where the next job starts, as without the cap
    assert (last.company, last.location, last.salary) == (
        "Acme Foods",
        "Dallas, TX",
        "$90k - $100k",
    )
    assert f"an alert lists {MAX_CARDS} jobs or more: at most {MAX_CARDS} are read" in item.warnings


def test_an_alert_under_the_card_cap_is_read_in_full_without_a_warning() -> None:
    item = bounded(parse_mail, _cards(MAX_CARDS - 1), "alert")
    assert len(item.postings) == MAX_CARDS - 1
    assert not any("alert lists" in w for w in item.warnings)


def _header_lines(count: int) -> str:
    return "".join(f"Date: {i}\n" for i in range(count))


FORWARD = (
    "---------- Forwarded message ---------\nFrom: Rita <rita@acme-foods.com>\n"
    "Date: Mon, 1 Dec 2025\nSubject: Marketing Manager\nTo: Alice <alice@example.org>\n\n"
    f"Apply: {JOB_LINK}\n"
)


def test_a_forward_after_a_few_header_like_lines_is_found() -> None:
    found = bounded(split_forward, _header_lines(100) + "\n" + FORWARD, "Fwd: Marketing Manager")
    assert [m.from_.address for m in found.messages] == ["rita@acme-foods.com"]


def test_past_the_candidate_cap_the_text_is_the_mails_own_and_its_links_still_count() -> None:
    body = _header_lines(MAX_CANDIDATES) + "\n" + FORWARD
    found = bounded(split_forward, body, "Fwd: Marketing Manager")
    assert found.messages == [] and found.reply is None
    item = bounded(parse_mail, mail(body), "capped")
    assert [p.canonical_url for p in item.postings] == [JOB_LINK]


def test_mime_past_the_boundary_cap_is_read_as_text_with_a_warning() -> None:
    item = bounded(parse_mail, nested_mime(MAX_BOUNDARIES + 1), "deep")
    assert [p.canonical_url for p in item.postings] == [JOB_LINK]
    assert any(f"more than {MAX_BOUNDARIES} multipart boundaries" in w for w in item.warnings)
    shallow = bounded(parse_mail, nested_mime(10), "shallow")
    assert not any("boundaries" in w for w in shallow.warnings)


def test_a_two_kilobyte_mail_of_blank_lines_is_read() -> None:
    """The review's worst case: 2 kB of blank lines after a link took hours (cubic)."""
    item = bounded(parse_mail, mail(f"Have a look {JOB_LINK}\n" + "\n" * 2_000), "blank")
    assert [p.canonical_url for p in item.postings] == [JOB_LINK]


def test_a_long_text_bounce_yields_its_recipient() -> None:
    raw = MAIL_CLASSES["long text bounce"](FINDING_SIZE)
    assert bounded(bounce_recipients, raw) == [("user@example.com", "5.1.1")]


def test_a_url_followed_by_parentheses_is_trimmed() -> None:
    assert bounded(find_urls, "see (http://x.com/jobs/1" + ")" * 100_000) == ["http://x.com/jobs/1"]


def test_a_punycode_charset_is_read_as_text_not_decoded_as_punycode() -> None:
    item = bounded(parse_mail, MAIL_CLASSES["punycode charset (body)"](FINDING_SIZE), "p")
    assert item.error is None


def test_an_age_before_year_one_is_no_date_and_no_crash() -> None:
    """Found by fuzzing: an absurd relative age overflowed the date arithmetic. It is not a
    date (absolute_date gives "", as for any text it cannot read), and nothing raises."""
    reference = datetime(2026, 12, 1)
    for age in ("posted 34000000 weeks ago", "9" * 5000 + " days ago"):
        assert bounded(dates.absolute_date, age, reference) == ""
    posting = Posting(title="x", posted_at="posted 34000000 weeks ago")
    bounded(dates.resolve_relative_dates, [posting], reference)
    assert posting.posted_at == ""  # an age that is no date is dropped, never copied raw


# ---------------------------------------------------------------- the budget guard

#: A mail that is slow but legitimate work (linear, ~0.7 s of CPU for 3 MB): over a tiny budget.
HEAVY = MAIL_CLASSES["blank lines"](3_000_000)
TINY = ParseBudget(seconds=0.2, memory_mb=256)


def good_mail(n: int) -> bytes:
    url = f"https://jobs.lever.co/initech/00000000-0000-4000-8000-{n:012d}"
    return gmail_forward(
        "Alice <alice@members.example>",
        f"Lead {n}",
        "Rita <rita@hr.example>",
        f"Data Engineer {n} at Initech",
        f"Apply: {url}\n",
    )


def test_a_mail_over_the_budget_is_reported_and_the_next_one_parses() -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with pytest.raises(ParseBudgetExceeded, match=r"parse exceeded 0\.2 s of CPU time"):
        parse_mail_isolated(HEAVY, "heavy", TINY)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    assert used < TINY.seconds + 1.0  # CPU time of the child: stopped at its budget
    item = parse_mail_isolated(good_mail(1), "next", TINY)
    assert [p.title for p in item.postings] == ["Data Engineer 1"]


def test_a_mail_over_the_memory_budget_is_reported() -> None:
    """A 120 MB mail cannot even be read in 32 MB: the parse fails with the memory reason."""
    huge = mail("a " * 60_000_000)
    with pytest.raises(ParseBudgetExceeded, match="parse exceeded 32 MB of memory"):
        parse_mail_isolated(huge, "huge", ParseBudget(seconds=60, memory_mb=32))


def test_the_budget_stops_a_runaway_regex_in_this_process() -> None:
    import re

    with pytest.raises(ParseBudgetExceeded, match="exceeded"):
        within_budget(re.match, r"(a+)+$", "a" * 64 + "b", budget=TINY)
    assert bounded(str.upper, "still works") == "STILL WORKS"


def test_an_isolated_call_hands_back_value_and_exception() -> None:
    assert run_isolated(sum, [1, 2, 3], budget=TINY) == 6
    with pytest.raises(ZeroDivisionError):
        run_isolated(divmod, 1, 0, budget=TINY)


def test_an_isolated_parse_is_bounded_from_any_thread() -> None:
    """The web app reprocesses a mail from a request thread, where signals cannot be set."""
    import threading

    outcome: dict[str, object] = {}

    def reprocess() -> None:
        try:
            parse_mail_isolated(HEAVY, "heavy", TINY)
        except ParseBudgetExceeded as exc:
            outcome["heavy"] = str(exc)
        outcome["next"] = parse_mail_isolated(good_mail(2), "next", TINY).postings[0].title

    thread = threading.Thread(target=reprocess)
    thread.start()
    thread.join()
    assert outcome == {"heavy": "parse exceeded 0.2 s of CPU time", "next": "Data Engineer 2"}


@pytest.fixture
def fresh_pool() -> Iterator[None]:
    parallel.shutdown()
    yield
    parallel.shutdown()


@pytest.mark.parametrize("pooled", [False, True], ids=["inline", "pool"])
def test_parse_stream_reports_only_the_mail_over_budget(
    pooled: bool, monkeypatch: pytest.MonkeyPatch, fresh_pool: None
) -> None:
    count = parallel.MIN_FOR_POOL + 2 if pooled else 4
    monkeypatch.setenv("JOBDIGEST_PARSE_WORKERS", "2" if pooled else "1")
    raws = {n: good_mail(n) for n in range(count)}
    raws[2] = HEAVY
    results = dict(parallel.parse_stream(raws, TINY))
    assert isinstance(results[2], ParseBudgetExceeded)
    assert str(results[2]) == "parse exceeded 0.2 s of CPU time"
    for n in set(raws) - {2}:
        item = results[n]
        assert isinstance(item, ParsedItem), item
        assert [p.title for p in item.postings] == [f"Data Engineer {n}"]


def test_ingest_fails_the_mail_over_budget_with_its_reason_and_records_the_rest(
    db_url: str,
) -> None:
    db = Database(db_url)
    try:
        with db.session() as s:
            s.add(Member(email="alice@members.example"))
            s.add_all([RawMessage(raw=good_mail(1)), RawMessage(raw=HEAVY)])
            s.add(RawMessage(raw=good_mail(3)))
        counts = process_pending(db.sessions, budget=TINY)
        assert counts == {"processed": 2, "failed": 1}
        with db.session() as s:
            reason = s.scalar(select(RawMessage.reason).where(RawMessage.status == "failed"))
        assert reason is not None and "parse exceeded 0.2 s of CPU time" in reason
    finally:
        db.dispose()


def test_budget_comes_from_the_inbox_config() -> None:
    from digest.config import parse_config

    cfg = parse_config("[inbox]\nparse_seconds = 2.5\nparse_memory_mb = 128\n")
    assert ParseBudget.from_config(cfg.inbox) == ParseBudget(seconds=2.5, memory_mb=128)


# ---------------------------------------------------------------- strategies

#: Pieces that provoke backtracking or odd paths when repeated.
UNITS = [
    "\n", " ", "\t", "\r\n", " \n", "\u00a0", "a", "A", "Aa ", "1", "1.", ".", "..", "-", "--",
    "=", "_", "*", "#", "~", ">", "> ", "<", ")", "(", "[", "]", "{", "}", '"', "'", "@", "a@",
    ":", ": ", ",", ";", "|", "/", "\\", "%", "%3A", "&", "&amp;", "&#", "www.", "http://",
    "https://x.com/", "mailto:", "=?utf-8?q?", "=?punycode?Q?", "?=", "=20", "=\n", "\u2022",
    "\u00b7", "\u2605", "\u2013", "\u200b", "\ufeff", "\x00", "\x1f", "From: ", "To: ", "Sent: ",
    "Subject: ", "Date: ", "wrote:", "On Mon, 1 Dec 2025 a@b.c wrote:", "-----Original Message-----",
    "---------- Forwarded message ---------", "Begin forwarded message:", "Company: ",
    "Location: ", "for a ", "as an ", " at ", " hiring ", "$", "k", "90k", " - ", " via ",
    "(Remote)", "Remote", "<a href='https://www.linkedin.com/comm/jobs/view/1234567/'>",
    "</a>", "<br>", "<p>", "<div>", "<table><tr><td>", "<!--", "-->", "<![CDATA[", "]]>",
    "<script type='application/ld+json'>", "</script>", "google.com/url?", "ibp=htl;jobs",
    "jobalerts-noreply@linkedin.com", "@dice.com", "ziprecruiter.com/k/", "\u0130", "\u00e9",
]  # fmt: skip


@st.composite
def nasty_text(draw: st.DrawFn, max_repeat: int = 4000) -> str:
    """A few runs of repeated hostile units, sometimes around ordinary text."""
    runs = draw(
        st.lists(
            st.tuples(st.sampled_from(UNITS), st.integers(1, max_repeat)), min_size=1, max_size=5
        )
    )
    text = "".join(unit * count for unit, count in runs)
    return draw(st.sampled_from(["", "Marketing Manager "])) + text


TEXT = st.one_of(st.text(max_size=3000), nasty_text())
SHORT = st.one_of(st.text(max_size=200), nasty_text(max_repeat=400))
BYTES = st.one_of(st.binary(max_size=6000), TEXT.map(lambda t: t.encode("utf-8", "replace")))
CHARSETS = [
    "utf-8", "us-ascii", "iso-8859-1", "windows-1252", "utf-16", "utf-7", "punycode", "idna",
    "base64", "rot13", "x-unknown", "unknown-8bit", "gb2312", "x-no-such", "", '"', "utf-8'en'",
]  # fmt: skip
ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "binary", "garbage"]
TYPES = [
    "text/plain", "text/html", "multipart/mixed", "multipart/alternative; boundary=b",
    "message/rfc822", "multipart/report; report-type=delivery-status", "application/pdf",
]  # fmt: skip
#: A fixed budget for CI; `python -m benchmarks.fuzz` raises it and draws a random seed.
FAST = settings(
    max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "30")),
    deadline=None,
    derandomize=not os.environ.get("HOSTILE_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def mails(draw: st.DrawFn) -> bytes:
    """A mail with hostile headers, content type, charset, transfer encoding and body."""
    subject = draw(SHORT)
    body = draw(TEXT)
    ctype = draw(st.sampled_from(TYPES))
    charset = draw(st.sampled_from(CHARSETS))
    encoding = draw(st.sampled_from(ENCODINGS))
    sender = draw(st.sampled_from([ALERT_SENDER, "a@b.c", "", "MAILER-DAEMON@x.org", "<>"]))
    head = (
        f"From: {sender}\r\nSubject: {subject}\r\nContent-Type: {ctype}; charset={charset}\r\n"
        f"Content-Transfer-Encoding: {encoding}\r\n"
    )
    if draw(st.booleans()):
        head += f"Return-Path: <{draw(SHORT)}+caf_=leads=group.org@gmail.com>\r\n"
        head += f"X-Forwarded-For: {draw(SHORT)}\r\n"
    return (head + "\r\n" + body).encode("utf-8", "surrogateescape")


# ---------------------------------------------------------------- mail, MIME, forwards


@FAST
@given(st.one_of(mails(), BYTES))
def test_parse_mail_on_anything(raw: bytes) -> None:
    item = bounded(parse_mail, raw, "fuzz")
    assert isinstance(item, ParsedItem)
    json.dumps(item.to_json())


@FAST
@given(st.one_of(mails(), BYTES))
def test_mime_on_anything(raw: bytes) -> None:
    bounded(decode_mail, raw)
    assert isinstance(bounded(bounce_recipients, raw), list)


@FAST
@given(st.binary(max_size=3000), st.sampled_from(CHARSETS), SHORT)
def test_charsets_and_header_words(data: bytes, charset: str, header: str) -> None:
    assert isinstance(bounded(decode_bytes, data, charset), str)
    assert isinstance(bounded(decode_header_value, header), str)
    assert isinstance(bounded(decode_header_value, f"=?{charset}?q?{header}?="), str)


@FAST
@given(TEXT, SHORT)
def test_forwards_on_anything(text: str, subject: str) -> None:
    result = bounded(split_forward, text, subject)
    assert all(isinstance(m.body, str) for m in result.messages)


@FAST
@given(SHORT, SHORT, SHORT, st.lists(SHORT, max_size=3))
def test_auto_forward_trace_on_anything(
    return_path: str, forwarded: str, name: str, known: list[str]
) -> None:
    trace = {"return-path": [return_path], "x-forwarded-for": [forwarded], "resent-from": [name]}
    bounded(
        forwarded_by, trace, Address(name, "noreply@glassdoor.com"), [Address(k, k) for k in known]
    )


# ---------------------------------------------------------------- job alerts

#: One address per sender module that routes a mail to it.
ALERT_ADDRESSES = [
    "jobalerts-noreply@linkedin.com", "alert@indeed.com", "noreply@glassdoor.com",
    "alerts@ziprecruiter.com", "alerts@dice.com", "notify-noreply@google.com",
    "jobalerts@monster.com", "jobalerts@careerbuilder.com", "jobs@wellfound.com",
    "support@builtin.com", "alerts@simplyhired.com", "no-reply@usajobs.gov",
    "no-reply@joinhandshake.com", "help@welcometothejungle.com", "notifications@idealist.org",
]  # fmt: skip
JOB_LINKS = [
    "https://www.linkedin.com/comm/jobs/view/1234567/", "https://www.indeed.com/viewjob?jk=abcdef12",
    "https://www.glassdoor.com/partner/jobListing.htm?jobListingId=123456",
    "https://www.ziprecruiter.com/k/l/AAI", "https://www.dice.com/job-detail/0f0e0d0c-0b0a-4909-8807-060504030201",
    "https://www.google.com/search?q=x&ibp=htl;jobs#htidocid=abc",
]  # fmt: skip


def test_every_alert_sender_is_covered() -> None:
    for spec in SPECS:
        assert any(spec.owns_sender(a) for a in ALERT_ADDRESSES), spec.origin
    assert all(is_alert_sender(a) for a in ALERT_ADDRESSES)


@st.composite
def alert_html(draw: st.DrawFn) -> str:
    cards = draw(st.lists(st.tuples(st.sampled_from(JOB_LINKS), SHORT, SHORT), max_size=6))
    return "".join(f"<tr><td><a href='{u}'>{t}</a><br>{d}<br>{t}</td></tr>" for u, t, d in cards)


@FAST
@given(st.sampled_from(ALERT_ADDRESSES), st.one_of(alert_html(), TEXT), TEXT)
def test_each_alert_parser_on_anything(sender: str, html: str, text: str) -> None:
    postings = bounded(parse_alert, sender, "Your job alert", html, text)
    assert postings is None or all(isinstance(p, Posting) for p in postings)


#: Text that names an alert sender only in some spelling: upper-case escapes, classes, hex.
MARKED = [
    *JOB_LINKS, "alert@indeed.com", "https://www.careerbuilder.com/job/J3N7XY6ABCDEF",
    "https://www.usajobs.gov/GetJob/ViewDetails/123456", "https://wellfound.com/jobs/42",
    "https://www.google.com/search?ibp=htl%3Bjobs", "https://www.indeed.co.uk/pagead/clk?x",
]  # fmt: skip


@FAST
@given(
    st.lists(st.one_of(st.sampled_from(MARKED), st.text(string.printable, max_size=12))),
    st.lists(st.booleans(), min_size=1),
)
def test_the_ascii_marker_search_finds_what_the_case_insensitive_one_finds(
    pieces: list[str], upper: list[bool]
) -> None:
    text = "".join(c.upper() if upper[i % len(upper)] else c for i, c in enumerate("".join(pieces)))
    for spec in SPECS:
        assert spec.mentioned_in(text, text.lower()) is bool(spec.markers.search(text))


# ---------------------------------------------------------------- links

HOSTS = [
    "www.linkedin.com", "www.indeed.com", "www.glassdoor.com", "boards.greenhouse.io",
    "jobs.lever.co", "jobs.ashbyhq.com", "acme.wd5.myworkdayjobs.com", "jobs.smartrecruiters.com",
    "safelinks.protection.outlook.com", "www.google.com", "x.com", "[::1]", "a" * 300,
]  # fmt: skip


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["https://", "http://", "HTTP://", "www.", "ftp://", ""]))
    host = draw(st.sampled_from(HOSTS))
    return f"{scheme}{host}/{draw(SHORT)}?{draw(SHORT)}#{draw(st.text(max_size=20))}"


@FAST
@given(st.one_of(urls(), SHORT, TEXT))
def test_links_on_anything(text: str) -> None:
    for url in [text, *bounded(find_urls, text)[:20]]:
        bounded(unwrap_redirect, url)
        bounded(canonicalize_url, url)
        bounded(is_job_url, url)
        bounded(job_id_key, url)
        bounded(title_from_url, url)


@FAST
@given(st.one_of(TEXT, alert_html()))
def test_html_text_on_anything(html: str) -> None:
    assert isinstance(bounded(html_to_text, html), str)
    assert isinstance(bounded(html_links, html), list)


# ---------------------------------------------------------------- pages, feeds, boards

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=30,
)


@st.composite
def jobposting(draw: st.DrawFn) -> str:
    """A JobPosting with hostile values in every field, maybe broken JSON around it."""
    node: dict[str, Any] = {"@type": "JobPosting"}
    for key in ("title", "description", "datePosted", "validThrough", "url", "employmentType"):
        node[key] = draw(st.one_of(SHORT, JSON))
    node["hiringOrganization"] = {"name": draw(st.one_of(SHORT, JSON))}
    node["jobLocation"] = draw(st.one_of(JSON, st.just({"address": {"addressLocality": "x"}})))
    node["baseSalary"] = draw(st.one_of(JSON, st.just({"value": {"minValue": "9" * 400}})))
    text = json.dumps(node)
    return draw(st.sampled_from(["{}", "[{}]", "<!--{}-->", "{},", '{{"@graph": [{}]}}'])).format(
        text
    )


@FAST
@given(st.one_of(jobposting(), TEXT), SHORT)
def test_jsonld_pages_on_anything(script: str, url: str) -> None:
    page = f"<html><head><script type='application/ld+json'>{script}</script></head></html>"
    assert isinstance(bounded(page_jobs, page, url), list)
    assert isinstance(bounded(page_jobs, script, url), list)
    assert isinstance(bounded(loads_lenient, script), list)


@st.composite
def feeds(draw: st.DrawFn) -> bytes:
    title, desc, link, author = draw(SHORT), draw(TEXT), draw(st.one_of(urls(), SHORT)), draw(SHORT)
    kind = draw(st.sampled_from(["rss", "atom", "json"]))
    if kind == "json":
        item = {"id": draw(SHORT), "title": title, "url": link, "content_html": desc}
        return json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [item]}).encode()
    esc = {k: v.replace("&", "&amp;").replace("<", "&lt;") for k, v in
           {"t": title, "d": desc, "l": link, "a": author}.items()}  # fmt: skip
    if kind == "atom":
        doc = (f"<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>{esc['t']}</title>"
               f"<link href='{esc['l']}'/><author><name>{esc['a']}</name></author>"
               f"<content type='html'>{esc['d']}</content></entry></feed>")  # fmt: skip
    else:
        doc = (f"<rss version='2.0'><channel><item><title>{esc['t']}</title><link>{esc['l']}</link>"
               f"<description>{esc['d']}</description><dc:creator>{esc['a']}</dc:creator>"
               f"</item></channel></rss>")  # fmt: skip
    return doc.encode("utf-8", "replace")


@FAST
@given(st.one_of(feeds(), BYTES))
def test_feeds_on_anything(data: bytes) -> None:
    item, entries = bounded(parse_feed_entries, data, "https://example.org/feed")
    assert len(item.postings) == len(entries)


@FAST
@given(SHORT, SHORT, TEXT)
def test_feed_titles_and_markup(title: str, known: str, markup: str) -> None:
    bounded(split_title, title, known)
    assert isinstance(bounded(fragment_to_text, markup), str)


@st.composite
def boards(draw: st.DrawFn) -> bytes:
    value = st.one_of(SHORT, JSON)
    if draw(st.booleans()):
        jobs = [
            {"id": draw(value), "title": draw(value), "absolute_url": draw(value),
             "location": {"name": draw(value)}, "content": draw(value), "updated_at": draw(value)}
        ]  # fmt: skip
        return json.dumps({"jobs": jobs}).encode()
    posting = {"id": draw(value), "text": draw(value), "hostedUrl": draw(value),
               "categories": draw(value), "createdAt": draw(value), "lists": draw(value)}  # fmt: skip
    return json.dumps([posting]).encode()


@FAST
@given(st.one_of(boards(), JSON.map(lambda v: json.dumps(v).encode()), BYTES))
def test_boards_on_anything(data: bytes) -> None:
    for url in (
        "https://boards-api.greenhouse.io/v1/boards/acme/jobs",
        "https://api.lever.co/v0/postings/acme",
    ):
        result = bounded(parse_board, data, url)
        assert result is None or isinstance(result, ParsedItem)


# ---------------------------------------------------------------- small text parsers


@FAST
@given(SHORT, TEXT)
def test_subjects_dates_places_companies_on_anything(subject: str, body: str) -> None:
    bounded(subjects.strip_subject, subject)
    bounded(subjects.subject_parts, subject)
    bounded(subjects.title_company, subject)
    bounded(subjects.is_generic, subject)
    bounded(subjects.company_from_body, body)
    bounded(subjects.org_from_address, Address(subject, f"x@{subject}"))
    bounded(looks_like_job, subject, body)
    reference = datetime(2026, 12, 1)
    bounded(dates.absolute_date, subject, reference)
    bounded(dates.resolve_relative_dates, [Posting(title="x", posted_at=subject)], reference)
    for fn in (location.tidy_location, location.mentions_remote, location.is_arrangement):
        bounded(fn, subject)
    bounded(location.looks_like_place, subject)
    bounded(company.normalize_company, subject)
    bounded(fingerprint.fingerprint, subject, subject, subject)
    bounded(fingerprint.similar_titles, subject, body[:300])


@FAST
@given(st.sampled_from(["x.eml", "x.txt", "x.html", "x.json", "feed.xml", "", "x.mbox"]), BYTES)
def test_detect_on_anything(name: str, data: bytes) -> None:
    item = bounded(parse_file, name, data)
    assert isinstance(item, ParsedItem)


# ---------------------------------------------------------------- structured nasties


def nested_mime(depth: int) -> bytes:
    head = "From: a@example.org\r\nSubject: nested\r\nMIME-Version: 1.0\r\n"
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(depth)
    )
    closing = "".join(f"\r\n--b{i}--\r\n" for i in reversed(range(depth)))
    return (head + opening + f"Content-Type: text/plain\r\n\r\n{JOB_LINK}\r\n" + closing).encode()


def nested_messages(depth: int) -> bytes:
    inner = f"From: r@acme.com\r\nSubject: role\r\n\r\nsee {JOB_LINK}\r\n"
    for _ in range(depth):
        inner = f"From: a@b.c\r\nSubject: Fwd\r\nContent-Type: message/rfc822\r\n\r\n{inner}"
    return inner.encode()


def many_parts(count: int) -> bytes:
    parts = "".join(
        f"--b\r\nContent-Type: text/plain\r\n\r\npart {i} {JOB_LINK}{i}\r\n" for i in range(count)
    )
    return (
        f"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n{parts}--b--\r\n".encode()
    )


HUGE_HEADERS = {
    "1 MB subject": mail("hi", subject="Analyst " * 125_000),
    "10,000 recipients": mail("hi", extra="To: " + ", ".join(f"u{i}@x.org" for i in range(10_000)) + "\r\n"),
    "5,000 headers": mail("hi", extra="".join(f"X-H{i}: {'v' * 50}\r\n" for i in range(5_000))),
    "folded forever": mail("hi", extra="X-Long: a\r\n" + " b\r\n" * 100_000),
    "encoded words": mail("hi", subject="=?utf-8?b?QUJD?= " * 50_000),
    "bad encoded words": mail("hi", subject="=?x-nope?q?" + "=ZZ" * 50_000 + "?="),
}  # fmt: skip


@pytest.mark.parametrize(
    "raw",
    [nested_mime(1_000), nested_mime(5_000), nested_messages(200), many_parts(5_000)],
    ids=["multipart 1000 deep", "multipart 5000 deep", "rfc822 200 deep", "5000 parts"],
)
def test_deep_and_wide_mime_is_bounded(raw: bytes) -> None:
    item = bounded(parse_mail, raw, "mime")
    assert item.error is None or "cannot parse" not in item.error
    bounded(bounce_recipients, raw)


@pytest.mark.parametrize("name", sorted(HUGE_HEADERS))
def test_huge_headers_are_bounded(name: str) -> None:
    item = bounded(parse_mail, HUGE_HEADERS[name], name)
    assert item.error is None


@pytest.mark.parametrize("charset", CHARSETS)
def test_every_charset_label_reads(charset: str) -> None:
    raw = mail("caf\xe9 " * 20_000 + JOB_LINK, ctype=f"text/plain; charset={charset}")
    item = bounded(parse_mail, raw, charset)
    assert item.error is None


@pytest.mark.parametrize(
    "script",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        '{"@type": "JobPosting", "title": "x", "baseSalary": ' + "9" * 100_000 + "}",
        '{"@type": "JobPosting", "title": "x", "baseSalary": {"value": 1e999}}',
        '{"@type": "JobPosting", "title": "' + "\\u0000" * 50_000 + '"}',
        '{"@graph": [' + ",".join(['{"@type": "JobPosting", "title": "t"}'] * 30_000) + "]}",
        '"' + "a" * 500_000,
    ],
    ids=["deep list", "deep object", "huge integer", "huge float", "escapes", "many", "open"],
)
def test_malformed_jsonld_is_bounded(script: str) -> None:
    page = f"<html><script type='application/ld+json'>{script}</script></html>"
    jobs = bounded(page_jobs, page, "https://jobs.acme.com/jobs/1")
    assert len(jobs) <= 30_000


LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol0 "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
    + "]>\n"
)


def test_billion_laughs_in_a_feed_is_not_expanded() -> None:
    doc = LAUGHS + (
        "<rss version='2.0'><channel><item><title>&lol9;</title>"
        f"<link>{JOB_LINK}</link><description>&lol9;</description></item></channel></rss>"
    )
    item, _ = bounded(parse_feed_entries, doc.encode(), "feed")
    assert all(len(p.title) + len(p.description) < 10_000 for p in item.postings)


def test_external_entities_in_a_feed_are_not_read() -> None:
    doc = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        f"<rss version='2.0'><channel><item><title>x &xxe;</title><link>{JOB_LINK}</link>"
        "<description>&xxe;</description></item></channel></rss>"
    )
    item, _ = bounded(parse_feed_entries, doc.encode(), "feed")
    assert "root:" not in json.dumps(item.to_json())


def test_billion_laughs_in_a_page_is_not_expanded() -> None:
    page = LAUGHS + (
        "<html><head><title>&lol9;</title><script type='application/ld+json'>"
        '{"@type": "JobPosting", "title": "&lol9;", "description": "&lol9;"}</script></head></html>'
    )
    jobs = bounded(page_jobs, page, JOB_LINK)
    assert all(len(j.posting.title) + len(j.posting.description) < 10_000 for j in jobs)
    assert bounded(parse_file, "page.html", page.encode()).error is None


def test_deep_html_is_bounded() -> None:
    html = "<div>" * 100_000 + f"<a href='{JOB_LINK}'>Analyst</a>" + "</div>" * 100_000
    bounded(html_to_text, html)
    bounded(html_links, html)
    bounded(page_jobs, html, JOB_LINK)
    bounded(parse_mail, mail(html, ctype="text/html"), "deep")
