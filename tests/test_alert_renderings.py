"""Every alert sender, in every rendering a member's mail client makes of it, gives its jobs.

The fixtures in tests/data/alerts/ and the jobs they hold (expected.toml) are written by
tests/support/alert_fixtures.py: each sender's alert as sent (HTML and text part), and the
plain text Gmail, Outlook (with and without SafeLinks) and Apple Mail make of it when a member
forwards it as text. Each is read the way `jobdigest parse` reads a file.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.alerts_quality import text_only
from parsers.alerts import SPECS, is_alert_sender, parse_alert, sent_at
from parsers.alerts._base import SENDERS, parse_with
from parsers.alerts._fields import LineKind, classify
from parsers.detect import parse_file
from parsers.model import Posting
from tests.support import alert_fixtures, renderings
from tests.support.alert_fixtures import NOTES

DATA = Path(__file__).parent / "data" / "alerts"
FIXTURES: list[dict[str, Any]] = tomllib.loads((DATA / "expected.toml").read_text("utf-8"))[
    "fixture"
]
BY_FILE = {f["file"]: f for f in FIXTURES}
PLACEHOLDER = re.compile(
    r"^\[|\]$|^<|https?://|^(?:easy apply|easily apply|apply(?: now)?|view job|promoted|"
    r"actively recruiting|be an early applicant|einfach bewerben|candidature simplifiée|"
    r"solicitud sencilla)$|[\u2605\u2606]|^\d(?:[.,]\d)?$",
    re.I,
)
NAVIGATION = re.compile(
    r"unsubscribe|abmelden|désabonner|désinscri|darse de baja|cancelar suscripción|"
    r"/alerts?\b|jobalerts|job-alerts|settings|preferences|/search|/jobs\?|/jobs/search|"
    r"/emplois\?|/postings\?|SavedSearches|/help|/feed/|/in/",
    re.I,
)


def _facts(postings: list[Posting]) -> list[tuple[str, str, str, str]]:
    return [(p.title, p.company, p.location, p.canonical_url) for p in postings]


def _expected(fixture: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (j["title"], j["company"], j["location"], j["canonical_url"])
        for j in fixture.get("job", [])
    ]


def _compare(postings: list[Posting], fixture: dict[str, Any]) -> None:
    got, want = _facts(postings), _expected(fixture)
    if any(not w[3] for w in want):  # Google's search links: not compared
        got = [g[:3] + ("",) for g in got]
    assert got == want
    assert {p.origin for p in postings} == {fixture["origin"]}


def _cases() -> list[Any]:
    cases = []
    for fixture in FIXTURES:
        cases.append(pytest.param(fixture["file"], fixture["rendering"], id=fixture["file"]))
        if fixture["rendering"] == "html" and text_only((DATA / fixture["file"]).read_bytes()):
            cases.append(pytest.param(fixture["file"], "text", id=f"{fixture['file']}[text]"))
    return cases


def _bytes(file: str, rendering: str) -> bytes:
    raw = (DATA / file).read_bytes()
    if rendering == "text" and BY_FILE[file]["rendering"] == "html":
        plain = text_only(raw)
        assert plain is not None
        return plain
    return raw


@pytest.mark.parametrize(("file", "rendering"), _cases())
def test_every_job_of_every_rendering(file: str, rendering: str) -> None:
    item = parse_file(file, _bytes(file, rendering))
    assert item.error is None
    _compare(item.postings, BY_FILE[file])


@pytest.mark.parametrize(("file", "rendering"), _cases())
def test_no_posting_is_a_placeholder_or_a_navigation_link(file: str, rendering: str) -> None:
    for posting in parse_file(file, _bytes(file, rendering)).postings:
        assert not PLACEHOLDER.search(posting.title), posting.title
        assert classify(posting.title) is LineKind.TEXT, posting.title
        assert not PLACEHOLDER.search(posting.company), posting.company
        if "htidocid=" not in posting.canonical_url:  # a Google Jobs card is a search page
            assert not NAVIGATION.search(posting.canonical_url), posting.canonical_url


def _alert_parts(file: str) -> tuple[str, str, str, str]:
    msg = email.message_from_bytes((DATA / file).read_bytes(), policy=email.policy.default)
    html, text = msg.get_body(("html",)), msg.get_body(("plain",))
    sender = email.utils.parseaddr(str(msg["From"]))[1]
    return (
        sender,
        str(msg["Subject"]),
        html.get_content() if html else "",
        text.get_content() if text else "",
    )


SENT = [f["file"] for f in FIXTURES if f["rendering"] == "html"]
#: each sent alert's parts, read once: (file, which part) for every part the sender sends
PARTS = {file: _alert_parts(file) for file in SENT}
WITH_HTML = [file for file, (_s, _j, html, _t) in PARTS.items() if html]
#: Built In sends HTML only: its alerts have no text part to read alone
WITH_TEXT = [file for file, (_s, _j, _h, text) in PARTS.items() if text]


@pytest.mark.parametrize("file", WITH_HTML)
def test_the_html_card_alone_gives_the_jobs(file: str) -> None:
    sender, subject, html, _text = PARTS[file]
    _compare(parse_alert(sender, subject, html, "") or [], BY_FILE[file])


@pytest.mark.parametrize("file", WITH_TEXT)
def test_the_senders_text_part_alone_gives_the_jobs(file: str) -> None:
    sender, subject, _html, text = PARTS[file]
    _compare(parse_alert(sender, subject, "", text) or [], BY_FILE[file])


def test_each_sender_has_each_rendering() -> None:
    """HTML as sent, Gmail and Outlook forwarded as text, for every sender in senders.toml."""
    renderings: dict[str, set[str]] = {}
    for fixture in FIXTURES:
        renderings.setdefault(fixture["sender"], set()).add(fixture["rendering"])
    senders = {str(data["origin"]).removesuffix("_alert") for data in SENDERS.values()}
    assert set(renderings) == senders
    for sender, kinds in renderings.items():
        assert {"html", "gmail_text", "outlook_text"} <= kinds, sender
    languages = {(f["sender"], f["language"]) for f in FIXTURES}
    for localised in [
        ("linkedin", "de"),
        ("linkedin", "fr"),
        ("linkedin", "es"),
        ("indeed", "fr"),
        ("monster", "de"),
        ("welcometothejungle", "fr"),
        ("idealist", "es"),
    ]:
        assert localised in languages


FORWARDS = [f["file"] for f in FIXTURES if f["rendering"].endswith("_text")]


@pytest.mark.parametrize("file", FORWARDS)
def test_a_forward_as_text_credits_the_member_and_names_the_alert(file: str) -> None:
    item = parse_file(file, (DATA / file).read_bytes())
    assert item.sender is not None and item.sender.address == "pat.rivera@example.org"
    assert item.note in NOTES.values()
    assert len(item.forwarded) == 1
    alert = file.removesuffix(f"_{BY_FILE[file]['rendering']}.eml") + ".eml"
    assert item.forwarded[0].from_.address == _alert_parts(alert)[0]


def test_a_forward_that_lost_the_alert_address_is_known_by_its_links() -> None:
    """Outlook shows an address-book name only ("From: Monster"): the job links still tell."""
    raw = (DATA / "monster_alert_outlook_text.eml").read_bytes()
    raw = raw.replace(b"From: Monster <jobalerts@monster.com>", b"From: Monster")
    item = parse_file("x.eml", raw)
    _compare(item.postings, BY_FILE["monster_alert_outlook_text.eml"])


def test_ages_count_from_when_the_alert_was_sent_not_forwarded() -> None:
    """The member forwarded on Feb 16; the alert was sent on Feb 12: "2 days ago" is Feb 10."""
    item = parse_file("x.eml", (DATA / "monster_alert_outlook_text.eml").read_bytes())
    assert [p.posted_at for p in item.postings] == ["2024-02-10", "2024-02-12", "2024-02-07"]
    glassdoor = parse_file("x.eml", (DATA / "glassdoor_alert_gmail_text.eml").read_bytes())
    assert [p.posted_at for p in glassdoor.postings] == ["2024-02-11", "2024-02-05", "2024-01-13"]
    usajobs = parse_file("x.eml", (DATA / "usajobs_alert.eml").read_bytes())
    assert [p.posted_at for p in usajobs.postings] == ["2024-02-05", "2024-02-06", "2024-02-07"]


def test_ages_stay_as_said_without_a_reference() -> None:
    sender, subject, html, text = _alert_parts("monster_alert.eml")
    postings = parse_alert(sender, subject, html, text) or []
    assert [p.posted_at for p in postings] == ["2 days ago", "today", "5 days ago"]
    dated = parse_alert(sender, subject, html, text, datetime(2024, 2, 12)) or []
    assert [p.posted_at for p in dated] == ["2024-02-10", "2024-02-12", "2024-02-07"]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Tue, 13 Feb 2024 15:04:11 +0000", "2024-02-13"),
        ("Tue, Feb 13, 2024 at 9:04 AM", "2024-02-13"),
        ("Tuesday, February 13, 2024 9:04 AM", "2024-02-13"),
        ("February 13, 2024 at 9:04:11 AM CST", "2024-02-13"),
        ("mardi 13 février 2024 09:04", "2024-02-13"),
        ("Dienstag, 13. Februar 2024 um 09:04", "2024-02-13"),
        ("martes, 13 de febrero de 2024 9:04", "2024-02-13"),
    ],
)
def test_when_an_alert_was_sent_in_every_forward_header(text: str, day: str) -> None:
    moment = sent_at(text)
    assert moment is not None and moment.date().isoformat() == day


def test_no_date_is_no_date() -> None:
    assert sent_at("") is None and sent_at("sometime last week") is None


SAMPLE_ADDRESSES = {
    "google": "notify-noreply@google.com",
    "linkedin": "jobalerts-noreply@linkedin.com",
    "indeed": "donotreply@jobalert.indeed.com",
    "glassdoor": "noreply@glassdoor.com",
    "ziprecruiter": "alerts@ziprecruiter.com",
    "dice": "dice@connect.dice.com",
    "monster": "jobalerts@monster.com",
    "careerbuilder": "jobalerts@careerbuilder.com",
    "wellfound": "jobs@wellfound.com",
    "builtin": "support@builtin.com",
    "simplyhired": "alerts@simplyhired.com",
    "usajobs": "no-reply@usajobs.gov",
    "handshake": "no-reply@joinhandshake.com",
    "welcometothejungle": "help@welcometothejungle.com",
    "idealist": "notifications@idealist.org",
}


def test_senders_are_data_with_one_module_each() -> None:
    assert list(SENDERS) == list(SAMPLE_ADDRESSES)
    assert [s.origin for s in SPECS] == [str(SENDERS[n]["origin"]) for n in SENDERS]
    for name, address in SAMPLE_ADDRESSES.items():
        assert is_alert_sender(address), name
        owners = [s.origin for s in SPECS if s.owns_sender(address)]
        assert owners == [SENDERS[name]["origin"]]
    assert not is_alert_sender("pat.rivera@example.org")


def test_a_new_alert_address_is_a_line_of_data(tmp_path: Path) -> None:
    from parsers.alerts import _base

    data = (_base.SENDERS_FILE).read_text(encoding="utf-8")
    data = data.replace(
        "addresses = ['[\\w.+-]+@(?:[a-z0-9-]+\\.)*monster",
        "addresses = ['alerts@monster-jobs\\.example', '[\\w.+-]+@(?:[a-z0-9-]+\\.)*monster",
    )
    path = tmp_path / "senders.toml"
    path.write_text(data, encoding="utf-8")
    from parsers.alerts import monster

    senders = _base._load_senders(path)
    original = _base.SENDERS
    try:
        _base.SENDERS = senders
        spec = _base.sender_spec("monster", monster.job_ref)
    finally:
        _base.SENDERS = original
    assert spec.owns_sender("alerts@monster-jobs.example")


# ---------------------------------------------------------------------------------- robustness

_TEXT_PIECES = st.sampled_from(
    [
        "[image: VRIFY]",
        "[image:",
        "VRIFY]",
        "[cid:image001.png@01DA5E5C.3F2A1B40]",
        "[https://media.licdn.com/logo.png]",
        "<https://www.linkedin.com/comm/jobs/view/3901234567/?trk=x>",
        "https://www.indeed.com/rc/clk/dl?jk=abcdef0123456789",
        "<https://www.monster.com/job-openings/x--3f6c1a52-8d4e-4b1a-9c2f-0e7d5b3a1c11>",
        "https://u1.ct.sendgrid.net/ls/click?upn=u001.x",
        "https://track.pstmrk.it/3s/https%3A%2F%2Fwww.idealist.org%2Fen%2Fnonprofit-job%2F",
        "Senior Engineer",
        "Acme · Austin, TX",
        "4.1 ★",
        "Easy Apply",
        "Actively recruiting",
        "Promoted",
        "View job:",
        "---------- Forwarded message ---------",
        "From: LinkedIn <jobalerts-noreply@linkedin.com>",
        "Begin forwarded message:",
        "> ",
        "*Title*",
        "",
        "\n",
        "\n\n",
        " ",
        "<",
        ">",
        "[",
        "]",
    ]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec_index=st.integers(min_value=0, max_value=len(SPECS) - 1),
    text=st.text(max_size=300) | st.lists(_TEXT_PIECES, max_size=40).map("\n".join),
)
def test_every_sender_reads_any_text_without_raising(spec_index: int, text: str) -> None:
    """parse_with is the sender's reader itself, not the boundary that swallows errors."""
    postings = parse_with(SPECS[spec_index], "", text)
    for posting in postings:
        assert posting.title and not PLACEHOLDER.search(posting.title)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec_index=st.integers(min_value=0, max_value=len(SPECS) - 1),
    html=st.text(max_size=300) | st.lists(_TEXT_PIECES, max_size=30).map("<br>".join),
)
def test_every_sender_reads_any_html_without_raising(spec_index: int, html: str) -> None:
    parse_with(SPECS[spec_index], html, "")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(_TEXT_PIECES, max_size=40).map("\n".join), date=st.text(max_size=40))
