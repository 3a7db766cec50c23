"""split_forward on real client layouts (email-forward-parser fixtures), real replies (talon),
and hand-written mails of the kinds members forward to the group inbox."""

from __future__ import annotations

import email
import json
import re
import warnings
from email import policy
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.forwards import Forward, split_forward
from parsers.model import Address
from tests.support.budget import cpu_bounded

DATA = Path(__file__).parent / "data" / "forwards"
EFP = DATA / "email-forward-parser"
TALON = DATA / "talon-replies"
CASES: dict[str, dict[str, Any]] = json.loads((EFP / "expected.json").read_text("utf-8"))["cases"]


def _addr(a: Address) -> dict[str, str | None]:
    """expected.json writes a missing name or address as null."""
    return {"name": a.name or None, "address": a.address or None}


def _body_after_subject(text: str) -> str:
    """expected.json's "<text after 'Subject: ...' line, trimmed>": the rest of the mail after the
    first header block holding that subject (Thunderbird puts Date/From/To after Subject)."""
    lines = text.replace("\r\n", "\n").split("\n")
    start = next(i for i, x in enumerate(lines) if re.match(r"Subject:\s*Integer consequat", x))
    i = start + 1
    while i < len(lines) and re.match(r"(Date|From|To|CC|Cc):", lines[i]):
        i += 1
    return "\n".join(lines[i:]).strip()


def _run_case(case: dict[str, Any]) -> tuple[Forward, str]:
    text = (EFP / case["fixture"]).read_text("utf-8")
    subject = ""
    if case["subject_fixture"]:
        subject = (EFP / case["subject_fixture"]).read_text("utf-8").strip()
    return split_forward(text, subject), text


@pytest.mark.parametrize("key", sorted(CASES))
def test_email_forward_parser_fixture(key: str) -> None:
    case = CASES[key]
    expected = case["expected"]
    result, text = _run_case(case)
    assert bool(result.messages) is expected["forwarded"]
    if not expected["forwarded"]:
        assert result.note is None
        return
    msg = result.messages[0]
    assert msg.subject == expected["email.subject"]
    assert msg.date.strip()
    if "email.from" in expected:
        assert _addr(msg.from_) == expected["email.from"]
    if "email.to[0]" in expected:
        assert _addr(msg.to[0]) == expected["email.to[0]"]
    if "email.to" in expected:
        assert [_addr(a) for a in msg.to] == expected["email.to"]
    for index in (0, 1):
        if f"email.to[{index}].address" in expected:
            assert msg.to[index].address == expected[f"email.to[{index}].address"]
    if "email.cc" in expected:
        assert [_addr(a) for a in msg.cc] == expected["email.cc"]
    body = expected["email.body"]
    assert msg.body == (_body_after_subject(text) if body.startswith("<text after") else body)
    if "message" in expected:
        assert result.note == expected["message"]


# --- Replies are not forwards -----------------------------------------------------------------


