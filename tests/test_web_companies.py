"""Target companies and watched career sites on the web: the preferences page, the lead page
offering companies nobody watches, adding and removing watches (POST + CSRF), and the company
pages (open postings, members who worked there, recruiters, postings per week), the last one in
Chromium too."""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from waitress.server import create_server

from digest.clock import utcnow
from digest.config import Config
from digest.ingest.record import process_message
from digest.store.db import Database
from digest.store.members import set_targets
from digest.store.models import Member, PastEmployer, Posting, RawMessage, Source
from digest.web import create_app
from tests.support.db import migrated_db
from tests.test_web import World, build_world, csrf, make_config, sign_in, token_for

SHOTS = Path(__file__).parent / "web_screenshots"
RECRUITER_MAIL = b"""From: Carol King <carol@example.org>
To: leads@group.example.org
Subject: Fwd: Brand Manager opportunity with Sabre
Message-ID: <fwd-sabre-1@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Alice, this one is for you.

---------- Forwarded message ---------
From: Jordan Reyes <jordan.reyes@sabre.com>
Date: Wed, Nov 18, 2026 at 3:41 PM
Subject: Brand Manager opportunity with Sabre
To: Carol King <carol@example.org>

Hi Carol,

Sabre is hiring a Brand Manager in Southlake, TX. Apply here:
https://sabre.wd1.myworkdayjobs.com/SabreJobs/job/Southlake-TX/Brand-Manager_R240400

Jordan Reyes
Talent Acquisition, Sabre
"""


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.setenv("JOBDIGEST_WEB_TEST_SECRET", "companies-secret-" + "c" * 24)
    return make_config(tmp_path)


@pytest.fixture
def db(cfg: Config) -> Iterator[Database]:
    database = migrated_db(cfg.database_url())
    yield database
    database.dispose()


def add_sabre(db: Database, world: World) -> None:
    """Carol (Marketing) targets Sabre and forwarded a recruiter's mail about a Sabre job; Dan
    used to work at Sabre and opted in as an inside contact; Bob worked there but did not."""
    with db.session() as s:
        carol = s.get_one(Member, world.carol)
        set_targets(carol, ["Sabre", "Initrode"])
        dan, bob = s.get_one(Member, world.dan), s.get_one(Member, world.bob)
        dan.employers = [PastEmployer(name="Sabre Holdings", company_key="sabre")]
        dan.contact_opt_in = True  # inside contacts are opt-in
        bob.employers = [PastEmployer(name="SABRE Inc.", company_key="sabre")]
        bob.contact_opt_in = False
        raw = RawMessage(
            raw=RECRUITER_MAIL, sender="carol@example.org", message_id="<fwd-sabre-1@example.org>"
        )
        s.add(raw)
        s.flush()
        process_message(s, raw)
        old = Posting(title="Revenue Analyst", company="Sabre Corporation", company_key="sabre",
                      first_seen=utcnow() - timedelta(weeks=3), url="https://sabre.example/2")  # fmt: skip
        s.add(old)


@pytest.fixture
def world(db: Database) -> World:
    found = build_world(db)
    add_sabre(db, found)
    return found


@pytest.fixture
def app(cfg: Config, db: Database, world: World) -> Flask:
    return create_app(cfg, db)