def test_parse_alert_on_arbitrary_text_never_raises(text: str, date: str) -> None:
    result = parse_alert("", "Fwd: jobs", "", text, sent_at(date))
    assert result is None or all(isinstance(p, Posting) for p in result)


# ---------------------------------------------------------------------------------- client variants

_VARIANTS = {
    "gmail, table cells on one line": dataclasses.replace(renderings.GMAIL, cell_break=" "),
    "gmail, not wrapped": dataclasses.replace(renderings.GMAIL, wrap=0),
    "gmail, blank lines between blocks": dataclasses.replace(renderings.GMAIL, block_gap=True),
    "outlook, no blank lines": dataclasses.replace(renderings.OUTLOOK, block_gap=False),
    "outlook, tabs and *bold*": dataclasses.replace(
        renderings.OUTLOOK, cell_break="\t", bold="*{text}*"
    ),
    "outlook, not wrapped": dataclasses.replace(renderings.OUTLOOK, wrap=0),
    "apple, image alt kept": dataclasses.replace(
        renderings.APPLE, image_alt="[image: {alt}]", cell_break=" "
    ),
    "outlook 365, blank lines": dataclasses.replace(
        renderings.OUTLOOK_365, block_gap=True, paragraph_gap=True
    ),
}


@pytest.mark.parametrize("variant", sorted(_VARIANTS))
@pytest.mark.parametrize("quoted", [False, True], ids=["inline", "quoted with >"])
def test_every_alert_in_other_client_settings(variant: str, quoted: bool) -> None:
    """The same alerts as other client settings write them: no fixture file fits them all."""
    client = _VARIANTS[variant]
    for alert in alert_fixtures.older_alerts() + alert_fixtures.new_alerts():
        if not alert.html:
            continue
        body = renderings.render(alert.html, client)
        if quoted:
            body = "\n".join("> " + line for line in body.splitlines())
        text = renderings.gmail_forward("Passing on", alert_fixtures._original(alert), body)
        postings = parse_alert("", "Fwd: " + alert.subject, "", text) or []
        want = [(j.title, j.company, j.location) for j in alert.jobs]
        assert [(p.title, p.company, p.location) for p in postings] == want, alert.name


