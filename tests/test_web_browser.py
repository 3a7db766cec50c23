"""The web app in Debian's Chromium, served by waitress, signing in through mail caught by aiosmtpd.

Screenshots of the main pages go to tests/web_screenshots/ (gitignored) for a human to look at.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from waitress.server import create_server

from digest.config import Config
from digest.delivery.render import Links
from digest.delivery.send import send_digests
from digest.store.db import Database
from digest.store.models import Delivery, Member, RawMessage, Role, Source, Subgroup
from digest.tagging.compile import load_rules
from digest.tagging.matcher import Matcher
from digest.web import create_app
from tests.support.db import migrated_db
from tests.test_web import World, build_world, make_config

SHOTS = Path(__file__).parent / "web_screenshots"
PHONE = {"width": 390, "height": 844}


@dataclass
class Site:
    app: Flask
    cfg: Config
    db: Database
    world: World
    url: str


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_server) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JOBDIGEST_WEB_TEST_SECRET", "browser-secret-" + "b" * 24)
    cfg = make_config(tmp_path)
    cfg.smtp.host, cfg.smtp.port = smtp_server.host, smtp_server.port
    cfg.smtp.security, cfg.smtp.ca_file, cfg.smtp.username = (
        "starttls",
        str(smtp_server.tls.ca_file),
        "",
    )
    db = migrated_db(cfg.database_url())
    world = build_world(db)
    app = create_app(cfg, db)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    cfg.web.base_url = f"http://127.0.0.1:{server.effective_port}"
    thread = threading.Thread(target=server.run, name="waitress-test", daemon=True)
    thread.start()
    SHOTS.mkdir(exist_ok=True)
    try:
        yield Site(app, cfg, db, world, cfg.web.base_url)
    finally:
        server.close()
        thread.join(timeout=5)
        db.dispose()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in_by_mail(page: Page, site: Site, smtp_server, address: str) -> None:  # type: ignore[no-untyped-def]
    before = len(smtp_server.messages)
    page.goto(f"{site.url}/signin")
    page.get_by_label("Your email address").fill(address)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    messages = smtp_server.wait_for(before + 1, timeout=10)
    assert len(messages) == before + 1, "no sign-in mail arrived"
    body = messages[-1].message().get_content()
    link = re.search(r"(http://127\.0\.0\.1:\d+/signin/\S+)", body).group(1)
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("^Hello"))).to_be_visible()


def test_lead_edits_a_role_with_live_preview_and_the_matcher_uses_it(
    site: Site,
    page: Page,
    smtp_server,  # type: ignore[no-untyped-def]
) -> None:
    sign_in_by_mail(page, site, smtp_server, "alice@example.org")
    shot(page, "home-lead")
    page.goto(f"{site.url}/lead/{site.world.marketing}/")
    expect(page.get_by_text("Senior Marketing Manager")).to_be_visible()
    shot(page, "lead-week")
    page.goto(f"{site.url}/lead/{site.world.marketing}/roles")
    page.locator("#role-0 summary").click()  # roles are collapsed rows: open one to edit it
    synonyms = page.locator("#roles-0-synonyms")
    synonyms.fill("Brand Manager")
    expect(page.locator("#role-0 summary")).to_contain_text("also Brand Manager")
    preview = page.locator("#preview-body")
    expect(preview).to_contain_text("Would newly match", timeout=10_000)
    expect(preview.locator("li", has_text="Brand Manager")).to_be_visible()
    assert page.url.endswith("/roles")  # updated in place, no reload
    shot(page, "lead-roles-live-preview")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved (rules version 2)")
    with site.db.session() as session:
        _groups, rules = load_rules(session)
    tags = Matcher.compile(rules).match("Brand Manager")
    assert [(t.subgroup, t.role) for t in tags] == [("Marketing", "Marketing Manager")]
    page.goto(f"{site.url}/lead/{site.world.marketing}/members/{site.world.carol}/digest")
    expect(page.get_by_role("heading", name=re.compile("Carol King's digest"))).to_be_visible()
    shot(page, "lead-digest-preview")
    page.goto(f"{site.url}/lead/{site.world.marketing}/postings/{site.world.p_marketing}")
    shot(page, "lead-posting-moderation")


def test_preview_button_works_without_javascript(
    site: Site,
    browser: Browser,
    smtp_server,  # type: ignore[no-untyped-def]
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in_by_mail(page, site, smtp_server, "alice@example.org")
        page.goto(f"{site.url}/lead/{site.world.marketing}/roles")
        page.locator("#role-0 summary").click()  # <details> opens without a script too
        page.locator("#roles-0-synonyms").fill("Brand Manager")
        page.get_by_role("button", name="Preview").click()
        expect(page.locator("#preview-body")).to_contain_text("Would newly match")
        expect(page.locator("#roles-0-synonyms")).to_have_value("Brand Manager")
    finally:
        context.close()


def test_operator_pages(site: Site, page: Page, smtp_server) -> None:  # type: ignore[no-untyped-def]
    sign_in_by_mail(page, site, smtp_server, "op@example.org")
    for path, name, heading in (
        ("/operator/members", "operator-members", "Members"),
        ("/operator/subgroups", "operator-subgroups", "Sub-groups"),
        ("/operator/", "operator-overview", "Overview"),
        ("/operator/deliveries", "operator-send-log", "Send log"),
    ):
        page.goto(site.url + path)
        expect(page.get_by_role("heading", level=1, name=re.compile(heading))).to_be_visible()
        shot(page, name)
    page.get_by_role("link", name="Members").first.click()
    page.get_by_label("Email").fill("erin@example.org")
    page.get_by_label("Name").fill("Erin")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_role("status")).to_contain_text("Added erin@example.org")


def test_member_changes_preferences_and_unsubscribes_in_one_click(
    site: Site, browser: Browser, tmp_path: Path
) -> None:
    w, cfg = site.world, site.cfg
    signer = site.app.extensions["jobdigest"].signer
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    try:
        page.goto(Links(cfg, signer, w.dan).preferences)
        page.get_by_label("IT", exact=True).check()
        page.get_by_label("Marketing", exact=True).check()
        page.get_by_label("Keywords I look for (one per line)").fill("kubernetes")
        page.get_by_label("Show my name when I share a posting").uncheck()
        shot(page, "member-preferences-phone")
        page.get_by_role("button", name="Save preferences").click()
        expect(page.get_by_role("status")).to_contain_text("saved")
        page.goto(Links(cfg, signer, w.alice).unsubscribe)
        shot(page, "member-unsubscribe-phone")
        page.get_by_role("button", name="Unsubscribe").click()
        expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
        # what a mail provider does for RFC 8058: a bare POST, no cookies, no page
        answer = page.request.post(
            Links(cfg, signer, w.carol).unsubscribe, form={"List-Unsubscribe": "One-Click"}
        )
        assert answer.status == 200
    finally:
        phone.close()
    with site.db.session() as session:
        dan, alice, carol = (session.get_one(Member, i) for i in (w.dan, w.alice, w.carol))
        assert sorted(g.name for g in dan.subgroups) == ["IT", "Marketing"]
        assert dan.keywords == ["kubernetes"] and not dan.show_name
        assert (alice.status, carol.status) == ("unsubscribed", "unsubscribed")
    result = send_digests(site.db, cfg, dry_run=tmp_path / "outbox")
    written = sorted(p.name for p in result.written)
    assert "dan@example.org.eml" in written
    assert "alice@example.org.eml" not in written and "carol@example.org.eml" not in written


# -- layout at 1280 and 390 px ------------------------------------------------------------------

WIDE = {"width": 1280, "height": 900}
#: The demo's Marketing roles: a sub-group's list as long as real ones get.
MANY_ROLES = ["Marketing Director", "Event Marketing", "Digital Marketing Manager", "Product Marketing Manager",
              "Content Marketing", "Marketing Communications", "Email Marketing", "SEO Specialist",
              "Public Relations", "Marketing Coordinator", "Market Research Analyst", "Growth Marketing"]  # fmt: skip
#: Page heights of the roles page with these 14 roles before it was made compact.
ROLES_HEIGHT_BEFORE = {1280: 3113, 390: 7201}


def furnish(site: Site) -> None:
    """What a running group's pages show: a long list of roles, sources (one failing), held and
    failed mail, sent digests."""
    now = datetime(2026, 12, 2, 13, 0)
    with site.db.session() as s:
        group = s.get_one(Subgroup, site.world.marketing)
        start = len(group.roles)
        for i, phrase in enumerate(MANY_ROLES):
            synonyms = (
                ["Communications Manager", "Media Relations"]
                if phrase == "Public Relations"
                else []
            )
            group.roles.append(Role(phrase=phrase, synonyms=synonyms, position=start + i))
        s.add_all([
            Source(kind="feed", key="https://jobs.example.org/dallas-marketing-jobs.rss", name="Dallas marketing jobs",
                   last_success=now),
            Source(kind="greenhouse", key="https://boards-api.greenhouse.io/v1/boards/acme/jobs", name="Acme careers",
                   consecutive_failures=3, failing_since=now, last_error="HTTP 503 from boards-api.greenhouse.io",
                   next_attempt=now),
            RawMessage(raw=b"x", status="failed", sender="dan@example.org", subject="Fwd: a great role",
                       reason="no job posting found in the mail", received_at=now),
            RawMessage(raw=b"x", status="held", sender="stranger@example.net", subject="Jobs!",
                       reason="sender is not a member", received_at=now),
            Delivery(member_id=site.world.carol, period="2026-W49", status="sent", sent_at=now, posting_ids=[1]),
            Delivery(member_id=site.world.dan, period="2026-W49", status="bounced", last_error="550 no such user"),
        ])  # fmt: skip


def open_as(
    browser: Browser,
    site: Site,
    member_id: int,
    viewport: dict[str, int],
    color_scheme: str = "light",
) -> Page:
    """A new tab of the given size, signed in through a fresh sign-in link's confirm page."""
    phone = viewport["width"] < 500
    context = browser.new_context(
        viewport=viewport,  # type: ignore[arg-type]
        is_mobile=phone,
        has_touch=phone,
        color_scheme=color_scheme,  # type: ignore[arg-type]
    )
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    token = site.app.extensions["jobdigest"].signer.dumps(
        "signin", [member_id, secrets.token_urlsafe(9), "/"]
    )
    tab.goto(f"{site.url}/signin/{token}")
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("heading", name=re.compile("^Hello"))).to_be_visible()
    return tab