def _talon_text(path: Path) -> list[tuple[str, str]]:
    """(text, subject) pairs: the plain part of an .eml, or the text of an HTML file read two ways."""
    if path.suffix == ".eml":
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        part = msg.get_body(preferencelist=("plain", "html"))
        assert part is not None
        content = part.get_content()
        subject = str(msg.get("Subject", ""))
        if part.get_content_type() == "text/html":
            return [(BeautifulSoup(content, "lxml").get_text("\n"), subject)]
        return [(content, subject)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(path.read_bytes(), "lxml")
    return [(soup.get_text("\n"), ""), (soup.get_text(), "")]


TALON_FILES = sorted(p for p in TALON.iterdir() if p.suffix in (".eml", ".html"))


@pytest.mark.parametrize("path", TALON_FILES, ids=[p.name for p in TALON_FILES])
def test_talon_reply_is_not_a_forward(path: Path) -> None:
    for text, subject in _talon_text(path):
        result = split_forward(text, subject)
        assert result.messages == []
        assert result.note is None


# --- Our own cases ------------------------------------------------------------------------------

JOB_AD = """We're hiring a Senior Data Engineer (Remote, EU).

You will build our streaming platform on Kafka and Flink.
Apply here: https://jobs.example.com/postings/4821?utm_source=email

Salary: EUR 85-100k"""


def test_gmail_job_posting_with_note() -> None:
    text = (
        "Saw this and thought of Priya, strong match for the data sub-group.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Jane Recruiter <jane@talent.example.com>\n"
        "Date: Mon, Mar 4, 2024 at 10:02 AM\n"
        "Subject: Senior Data Engineer - Remote\n"
        "To: Sam Member <sam@example.org>\n\n\n" + JOB_AD + "\n"
    )
    result = split_forward(text, "Fwd: Senior Data Engineer - Remote")
    assert result.note == "Saw this and thought of Priya, strong match for the data sub-group."
    [msg] = result.messages
    assert msg.from_ == Address("Jane Recruiter", "jane@talent.example.com")
    assert msg.to == [Address("Sam Member", "sam@example.org")]
    assert msg.subject == "Senior Data Engineer - Remote"
    assert msg.date == "Mon, Mar 4, 2024 at 10:02 AM"
    assert msg.body == JOB_AD


def test_forward_of_forward_returns_every_level_outermost_first() -> None:
    text = (
        "For the PM folks.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Alex Member <alex@example.org>\n"
        "Date: Tue, Mar 5, 2024 at 9:00 AM\n"
        "Subject: FW: Product Manager opening\n"
        "To: Sam Member <sam@example.org>\n\n"
        "Passing this on.\n\n"
        "________________________________\n"
        "From: Hiring Team <jobs@acme.example>\n"
        "Sent: Monday, March 4, 2024 16:40\n"
        "To: Alex Member <alex@example.org>\n"
        "Subject: Product Manager opening\n\n"
        "Acme is looking for a Product Manager in Berlin.\n"
    )
    result = split_forward(text, "Fwd: FW: Product Manager opening")
    assert result.note == "For the PM folks."
    assert [m.from_.address for m in result.messages] == ["alex@example.org", "jobs@acme.example"]
    outer, inner = result.messages
    assert outer.body.startswith("Passing this on.")
    assert "Acme is looking" in outer.body  # the outer original contains the inner one
    assert inner.subject == "Product Manager opening"
    assert inner.date == "Monday, March 4, 2024 16:40"
    assert inner.body == "Acme is looking for a Product Manager in Berlin."


def test_quoted_forward_of_quoted_forward() -> None:
    text = (
        "Have a look.\n\n"
        "> Begin forwarded message:\n"
        ">\n"
        "> From: Alex Member <alex@example.org>\n"
        "> Subject: Fwd: UX researcher role\n"
        "> Date: 5 March 2024 at 09:12:00 CET\n"
        "> To: Sam Member <sam@example.org>\n"
        ">\n"
        "> FYI\n"
        ">\n"
        ">> Begin forwarded message:\n"
        ">>\n"
        '>> From: "Lee, Kim" <kim.lee@studio.example>\n'
        ">> Subject: UX researcher role\n"
        ">> Date: 4 March 2024 at 17:00:00 CET\n"
        ">> To: alex@example.org\n"
        ">>\n"
        ">> We need a UX researcher, 4 days a week.\n"
    )
    result = split_forward(text, "Fwd: Fwd: UX researcher role")
    assert result.note == "Have a look."
    outer, inner = result.messages
    assert outer.from_ == Address("Alex Member", "alex@example.org")
    assert not any(line.startswith(">") for line in inner.body.splitlines())
    assert inner.from_ == Address("Lee, Kim", "kim.lee@studio.example")
    assert inner.to == [Address("", "alex@example.org")]
    assert inner.body == "We need a UX researcher, 4 days a week."


def test_outlook_word_html_text_with_blank_lines_between_headers() -> None:
    text = (
        "Thought this could suit someone.\n\n\n"
        "From: Jane Recruiter <jane@talent.example.com>\n\n"
        "Sent: Tuesday, March 5, 2024 10:12 AM\n\n"
        "To: Sam Member <sam@example.org>; Alex Member <alex@example.org>\n\n"
        "Cc: Doe, John <john.doe@example.org>\n\n"
        "Subject: Opening: Backend Developer (Go)\n\n\n\n"
        "Hi Sam,\n\nWe have an opening for a Backend Developer.\n"
    )
    result = split_forward(text, "FW: Opening: Backend Developer (Go)")
    assert result.note == "Thought this could suit someone."
    [msg] = result.messages
    assert msg.from_ == Address("Jane Recruiter", "jane@talent.example.com")
    assert [a.address for a in msg.to] == ["sam@example.org", "alex@example.org"]
    assert msg.cc == [Address("Doe, John", "john.doe@example.org")]
    assert msg.subject == "Opening: Backend Developer (Go)"
    assert msg.date == "Tuesday, March 5, 2024 10:12 AM"
    assert msg.body == "Hi Sam,\n\nWe have an opening for a Backend Developer."


def test_outlook_headers_with_values_on_their_own_lines() -> None:
    text = (
        "From:\n"
        "Jane Recruiter [mailto:jane@talent.example.com]\n\n"
        "Sent:\n"
        " Friday, June 27, 2014 12:06 PM\n\n"
        "To:\n"
        " Sam Member\n\n"
        "Subject:\n"
        " QA Engineer in Lyon\n\n\n"
        "Hello! We are hiring a QA engineer.\n"
    )
    [msg] = split_forward(text, "FW: QA Engineer in Lyon").messages
    assert msg.from_ == Address("Jane Recruiter", "jane@talent.example.com")
    assert msg.to == [Address("Sam Member", "")]
    assert msg.subject == "QA Engineer in Lyon"
    assert msg.body == "Hello! We are hiring a QA engineer."


OUTLOOK_LOCALES = {
    "de": ("WG", "Von", "Gesendet", "An", "Cc", "Betreff"),
    "fr": ("TR", "De\u00a0", "Envoyé\u00a0", "À\u00a0", "Cc\u00a0", "Objet\u00a0"),
    "es": ("RV", "De", "Enviado el", "Para", "CC", "Asunto"),
    "it": ("I", "Da", "Inviato", "A", "Cc", "Oggetto"),
    "nl": ("Doorst", "Van", "Verzonden", "Aan", "CC", "Onderwerp"),
    "sv": ("VB", "Från", "Skickat", "Till", "Kopia", "Ämne"),
    "pl": ("PD", "Od", "Wysłano", "Do", "DW", "Temat"),
    "ru": ("FW", "От", "Отправлено", "Кому", "Копия", "Тема"),
    "ja": ("転送", "差出人", "送信日時", "宛先", "CC", "件名"),
    "zh": ("转发", "发件人", "发送时间", "收件人", "抄送", "主题"),
    "ko": ("전달", "보낸 사람", "보낸 날짜", "받는 사람", "참조", "제목"),
    "tr": ("İLT", "Kimden", "Gönderildi", "Kime", "Bilgi", "Konu"),
}


@pytest.mark.parametrize("locale", sorted(OUTLOOK_LOCALES))
def test_non_english_outlook_forward(locale: str) -> None:
    prefix, frm, sent, to, cc, subj = OUTLOOK_LOCALES[locale]
    text = (
        f"{frm}: Jane Recruiter <jane@talent.example.com>\n"
        f"{sent}: 2024-03-05 10:12\n"
        f"{to}: Sam Member <sam@example.org>\n"
        f"{cc}: Nicholas <nicholas@globex.example>\n"
        f"{subj}: Data Analyst\n\n"
        "Body of the posting.\n"
    )
    result = split_forward(text, f"{prefix}: Data Analyst")
    [msg] = result.messages
    assert result.note is None
    assert msg.from_ == Address("Jane Recruiter", "jane@talent.example.com")
    assert msg.to == [Address("Sam Member", "sam@example.org")]
    assert msg.cc == [Address("Nicholas", "nicholas@globex.example")]
    assert (msg.subject, msg.date, msg.body) == (
        "Data Analyst",
        "2024-03-05 10:12",
        "Body of the posting.",
    )


def test_reply_quoting_from_lines_is_not_a_forward() -> None:
    text = (
        "Thanks, I'll apply today!\n\n"
        "From: Jane Recruiter <jane@talent.example.com>\n"
        "Sent: Tuesday, March 5, 2024 10:12 AM\n"
        "To: Sam Member <sam@example.org>\n"
        "Subject: Backend Developer\n\n"
        "Would you be interested?\n"
    )
    for subject in ("RE: Backend Developer", "AW: Backend Developer", "Quick question"):
        # Without a prefix the same layout is still a reply: its subject is not the quoted one.
        reply = split_forward(text, subject)
        assert (reply.messages, reply.note) == ([], None)
        # ...whose quoted original is still there to read postings from.
        assert reply.reply is not None
        assert reply.reply.from_ == Address("Jane Recruiter", "jane@talent.example.com")
        assert reply.reply.body == "Would you be interested?"
        assert reply.reply_note == "Thanks, I'll apply today!"
    # ...but a forward prefix makes it a forward with a note.
    assert split_forward(text, "FW: Backend Developer").note == "Thanks, I'll apply today!"


def test_reply_to_a_forward_is_not_a_forward() -> None:
    text = (
        "Great lead, thanks!\n\n"
        "On Tue, Mar 5, 2024 at 9:00 AM Alex Member <alex@example.org> wrote:\n"
        "> ---------- Forwarded message ---------\n"
        "> From: Jane Recruiter <jane@talent.example.com>\n"
        "> Subject: Backend Developer\n"
        ">\n"
        "> Would you be interested?\n"
    )
    assert split_forward(text, "Re: Fwd: Backend Developer").messages == []


def test_original_message_separator_follows_the_subject_hint() -> None:
    text = (
        "See below.\n\n"
        "-----Original Message-----\n"
        "From: Jane Recruiter [mailto:jane@talent.example.com]\n"
        "Sent: Tuesday, March 5, 2024 10:12 AM\n"
        "To: Sam Member; Alex Member\n"
        "Subject: Site Reliability Engineer\n\n"
        "We are hiring an SRE.\n"
    )
    forward = split_forward(text, "FW: Site Reliability Engineer")
    [msg] = forward.messages
    assert forward.note == "See below."
    assert msg.from_ == Address("Jane Recruiter", "jane@talent.example.com")
    assert msg.to == [Address("Sam Member", ""), Address("Alex Member", "")]
    assert split_forward(text, "RE: Site Reliability Engineer").messages == []


def test_outlook_for_mac_attribution_forward_needs_forward_subject() -> None:
    text = (
        'On 05/03/2024 10:12, "Jane Recruiter" <jane@talent.example.com> wrote:\n\n'
        "    We are hiring a designer.\n"
        "    Apply at https://jobs.example.com/d/1\n"
    )
    [msg] = split_forward(text, "FW: Designer").messages
    assert msg.from_ == Address("Jane Recruiter", "jane@talent.example.com")
    assert msg.subject == "Designer"
    assert msg.date == "05/03/2024 10:12"
    assert msg.body == "We are hiring a designer.\nApply at https://jobs.example.com/d/1"
    assert split_forward(text, "Re: Designer").messages == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("John Doe <john@x.com>", [Address("John Doe", "john@x.com")]),
        ("John Doe [mailto:john@x.com]", [Address("John Doe", "john@x.com")]),
        ("John Doe <mailto:john@x.com>", [Address("John Doe", "john@x.com")]),
        ("john@x.com", [Address("", "john@x.com")]),
        ('"Doe, John" <john@x.com>', [Address("Doe, John", "john@x.com")]),
        ("'Jane Roe' <jane@y.org>", [Address("Jane Roe", "jane@y.org")]),
        (
            'a@x.com; Bob <b@x.com>, "Lee, Kim" <k@x.com>',
            [Address("", "a@x.com"), Address("Bob", "b@x.com"), Address("Lee, Kim", "k@x.com")],
        ),
        ("Ann <ann@x.com<mailto:ann@x.com>>", [Address("Ann", "ann@x.com")]),
    ],
)
def test_address_forms(value: str, expected: list[Address]) -> None:
    text = (
        "---------- Forwarded message ---------\n"
        f"From: {value.split(';')[0]}\n"
        "Date: Mon, Mar 4, 2024 at 10:02 AM\n"
        "Subject: Role\n"
        f"To: {value}\n\nBody\n"
    )
    [msg] = split_forward(text, "Fwd: Role").messages
    assert msg.to == expected
    assert msg.from_ == expected[0]


