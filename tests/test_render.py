"""The digest as members read it: golden HTML and text parts, headers, safety, size, a screenshot.

Regenerate the golden files after an intended change with
`JOBDIGEST_UPDATE_GOLDEN=1 python -m pytest tests/test_render.py` and review the diff; a missing
golden file fails.
"""

from __future__ import annotations

import email
import email.policy
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from digest.config import Config, parse_config
from digest.delivery.audience import compose_all
from digest.delivery.compose import MemberDigest
from digest.delivery.headers import from_header, header_text, mailbox
from digest.delivery.render import (
    _BLANK_RUN,
    FEEDBACK_KINDS,
    HOLE,
    MESSAGE_POLICY,
    TEXT_SLOT,
    Links,
    _document,
    _Shape,
    _Slots,
    build_mail,
    group_inbox,
    mail_safe_html,
    message_bytes,
    own_skeleton_html,
    render,
    render_html,
    render_text,
    subject_line,
)
from digest.delivery.tokens import Signer
from digest.errors import UserError
from tests.digest_seed import PERIOD, seed_group
from tests.support import golden
from tests.support.db import migrated_db

GOLDEN = Path(__file__).parent / "golden"
OUTPUT = Path(__file__).parent / "output"
NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
CONFIG = """
[group]
name = "Test Network"
timezone = "America/Chicago"
contact = "Pat Organizer <pat@group.example.org>"
[smtp]
from_address = "Test Leads <leads@group.example.org>"
[web]
base_url = "https://leads.group.example.org"
"""
_LINK_LINE = re.compile(r"^\s*([A-Z][a-z ]+: )?https?://\S+$")
_TOKEN = re.compile(
    r"(/(?:feedback|preferences|unsubscribe|digest)/)[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+"
)


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Config, dict[str, MemberDigest]]]:
    db = migrated_db(f"sqlite:///{tmp_path_factory.mktemp('render') / 'render.db'}")
    seed_group(db)
    cfg = parse_config(CONFIG)
    yield cfg, {d.member.email.split("@")[0]: d for d in compose_all(db, cfg, PERIOD)}
    db.dispose()


def links(cfg: Config, digest: MemberDigest) -> Links:
    return Links(cfg, Signer("golden-test-secret-0123456789"), digest.member.id)


def alice_message(world: tuple[Config, dict[str, MemberDigest]]) -> EmailMessage:
    cfg, all_digests = world
    digest = all_digests["alice"]
    raw = build_mail(cfg, digest, links(cfg, digest), now=NOW).data
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def normalize(text: str) -> str:
    """What changes from run to run: signed tokens (they carry a timestamp), ids, boundaries."""
    text = _TOKEN.sub(r"\1TOKEN", text).replace("\r\n", "\n")
    text = re.sub(r"<(digest\.[^@<>\s]+\.)[0-9a-f]{16}@", r"<\1RANDOM@", text)
    return re.sub(r'boundary="?=+[0-9]+=+"?', "boundary=BOUNDARY", text)


def check_golden(name: str, actual: str) -> None:
    golden.check_golden(
        GOLDEN / name, actual, f"{golden.UPDATE_ENV}=1 python -m pytest tests/test_render.py"
    )


def test_text_part_matches_golden_and_reads_on_its_own(world) -> None:  # type: ignore[no-untyped-def]
    text = alice_message(world).get_body(("plain",)).get_content()
    check_golden("digest.txt", normalize(text))
    for line in text.splitlines():  # wrapped, except that a link is never broken
        assert len(line) <= 72 or _LINK_LINE.match(line), line
    assert "You shared this; also shared by Dan Whitaker and 1 other" in text
    assert "Shared by you" not in text
    words = " ".join(text.split())
    assert "Inside contact: Dan Whitaker (Marketing sub-group) used to work at Sabre Inc." in words
    assert "<script>" not in text and "<b>" not in text
    assert "week of Nov 23" in text and "2026-W48" not in text


def test_text_part_offers_the_same_feedback_as_the_html_part(world) -> None:  # type: ignore[no-untyped-def]
    msg = alice_message(world)
    html, text = msg.get_body(("html",)).get_content(), msg.get_body(("plain",)).get_content()
    in_html = sorted(re.findall(r'href="([^"]*/feedback/[^"]+)"', html))
    in_text = sorted(re.findall(r"(https://\S+/feedback/\S+)", text))
    assert in_html and in_text == in_html
    for _kind, label in FEEDBACK_KINDS:
        assert f"  {label}: https://" in text