def html_of(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    """What a reader sees: tags dropped, whitespace folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html_of(response))).strip()


# -- the preferences page ------------------------------------------------------------------------


def test_members_set_their_target_companies_on_the_preferences_page(
    app: Flask, db: Database, world: World
) -> None:
    client = app.test_client()
    url = f"/preferences/{token_for(app, 'preferences', world.alice)}"
    page = client.get(url)
    assert "Companies I want to work at" in page.get_data(as_text=True)
    form = {
        "csrf_token": csrf(page),
        "subscribed": "y",
        "subgroups": str(world.marketing),
        "targets": "Sabre\nAcme Corp.\nSABRE Inc.",
    }
    assert client.post(url, data=form).status_code == 302
    with db.session() as s:
        alice = s.get_one(Member, world.alice)
        assert [(t.name, t.company_key) for t in alice.targets] == [
            ("Sabre", "sabre"),
            ("Acme Corp.", "acme"),
        ]
    assert "Sabre\nAcme Corp." in client.get(url).get_data(as_text=True)


# -- the lead page and watches -------------------------------------------------------------------


def test_the_lead_page_offers_target_companies_nobody_watches(app: Flask, world: World) -> None:
    alice = sign_in(app, world.alice)  # leads Marketing, where Carol is
    page = text_of(alice.get("/lead/"))
    assert "nobody watches their careers site yet" in page
    assert "Initrode wanted by Carol King" in page
    # Nobody watches Sabre's careers site, but the job Carol forwarded links to it:
    assert (
        "Sabre wanted by Carol King · a shared posting points to its Workday careers site" in page
    )
    assert 'value="https://sabre.wd1.myworkdayjobs.com/SabreJobs"' in html_of(alice.get("/lead/"))
    bob = sign_in(app, world.bob)  # leads IT: not his members' targets
    assert "Carol King" not in text_of(bob.get("/lead/"))
    assert sign_in(app, world.carol).get("/lead/watches/").status_code == 403  # not a lead


def test_leads_add_and_remove_watches_with_csrf(app: Flask, db: Database, world: World) -> None:
    client = sign_in(app, world.alice)
    page = client.get("/lead/watches/")
    assert page.status_code == 200
    with db.session() as s:
        assert (
            s.scalars(select(Source).where(Source.origin == "watch")).all() == []
        )  # GET changed nothing
    token = csrf(page)
    no_csrf = client.post(
        "/lead/watches/",
        data={"name": "Sabre", "url": "https://sabre.wd1.myworkdayjobs.com/SabreJobs"},
    )
    assert no_csrf.status_code == 400
    bad = client.post(
        "/lead/watches/",
        data={"csrf_token": token, "name": "Initrode", "url": "https://initrode.example/jobs"},
    )
    assert bad.status_code == 400
    assert "initrode.example is not a career site of a system this can read" in text_of(bad)
    added = client.post(
        "/lead/watches/",
        data={
            "csrf_token": token,
            "name": "Sabre",
            "url": "https://sabre.wd1.myworkdayjobs.com/en-US/SabreJobs/job/Southlake-TX/Brand-Manager_R240400",
        },
        follow_redirects=True,
    )
    assert "Watching Sabre; its jobs arrive with the next fetch." in text_of(added)
    with db.session() as s:
        (watch,) = s.scalars(select(Source).where(Source.origin == "watch")).all()
        assert (watch.kind, watch.name) == ("workday", "Sabre")
        assert watch.key == "https://sabre.wd1.myworkdayjobs.com/wday/cxs/sabre/SabreJobs/jobs"
    page = text_of(client.get("/lead/"))
    assert "Sabre wanted by" not in page and "Initrode wanted by Carol King" in page
    removed = client.post(
        f"/lead/watches/{watch.id}/remove", data={"csrf_token": token}, follow_redirects=True
    )
    assert "No longer watching Sabre." in text_of(removed)
    assert (
        client.post(f"/lead/watches/{watch.id}/remove", data={"csrf_token": token}).status_code
        == 404
    )


# -- company pages -------------------------------------------------------------------------------


def test_company_page_shows_postings_alumni_recruiters_and_weeks(app: Flask, world: World) -> None:
    client = sign_in(app, world.carol)
    page = client.get("/companies/sabre")
    assert page.status_code == 200
    body, html = text_of(page), html_of(page)
    assert "<h1>Sabre</h1>" in html
    assert "Brand Manager" in body and "Revenue Analyst" in body  # open postings
    assert "Dan Whitaker" in body and "worked at Sabre Holdings" in body
    assert "Bob Lee" not in body  # did not opt in as an inside contact
    assert "Jordan Reyes" in body and "jordan.reyes@sabre.com" in body  # the recruiter
    assert "1 member wants to work here" in body
    assert html.count("<rect ") == 12 and "Postings first seen each week" in body
    assert client.get("/companies/SABRE-Inc").status_code == 404  # slugs are the key
    assert client.get("/companies/nobody-at-all").status_code == 404
    assert app.test_client().get("/companies/sabre").status_code == 302  # sign in first


def test_company_page_without_recruiter_mail_shows_the_sharers(app: Flask, world: World) -> None:
    body = text_of(sign_in(app, world.dan).get("/companies/acme"))
    assert "No recruiter mail about this company yet. These members shared its postings:" in body
    assert "Carol King" in body and "Senior Marketing Manager" in body
    index = html_of(sign_in(app, world.dan).get("/companies/"))
    assert 'href="/companies/sabre"' in index and 'href="/companies/acme"' in index


# -- in Chromium ---------------------------------------------------------------------------------


@pytest.fixture
def site(app: Flask, cfg: Config) -> Iterator[str]:
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    cfg.web.base_url = f"http://127.0.0.1:{server.effective_port}"
    thread = threading.Thread(target=server.run, name="waitress-companies", daemon=True)
    thread.start()
    try:
        yield cfg.web.base_url
    finally:
        server.close()
        thread.join(timeout=5)


def browser_sign_in(page: Page, app: Flask, base: str, member_id: int) -> None:
    token = app.extensions["jobdigest"].signer.dumps(
        "signin", [member_id, secrets.token_urlsafe(9), "/"]
    )
    page.goto(f"{base}/signin/{token}")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("^Hello"))).to_be_visible()


def test_company_page_in_chromium(browser: Browser, app: Flask, site: str, world: World) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        browser_sign_in(page, app, site, world.carol)
        page.get_by_role("link", name="Companies").click()
        page.get_by_role("link", name="Sabre").click()
        expect(page.get_by_role("heading", name="Sabre", exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name="Members who worked here")).to_be_visible()
        expect(page.get_by_text("worked at Sabre Holdings")).to_be_visible()
        expect(page.get_by_text("Jordan Reyes")).to_be_visible()
        chart = page.get_by_role("img", name=re.compile("Postings first seen each week"))
        expect(chart).to_be_visible()
        assert chart.bounding_box()["height"] > 100  # type: ignore[index]
        expect(page.get_by_role("link", name=re.compile("Brand Manager"))).to_have_attribute(
            "href", re.compile(r"^https://sabre\.wd1\.myworkdayjobs\.com/")
        )
        page.get_by_text("As a table").click()
        expect(page.get_by_role("cell", name="1").first).to_be_visible()
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "company-page.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(SHOTS / "company-page-phone.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"company page scrolls sideways on a phone ({width}px)"
    finally:
        context.close()


def test_a_lead_watches_a_suggested_company_in_chromium(
    browser: Browser, app: Flask, site: str, world: World, db: Database
) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        browser_sign_in(page, app, site, world.alice)
        page.get_by_role("link", name="My sub-groups").click()
        expect(page.get_by_label("Careers URL of Sabre")).to_have_value(
            "https://sabre.wd1.myworkdayjobs.com/SabreJobs"
        )
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "lead-target-suggestions.png"), full_page=True)
        page.get_by_role("button", name="Watch Sabre").click()
        expect(page.get_by_role("status")).to_contain_text("Watching Sabre")
        expect(page.get_by_role("button", name="Stop watching Sabre")).to_be_visible()
        page.screenshot(path=str(SHOTS / "lead-watches.png"), full_page=True)
    finally:
        context.close()
    with db.session() as s:
        (watch,) = s.scalars(select(Source).where(Source.origin == "watch")).all()
        assert (watch.kind, watch.name) == ("workday", "Sabre")