def test_yahoo_one_line_header_in_italian() -> None:
    text = (
        "   ----- Messaggio inoltrato ----- Da: Jane Recruiter <jane@talent.example.com>"
        "A: Sam <sam@example.org>Inviato: martedì 5 marzo 2024, 10:12:00 CET"
        "Oggetto: Sviluppatore Java\n Cerchiamo uno sviluppatore Java a Milano.\n"
    )
    [msg] = split_forward(text).messages
    assert msg.from_ == Address("Jane Recruiter", "jane@talent.example.com")
    assert msg.to == [Address("Sam", "sam@example.org")]
    assert msg.date == "martedì 5 marzo 2024, 10:12:00 CET"
    assert msg.subject == "Sviluppatore Java"
    assert msg.body == "Cerchiamo uno sviluppatore Java a Milano."


@pytest.mark.parametrize(
    "text",
    [
        "-------- 転送メッセージ --------\n件名: 求人\n日付: 2024年3月5日\n差出人: 採用 <hr@example.jp>\n"
        "宛先: sam@example.org\n\n本文です。",
        "---------- 转发的邮件 ----------\n发件人：招聘 <hr@example.cn>\n日期：2024年3月5日\n"
        "主题：求人\n收件人：sam@example.org\n\n本文です。",
        "---------- 전달된 메일 ---------\n보낸사람: 채용 <hr@example.kr>\nDate: 2024년 3월 5일\n"
        "Subject: 求人\nTo: sam@example.org\n\n본文です。",
    ],
    ids=["ja", "zh", "ko"],
)
def test_cjk_forward_separators(text: str) -> None:
    [msg] = split_forward(text).messages
    assert msg.from_.address.startswith("hr@example.")
    assert msg.to == [Address("", "sam@example.org")]
    assert msg.subject == "求人"
    assert msg.date.startswith("2024")