def test_digest_reads_as_people_write(world) -> None:  # type: ignore[no-untyped-def]
    msg = alice_message(world)
    html = msg.get_body(("html",)).get_content()
    assert "week of Nov 23" in html and "2026-W48" not in html
    assert "Remote &#183; Remote" not in html and "Remote · Remote" not in html
    # A role heading appears only above several leads of that role.
    cfg, all_digests = world
    for section in all_digests["alice"].sections:
        for group in section.roles:
            shown_as_heading = f">{group.role} <span" in html
            assert shown_as_heading == (len(group.leads) > 1), group.role
    # Inside contacts are not in the colour of an error.
    contact_colour = re.search(r'class="contact" style="[^"]*color: ?(#[0-9a-f]{6})', html)
    assert contact_colour and contact_colour.group(1) not in ("#9a3412", "#b91c1c", "#dc2626")


def test_forward_address_is_the_groups_inbox_address_not_the_imap_login() -> None:
    cfg = parse_config(
        CONFIG.replace('contact = "', 'inbox_address = "jobs@group.example.org"\ncontact = "')
        + '[inbox]\nusername = "imap-login-7"\n'
    )
    assert group_inbox(cfg) == "jobs@group.example.org"
    assert group_inbox(parse_config(CONFIG + '[inbox]\nusername = "x@imap.example"\n')) == (
        "leads@group.example.org"  # unset: the address digests come from
    )
    with pytest.raises(UserError, match="group.inbox_address"):
        parse_config(CONFIG.replace('contact = "', 'inbox_address = "Jobs Inbox"\ncontact = "'))


def test_html_part_matches_golden_and_is_safe(world) -> None:  # type: ignore[no-untyped-def]
    html = alice_message(world).get_body(("html",)).get_content()
    check_golden("digest.html", normalize(html))
    assert "<script" not in html and "onerror" not in html.replace("onerror=alert", "")
    assert "javascript:" not in html
    assert "Social Media Lead &amp; Community" in html  # tags gone, text kept, escaped once
    assert 'style="' in html and "prefers-color-scheme: dark" in html  # inlined + dark mode
    assert "<table" in html and len(html.encode()) < 102_000