def test_the_issue_example_image_placeholder_is_never_the_title() -> None:
    """What Gmail made of a LinkedIn card in the issue: the logo's alt text came out as title."""
    url = "https://www.linkedin.com/comm/jobs/view/4012345678/?trackingId=Ab%3D%3D&trk=eml-jobcard"
    text = (
        "---------- Forwarded message ---------\n"
        "From: LinkedIn <jobalerts-noreply@linkedin.com>\nDate: Thu, Feb 15, 2024 at 9:00 AM\n"
        "Subject: geologist: VRIFY - Senior Geologist and more\nTo: <pat@example.org>\n\n"
        f"[image: VRIFY]\n<{url}>\n*Senior Geologist*\n<{url}>\n"
        "VRIFY · Vancouver, British Columbia, Canada (Hybrid)\n4.1 ★\nActively recruiting\n"
        "Easy Apply\nBe an early applicant\n\n"
        "[https://media.licdn.com/dms/image/logo.png]<https://www.linkedin.com/comm/jobs/view/4023456789/>\n"
        "GIS Analyst<https://www.linkedin.com/comm/jobs/view/4023456789/>\n"
        "Promoted\nCordillera Mapping · Calgary, Alberta, Canada\n\n"
        "See all jobs <https://www.linkedin.com/comm/jobs/search?keywords=geologist>\n"
    )
    postings = parse_alert("", "Fwd: geologist", "", text) or []
    assert [(p.title, p.company, p.location, p.remote) for p in postings] == [
        ("Senior Geologist", "VRIFY", "Vancouver, British Columbia, Canada", False),
        ("GIS Analyst", "Cordillera Mapping", "Calgary, Alberta, Canada", False),
    ]
    assert [p.canonical_url for p in postings] == [
        "https://www.linkedin.com/jobs/view/4012345678/",
        "https://www.linkedin.com/jobs/view/4023456789/",
    ]


def test_a_card_whose_only_link_is_the_logo_reads_the_lines_after_it() -> None:
    alert = alert_fixtures.linkedin_cards()
    html = re.sub(
        r'<td valign="top"><a href="[^"]*" style="text-decoration:none;display:block">(.*?)</a>',
        r'<td valign="top">\1',
        alert.html,
        flags=re.S,
    )
    assert html != alert.html
    for client in (renderings.GMAIL, renderings.OUTLOOK, renderings.OUTLOOK_365):
        text = renderings.render(html, client)
        postings = parse_alert("", "Fwd: jobs", "", text) or []
        want = [(j.title, j.company, j.location) for j in alert.jobs]
        assert [(p.title, p.company, p.location) for p in postings] == want, client.name