def test_note_mentioning_wrote_does_not_hide_the_forward() -> None:
    text = (
        "Here is what Bob wrote about the two roles:\n\n"
        "---------- Forwarded message ---------\n"
        "From: Bob <bob@example.org>\nDate: Mon, Mar 4, 2024\nSubject: Two roles\nTo: sam@example.org\n\n"
        "Role one and role two."
    )
    result = split_forward(text, "Fwd: Two roles")
    assert result.note == "Here is what Bob wrote about the two roles:"
    assert result.messages[0].body == "Role one and role two."


def test_plain_mail_and_loose_words_are_not_forwards() -> None:
    assert split_forward("") == Forward()
    assert split_forward("Forwarding this job:\n\nWe hire a nurse in Leeds.", "job") == Forward()
    assert split_forward("Subject: hi\nFrom: me\n\nhello", "") == Forward()


def test_subject_stars_and_bold_labels_are_kept_apart() -> None:
    text = (
        "*From:* Jane <jane@x.com>\n*Sent:* Monday\n*To:* sam@example.org\n"
        "*Subject:* ***URGENT*** Nurse wanted\n\nBody"
    )
    [msg] = split_forward(text, "FW: ***URGENT*** Nurse wanted").messages
    assert msg.subject == "***URGENT*** Nurse wanted"
    assert msg.from_ == Address("Jane", "jane@x.com")