def test_headers_for_mail_clients_and_one_click_unsubscribe(world) -> None:  # type: ignore[no-untyped-def]
    msg = alice_message(world)
    headers = "\n".join(f"{k}: {v}" for k, v in msg.items() if k not in ("Content-Type",))
    parts = [
        f"{p.get_content_type()} {p.get_content_charset()} {p['Content-Transfer-Encoding']}"
        for p in msg.walk()
    ]
    check_golden("digest.headers", normalize(headers + "\n" + "\n".join(parts) + "\n"))
    unsubscribe = str(msg["List-Unsubscribe"])
    assert re.match(
        r"<https://leads\.group\.example\.org/unsubscribe/[^>]+>, <mailto:leads\+unsubscribe@group\.example\.org\?subject=unsubscribe>$",
        unsubscribe,
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Date"].datetime == NOW
    assert re.match(
        r"^<digest\.2026-W48\.\d+\.[0-9a-f]{16}@group\.example\.org>$", msg["Message-ID"]
    )
    assert msg["List-Id"] == "Test Network digest <test-network.digest.group.example.org>"
    assert str(msg["To"]) == "Alice Moreno <alice@members.example>"


def test_signed_links_belong_to_the_member(world) -> None:  # type: ignore[no-untyped-def]
    cfg, all_digests = world
    digest = all_digests["alice"]
    signer = Signer("golden-test-secret-0123456789")
    html, text = render(cfg, digest, Links(cfg, signer, digest.member.id))
    links_found = re.findall(r"/feedback/([^\"/\s]+)/([0-9]+)/([a-z_]+)", html)
    assert len(links_found) == 5 * len(digest.leads)
    assert {kind for _, _, kind in links_found} == {
        "not_relevant",
        "applied",
        "interviewing",
        "hired",
        "dead_link",
    }
    # One token per digest: it proves the member; the postings are the digest's own.
    assert {signer.loads("feedback-member", token) for token, _, _ in links_found} == {
        digest.member.id
    }
    assert {int(pid) for _, pid, _ in links_found} == {lead.posting.id for lead in digest.leads}
    assert Signer("another-secret-0123456789").loads("feedback-member", links_found[0][0]) is None
    assert signer.loads("feedback", links_found[0][0]) is None  # not an older digest's token
    unsubscribe = re.search(r"/unsubscribe/([^\s\"]+)", text)
    assert unsubscribe and signer.loads("unsubscribe", unsubscribe.group(1)) == digest.member.id


def test_members_sharing_prepared_leads_get_only_their_own_links(world) -> None:  # type: ignore[no-untyped-def]
    """Leads are rendered once per period and shared: each member's digest still carries only
    that member's tokens, and rendering it again (from the prepared fragments) changes nothing."""
    cfg, all_digests = world
    signer = Signer("golden-test-secret-0123456789")
    alice, dan = all_digests["alice"], all_digests["dan"]
    shared = {lead.posting.id for lead in alice.leads} & {lead.posting.id for lead in dan.leads}
    assert shared and alice.fragments is dan.fragments  # one period, one cache
    first = render(cfg, alice, Links(cfg, signer, alice.member.id))
    html, text = render(cfg, dan, Links(cfg, signer, dan.member.id))
    for part in (html, text):
        tokens = set(re.findall(r"/(?:feedback|unsubscribe|preferences)/([^\"/\s]+)", part))
        owners = {
            signer.loads(p, t)
            for t in tokens
            for p in ("feedback-member", "unsubscribe", "preferences")
        } - {None}
        assert owners == {dan.member.id}
    assert render(cfg, alice, Links(cfg, signer, alice.member.id)) == first


def test_big_digests_are_trimmed_under_the_size_limit(world) -> None:  # type: ignore[no-untyped-def]
    cfg, all_digests = world
    digest = all_digests["dan"]
    before = digest.total
    html, text = render(cfg, digest, links(cfg, digest), max_html=12_000)
    assert len(html.encode()) <= 12_000
    assert digest.more > 0 and digest.total == before  # nothing lost: moved to "N more"
    assert f"See {digest.more} more lead" in html and f"{digest.more} more lead" in text


def test_screenshot_in_chromium_light_and_dark(world, browser: Browser) -> None:  # type: ignore[no-untyped-def]
    html = alice_message(world).get_body(("html",)).get_content()
    OUTPUT.mkdir(exist_ok=True)
    shots = {}
    for scheme in ("light", "dark"):
        page = browser.new_page(viewport={"width": 700, "height": 1100})
        page.emulate_media(color_scheme=scheme)
        page.route("**/*", lambda route: route.abort())  # a mail client shows it offline
        page.set_content(html, wait_until="load")
        path = OUTPUT / ("digest.png" if scheme == "light" else "digest-dark.png")
        page.screenshot(path=str(path), full_page=True)
        page.close()
        shots[scheme] = png_pixels(path.read_bytes())
    for pixels in shots.values():
        assert len(set(pixels)) > 20, "blank screenshot"
    # The dark variant really is dark: most of its top-left corner is not the light background.
    assert shots["light"][:4000] != shots["dark"][:4000]


def png_pixels(data: bytes) -> bytes:
    """The decompressed image data of a PNG (asserts it is one)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return zlib.decompress(idat)


def _by_the_email_package(cfg: Config, digest: MemberDigest, links: Links) -> bytes:
    """The same message built the slow, obvious way: what the prepared parts must equal."""
    html, text = render(cfg, digest, links)
    msg = EmailMessage(policy=MESSAGE_POLICY)
    msg["From"] = from_header(cfg.smtp.from_address)
    msg["To"] = mailbox(digest.member.name, digest.member.email)
    msg["Subject"] = subject_line(cfg, digest)
    msg["Date"] = format_datetime(NOW.astimezone(cfg.tz))
    msg["Message-ID"] = "<same@group.example.org>"
    msg["List-Id"] = "Test Network digest <test-network.digest.group.example.org>"
    msg["List-Unsubscribe"] = "-"  # folded differently on purpose: compared parsed, below
    for name, value in (("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                        ("Auto-Submitted", "auto-generated"), ("Precedence", "bulk"),
                        ("X-Jobdigest-Period", digest.period)):  # fmt: skip
        msg[name] = value
    seven_bit = text.isascii() and max(map(len, text.splitlines())) <= 990
    msg.set_content(text, charset="utf-8", cte="7bit" if seven_bit else None)
    msg.add_alternative(mail_safe_html(html), subtype="html", charset="us-ascii", cte="7bit")
    return message_bytes(msg)


@pytest.mark.parametrize(
    "name",
    [
        "Alice Moreno",
        "Zoë Ångström-Núñez",
        'Moreno, "Al" (ops)',
        "A" * 90,
        "=?x?= Bo",
        "Two\r\nLines\x0cFeed",
    ],
)
def test_prepared_mime_is_what_the_email_package_writes(world, name: str) -> None:  # type: ignore[no-untyped-def]
    """Headers folded and encoded like the email package's, bodies byte for byte, lines within
    SMTP's 998; only List-Unsubscribe is folded between its URLs (never into RFC 2047 words)."""
    cfg, all_digests = world
    digest = all_digests["alice"]
    digest.member.name, original = name, digest.member.name
    signed = links(cfg, digest)  # one set of tokens: each signing carries the second it ran
    try:
        mail = build_mail(cfg, digest, signed, now=NOW, message_id="<same@group.example.org>")
        expected = _by_the_email_package(cfg, digest, signed)
    finally:
        digest.member.name = original
    boundary = re.compile(rb"={15}\d{19}==")
    unsubscribe = re.compile(rb"List-Unsubscribe: .*?\r\n(?=[A-Z])", re.S)
    ours = unsubscribe.split(boundary.sub(b"B", mail.data))
    assert ours == unsubscribe.split(boundary.sub(b"B", expected))
    assert max(len(line) for line in mail.data.split(b"\r\n")) <= 998
    assert mail.data.count(b"\n") == mail.data.count(b"\r\n")
    parsed = mail.message()
    assert parsed["To"].addresses[0].display_name == header_text(name)
    url = signed.unsubscribe
    assert str(parsed["List-Unsubscribe"]) == (
        f"<{url}>, <mailto:leads+unsubscribe@group.example.org?subject=unsubscribe>"
    )
    assert b"List-Unsubscribe: <https://" in mail.data and b"=?utf-8?q?=3Chttps" not in mail.data


@pytest.mark.parametrize("name", [None, 'Zoë "Z" <b>&amp; Co\xa0Ltd', "Two\r\nLines\x00"])
def test_prepared_skeletons_are_each_members_own(world, name: str | None) -> None:  # type: ignore[no-untyped-def]
    """Greeting, headings and footer are prepared once per shape of digest, with holes for the
    member's strings: joined, they are byte for byte the skeleton rendered (and inlined) for
    that member alone, in both parts, whatever the member's name holds."""
    cfg, all_digests = world
    for digest in all_digests.values():
        original = digest.member.name
        digest.member.name = name if name is not None else original
        try:
            signed = links(cfg, digest)
            slots = _Slots(digest.fragments, signed)
            html, text = render_html(cfg, digest, signed), render_text(cfg, digest, signed)
            shape = _Shape(cfg, digest, signed, holes=False)
            assert html == own_skeleton_html(cfg, digest, signed, slots.html_blocks(shape.blocks))
            own = _document(cfg, digest, shape.view, html=False)
            for leads, _ in shape.blocks:
                own = own.replace(TEXT_SLOT, slots.text(leads), 1)
            assert text == _BLANK_RUN.sub("\n\n", own).strip() + "\n"
            assert HOLE not in html and HOLE not in text
        finally:
            digest.member.name = original


def test_a_members_own_words_in_a_shared_lead_are_escaped(world) -> None:  # type: ignore[no-untyped-def]
    """The 'Why' line is the member's (their keywords, their pitch), joined into a shared
    fragment: it is escaped as the rest of the page is, and reaches only that member."""
    cfg, all_digests = world
    digest = all_digests["alice"]
    lead = digest.leads[0]
    lead.why.append("your keyword '<img src=x onerror=alert(1)> & co'")
    try:
        html, text = render(cfg, digest, links(cfg, digest))
    finally:
        lead.why.pop()
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; co" in html and "<img" not in html
    assert "your keyword '<img src=x onerror=alert(1)> & co'" in " ".join(text.split())
    other, _ = render(cfg, all_digests["dan"], links(cfg, all_digests["dan"]))
    assert "onerror" not in other


def test_text_from_strangers_cannot_write_a_hole_or_a_cut_mark(world) -> None:  # type: ignore[no-untyped-def]
    """Posting text and links come from strangers' mail: marks like the ones fragments are cut
    and filled at stay text, and every lead keeps its own place."""
    cfg, all_digests = world
    digest = all_digests["alice"]
    lead = digest.leads[0]
    hostile = "x \ue000f\ue001 <!--lead--> <!--cut--> \ue000i1\ue001"
    original, shared = lead.posting, digest.fragments
    lead.posting = replace(original, title=hostile, url=f"https://evil.example/{hostile}")
    digest.fragments = {}
    try:
        html, text = render(cfg, digest, links(cfg, digest))
    finally:
        lead.posting, digest.fragments = original, shared
    assert html.count('class="lead"') == len(digest.leads)
    assert len(re.findall(r"/feedback/[^/\"]+/\d+/applied", html)) == len(digest.leads)
    assert "/intro/" not in html and "/intro/" not in text
