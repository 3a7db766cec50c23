"""axe-core in Chromium over every kind of page and the digest: no serious or critical violation.

axe-core comes with the PyPI package axe-playwright-python (its bundled axe.min.js), injected
into each page through Playwright's sync API; nothing is fetched from the network. Pages are
checked with every rule in the light colour scheme at 1280 and 390 px, and for colour contrast
again in the dark scheme (the only rule the scheme changes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from digest.delivery.render import Links, render
from digest.store.models import Member
from digest.web.digests import current_period, member_digest
from tests.test_web_browser import PHONE, WIDE, Site, furnish, open_as, site  # noqa: F401

BLOCKING = ("serious", "critical")
AXE = Axe()
#: (colour scheme, viewport, axe options): every rule in light, contrast again in dark.
RUNS = {
    "light-1280": ("light", WIDE, {"resultTypes": ["violations"]}),
    "light-390": ("light", PHONE, {"resultTypes": ["violations"]}),
    "dark-1280": ("dark", WIDE, {"resultTypes": ["violations"], "runOnly": ["color-contrast"]}),
}


@pytest.fixture(params=list(RUNS))
def run(request: pytest.FixtureRequest) -> tuple[str, dict[str, int], dict[str, object]]:
    return RUNS[request.param]


@pytest.fixture
def report() -> Iterator[dict[str, list[str]]]:
    """Collects every page's problems; the test fails at the end listing all of them."""
    found: dict[str, list[str]] = {}
    yield found
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(
        f"  {page}: {issue}" for page, issues in found.items() for issue in issues
    )


class Checker:
    def __init__(self, options: dict[str, object], found: dict[str, list[str]]) -> None:
        self.options, self.found = options, found

    def __call__(self, page: Page, what: str) -> None:
        """Record axe-core's serious and critical violations on the page, one line each."""
        results = AXE.run(page, options=self.options).response
        issues = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            for v in results["violations"]
            if v["impact"] in BLOCKING
        ]
        if issues:
            self.found[what] = issues


def test_signed_out_member_and_error_pages(
    site: Site,  # noqa: F811
    browser: Browser,
    run: tuple[str, dict[str, int], dict[str, object]],
    report: dict[str, list[str]],
) -> None:
    scheme, viewport, options = run
    check = Checker(options, report)
    furnish(site)
    context = browser.new_context(viewport=viewport, color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    w, cfg = site.world, site.cfg
    signer = site.app.extensions["jobdigest"].signer
    try:
        page.goto(f"{site.url}/signin")
        check(page, "signin")
        page.get_by_label("Your email address").fill("carol@example.org")
        page.get_by_role("button", name="Email me a sign-in link").click()
        expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
        check(page, "signin sent")
        page.goto(f"{site.url}/signin/not-a-token")
        check(page, "signin link not valid")
        page.goto(f"{site.url}/signin/{signer.dumps('signin', [w.carol, 'axe-check', '/'])}")
        check(page, "signin confirm")
        links = Links(cfg, signer, w.carol)
        for name, url in (
            ("preferences", links.preferences),
            ("web digest", links.web_digest),
            ("feedback", links.feedback(w.p_marketing, "applied")),
            ("unsubscribe", links.unsubscribe),
        ):
            page.goto(url)
            check(page, name)
        page.get_by_role("button", name="Unsubscribe").click()
        expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
        check(page, "unsubscribed")
        page.goto(Links(cfg, signer, w.operator).web_digest)  # no sub-groups: no leads
        check(page, "web digest without leads")
        page.goto(f"{site.url}/no-such-page")
        check(page, "error 404")
    finally:
        context.close()


def test_lead_and_operator_pages(
    site: Site,  # noqa: F811
    browser: Browser,
    run: tuple[str, dict[str, int], dict[str, object]],
    report: dict[str, list[str]],
) -> None:
    scheme, viewport, options = run
    check = Checker(options, report)
    furnish(site)
    w = site.world
    for who, paths in (
        (w.alice, [
            "/", "/lead/", f"/lead/{w.marketing}/", f"/lead/{w.marketing}/members",
            f"/lead/{w.marketing}/postings/{w.p_marketing}",
            f"/lead/{w.marketing}/members/{w.carol}/digest", "/operator/",  # 403 for a lead
        ]),
        (w.operator, [
            "/", "/operator/", "/operator/members", "/operator/subgroups", "/operator/sources",
            "/operator/held", "/operator/failed", "/operator/deliveries",
        ]),
    ):  # fmt: skip
        page = open_as(browser, site, who, viewport, color_scheme=scheme)
        try:
            for path in paths:
                page.goto(site.url + path)
                check(page, path)
            if who == w.alice:  # the roles page, then with a role open and its preview filled in
                page.goto(f"{site.url}/lead/{w.marketing}/roles")
                check(page, "roles")
                page.locator("#role-0 summary").click()
                page.locator("#roles-0-synonyms").fill("Brand Manager")
                expect(page.locator("#preview-body")).to_contain_text("Would newly match")
                check(page, "roles with preview")
        finally:
            page.context.close()


def test_the_digest_html(
    site: Site,  # noqa: F811
    browser: Browser,
    run: tuple[str, dict[str, int], dict[str, object]],
    report: dict[str, list[str]],
) -> None:
    """The HTML part as a mail client shows it: offline, no scripts of its own."""
    scheme, viewport, options = run
    with site.db.session() as session:
        carol = session.get_one(Member, site.world.carol)
        _ = carol.subgroups
        digest = member_digest(session, site.cfg, carol, current_period(site.cfg))
        signer = site.app.extensions["jobdigest"].signer
        html, _text = render(site.cfg, digest, Links(site.cfg, signer, carol.id))
    assert digest.leads and re.search(r'<html[^>]* lang="en"', html)
    page = browser.new_page(viewport=viewport, color_scheme=scheme)  # type: ignore[arg-type]
    try:
        page.route("**/*", lambda route: route.abort())
        page.set_content(html, wait_until="load")
        Checker(options, report)(page, "digest")
    finally:
        page.close()