# --- Robustness ---------------------------------------------------------------------------------

FRAGMENTS = [
    "From: A <a@b.co>",
    "Sent: Monday",
    "To: x@y.z",
    "Subject: s",
    "Date: 2024",
    "Cc: ;;,,<<>>",
    "---------- Forwarded message ---------",
    "-----Original Message-----",
    "> ",
    ">> >",
    "",
    "________________________________",
    "Begin forwarded message:",
    "On 1/2/2024, X <x@y.z> wrote:",
    "    indented",
    "*From:* ",
    "----- Messaggio inoltrato ----- Da: a <b@c.d>A: e@f.gOggetto x",
    "De la:",
    "\ufeff",
    "\r\n",
    "<mailto:",
    "[mailto:x@y]",
    '"Doe, ',
    "a@b@c@d",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000), st.text(max_size=60))
def test_arbitrary_text_never_raises(text: str, subject: str) -> None:
    result = cpu_bounded(1.0, split_forward, text, subject)
    assert isinstance(result, Forward)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=30), max_size=120),
    st.sampled_from(["", "Fwd: x", "RE: x", "FW: FW: x", "x"]),
)
def test_header_like_noise_never_raises(parts: list[str], subject: str) -> None:
    result = cpu_bounded(1.0, split_forward, "\n".join(parts), subject)
    assert all(m.body is not None for m in result.messages)