def in_view(page: Page, box: dict[str, float] | None) -> bool:
    """The whole box inside the window, horizontally and vertically."""
    size = page.viewport_size
    assert box is not None and size is not None
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"] + 0.5
        and box["y"] + box["height"] <= size["height"] + 0.5
    )


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"  # type: ignore[index]


@pytest.mark.parametrize("width", [1280, 390])
def test_roles_page_is_compact_and_keeps_the_preview_in_view(
    site: Site, browser: Browser, width: int
) -> None:
    furnish(site)
    page = open_as(browser, site, site.world.alice, WIDE if width == 1280 else PHONE)
    try:
        page.goto(f"{site.url}/lead/{site.world.marketing}/roles")
        height = page.evaluate("document.documentElement.scrollHeight")
        before = ROLES_HEIGHT_BEFORE[width]
        assert height <= before * (0.5 if width == 1280 else 0.35), (height, before)
        no_sideways_scroll(page)
        shot(page, f"lead-roles-{width}")
        # Collapsed rows still say what each role holds.
        expect(page.locator("#role-10 summary")).to_contain_text("also Communications Manager")
        page.locator("#role-10 summary").click()
        synonyms = page.locator("#roles-10-synonyms")
        synonyms.fill("Communications Manager; Media Relations; Brand Manager")
        expect(page.locator("#preview-body")).to_contain_text("Would newly match", timeout=10_000)
        assert page.evaluate("document.activeElement.id") == "roles-10-synonyms"
        assert in_view(page, synonyms.bounding_box())
        if width == 1280:  # the whole preview beside the form
            preview = page.locator("#preview")
            expect(preview.locator("li", has_text="Brand Manager")).to_be_visible()
            box = preview.bounding_box()
            assert box is not None and box["x"] > synonyms.bounding_box()["x"] + 300  # type: ignore[index]
            assert in_view(page, page.get_by_test_id("preview-summary").bounding_box())
        else:  # a summary bar at the bottom of the screen, the list one tap away
            bar = page.locator("#preview-bar")
            expect(bar).to_contain_text("1 new")
            assert in_view(page, bar.bounding_box())
            assert synonyms.bounding_box()["y"] + synonyms.bounding_box()["height"] <= bar.bounding_box()["y"]  # type: ignore[index]  # fmt: skip
        page.screenshot(path=str(SHOTS / f"lead-roles-editing-{width}.png"))
        save = page.get_by_role("button", name="Save")
        save.scroll_into_view_if_needed()
        assert in_view(page, save.bounding_box())
        save.click()
        expect(page.get_by_role("status")).to_contain_text("Saved (rules version 2)")
    finally:
        page.context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_operator_pages_keep_every_column_and_action_in_reach(
    site: Site, browser: Browser, width: int
) -> None:
    furnish(site)
    page = open_as(browser, site, site.world.operator, WIDE if width == 1280 else PHONE)
    try:
        for path, name in (
            ("/operator/", "overview"),
            ("/operator/subgroups", "subgroups"),
            ("/operator/held", "held"),
            ("/operator/failed", "failed"),
            ("/operator/deliveries", "send-log"),
        ):
            page.goto(site.url + path)
            no_sideways_scroll(page)
            shot(page, f"operator-{name}-{width}")
        page.goto(f"{site.url}/operator/sources")
        no_sideways_scroll(page)
        failing = page.locator("tr", has_text="Acme careers")
        for text in ("greenhouse", "3 failures", "HTTP 503", "2026-12-02 07:00 CST"):
            expect(failing.get_by_text(text, exact=False).first).to_be_visible()
        shot(page, f"operator-sources-{width}")
        page.goto(f"{site.url}/operator/members")
        no_sideways_scroll(page)
        shot(page, f"operator-members-{width}")
        for address in ("alice@example.org", "carol@example.org", "op@example.org"):
            row = page.locator("tr", has_text=address)
            expect(row.locator('td[data-label="Sub-groups"]')).to_have_text(
                "Marketing" if address != "op@example.org" else "none"
            )
            expect(row.get_by_text("active")).to_be_visible()
            for role, label in (("button", "Pause"), ("link", "Remove")):
                button = row.get_by_role(role, name=f"{label} {address}")  # type: ignore[arg-type]
                button.scroll_into_view_if_needed()
                assert in_view(page, button.bounding_box()), (address, label)
        page.get_by_role("button", name="Pause carol@example.org").click()
        expect(page.get_by_role("status")).to_contain_text("carol@example.org is now paused")
        row = page.locator("tr", has_text="carol@example.org")
        expect(row.get_by_role("button", name="Resume carol@example.org")).to_be_visible()
    finally:
        page.context.close()
