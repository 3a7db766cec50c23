"""MIME decoding, charsets, special kinds and HTML-to-text: what members' mail looks like after decoding."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.htmltext import html_links, html_to_text
from parsers.mime import bounce_recipients, decode_bytes, decode_header_value, decode_mail
from tests.support.budget import cpu_bounded

MAIL = Path(__file__).parent / "data" / "mail"


def load(name: str) -> bytes:
    return (MAIL / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "sender_name", "subject", "body_fragment"),
    [
        (
            "latin1.eml",
            "François Léger",
            "Poste de chargé d'affaires",
            "à Montréal : rémunération attrayante",
        ),
        ("cp1252.eml", "Pat", "Senior Buyer", "Here’s the “Senior Buyer” role – €60k."),
        ("shift_jis.eml", "Taro", "求人情報", "マーケティング担当者を募集しています"),
        ("koi8r.eml", "Иван", "Вакансия", "бухгалтер в Москве"),
    ],
)
def test_declared_charsets_decode_to_readable_text(
    name: str, sender_name: str, subject: str, body_fragment: str
) -> None:
    mail = decode_mail(load(name))
    assert mail.sender.name == sender_name
    assert mail.subject == subject
    assert body_fragment in mail.text


def test_wrong_and_unknown_charsets_fall_back_instead_of_garbling() -> None:
    mail = decode_mail(load("wrong_charset.eml"))
    # Declared utf-8 but written in latin-1: the fallback chain recovers the accents.
    assert "señal y diseño para la oficina de México" in mail.text
    # Declared an unknown charset, written in utf-8.
    assert "señal y diseño." in mail.html
    assert mail.sender.name == "José Martínez"


def test_rfc2047_subject_split_over_encoded_words_and_folded_lines() -> None:
    mail = decode_mail(load("rfc2047_subjects.eml"))
    assert mail.subject == "Fwd: Stellenangebot für Softwareentwickler – München"
    assert mail.sender.name == "Müller, Jürgen"
    assert mail.sender.address == "juergen@example.de"


def test_decode_bytes_prefers_utf8_when_a_latin_charset_is_declared_wrongly() -> None:
    assert decode_bytes("Café".encode(), "iso-8859-1") == "Café"
    assert decode_bytes("Café".encode("latin-1"), "utf-8") == "Café"
    assert decode_bytes(b"\x81\x8d\x8f", "no-such-charset")  # never raises, some text


def test_header_with_raw_8bit_and_bad_encoded_word_never_raises() -> None:
    assert decode_header_value("=?x-unknown?Q?caf=E9?= ok").endswith("ok")
    assert decode_header_value("=?utf-8?B?not-base64!!?=") != ""


def test_broken_mime_keeps_what_is_readable_and_warns() -> None:
    mail = decode_mail(load("broken_mime.eml"))
    assert "Payroll Specialist" in mail.html
    assert "payroll role is open" in mail.text
    assert any("defect" in w.lower() for w in mail.warnings)


def test_forward_as_attachment_gives_each_attached_message() -> None:
    mail = decode_mail(load("forward_two_attachments.eml"))
    assert [m.sender.address for m in mail.attached] == [
        "dana@northwind-traders.com",
        "ravi@contoso-health.org",
    ]
    assert mail.attached[1].subject == "Role for you - HR Business Partner"
    assert "HR Business Partner position" in mail.attached[1].text
    assert "Forwarding two recruiter mails" in mail.text
    assert "Supply Chain Analyst" not in mail.text  # attached bodies stay out of the outer body


def test_too_many_parts_and_huge_parts_are_skipped_with_a_warning() -> None:
    parts = "".join(f"--B\nContent-Type: text/plain\n\npart {i}\n" for i in range(400))
    raw = f"From: a@b.c\nSubject: many\nContent-Type: multipart/mixed; boundary=B\n\n{parts}--B--\n"
    mail = decode_mail(raw.encode())
    assert any("200 MIME parts" in w for w in mail.warnings)
    huge = b"From: a@b.c\nSubject: big\nContent-Type: text/plain\n\n" + b"x" * (7 * 1024 * 1024)
    big = decode_mail(huge)
    assert big.text == ""
    assert any("5 MB" in w for w in big.warnings)


def test_authentication_results_topmost_verdicts() -> None:
    mail = decode_mail(load("dmarc_fail.eml"))
    # The lower header claims dmarc=pass; only our own (topmost) server's verdict counts.
    assert mail.auth == {"dkim": "fail", "spf": "softfail", "dmarc": "fail"}


@pytest.mark.parametrize(
    ("name", "special"),
    [
        ("bounce_dsn.eml", "bounce"),
        ("bounce_plain.eml", "bounce"),
        ("auto_reply.eml", "auto-reply"),
        ("out_of_office_subject.eml", "auto-reply"),
        ("html_only.eml", ""),
        ("forward_two_attachments.eml", ""),
    ],
)
def test_special_kinds(name: str, special: str) -> None:
    assert decode_mail(load(name)).special == special


def test_bounce_recipients_from_delivery_status_report() -> None:
    # The delivered recipient of the same report is not a failure.
    assert bounce_recipients(load("bounce_dsn.eml")) == [("old.member@example.com", "5.1.1")]


def test_bounce_recipients_from_non_standard_qmail_bounce() -> None:
    assert bounce_recipients(load("bounce_plain.eml")) == [("gone.away@example.net", "5.1.1")]


def test_bounce_recipients_of_ordinary_mail_is_empty() -> None:
    assert bounce_recipients(load("html_only.eml")) == []
    assert bounce_recipients(b"\x00\xff not a mail") == []


# --- HTML to text ---------------------------------------------------------------------------------


def test_html_to_text_keeps_links_blocks_and_tables() -> None:
    html = (
        "<html><head><style>p{color:red}</style><script>var a=1</script></head><body>"
        "<div style='display:none'>preheader</div>"
        "<p>See <a href='https://x.example/jobs/1'>Data Analyst</a> now.</p>"
        "<table><tr><td>Title</td><td>Company</td></tr><tr><td>Buyer</td><td>Acme</td></tr></table>"
        "<p>Mail <a href='mailto:a@b.c'>a@b.c</a> or <a href='https://x.example/'>https://x.example/</a></p>"
        "</body></html>"
    )
    text = html_to_text(html)
    assert "See Data Analyst <https://x.example/jobs/1> now." in text
    assert "Title | Company\nBuyer | Acme" in text
    assert "Mail a@b.c or https://x.example/" in text
    assert "preheader" not in text and "var a" not in text and "color" not in text


def test_outlook_word_html_header_block_reads_like_a_plain_forward() -> None:
    html = (
        "<div class=WordSection1><p class=MsoNormal>FYI<o:p></o:p></p>"
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in">'
        "<p class=MsoNormal><b>From:</b> Maria Lopez &lt;maria@sabre.com&gt; <br>"
        "<b>Sent:</b> Friday, November 20, 2026 4:12 PM<br>"
        "<b>To:</b> Dan &lt;<a href='mailto:dan@x.com'>dan@x.com</a>&gt;<br>"
        "<b>Subject:</b> Marketing Manager<o:p></o:p></p></div>"
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Hi Dan,<o:p></o:p></p></div>"
    )
    assert html_to_text(html) == (
        "FYI\n\n"
        "From: Maria Lopez <maria@sabre.com>\n"
        "Sent: Friday, November 20, 2026 4:12 PM\n"
        "To: Dan <dan@x.com>\n"
        "Subject: Marketing Manager\n\n"
        "Hi Dan,"
    )


def test_outlook_header_table_cells_join_label_and_value() -> None:
    html = "<table><tr><td><b>From:</b></td><td>Ann &lt;ann@x.com&gt;</td></tr></table>"
    assert html_to_text(html) == "From: Ann <ann@x.com>"


def test_html_links_with_text_or_image_alt() -> None:
    html = (
        "<a href='https://a.example/jobs/1'> Senior\n Buyer </a>"
        "<a href='https://b.example/x'><img alt='Apply'></a><a href='javascript:x()'>js</a>"
    )
    assert html_links(html) == [
        ("https://a.example/jobs/1", "Senior Buyer"),
        ("https://b.example/x", "Apply"),
    ]


@pytest.mark.parametrize(
    "html",
    [
        "<div>" * 50_000 + "deep",
        "<table>" + "<tr><td>a</td><td>b</td></tr>" * 400_000 + "</table>",
        "<b><i><p>unclosed <a href='https://x'>link" * 2000,
        "",
        "\x00\ud800<<<>>>",
    ],
    ids=["deep", "huge-table", "unclosed", "empty", "junk"],
)
def test_hostile_html_finishes_quickly(html: str) -> None:
    cpu_bounded(10.0, html_to_text, html)
    cpu_bounded(10.0, html_links, html)


def test_mime_tree_too_deep_for_the_parser_still_gives_headers_and_text() -> None:
    nesting = "".join(
        f"Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n" for i in range(3000)
    )
    raw = f"From: a@b.example\nSubject: nest\n{nesting}Content-Type: text/plain\n\nhello there\n"
    mail = decode_mail(raw.encode())
    assert mail.subject == "nest"
    assert "hello there" in mail.text
    assert mail.warnings


def test_exchange_style_bounce_without_mailer_daemon_address() -> None:
    raw = (
        b"From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@corp.example>\n"
        b"Subject: Undeliverable: Your weekly job leads\nContent-Type: text/plain\n\n"
        b"Delivery has failed to these recipients or groups:\n\nkim.lee@corp.example\n"
        b"The email address you entered couldn't be found. 550 5.1.10 RESOLVER.ADR.RecipientNotFound\n"
    )
    assert decode_mail(raw).special == "bounce"
    assert bounce_recipients(raw) == [("kim.lee@corp.example", "5.1.10")]


def test_job_titles_that_look_like_absence_words_are_not_auto_replies() -> None:
    raw = b"From: a@b.example\nSubject: Absence Management Specialist role\n\nhi\n"
    assert decode_mail(raw).special == ""


def test_html_part_without_mime_charset_uses_its_meta_charset() -> None:
    body = '<html><head><meta charset="koi8-r"></head><body>Вакансия</body></html>'.encode("koi8-r")
    raw = b"From: a@b.example\nSubject: x\nContent-Type: text/html\n\n" + body
    assert "Вакансия" in decode_mail(raw).html


def test_encoded_headers_still_decode_with_the_fast_header_path() -> None:
    raw = (
        b"From: =?iso-8859-1?q?Andr=E9_M=FCller?= <andre@example.de>\n"
        b"To: =?utf-8?b?wqBKw7xyZ2VuIE3DvGxsZXI=?= <j@example.de>, b@example.de\n"
        b"Subject: =?utf-8?q?Stelle_=E2=80=93_Buchhalter?=\n =?utf-8?q?in_M=C3=BCnchen?=\n"
        b"Content-Type: text/plain; charset=utf-8\n\nHallo\n"
    )
    mail = decode_mail(raw)
    assert mail.sender.name == "André Müller"
    assert [a.address for a in mail.to] == ["j@example.de", "b@example.de"]
    assert mail.to[0].name.strip() == "Jürgen Müller"
    assert mail.subject == "Stelle – Buchhalterin München"  # no space between encoded words


def test_trace_headers_are_kept_for_finding_who_forwarded() -> None:
    raw = (
        b"Return-Path: <kim+caf_=g=jobs.example.net@gmail.com>\n"
        b"Delivered-To: g@jobs.example.net\nX-Forwarded-For: kim@gmail.com g@jobs.example.net\n"
        b"From: noreply@glassdoor.com\nSubject: jobs\n\nbody\n"
    )
    trace = decode_mail(raw).trace
    assert trace["x-forwarded-for"] == ["kim@gmail.com g@jobs.example.net"]
    assert trace["return-path"] == ["<kim+caf_=g=jobs.example.net@gmail.com>"]


def test_multipart_without_its_boundary_is_marked_broken() -> None:
    raw = (
        b'From: a@example.org\nSubject: x\nContent-Type: multipart/mixed; boundary="b1"\n\n'
        b"--other\nContent-Transfer-Encoding: base64\n\n"
        b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo#!\n"
    )
    mail = decode_mail(raw)
    assert mail.broken == "multipart/mixed declares boundary 'b1' but it never appears"
    assert mail.text == ""


def test_minor_defects_are_warnings_not_breakage() -> None:
    mail = decode_mail(load("broken_mime.eml"))
    assert mail.broken == ""
    assert mail.warnings


def test_decoding_a_30kb_alert_is_fast() -> None:
    """Header parsing used to dominate (about 4 ms per alert with policy.default)."""
    cards = "".join(
        f'<table style="font-family:Arial"><tr><td><a href="https://www.linkedin.com/comm/jobs/'
        f'view/39{i:08d}/?trackingId=abc">Analyst {i}</a></td></tr><tr><td>Acme &middot; Dallas'
        f"</td></tr></table>"
        for i in range(150)
    )
    raw = (
        "From: LinkedIn Job Alerts <jobalerts-noreply@linkedin.com>\nTo: a@example.org\n"
        "Subject: 12 new jobs\nMIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="zz"\n\n'
        f"--zz\nContent-Type: text/plain\n\nAlert\n--zz\nContent-Type: text/html\n\n{cards}\n--zz--\n"
    ).encode()
    assert len(raw) > 25_000
    decode_mail(raw)
    # 50 decodes within a second of CPU (~1 ms each on a laptop); the speed itself is measured
    # in benchmarks/, not here
    cpu_bounded(1.0, lambda: [decode_mail(raw) for _ in range(50)])