@pytest.mark.parametrize(
    "text",
    [
        "-" * 200_000,
        ">" * 200_000,
        "a@" * 100_000,
        "From: " + "x@" * 100_000,
        "From: a <a@b.c>\nSent: x\nTo: y\n" * 6_000,
        "> From: a\n" * 15_000,
        "> " * 50_000 + "From: a",
        "On " + "1" * 100_000 + " wrote:",
        "---------- Forwarded message ---------\n" * 5_000,
        ("Begin forwarded message:\n\nFrom: a <a@b.c>\nSubject: s\n\n") * 3_000,
        "\t" * 100_000 + ":",
        "From:\n" + "x\n" * 100_000,
    ],
    ids=lambda t: repr(t[:16]),
)
def test_hostile_input_is_fast(text: str) -> None:
    """Inputs of 100-200 kB built to provoke regex backtracking or quadratic scans: bounded by
    CPU time (a runaway pattern fails), not by the wall clock (a loaded machine does not)."""
    cpu_bounded(3.0, split_forward, text, "FW: x")
    cpu_bounded(3.0, split_forward, text, "")


def test_reply_chain_inside_a_forward_is_not_another_level() -> None:
    text = (
        "Begin forwarded message:\n\n"
        "> From: John Doe <john.doe@acme.com>\n"
        "> Subject: Junior analyst\n"
        "> Date: 17 August 2022 at 09:06:24 UTC+2\n"
        "> To: <sam@example.org>\n"
        ">\n"
        "> Still open, see below.\n"
        ">\n"
        "> From: Bessie Berry <bessie.berry@acme.com>\n"
        "> Sent: Monday, 1 August 2022 11:11 pm\n"
        "> To: John Doe <john.doe@acme.com>\n"
        "> Subject: Re: Junior analyst\n"
        ">\n"
        "> Is the junior analyst role still open?\n"
    )
    [msg] = split_forward(text, "Fwd: Junior analyst").messages
    assert msg.body.startswith("Still open, see below.")
    assert msg.body.endswith("Is the junior analyst role still open?")


def test_yahoo_label_without_colon() -> None:
    text = (
        '   ----- Przekazana wiadomość ----- Od: Jan Nowak <jan@firma.pl>Do: "ola@firma.pl" '
        "<ola@firma.pl>Dw Adam <adam@firma.pl>; Ewa <ewa@firma.pl>Wysłano: wtorek, 2 listopada "
        "2021, 09:26:50 CETTemat: Programista Python\n Szukamy programisty."
    )
    [msg] = split_forward(text).messages
    assert msg.to == [Address("", "ola@firma.pl")]
    assert msg.cc == [Address("Adam", "adam@firma.pl"), Address("Ewa", "ewa@firma.pl")]
    assert msg.subject == "Programista Python"
